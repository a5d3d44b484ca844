/**
 * QuickBooks' refusals turned into ProviderErrors (quickbooks-online.md §4). A 400 carries
 * `Fault.Error[]` with `code`, `Message`, `Detail` and sometimes `element`; the code decides the
 * kind (610 / 2500: a list entry is inactive or gone; 6140: duplicate number; the rest: the
 * content), the words say which list or field.
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError, type ProviderFieldError } from '../errors.js';

export interface QboError {
  code: string;
  Message: string;
  Detail: string;
  element?: string;
}

/** Reads `Fault.Error[]` (or the gateway's lower-case `fault.error[]`) from a body. */
export function readFault(body: unknown): { type?: string; errors: QboError[] } {
  if (typeof body !== 'object' || body === null) return { errors: [] };
  const b = body as Record<string, unknown>;
  const fault = (b.Fault ?? b.fault) as Record<string, unknown> | undefined;
  if (!fault || typeof fault !== 'object') return { errors: [] };
  const list = (fault.Error ?? fault.error) as unknown;
  const errors = (Array.isArray(list) ? list : []).map((e: Record<string, unknown>) => ({
    code: String(e.code ?? ''),
    Message: String(e.Message ?? e.message ?? ''),
    Detail: String(e.Detail ?? e.detail ?? ''),
    element: typeof e.element === 'string' && e.element !== '' ? e.element : undefined,
  }));
  return { type: typeof fault.type === 'string' ? fault.type : undefined, errors };
}

/** Which list a reference belongs to, from the element path or the entity named in the detail. */
export function listOf(error: QboError): { list?: ListKind; what: string } {
  // The element names the field exactly; without one, the detail names the entity.
  const text = error.element ?? error.Detail.replace(/Check the fields with .*$/i, '');
  const rules: [RegExp, ListKind, string][] = [
    [/CheckPayment|CreditCardPayment|BankAccountRef|CCAccountRef|^AccountRef$/, 'bank_accounts', 'bank or card account'],
    [/TaxCode|TaxRate/i, 'tax_rates', 'tax rate'],
    [/Class|Department/i, 'projects', 'class or location'],
    [/ProjectRef|Line\.\w+\.CustomerRef/i, 'projects', 'project'],
    [/ItemRef|\bItem\b/i, 'products', 'product or service'],
    [/Account/i, 'categories', 'category (account)'],
    [/Vendor|EntityRef/i, 'contacts', 'supplier'],
    [/Customer/i, 'contacts', 'customer'],
  ];
  for (const [pattern, list, what] of rules) if (pattern.test(text)) return { list, what };
  return { what: 'list entry' };
}

/** Field names in our document's words where QuickBooks names its own. */
function fieldOf(error: QboError): string {
  const element = error.element ?? '';
  const line = /Line\[(\d+)\]/.exec(element);
  const prefix = line ? `lines[${line[1]}].` : '';
  if (/DocNumber/.test(element) || error.code === '6140') return 'number';
  if (/TaxCodeRef/.test(element)) return `${prefix}tax`;
  if (/AccountRef/.test(element) && /Line/.test(element)) return `${prefix}category`;
  if (/Amount/.test(element)) return `${prefix}amount`;
  if (/VendorRef|CustomerRef|EntityRef/.test(element) && !line) return 'contact';
  if (/CurrencyRef/.test(element)) return 'currency';
  if (/TxnDate/.test(element)) return 'date';
  return element || 'document';
}

const clean = (detail: string) => detail.replace(/^(Business Validation Error|Invalid Reference Id|Object Not Found|Duplicate Document Number Error)\s*:\s*/i, '').trim();

/** One document-level refusal (HTTP 400, or a batch item's Fault). */
export function documentError(errors: QboError[], status: number | undefined, label: string): ProviderError {
  const first = errors[0] ?? { code: '', Message: 'QuickBooks refused the document', Detail: '' };
  const raw = errors.map((e) => `${e.code} ${e.Message}: ${e.Detail}`).join(' | ');
  const details = { status, providerMessage: raw };
  if (first.code === '610' || first.code === '2500') {
    const { list, what } = listOf(first);
    const inactive = first.code === '610';
    return new ProviderError(
      'stale_reference',
      `QuickBooks ${inactive ? 'has made inactive' : 'does not have'} the ${what} this ${label} uses. Refresh the lists and choose another.`,
      { ...details, ...(list ? { list } : {}) },
    );
  }
  const fields: ProviderFieldError[] = errors.map((e) => ({ field: fieldOf(e), message: clean(e.Detail) || e.Message }));
  if (first.code === '6140') {
    return new ProviderError('validation', `QuickBooks already has a document with this number: use a different number or check it was not published before.`, { ...details, fields });
  }
  if (first.code === '5010') {
    return new ProviderError('transient', 'Someone changed this document in QuickBooks at the same time. Try again.', details);
  }
  return new ProviderError('validation', `QuickBooks did not accept the ${label}: ${clean(first.Detail) || first.Message}`, { ...details, fields });
}

/** A refusal of a whole call that is not about one document. */
export function callError(status: number, body: unknown, tid: string | null): ProviderError {
  const { type, errors } = readFault(body);
  const first = errors[0];
  const providerMessage = `${first ? `${first.code} ${first.Message}: ${first.Detail}` : `HTTP ${status}`}${tid ? ` (intuit_tid ${tid})` : ''}`;
  if (status === 401) {
    return new ProviderError('expired', 'QuickBooks no longer accepts this connection (it expired or was disconnected in QuickBooks): reconnect QuickBooks.', { status, providerMessage });
  }
  if (status === 403) {
    return new ProviderError(
      'forbidden',
      'QuickBooks refused access to this company: the person who connected it may no longer be an admin there, or the subscription has lapsed. Reconnect as a QuickBooks admin.',
      { status, providerMessage },
    );
  }
  if (/ThrottleExceeded/i.test(first?.Message ?? '')) {
    return new ProviderError('rate_limited', 'QuickBooks asked us to slow down.', { status, providerMessage, retryAfterMs: 60_000 });
  }
  if (type === 'SystemFault') return new ProviderError('transient', 'QuickBooks had a problem on its side. We will try again.', { status, providerMessage });
  return new ProviderError('validation', `QuickBooks refused the request: ${first ? clean(first.Detail) || first.Message : `HTTP ${status}`}`, { status, providerMessage });
}
