/**
 * Xero's API errors, classified once (developer.xero.com/documentation/api/http-response-codes):
 * 400 ValidationException with per-element `ValidationErrors`, 401/403 problem details, 404,
 * 413. 429 and 5xx are classified by providerFetch already. A message about an archived or
 * unknown account, tax rate, contact, tracking option or item becomes `stale_reference`, naming
 * the list to refresh; any other refusal is `validation` with the fields it is about.
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError, type ProviderFieldError } from '../errors.js';

interface MessageRule {
  test: RegExp;
  field: string;
  /** The list to refresh when the message says an entry is gone. */
  stale?: ListKind;
}

// Order matters: the first matching rule decides the field (and the list).
const rules: MessageRule[] = [
  { test: /bank ?account.*(archived|deleted|not a valid|could not be found|must be specified)/i, field: 'paid.bankAccount', stale: 'bank_accounts' },
  { test: /TaxType code '.*' cannot be used with account code/i, field: 'lines.tax' },
  { test: /TaxType code '.*' cannot be used on this type of document/i, field: 'lines.tax' },
  { test: /(TaxType|tax rate).*(deleted|archived|does not exist|must be valid|not valid)/i, field: 'lines.tax', stale: 'tax_rates' },
  { test: /account code '.*' (has been archived|is not a valid code)|account must be valid|account could not be found/i, field: 'lines.category', stale: 'categories' },
  { test: /account code or id must be specified/i, field: 'lines.category' },
  { test: /payments can only be made to or from/i, field: 'paid.bankAccount', stale: 'bank_accounts' },
  { test: /contact.*(archived|could not be found|not found|does not exist)/i, field: 'contact', stale: 'contacts' },
  { test: /contact must contain/i, field: 'contact' },
  { test: /tracking/i, field: 'lines.project', stale: 'projects' },
  { test: /item code/i, field: 'lines.product', stale: 'products' },
  { test: /(invoice|credit note) # must be unique/i, field: 'number' },
  { test: /line amount|quantity|unit amount|description field/i, field: 'lines' },
  { test: /total|subtotal/i, field: 'total' },
  { test: /due ?date/i, field: 'dueDate' },
  { test: /\bdate\b/i, field: 'date' },
  { test: /currency/i, field: 'currency' },
  { test: /payment amount|amount outstanding/i, field: 'paid.amount' },
  { test: /status/i, field: 'status' },
];

export function fieldErrors(messages: string[]): { fields: ProviderFieldError[]; stale?: ListKind } {
  let stale: ListKind | undefined;
  const fields = messages.map((message) => {
    const rule = rules.find((r) => r.test.test(message));
    if (rule?.stale && !stale) stale = rule.stale;
    return { field: rule?.field ?? 'document', message };
  });
  return { fields, stale };
}

const listWords: Record<ListKind, string> = {
  categories: 'category',
  contacts: 'supplier or customer',
  tax_rates: 'tax rate',
  products: 'product',
  projects: 'project',
  bank_accounts: 'bank account',
};

/** One refused element (its `ValidationErrors` messages) as a ProviderError. */
export function elementError(messages: string[], status?: number): ProviderError {
  const { fields, stale } = fieldErrors(messages);
  const providerMessage = messages.join(' ');
  if (stale) {
    return new ProviderError(
      'stale_reference',
      `Xero no longer has a ${listWords[stale]} this document uses (archived or deleted in Xero). Refresh the lists and check the document.`,
      { fields, providerMessage, status, list: stale },
    );
  }
  return new ProviderError('validation', `Xero refused the document: ${providerMessage}`, { fields, providerMessage, status });
}

type Json = Record<string, unknown>;

/** Every ValidationErrors message in an element, including those nested in lines, contact... */
export function messagesOf(element: unknown): string[] {
  const out: string[] = [];
  visitMessages(element, 0, out);
  return out;
}

// A loop over keys rather than Object.entries: it runs over every element of every publish answer
// (each echoes the whole document), so the pairs it would allocate add up (issue 8).
function visitMessages(value: unknown, depth: number, out: string[]): void {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) visitMessages(v, depth + 1, out);
    return;
  }
  const record = value as Json;
  const errors = record.ValidationErrors;
  if (Array.isArray(errors)) {
    for (const e of errors) {
      const message = (e as Json | null)?.Message;
      if (typeof message === 'string' && !out.includes(message)) out.push(message);
    }
  }
  for (const key of Object.keys(record)) {
    if (key === 'ValidationErrors') continue;
    const v = record[key];
    if (v !== null && typeof v === 'object') visitMessages(v, depth + 1, out);
  }
}

/** Classifies a non-2xx answer that providerFetch let through (4xx). */
export function responseError(status: number, body: unknown): ProviderError {
  const json = (body && typeof body === 'object' ? body : {}) as Json;
  const detail = typeof json.Detail === 'string' ? json.Detail : typeof json.Message === 'string' ? json.Message : undefined;
  if (status === 401) {
    return new ProviderError('expired', 'Xero no longer accepts this connection. Reconnect it to carry on.', { status, providerMessage: detail });
  }
  if (status === 403) {
    if (detail?.includes('AuthorizationUnsuccessful')) {
      return new ProviderError('forbidden', 'Xero refused this request: the connection lacks the permission for it. Reconnect to grant it.', {
        status,
        providerMessage: detail,
      });
    }
    return new ProviderError('expired', 'This organisation is no longer connected to Bookbridge in Xero. Reconnect it to carry on.', {
      status,
      providerMessage: detail,
    });
  }
  if (status === 400 && json.Type === 'ValidationException' && Array.isArray(json.Elements)) {
    const messages = json.Elements.flatMap((e) => messagesOf(e));
    return elementError(messages.length > 0 ? messages : [String(json.Message ?? 'A validation exception occurred')], status);
  }
  if (status === 404) return new ProviderError('validation', 'Xero could not find that document.', { status, providerMessage: detail });
  if (status === 413) {
    return new ProviderError('validation', 'The file is larger than Xero accepts.', { status, providerMessage: detail, fields: [{ field: 'file', message: 'Too large' }] });
  }
  return new ProviderError('validation', `Xero refused the request${detail ? `: ${detail}` : ` (${status})`}.`, { status, providerMessage: detail });
}
