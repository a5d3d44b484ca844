/**
 * BILL's refusals turned into ProviderErrors. BILL answers a 4xx/5xx whose body is an array of
 * `{timestamp, code, severity, category, message, params?}` (bill-com.md §4). The documented
 * codes decide sign-in and limit problems; document refusals are read from `params` (which
 * field) and the wording (does not exist / archived), since BILL's other codes are not published.
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError, type ProviderFieldError } from '../errors.js';

export interface BdcError {
  code?: string;
  message?: string;
  category?: string;
  severity?: string;
  params?: Array<{ name?: string; value?: string }>;
}

export const codes = {
  system: 'BDC_1001',
  badLogin: 'BDC_1101',
  badDevKey: 'BDC_1102',
  sessionInvalid: 'BDC_1109',
  notSupported: 'BDC_1121',
  hourly: 'BDC_1144',
  concurrent: 'BDC_1322',
} as const;

/** Reads BILL's error array (or a v2-style envelope, or a lone object) without trusting its shape. */
export function readBdcErrors(value: unknown): BdcError[] {
  const one = (v: unknown): BdcError | undefined => {
    if (!v || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
    const params = Array.isArray(o.params)
      ? o.params.filter((p): p is Record<string, unknown> => !!p && typeof p === 'object').map((p) => ({ name: typeof p.name === 'string' ? p.name : undefined, value: typeof p.value === 'string' ? p.value : undefined }))
      : undefined;
    const data = o.response_data as Record<string, unknown> | undefined;
    if (data && typeof data === 'object' && typeof data.error_code === 'string') {
      return { code: data.error_code, message: typeof data.error_message === 'string' ? data.error_message : undefined };
    }
    return str('code') || str('message') ? { code: str('code'), message: str('message'), category: str('category'), severity: str('severity'), params } : undefined;
  };
  if (Array.isArray(value)) return value.map(one).filter((e): e is BdcError => !!e);
  const single = one(value);
  return single ? [single] : [];
}

export function firstCode(errors: BdcError[]): string {
  return errors[0]?.code ?? '';
}

export function providerMessageOf(errors: BdcError[], status: number): string {
  return errors.length ? errors.map((e) => `${e.code ?? '?'}: ${e.message ?? ''}`.trim()).join(' | ').slice(0, 500) : `HTTP ${status}`;
}

/** Milliseconds until the next clock hour, when BILL's hourly window starts again. */
export function msToNextHour(now: Date): number {
  return 3_600_000 - (now.getTime() % 3_600_000);
}

/** BDC_1144 / BDC_1322 as `rate_limited` (BILL sends them as a 4xx with the code in the body). */
export function limitError(errors: BdcError[], status: number, now: Date): ProviderError | undefined {
  const code = firstCode(errors);
  const providerMessage = providerMessageOf(errors, status);
  if (code === codes.hourly) {
    const wait = msToNextHour(now);
    const at = new Date(now.getTime() + wait).toISOString().slice(11, 16);
    return new ProviderError('rate_limited', `BILL's hourly call limit for this server's developer key is used up; Bookbridge carries on at ${at} UTC.`, {
      status,
      retryAfterMs: wait,
      providerMessage,
    });
  }
  if (code === codes.concurrent) {
    return new ProviderError('rate_limited', 'BILL is busy with other calls for this organisation; Bookbridge will try again in a moment.', { status, retryAfterMs: 2000, providerMessage });
  }
  return undefined;
}

export type Phase = 'connect' | 'use';

/** Where the developer key came from: the user typed it, or it is this server's (BILL_COM_DEVELOPER_KEY). */
export type KeySource = 'user' | 'server';

/** A refused `POST /v3/login`, in words that say which part to fix. */
export function loginError(errors: BdcError[], status: number, phase: Phase, keySource: KeySource, now: Date): ProviderError {
  const limited = limitError(errors, status, now);
  if (limited) return limited;
  const code = firstCode(errors);
  const details = { status, providerMessage: providerMessageOf(errors, status) };
  const connect = phase === 'connect';
  const text = errors.map((e) => `${e.message ?? ''} ${(e.params ?? []).map((p) => p.name).join(' ')}`).join(' ');
  if (code === codes.badDevKey || /developer key|devKey/i.test(text)) {
    if (keySource === 'server') {
      return new ProviderError('forbidden', "BILL refused this server's developer key. The server administrator must set BILL_COM_DEVELOPER_KEY to a current key (BILL Settings > Sync & Integrations > Manage Developer Keys).", details);
    }
    return connect
      ? new ProviderError('credentials', 'BILL did not accept the developer key: copy it again from Settings > Sync & Integrations > Manage Developer Keys.', { ...details, fields: [{ field: 'devKey', message: 'Not accepted by BILL' }] })
      : new ProviderError('expired', 'BILL no longer accepts the saved developer key: reconnect BILL with a current key.', details);
  }
  if (code === codes.badLogin) {
    return connect
      ? new ProviderError('credentials', 'BILL did not accept the email or password. Use the ones you sign in to BILL with (sandbox and production accounts are separate).', {
          ...details,
          fields: [
            { field: 'username', message: 'Email or password not accepted' },
            { field: 'password', message: 'Email or password not accepted' },
          ],
        })
      : new ProviderError('expired', 'BILL no longer accepts the saved email and password (the password may have changed): reconnect BILL.', details);
  }
  if (/organi[sz]ation/i.test(text)) {
    return connect
      ? new ProviderError('credentials', "BILL did not let this user into that organization: check the Organization ID at the bottom of BILL's Settings page (it begins with 008) and that the user belongs to it.", {
          ...details,
          fields: [{ field: 'organizationId', message: 'Not an organization this user can sign in to' }],
        })
      : new ProviderError('expired', 'This BILL user can no longer sign in to the organization: reconnect BILL.', details);
  }
  if (status >= 400 && status < 500) {
    return connect
      ? new ProviderError('credentials', `BILL refused the sign-in: ${errors[0]?.message ?? `HTTP ${status}`}`, details)
      : new ProviderError('expired', 'BILL refused to sign in with the saved details: reconnect BILL.', details);
  }
  return new ProviderError('transient', 'BILL could not sign in just now.', details);
}

/** Refusals that are not about the document itself (session, permission, API); undefined otherwise. */
export function accessError(errors: BdcError[], status: number, now: Date): ProviderError | undefined {
  const limited = limitError(errors, status, now);
  if (limited) return limited;
  const code = firstCode(errors);
  const details = { status, providerMessage: providerMessageOf(errors, status) };
  if (code === codes.sessionInvalid) {
    return new ProviderError('expired', 'BILL ended the session and would not start a new one: reconnect BILL.', details);
  }
  if (code === codes.badDevKey) {
    return new ProviderError('forbidden', "BILL refused the developer key on a call it had accepted at sign-in: check the server's BILL_COM_DEVELOPER_KEY.", details);
  }
  if (code === codes.notSupported) {
    return new ProviderError('forbidden', 'BILL does not offer this API call for the organization (API not supported).', details);
  }
  if (status === 401) return new ProviderError('expired', 'BILL no longer accepts this connection: reconnect BILL.', details);
  if (status === 403) {
    const mfa = errors.some((e) => /MFA/i.test(e.message ?? ''));
    return new ProviderError(
      'forbidden',
      mfa
        ? 'BILL wants a multi-factor-trusted session for this; Bookbridge only records bills and payments made outside BILL.'
        : "The BILL user Bookbridge signs in as lacks permission for this: give it the Administrator or Accountant role in BILL's Settings > Users.",
      details,
    );
  }
  return undefined;
}

const staleFields: Array<{ field: RegExp; list: ListKind; what: string }> = [
  { field: /(^|\.)vendorId$/, list: 'contacts', what: 'vendor' },
  { field: /(^|\.)customerId$/, list: 'contacts', what: 'customer' },
  { field: /chartOfAccountId$/i, list: 'categories', what: 'category (chart of accounts)' },
  { field: /(^|\.)(jobId|departmentId|locationId|accountingClassId|employeeId)$/, list: 'projects', what: 'project' },
  { field: /(^|\.)itemId$/, list: 'products', what: 'item' },
];

const missing = /(does not exist|not exist|not found|no longer|invalid|archived|inactive)/i;

/** `billLineItems[2].amount` → "Line 3 amount"; BILL's own words otherwise. */
export function humanise(message: string): string {
  return message
    .replace(/^\[\d+\]\./, '')
    .replace(/\b(?:billLineItems|vendorCreditLineItems)\[(\d+)\]\.?/g, (_, n: string) => `Line ${Number(n) + 1} `)
    .replace(/\s+/g, ' ')
    .trim();
}

/** A 400 on a document: a stale list entry, or the content itself. */
export function documentError(errors: BdcError[], status: number): ProviderError {
  const details = { status, providerMessage: providerMessageOf(errors, status) };
  for (const e of errors) {
    const name = (e.params?.[0]?.name ?? '').replace(/^\[\d+\]\.?/, '');
    const rule = staleFields.find((r) => r.field.test(name));
    if (rule && missing.test(e.message ?? '')) {
      const archived = /archived|inactive/i.test(e.message ?? '');
      return new ProviderError('stale_reference', `BILL ${archived ? 'has archived' : 'does not have'} the ${rule.what} this item uses. Refresh the lists and choose another.`, { ...details, list: rule.list });
    }
  }
  const fields: ProviderFieldError[] = errors.map((e) => ({
    field: (e.params?.[0]?.name ?? 'document').replace(/^\[\d+\]\.?/, '') || 'document',
    message: humanise(e.message ?? e.code ?? 'Refused'),
  }));
  const first = fields[0]?.message ?? `HTTP ${status}`;
  return new ProviderError('validation', `BILL refused the document: ${first}`, { ...details, fields });
}
