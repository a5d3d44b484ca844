/**
 * BILL's error answers: an HTTP 4xx/5xx whose body is a JSON array of
 * `{timestamp, code, severity, category, message, params?}` (bill-com.md §4; the collection's
 * "List of errors" examples). Codes and messages for the documented ones come from BILL's common
 * error codes page and FAQ; BILL has over 500 codes and does not publish the rest, so the
 * request-validation codes below are stand-ins [?] — the adapter reads `params` and wording, not them.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface BdcParam {
  name: string;
  value: string;
}

export interface BdcError {
  timestamp: string;
  code: string;
  severity: 'ERROR' | 'WARNING' | 'INFORMATION';
  category: 'REQUEST' | 'APPLICATION' | 'SERVER' | 'DOWNSTREAM';
  message: string;
  params?: BdcParam[];
}

export const bdc = {
  system: { code: 'BDC_1001', category: 'SERVER', message: 'System error occurred.' },
  /** BILL's advice for it: a parameter is unknown or misspelt, or the object is in the wrong format. */
  malformed: { code: 'BDC_1002', category: 'REQUEST', message: 'Unknown error occurred.' },
  badLogin: { code: 'BDC_1101', category: 'DOWNSTREAM', message: 'User name and/or password do not match our records.' },
  badDevKey: { code: 'BDC_1102', category: 'DOWNSTREAM', message: 'Developer key is invalid.' },
  /** [?] stand-in: an organisation the user cannot sign in to. */
  badOrganization: { code: 'BDC_1103', category: 'DOWNSTREAM', message: 'Organization is invalid or the user does not have access to it.' },
  sessionInvalid: { code: 'BDC_1109', category: 'DOWNSTREAM', message: 'Session is invalid.  Please log in.' },
  notSupported: { code: 'BDC_1121', category: 'REQUEST', message: 'API not supported.' },
  hourly: { code: 'BDC_1144', category: 'DOWNSTREAM', message: 'Max number of allowed requests per hour reached: 20000.' },
  concurrent: { code: 'BDC_1322', category: 'DOWNSTREAM', message: 'Max number of concurrent requests per organization reached.' },
  /** [?] stand-ins for request validation. */
  required: { code: 'BDC_1200', category: 'REQUEST', message: 'A required field is missing.' },
  invalidValue: { code: 'BDC_1201', category: 'REQUEST', message: 'A field has an invalid value.' },
  invalidReference: { code: 'BDC_1202', category: 'APPLICATION', message: 'A referenced object does not exist.' },
  archivedReference: { code: 'BDC_1203', category: 'APPLICATION', message: 'A referenced object is archived.' },
  notFound: { code: 'BDC_1204', category: 'REQUEST', message: 'Object not found.' },
  mfaRequired: { code: 'BDC_1205', category: 'APPLICATION', message: 'This operation requires an MFA-trusted API session.' },
  fileTooLarge: { code: 'BDC_1206', category: 'REQUEST', message: 'File size exceeds the 6 MB limit.' },
  invalidPage: { code: 'BDC_1207', category: 'REQUEST', message: 'Invalid page token.' },
} as const satisfies Record<string, { code: string; category: BdcError['category']; message: string }>;

export type BdcKind = keyof typeof bdc;

export function bdcError(kind: BdcKind, at: Date, detail?: { message?: string; params?: BdcParam[] }): BdcError {
  const base = bdc[kind];
  return {
    timestamp: at.toISOString().replace('Z', '+00:00'),
    code: base.code,
    severity: 'ERROR',
    category: base.category,
    message: detail?.message ?? base.message,
    ...(detail?.params?.length ? { params: detail.params } : {}),
  };
}

/** A refusal carried as an exception through the route handlers, answered by `onError`. */
export class BdcFailure extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errors: Array<{ kind: BdcKind; message?: string; params?: BdcParam[] }>,
  ) {
    super(errors.map((e) => e.message ?? bdc[e.kind].message).join(' '));
  }
}

export function fail(status: ContentfulStatusCode, kind: BdcKind, message?: string, params?: BdcParam[]): never {
  throw new BdcFailure(status, [{ kind, message, params }]);
}

export function answer(c: Context, status: ContentfulStatusCode, errors: BdcError[]): Response {
  return c.json(errors, status);
}
