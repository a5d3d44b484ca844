/**
 * BILL's list mechanics for every `GET` list (developer.bill.com "Search operations with lists",
 * "Filterable fields"): `max` (default 20, at most 100), an opaque `page` token taken from the
 * previous answer's `nextPage`/`prevPage`, `filters=field:op:value[,field:op:value]` with quoted
 * strings and dates, and `sort=field:asc|desc`. Answer: `{nextPage?, prevPage?, results}`.
 */
import { createHash } from 'node:crypto';
import { fail } from './errors.js';

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'sw';
const ops: readonly Op[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'sw'];

export interface ListSpec {
  /** Filterable fields (dot paths) and the operators BILL allows on each. */
  filters: Record<string, readonly Op[]>;
  sorts: readonly string[];
}

const times: readonly Op[] = ['gt', 'gte', 'lt', 'lte'];
const idOps: readonly Op[] = ['eq', 'ne', 'in'];
const archivedOps: readonly Op[] = ['eq', 'ne'];

/** Fields common to every list (id, archived, createdTime, updatedTime). */
export function listSpec(extra: Record<string, readonly Op[]> = {}, sorts: readonly string[] = []): ListSpec {
  return {
    filters: { id: idOps, archived: archivedOps, createdTime: times, updatedTime: times, ...extra },
    sorts: ['createdTime', 'updatedTime', ...sorts],
  };
}

export const specs = {
  classification: listSpec({ name: ['eq', 'sw'] }, ['name']),
  chartOfAccounts: listSpec({ name: ['eq', 'sw'], 'account.type': ['eq', 'ne', 'in', 'nin'] }, ['name']),
  vendors: listSpec({ name: ['eq', 'sw'], accountType: ['eq', 'ne', 'in', 'nin'], 'address.country': ['eq', 'ne'], billCurrency: ['eq', 'ne', 'in', 'nin'] }, ['name']),
  customers: listSpec({ name: ['eq', 'sw'], accountType: ['eq', 'ne', 'in', 'nin'], 'billingAddress.country': ['eq', 'ne'], invoiceCurrency: ['eq', 'ne', 'in', 'nin'] }, ['name']),
  bills: listSpec({ vendorId: ['eq', 'in'], dueDate: times, paymentStatus: ['eq', 'ne', 'in'], payFromChartOfAccountId: idOps }, ['dueDate', 'archived']),
  vendorCredits: listSpec({ vendorId: ['eq', 'in'], creditDate: times }, ['creditDate']),
  payments: listSpec({ vendorId: ['eq', 'in'], billId: ['eq', 'in'], processDate: times }, ['processDate']),
  bankAccounts: listSpec({ bankAccountId: ['eq', 'in'], type: ['eq', 'ne'] }),
  documents: { filters: {}, sorts: [] },
} satisfies Record<string, ListSpec>;

interface Filter {
  field: string;
  op: Op;
  value: string;
}

export interface ListQuery {
  max: number;
  offset: number;
  filters: Filter[];
  sort: Array<{ field: string; desc: boolean }>;
  /** Ties a page token to the filters and sort it was made for. */
  signature: string;
}

/** Splits on commas outside double quotes. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') parts.push(current);
  return parts;
}

const unquote = (v: string) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** The date-time forms BILL accepts for createdTime/updatedTime filters; without a zone, UTC [?]. */
export function parseFilterTime(value: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?(Z|[+-]\d\d:?\d\d)?)?$/.exec(value);
  if (!m) return undefined;
  const [, d, hm, s, ms, zone] = m;
  const text = `${d}T${hm ?? '00:00'}:${s ?? '00'}.${(ms ?? '0').padEnd(3, '0')}${zone ? (zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone) : 'Z'}`;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

export function parseListQuery(query: (name: string) => string | undefined, spec: ListSpec): ListQuery {
  const maxText = query('max');
  const max = maxText === undefined || maxText === '' ? 20 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    fail(400, 'invalidValue', 'max must be a whole number from 1 to 100.', [{ name: 'max', value: maxText ?? '' }]);
  }
  const filters: Filter[] = [];
  for (const part of splitTop(query('filters') ?? '')) {
    const first = part.indexOf(':');
    const second = part.indexOf(':', first + 1);
    if (first < 0 || second < 0) fail(400, 'malformed', `Filter "${part}" is not in the form field:op:value.`, [{ name: 'filters', value: part }]);
    const field = part.slice(0, first).trim();
    const op = part.slice(first + 1, second).trim() as Op;
    const value = unquote(part.slice(second + 1).trim());
    if (!ops.includes(op)) fail(400, 'malformed', `Unknown filter operator "${op}".`, [{ name: 'filters', value: part }]);
    const allowed = spec.filters[field];
    if (!allowed) fail(400, 'malformed', `Field "${field}" cannot be used in filters.`, [{ name: 'filters', value: field }]);
    if (!allowed.includes(op)) fail(400, 'malformed', `Operator "${op}" cannot be used with "${field}".`, [{ name: 'filters', value: part }]);
    if ((field === 'createdTime' || field === 'updatedTime') && parseFilterTime(value) === undefined) {
      fail(400, 'invalidValue', `"${value}" is not a date-time BILL accepts for ${field}.`, [{ name: 'filters', value: part }]);
    }
    filters.push({ field, op, value });
  }
  const sort: ListQuery['sort'] = [];
  for (const part of splitTop(query('sort') ?? '')) {
    const [field = '', dir = 'asc'] = part.split(':');
    if (!spec.sorts.includes(field) || !['asc', 'desc'].includes(dir)) fail(400, 'malformed', `Cannot sort by "${part}".`, [{ name: 'sort', value: part }]);
    sort.push({ field, desc: dir === 'desc' });
  }
  const signature = createHash('sha256').update(JSON.stringify([filters, sort])).digest('base64url').slice(0, 12);
  let offset = 0;
  const page = query('page');
  if (page) {
    const decoded = decodePage(page);
    if (!decoded || decoded.s !== signature) fail(400, 'invalidPage', 'The page token is not valid for this list request.', [{ name: 'page', value: page }]);
    offset = decoded.o;
  }
  return { max, offset, filters, sort, signature };
}

function encodePage(offset: number, signature: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: signature })).toString('base64url');
}

function decodePage(token: string): { o: number; s: string } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; s?: unknown };
    return Number.isInteger(v.o) && (v.o as number) >= 0 && typeof v.s === 'string' ? { o: v.o as number, s: v.s } : undefined;
  } catch {
    return undefined;
  }
}

function valueAt(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function compare(a: unknown, b: unknown, field: string): number {
  if (field === 'createdTime' || field === 'updatedTime') return Date.parse(String(a)) - Date.parse(String(b));
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

function matches(record: unknown, f: Filter): boolean {
  const actual = valueAt(record, f.field);
  if (f.field === 'createdTime' || f.field === 'updatedTime') {
    const t = Date.parse(String(actual));
    const wanted = parseFilterTime(f.value)!;
    return f.op === 'gt' ? t > wanted : f.op === 'gte' ? t >= wanted : f.op === 'lt' ? t < wanted : t <= wanted;
  }
  const text = typeof actual === 'boolean' || typeof actual === 'number' ? String(actual) : String(actual ?? '');
  switch (f.op) {
    case 'eq':
      return text === f.value;
    case 'ne':
      return text !== f.value;
    case 'in':
      return f.value.split(',').map((v) => v.trim()).includes(text);
    case 'nin':
      return !f.value.split(',').map((v) => v.trim()).includes(text);
    case 'sw':
      return text.toLowerCase().startsWith(f.value.toLowerCase());
    default: {
      const c = compare(text, f.value, f.field);
      return f.op === 'gt' ? c > 0 : f.op === 'gte' ? c >= 0 : f.op === 'lt' ? c < 0 : c <= 0;
    }
  }
}

/** Filters, sorts (stable: creation order breaks ties) and pages `records`, each shown through `present`. */
export function runList<T>(records: readonly T[], q: ListQuery, present: (record: T) => unknown = (r) => r) {
  let rows = records.filter((r) => q.filters.every((f) => matches(r, f)));
  if (q.sort.length > 0) {
    const indexed = rows.map((r, i) => ({ r, i }));
    indexed.sort((x, y) => {
      for (const s of q.sort) {
        const c = compare(valueAt(x.r, s.field), valueAt(y.r, s.field), s.field);
        if (c !== 0) return s.desc ? -c : c;
      }
      return x.i - y.i;
    });
    rows = indexed.map((x) => x.r);
  }
  const results = rows.slice(q.offset, q.offset + q.max).map(present);
  return {
    ...(q.offset + q.max < rows.length ? { nextPage: encodePage(q.offset + q.max, q.signature) } : {}),
    ...(q.offset > 0 ? { prevPage: encodePage(Math.max(0, q.offset - q.max), q.signature) } : {}),
    results,
  };
}
