/**
 * KashFlow's refusals turned into ProviderErrors. KashFlow answers `{ Error, Message }` with a
 * single message and no field list (kashflow.md §4); its error codes are not published, so we
 * read the code where we know it and fall back on the wording.
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError, type ProviderFieldError } from '../errors.js';

export interface KashflowErrorBody {
  Error?: string;
  Message?: string;
}

/** Where the refusal happens: while connecting (the user can fix the input) or later (reconnect). */
export type AuthPhase = 'connect' | 'use';

export function readErrorBody(value: unknown): KashflowErrorBody {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const pick = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  return { Error: pick('Error') ?? pick('error'), Message: pick('Message') ?? pick('message') };
}

const apiSettings = 'Apps > API Settings';

/** A refused sign-in or session (401/403), in words that say which part to fix. */
export function authError(body: KashflowErrorBody, status: number, phase: AuthPhase): ProviderError {
  const code = body.Error ?? '';
  const details = { status, providerMessage: body.Message ?? code };
  const connect = phase === 'connect';
  const text = `${code} ${body.Message ?? ''}`;
  if (code === 'IPAddressNotAllowed' || /\bIP address\b/i.test(text)) {
    return connect
      ? new ProviderError(
          'credentials',
          `KashFlow refused this server's IP address. In ${apiSettings}, tick Enable AutoAuth and paste the AutoAuth key, or add the server's IP address to the allowed list.`,
          details,
        )
      : new ProviderError('expired', `KashFlow no longer accepts calls from this server's IP address and the saved AutoAuth key could not add it again: reconnect KashFlow with a fresh AutoAuth key.`, details);
  }
  if (code === 'APIDisabled' || /API (access )?(is )?(switched off|disabled|not enabled)/i.test(text)) {
    return new ProviderError(
      connect ? 'credentials' : 'forbidden',
      `API access is switched off in KashFlow: turn on "API enabled" in ${apiSettings} and click Update.`,
      details,
    );
  }
  if (code === 'AccountLocked' || /locked/i.test(text)) {
    return new ProviderError(
      connect ? 'credentials' : 'forbidden',
      'KashFlow has locked this account after too many failed sign-ins. Unlock it in KashFlow (reset the password), then connect again.',
      details,
    );
  }
  if (code === 'InvalidMemorableWord' || /memorable word/i.test(text)) {
    return connect
      ? new ProviderError('credentials', 'The memorable word is wrong: enter the memorable word you use to sign in to KashFlow.', details)
      : new ProviderError('expired', 'KashFlow no longer accepts the saved memorable word: reconnect KashFlow.', details);
  }
  if (code === 'InvalidSessionToken' || code === 'InvalidTemporaryToken') {
    return connect
      ? new ProviderError('transient', 'KashFlow ended the sign-in before it finished. Try again.', details)
      : new ProviderError('expired', 'KashFlow ended the session and would not start a new one: reconnect KashFlow.', details);
  }
  return connect
    ? new ProviderError(
        'credentials',
        `KashFlow did not accept the username or password. If ${apiSettings} is set to "Separate API password", enter that password instead of your login password.`,
        details,
      )
    : new ProviderError('expired', 'KashFlow no longer accepts the saved username and password: reconnect KashFlow.', details);
}

const missing = /(does not exist|not exist|not found|unknown|invalid|archived|not set up)/i;

const staleRules: Array<{ codes: RegExp; words: RegExp; list: ListKind; what: string }> = [
  { codes: /^(Invalid|Archived)NominalCode$/, words: /nominal/i, list: 'categories', what: 'category (nominal code)' },
  { codes: /^(InvalidSupplierCode|ArchivedSupplier|InvalidCustomerCode|ArchivedCustomer)$/, words: /\b(supplier|customer)\b/i, list: 'contacts', what: 'supplier or customer' },
  { codes: /^InvalidVATRate$/, words: /VAT rate/i, list: 'tax_rates', what: 'VAT rate' },
  { codes: /^(InvalidProjectNumber|ArchivedProject)$/, words: /\bproject\b/i, list: 'projects', what: 'project' },
  { codes: /^(InvalidBankAccount|ArchivedBankAccount)$/, words: /bank account/i, list: 'bank_accounts', what: 'bank account' },
  { codes: /^InvalidProductCode$/, words: /\bproduct\b/i, list: 'products', what: 'product' },
];

/** "Line 2: …" → LineItems[1]; the rest by the field KashFlow names. */
function fieldOf(code: string, message: string): string {
  const line = /^Line (\d+):/i.exec(message);
  const prefix = line ? `LineItems[${Number(line[1]) - 1}].` : '';
  if (code === 'DuplicateNumber' || /number .* already/i.test(message)) return 'Number';
  if (code === 'VATAmountMismatch' || /VAT amount/i.test(message)) return `${prefix}VATAmount`;
  if (/^Payment \d+:/i.test(message)) return 'PaymentLines';
  const named = /\b(SupplierCode|CustomerCode|IssuedDate|DueDate|NominalCode|Quantity|Rate|Amount|Currency)\b/.exec(message);
  return named ? `${prefix}${named[1]}` : prefix ? prefix.slice(0, -1) : 'document';
}

/** A 400 (or 404 while creating) on a document: stale list entry, or the content itself. */
export function documentError(body: KashflowErrorBody, status: number): ProviderError {
  const code = body.Error ?? '';
  const message = body.Message ?? (code || `KashFlow refused the document (${status}).`);
  const details = { status, providerMessage: message };
  for (const rule of staleRules) {
    if (rule.codes.test(code) || (rule.words.test(message) && missing.test(message) && !/VAT amount/i.test(message))) {
      const archived = /archived/i.test(`${code} ${message}`);
      return new ProviderError(
        'stale_reference',
        `KashFlow ${archived ? 'has archived' : 'does not have'} the ${rule.what} this item uses (${message.replace(/^Line \d+: /, '')}). Refresh the lists and choose another.`,
        { ...details, list: rule.list },
      );
    }
  }
  const fields: ProviderFieldError[] = [{ field: fieldOf(code, message), message }];
  if (code === 'DuplicateNumber') {
    return new ProviderError('validation', `KashFlow already has a document with this number: ${message}`, { ...details, fields });
  }
  return new ProviderError('validation', `KashFlow refused the document: ${message}`, { ...details, fields });
}
