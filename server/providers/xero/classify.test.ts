import { describe, expect, it } from 'vitest';
import { messages } from '../../sandbox/xero/documents.js';
import { elementError, messagesOf, responseError } from './classify.js';

describe('Xero error classification', () => {
  it.each([
    [messages.accountArchived('477'), 'stale_reference', 'categories', 'lines.category'],
    [messages.accountInvalid('999'), 'stale_reference', 'categories', 'lines.category'],
    ['Account must be valid.', 'stale_reference', 'categories', 'lines.category'],
    [messages.taxDeleted('TAX001'), 'stale_reference', 'tax_rates', 'lines.tax'],
    ['Tax rate must be valid.', 'stale_reference', 'tax_rates', 'lines.tax'],
    [messages.contactArchived, 'stale_reference', 'contacts', 'contact'],
    [messages.contactNotFound('abc'), 'stale_reference', 'contacts', 'contact'],
    [messages.trackingOption('Wales', 'Region'), 'stale_reference', 'projects', 'lines.project'],
    [messages.item('X'), 'stale_reference', 'products', 'lines.product'],
    [messages.bankAccountArchived('091'), 'stale_reference', 'bank_accounts', 'paid.bankAccount'],
    [messages.taxForAccount('OUTPUT2', '453'), 'validation', undefined, 'lines.tax'],
    [messages.invoiceNumberUnique, 'validation', undefined, 'number'],
    [messages.lineAmount('25.00', '20.00'), 'validation', undefined, 'lines'],
    [messages.currency('JPY'), 'validation', undefined, 'currency'],
    [messages.paymentAmount, 'validation', undefined, 'paid.amount'],
  ])('%s → %s', (message, kind, list, field) => {
    const error = elementError([message]);
    expect(error.kind).toBe(kind);
    expect(error.list).toBe(list);
    expect(error.fields).toEqual([{ field, message }]);
    expect(error.providerMessage).toBe(message);
  });

  it('finds messages nested in lines as well as on the element', () => {
    const element = {
      InvoiceID: '00000000-0000-0000-0000-000000000000',
      ValidationErrors: [{ Message: 'A' }],
      LineItems: [{ ValidationErrors: [{ Message: 'B' }, { Message: 'A' }] }],
    };
    expect(messagesOf(element)).toEqual(['A', 'B']);
  });

  it('reads 401 and a disconnected organisation as expired, a missing scope as forbidden', () => {
    expect(responseError(401, { Title: 'Unauthorized', Detail: 'TokenExpired: token expired at 01/01/2026 10:00:00' }).kind).toBe('expired');
    expect(responseError(403, { Title: 'Forbidden', Detail: 'AuthenticationUnsuccessful' }).kind).toBe('expired');
    expect(responseError(403, { Title: 'Forbidden', Detail: 'AuthorizationUnsuccessful: insufficient scope' }).kind).toBe('forbidden');
  });

  it('reads a summarised ValidationException as the first stale list among its elements', () => {
    const body = {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [
        { ValidationErrors: [{ Message: messages.invoiceNumberUnique }] },
        { ValidationErrors: [{ Message: messages.accountArchived('479') }] },
      ],
    };
    const error = responseError(400, body);
    expect([error.kind, error.list, error.status]).toEqual(['stale_reference', 'categories', 400]);
    expect(error.fields.map((f) => f.field)).toEqual(['number', 'lines.category']);
  });

  it('reads other 4xx as validation with the provider detail kept', () => {
    const parse = responseError(400, { ErrorNumber: 16, Type: 'QueryParseException', Message: 'Unterminated string' });
    expect([parse.kind, parse.providerMessage]).toEqual(['validation', 'Unterminated string']);
    expect(responseError(413, {}).fields).toEqual([{ field: 'file', message: 'Too large' }]);
  });
});
