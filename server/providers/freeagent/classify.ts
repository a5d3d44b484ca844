/**
 * FreeAgent's refusals turned into ProviderErrors. FreeAgent answers validation failures with
 * 422 `{"errors":{"error":{"message":"…"}}}`; several errors are believed to come as an array
 * (freeagent.md §4, unverified), so every shape is read: `errors.error` as object or array,
 * and `errors` as array or object.
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError, type ProviderFieldError } from '../errors.js';

export function errorMessages(body: unknown): string[] {
  if (typeof body === 'string') return body.trim() ? [body.trim().slice(0, 300)] : [];
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as Record<string, unknown>).errors ?? (body as Record<string, unknown>).error;
  const read = (value: unknown): string[] => {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.flatMap(read);
    if (typeof value === 'object' && value !== null) {
      const v = value as Record<string, unknown>;
      if (typeof v.message === 'string') return [v.message];
      if (v.error !== undefined) return read(v.error);
    }
    return [];
  };
  return read(errors);
}

const staleRules: Array<{ pattern: RegExp; list: ListKind; what: string }> = [
  { pattern: /\bcontact is invalid\b|\bcontact (was )?not found\b/i, list: 'contacts', what: 'supplier or customer' },
  { pattern: /\bcategory is invalid\b|\bcategory (was )?not found\b/i, list: 'categories', what: 'category' },
  { pattern: /\bproject is invalid\b|\bproject (was )?not found\b/i, list: 'projects', what: 'project' },
  { pattern: /\bbank account is invalid\b|\bbank account (was )?not found\b/i, list: 'bank_accounts', what: 'bank account' },
  { pattern: /\bsales tax rate is not\b/i, list: 'tax_rates', what: 'VAT rate' },
];

/** "Bill item 2: Category is invalid" → lines[1].category; "Due on …" → dueDate. */
export function fieldOf(message: string): string {
  const item = /^(?:Bill item|Invoice item|Credit note item|Expense) (\d+): /i.exec(message);
  const prefix = item ? `lines[${Number(item[1]) - 1}].` : /^(Bill item|Invoice item|Credit note item) /i.test(message) ? 'lines[0].' : '';
  const rest = message.replace(/^(?:Bill item|Invoice item|Credit note item|Expense)(?: \d+:)? /i, '');
  const fields: Array<[RegExp, string]> = [
    [/^contact\b/i, 'contact'],
    [/^category\b/i, 'category'],
    [/^project\b/i, 'project'],
    [/^(sales tax rate|sales tax status|manual sales tax)/i, 'tax'],
    [/^(total value|gross value|price|quantity)/i, 'amount'],
    [/^description\b/i, 'description'],
    [/^dated on\b/i, 'date'],
    [/^due on\b/i, 'dueDate'],
    [/^reference\b/i, 'reference'],
    [/^currency\b|^exchange rate\b/i, 'currency'],
    [/^attachment\b/i, 'attachment'],
    [/^(bank account|bank transaction)\b/i, 'paid.bankAccount'],
    [/^paid (bill|invoice)\b/i, 'paid'],
    [/^user\b/i, 'contact'],
  ];
  const hit = fields.find(([re]) => re.test(rest));
  const field = hit?.[1] ?? 'document';
  return prefix && !['contact', 'date', 'dueDate', 'reference', 'currency', 'attachment', 'paid.bankAccount', 'paid'].includes(field) ? `${prefix}${field}` : field;
}

/** A 422 on a document: a list entry FreeAgent no longer has, or the content itself. */
export function documentError(messages: string[], status: number, what: string): ProviderError {
  const providerMessage = messages.join('; ') || `HTTP ${status}`;
  for (const rule of staleRules) {
    const hit = messages.find((m) => rule.pattern.test(m));
    if (hit) {
      return new ProviderError('stale_reference', `FreeAgent does not have the ${rule.what} this item uses any more (${hit}). Refresh the lists and choose another.`, {
        status,
        providerMessage,
        list: rule.list,
        fields: [{ field: fieldOf(hit), message: hit }],
      });
    }
  }
  const fields: ProviderFieldError[] = messages.map((m) => ({ field: fieldOf(m), message: m }));
  if (messages.some((m) => /reference has already been taken/i.test(m))) {
    return new ProviderError('validation', `FreeAgent already has ${what === 'credit note' ? 'a credit note' : 'an invoice'} with this reference: change the item's number.`, { status, providerMessage, fields });
  }
  if (messages.some((m) => /^user is invalid/i.test(m))) {
    return new ProviderError('validation', 'FreeAgent does not have the claimant as a user any more: choose the FreeAgent user who made the claim.', { status, providerMessage, fields });
  }
  return new ProviderError('validation', `FreeAgent refused the ${what}: ${providerMessage}`, { status, providerMessage, fields: fields.length ? fields : [{ field: 'document', message: providerMessage }] });
}

const levelWords: Array<[RegExp, string]> = [
  [/Bills/, 'Bills'],
  [/Banking/, 'Banking'],
  [/Invoices/, 'Invoices, Estimates & Files'],
  [/Contacts/, 'Contacts & Projects'],
  [/Tax, Accounting/, 'Tax, Accounting & Users'],
];

/** 403: the FreeAgent user who connected has too low an access level (scopes do not exist). */
export function permissionError(messages: string[], status: number, action: string): ProviderError {
  const providerMessage = messages.join('; ') || 'Forbidden';
  const level = levelWords.find(([re]) => re.test(providerMessage))?.[1];
  return new ProviderError(
    'forbidden',
    `The FreeAgent user who connected Bookbridge cannot ${action}${level ? ` (it needs the "${level}" access level)` : ''}. Ask the FreeAgent account owner to raise that user's access level, or reconnect as a user with Full access.`,
    { status, providerMessage },
  );
}
