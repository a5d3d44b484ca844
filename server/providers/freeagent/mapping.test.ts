import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.js';
import type { PublishDocument, PublishLine } from '../types.js';
import { documentError, errorMessages, fieldOf } from './classify.js';
import { nextLink } from './client.js';
import {
  billBody,
  companyInfo,
  expenseBodies,
  explanationBody,
  grossOf,
  lookupReference,
  purchaseLines,
  salesBody,
  taxChoice,
  taxRateEntries,
  webUrl,
} from './mapping.js';

const api = 'https://api.freeagent.com';
const info = companyInfo({ id: '1', name: 'Co', subdomain: 'co', currency: 'GBP', type: 'UkLimitedCompany', sales_tax_registration_status: 'Registered', sales_tax_rates: ['20.0', '5.0', '0.0'] });

const line = (overrides: Partial<PublishLine> = {}): PublishLine => ({
  description: 'Paper',
  quantity: '1',
  unitAmount: '12.00',
  lineAmount: '12.00',
  category: { externalId: `${api}/v2/categories/368`, code: '368' },
  tax: { externalId: 'standard' },
  ...overrides,
});

const doc = (overrides: Partial<PublishDocument> = {}): PublishDocument => ({
  itemId: 'i1',
  idempotencyKey: 'key-0123456789abcdef',
  itemType: 'cost',
  destination: 'bill',
  contact: { externalId: `${api}/v2/contacts/5`, name: 'Acme' },
  date: '2026-11-01',
  currency: 'GBP',
  taxMode: 'inclusive',
  lines: [line()],
  total: '12.00',
  totalTax: '2.00',
  ...overrides,
});

describe('company and tax list', () => {
  it('reads the rates as strings, numbers or {percentage}, and lists Exempt and Outside the scope too', () => {
    const objects = companyInfo({ id: '7', name: 'X', sales_tax_registration_status: 'Registered', sales_tax_rates: [{ percentage: '20.0' }, 5, '0.0'] });
    expect([...objects.rates]).toEqual([['standard', '20.0'], ['reduced', '5'], ['zero', '0.0']]);
    expect(objects.id).toBe('7');
    expect(taxRateEntries(info).map((e) => `${e.externalId}:${e.taxRate}:${e.name}`)).toEqual([
      'standard:20.00:Standard rate (20%)',
      'reduced:5.00:Reduced rate (5%)',
      'zero:0.00:Zero rate (0%)',
      'exempt:0.00:Exempt',
      'out_of_scope:0.00:Outside the scope of VAT',
    ]);
    expect(taxRateEntries({ ...info, registered: false }).map((e) => e.externalId)).toEqual(['out_of_scope']);
  });
});

describe('tax choices and amounts', () => {
  it('maps the tax list back: rate, Exempt/Out of scope, no tax as 0%, nothing as Auto; an unknown rate is stale', () => {
    expect(taxChoice(doc(), line(), 0, info)).toMatchObject({ kind: 'rate', rate: expect.objectContaining({}) });
    expect(String((taxChoice(doc(), line({ tax: { externalId: 'reduced' } }), 0, info) as { rate: unknown }).rate)).toBe('5');
    expect(taxChoice(doc(), line({ tax: { externalId: 'exempt' } }), 0, info)).toEqual({ kind: 'status', status: 'EXEMPT' });
    expect(taxChoice(doc(), line({ tax: { externalId: 'out_of_scope' } }), 0, info)).toEqual({ kind: 'status', status: 'OUT_OF_SCOPE' });
    expect(String((taxChoice(doc({ taxMode: 'no_tax' }), line({ tax: undefined }), 0, info) as { rate: unknown }).rate)).toBe('0');
    expect(taxChoice(doc(), line({ tax: undefined }), 0, info)).toEqual({ kind: 'auto' });
    const unknown = (() => {
      try {
        taxChoice(doc(), line({ tax: { externalId: 'old-vat', code: 'T9' } }), 2, info);
      } catch (e) {
        return e as ProviderError;
      }
    })();
    expect(unknown).toMatchObject({ kind: 'stale_reference', list: 'tax_rates', fields: [{ field: 'lines[2].tax' }] });
  });

  it('sends a manual tax amount only where FreeAgent’s own rounding would differ', () => {
    const exact = purchaseLines(doc({ lines: [line({ taxAmount: '2.00' })] }), info, api, 1)[0]!;
    expect(exact.manualTax).toBeUndefined();
    const off = purchaseLines(doc({ lines: [line({ lineAmount: '10.00', taxAmount: '1.66' })] }), info, api, 1)[0]!;
    expect(String(off.manualTax)).toBe('1.66');
    const auto = purchaseLines(doc({ lines: [line({ tax: undefined, taxAmount: '2.00' })] }), info, api, 1)[0]!;
    expect(String(auto.manualTax)).toBe('2');
    // Not VAT registered: no tax at all.
    expect(purchaseLines(doc({ lines: [line({ taxAmount: '1.66' })] }), { ...info, registered: false }, api, 1)[0]!.manualTax).toBeUndefined();
  });

  it('exclusive lines go as net to bills, and as net + tax to expenses and explanations', () => {
    const d = doc({ taxMode: 'exclusive', lines: [line({ lineAmount: '10.00' })] });
    const lines = purchaseLines(d, info, api, 1);
    expect((billBody(d, info, 'C', lines).bill as { bill_items: unknown[] }).bill_items[0]).toMatchObject({ total_value_ex_tax: '10.00', sales_tax_rate: '20' });
    expect(String(grossOf(lines[0]!, undefined))).toBe('12');
    const auto = purchaseLines({ ...d, lines: [line({ lineAmount: '10.00', tax: undefined })] }, info, api, -1)[0]!;
    expect(String(grossOf(auto, 5 as never))).toBe('-10.5');
  });

  it('turns positive items into money out for explanations and expenses, and refuses a split explanation', () => {
    const d = doc({ lines: [line(), line({ description: 'More paper' })], total: '24.00' });
    const lines = purchaseLines(d, info, api, -1);
    expect(explanationBody(d, lines, undefined, 'B').bank_transaction_explanation).toMatchObject({ gross_value: '-24.00', category: `${api}/v2/categories/368`, sales_tax_rate: '20', receipt_reference: 'BB-KEY012345678' });
    const mixed = purchaseLines({ ...d, lines: [line(), line({ tax: { externalId: 'zero' } })] }, info, api, -1);
    expect(() => explanationBody(d, mixed, undefined, 'B')).toThrow(/one category and one VAT rate/);
    const foreign = expenseBodies({ ...d, currency: 'EUR', currencyRate: '0.85' }, info, lines, [undefined, undefined], 'U');
    // FreeAgent ignores a rate on a foreign expense: the reclaimable VAT goes as a native manual amount.
    expect(foreign[0]).toMatchObject({ currency: 'EUR', gross_value: '-12.00', manual_sales_tax_amount: '1.70' });
    expect(foreign[0]).not.toHaveProperty('sales_tax_rate');
  });
});

describe('sales documents', () => {
  it('sends net prices, keeps a quantity that divides, and one unit when it does not', () => {
    const d = doc({
      destination: 'invoice',
      lines: [
        line({ quantity: '3', unitAmount: '40.00', lineAmount: '144.00', taxAmount: '24.00' }),
        line({ quantity: '3', unitAmount: '3.33', lineAmount: '10.00' }),
        line({ quantity: '3001', unitAmount: '0.0003', lineAmount: '1.00', tax: { externalId: 'zero' } }),
      ],
      dueDate: '2026-11-15',
    });
    const body = salesBody(d, info, api, 'C', 'invoice').invoice as { invoice_items: Array<Record<string, string>>; payment_terms_in_days: number };
    expect(body.payment_terms_in_days).toBe(14);
    expect(body.invoice_items[0]).toMatchObject({ quantity: '3', price: '40', sales_tax_rate: '20' });
    // 10.00 with 20% in it is 8.33 net: 2.7767 × 3 comes back to 8.33.
    expect(body.invoice_items[1]).toMatchObject({ quantity: '3', price: '2.7767' });
    expect(body.invoice_items[2]).toMatchObject({ quantity: '1', price: '1', description: 'Paper (3001 × 0.0003)' });
  });

  it('sends Outside the scope as 0% on invoices (FreeAgent takes TAXABLE or EXEMPT there) and as a status on credit notes', () => {
    const d = doc({ lines: [line({ tax: { externalId: 'out_of_scope' } })] });
    expect((salesBody(d, info, api, 'C', 'invoice').invoice as { invoice_items: unknown[] }).invoice_items[0]).toMatchObject({ sales_tax_rate: '0' });
    const credit = salesBody({ ...d, total: '-12.00', lines: [line({ lineAmount: '-12.00', tax: { externalId: 'out_of_scope' } })] }, info, api, 'C', 'credit_note');
    expect((credit.credit_note as { credit_note_items: unknown[] }).credit_note_items[0]).toMatchObject({ sales_tax_status: 'OUT_OF_SCOPE', price: '12' });
  });
});

describe('references and links', () => {
  it('finds documents by their reference, or a Bookbridge marker', () => {
    expect(lookupReference(doc({ reference: ' INV-9 ' }))).toBe('INV-9');
    expect(lookupReference(doc({ number: '77' }))).toBe('77');
    expect(lookupReference(doc())).toBe('BB-KEY012345678');
  });

  it('links to the company’s web app on the real hosts, and to the document in a local sandbox', () => {
    expect(webUrl(api, info, 'bills/12', 'x')).toBe('https://co.freeagent.com/bills/12');
    expect(webUrl('https://api.sandbox.freeagent.com', info, 'bills/12', 'x')).toBe('https://co.sandbox.freeagent.com/bills/12');
    expect(webUrl('http://127.0.0.1:9/api', info, 'bills/12', 'http://127.0.0.1:9/api/v2/bills/12')).toBe('http://127.0.0.1:9/api/v2/bills/12');
  });

  it('follows rel="next" in a Link header', () => {
    expect(nextLink('<https://x/v2/contacts?page=1>; rel="prev", <https://x/v2/contacts?page=3>; rel="next", <https://x/v2/contacts?page=9>; rel="last"')).toBe('https://x/v2/contacts?page=3');
    expect(nextLink('<https://x/v2/contacts?page=1>; rel="first"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});

describe('classifying refusals', () => {
  it('reads every shape of FreeAgent error body', () => {
    expect(errorMessages({ errors: { error: { message: 'A' } } })).toEqual(['A']);
    expect(errorMessages({ errors: { error: [{ message: 'A' }, { message: 'B' }] } })).toEqual(['A', 'B']);
    expect(errorMessages({ errors: [{ message: 'A' }, { message: 'B' }] })).toEqual(['A', 'B']);
    expect(errorMessages('You must not exceed 120 requests per 60 seconds')).toEqual(['You must not exceed 120 requests per 60 seconds']);
  });

  it('names the field and the list to refresh', () => {
    expect(fieldOf('Bill item 3: Sales tax rate is not one of the company’s rates')).toBe('lines[2].tax');
    expect(fieldOf('Due on must be on or after the bill date')).toBe('dueDate');
    expect(documentError(['Project is invalid'], 422, 'bill')).toMatchObject({ kind: 'stale_reference', list: 'projects' });
    expect(documentError(['Bank account is invalid'], 422, 'bank explanation')).toMatchObject({ kind: 'stale_reference', list: 'bank_accounts' });
    const plain = documentError(["Dated on can't be blank", 'Currency is not a supported currency'], 422, 'bill');
    expect(plain).toMatchObject({ kind: 'validation', fields: [{ field: 'date' }, { field: 'currency' }] });
    expect(plain.message).toBe("FreeAgent refused the bill: Dated on can't be blank; Currency is not a supported currency");
  });
});
