/**
 * Xero's date forms. JSON responses carry MS-JSON dates (`/Date(1552522535440+0000)/`) and, on
 * some objects, ISO siblings such as `DateString` / `UpdatedDateUTCString`; requests send
 * `YYYY-MM-DD` (developer.xero.com/documentation/api/accounting/requests-and-responses).
 */
export function msDate(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

/** `2019-02-26T00:00:00`, the form of `DateString` / `DueDateString`. */
export function isoNoZone(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** `2019-11-14T18:10:38Z`, the form of `UpdatedDateUTCString`. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Connections' `createdDateUtc`: seven fractional digits and no zone, as Xero sends it. */
export function connectionDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000`;
}

/** Parses a date as a request may send it: YYYY-MM-DD, ISO date-time, or MS-JSON. */
export function parseRequestDate(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (ms) return Number(ms[1]);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(t) ? undefined : t;
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) {
    const t = Date.parse(`${value}Z`);
    return Number.isNaN(t) ? undefined : t;
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** Midnight UTC of the day `ms` falls on. */
export function startOfDay(ms: number): number {
  return ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
}
