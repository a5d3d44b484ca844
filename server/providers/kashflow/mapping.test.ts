import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.js';
import type { PublishDocument, PublishLine } from '../types.js';
import { contactCode, expenseBody, grossOf, kashflowLines, lookupReference, projectEntry, purchaseBody } from './mapping.js';

const line = (over: Partial<PublishLine> = {}): PublishLine => ({
  description: 'Paper',
  quantity: '1',
  unitAmount: '10.00',
  lineAmount: '10.00',
  category: { externalId: '7504', code: '7504' },
  tax: { externalId: '1', rate: '20.00' },
  ...over,
});

const doc = (over: Partial<PublishDocument> = {}): PublishDocument => ({
  itemId: 'i1',
  idempotencyKey: 'a1b2c3d4-e5f6-7788-99aa-bbccddeeff00',
  itemType: 'cost',
  destination: 'purchase',
  contact: { externalId: 'supplier:ACME01', name: 'Acme' },
  date: '2026-11-01',
  currency: 'GBP',
  taxMode: 'exclusive',
  lines: [line()],
  total: '12.00',
  totalTax: '2.00',
  ...over,
});

describe('KashFlow lines', () => {
  it('sends net unit rates with the VAT beside them (exclusive)', () => {
    const [l] = kashflowLines(doc({ lines: [line({ quantity: '4', unitAmount: '2.50', lineAmount: '10.00', taxAmount: '2.00' })] }), new Map(), false);
    expect(l).toEqual({ Description: 'Paper', Quantity: 4, Rate: 2.5, VATLevel: 20, VATAmount: 2, NominalCode: 7504 });
  });

  it('takes the VAT out of gross amounts (inclusive), working it out when not given', () => {
    const [l] = kashflowLines(doc({ taxMode: 'inclusive', lines: [line({ lineAmount: '12.00' })] }), new Map(), false);
    expect(l).toMatchObject({ Rate: 10, VATAmount: 2 });
  });

  it('sends one unit at the line total when the unit price does not divide to pence', () => {
    const [third] = kashflowLines(doc({ lines: [line({ quantity: '3', unitAmount: '3.3367', lineAmount: '10.01', taxAmount: '2.00' })] }), new Map(), false);
    expect(third).toMatchObject({ Quantity: 3, Rate: 3.3367 }); // 3 × 3.3367 = 10.0101 → 10.01
    const [l] = kashflowLines(doc({ lines: [line({ quantity: '1000', unitAmount: '0.01001', lineAmount: '10.01', taxAmount: '2.00' })] }), new Map(), false);
    expect(l).toMatchObject({ Quantity: 1, Rate: 10.01, Description: 'Paper (1000 × 0.01001)' });
  });

  it('makes credits negative, but leaves credits already entered as negatives alone', () => {
    const positive = kashflowLines(doc({ lines: [line({ taxAmount: '2.00' })] }), new Map(), true);
    expect(positive[0]).toMatchObject({ Rate: -10, VATAmount: -2 });
    expect(grossOf(positive)).toBe(-12);
    const negative = kashflowLines(doc({ total: '-12.00', lines: [line({ lineAmount: '-10.00', unitAmount: '-10.00', taxAmount: '-2.00' })] }), new Map(), true);
    expect(negative[0]).toMatchObject({ Rate: -10, VATAmount: -2 });
  });

  it('finds the VAT percentage by tax rate id when the line has none, and refuses an unknown one', () => {
    const withId = doc({ lines: [line({ tax: { externalId: '2' } })] });
    expect(kashflowLines(withId, new Map([['2', '5']]), false)[0]).toMatchObject({ VATLevel: 5, VATAmount: 0.5 });
    expect(() => kashflowLines(withId, new Map(), false)).toThrow(ProviderError);
  });

  it('refuses a line without a numeric nominal code', () => {
    const bad = doc({ lines: [line({ category: { externalId: 'office' } })] });
    expect(() => kashflowLines(bad, new Map(), false)).toThrow(/nominal code/);
  });
});

describe('KashFlow document bodies', () => {
  it('uses the reference for lookup, or a short Bookbridge marker when there is none', () => {
    expect(lookupReference(doc({ reference: ' INV-9 ' }))).toBe('INV-9');
    expect(lookupReference(doc())).toBe('BB-A1B2C3D4E5F6');
  });

  it('takes the supplier code from the imported external id', () => {
    expect(contactCode({ externalId: 'supplier:ACME01', name: 'Acme' })).toBe('ACME01');
    expect(purchaseBody(doc(), kashflowLines(doc(), new Map(), false))).toMatchObject({ SupplierCode: 'ACME01', SupplierReference: 'BB-A1B2C3D4E5F6', DueDate: '2026-11-01' });
  });

  it('refuses a bank payment with two categories', () => {
    const two = doc({ destination: 'expense', lines: [line(), line({ category: { externalId: '7500', code: '7500' } })] });
    expect(() => expenseBody(two, kashflowLines(two, new Map(), false), { method: 3, accountId: 1 })).toThrow(/one category/);
  });

  it('works the expense VAT out of the gross amount as KashFlow does', () => {
    const one = doc({ destination: 'expense', lines: [line({ lineAmount: '9.99', taxAmount: '2.00' })] });
    const body = expenseBody(one, kashflowLines(one, new Map(), false), { method: 3, accountId: 1 });
    expect(body).toMatchObject({ Amount: 11.99, VATAmount: 2, VATLevel: 20, BankAccountId: 1, PaymentMethod: 3 });
  });
});

describe('KashFlow list entries', () => {
  it('marks archived projects archived and keeps completed ones usable', () => {
    expect(projectEntry({ Number: 3, Name: 'Old', Status: 2 }).status).toBe('archived');
    expect(projectEntry({ Number: 4, Name: 'Done', Status: 1, Reference: 'PRJ-004' })).toMatchObject({ status: 'active', code: 'PRJ-004', extra: { projectStatus: 'completed' } });
  });
});
