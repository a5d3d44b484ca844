import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.js';
import type { PublishDocument } from '../types.js';
import { bankAccountEntry, billLines, categoryEntry, documentKind, projectClassification, referenceOf, vendorCreditBody } from './mapping.js';

const doc = (overrides: Partial<PublishDocument> = {}): PublishDocument => ({
  itemId: 'i1',
  idempotencyKey: 'c0ffee-1234-5678',
  itemType: 'cost',
  destination: 'bill',
  contact: { externalId: '00901AAAAAAAAAAAAAAA', name: 'Hudson Freight Lines Inc.' },
  date: '2026-11-12',
  currency: 'USD',
  taxMode: 'exclusive',
  lines: [
    { description: 'Pallets', quantity: '4', unitAmount: '25.00', lineAmount: '100.00', taxAmount: '8.00', category: { externalId: '0ca01A' } },
    { description: 'Fuel surcharge', quantity: '2', unitAmount: '7.50', lineAmount: '15.00', category: { externalId: '0ca01B' }, project: { externalId: 'department:0de01X' } },
  ],
  total: '123.00',
  totalTax: '8.00',
  ...overrides,
});

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
};

describe('BILL lines', () => {
  it('folds line tax into the amount; quantity and price only where they still multiply to it', () => {
    expect(billLines(doc())).toEqual([
      { amount: 108, description: 'Pallets', classifications: { chartOfAccountId: '0ca01A' } },
      { amount: 15, description: 'Fuel surcharge', quantity: 2, price: 7.5, classifications: { chartOfAccountId: '0ca01B', departmentId: '0de01X' } },
    ]);
  });

  it('inclusive amounts go as they are; tax known only for the item becomes a "Sales tax" line', () => {
    expect(billLines(doc({ taxMode: 'inclusive', total: '115.00' })).map((l) => l.amount)).toEqual([100, 15]);
    const lines = billLines(doc({ lines: doc().lines.map(({ taxAmount: _, ...l }) => l) }));
    expect(lines.map((l) => [l.description, l.amount])).toEqual([['Pallets', 100], ['Fuel surcharge', 15], ['Sales tax', 8]]);
  });

  it('puts rounding cents on the last line, and refuses lines that do not add up', () => {
    const lines = billLines(doc({ total: '123.02' }));
    expect(lines.at(-1)).toEqual({ amount: 15.02, description: 'Fuel surcharge', classifications: { chartOfAccountId: '0ca01B', departmentId: '0de01X' } });
    expect(refusal(() => billLines(doc({ total: '130.00' })))).toMatchObject({ kind: 'validation', fields: [{ field: 'total' }] });
  });

  it('vendor credit lines must be positive', () => {
    const credit = doc({ itemType: 'purchase_credit_note', destination: 'vendor_credit', taxMode: 'no_tax', total: '-5.00', lines: [{ ...doc().lines[0]!, lineAmount: '-5.00' }] });
    expect(refusal(() => vendorCreditBody(credit, billLines(credit))).kind).toBe('validation');
  });
});

describe('BILL references and destinations', () => {
  it('invoice number: the number, else the reference, else a stable Bookbridge marker', () => {
    expect(referenceOf(doc({ number: '4411', reference: 'PO-9' }))).toBe('4411');
    expect(referenceOf(doc({ reference: ' INV-77 ' }))).toBe('INV-77');
    expect(referenceOf(doc())).toBe('BB-C0FFEE123456');
  });

  it('projects carry their BILL list in the id', () => {
    expect(projectClassification({ externalId: 'job:0jb01' })).toEqual({ jobId: '0jb01' });
    expect(projectClassification({ externalId: 'location:0lc01' })).toEqual({ locationId: '0lc01' });
    expect(projectClassification({ externalId: 'class:0cl01' })).toEqual({ accountingClassId: '0cl01' });
    expect(projectClassification({ externalId: '0jb02' })).toEqual({ jobId: '0jb02' });
    expect(refusal(() => projectClassification({ externalId: 'tracking:1' }))).toMatchObject({ kind: 'stale_reference', list: 'projects' });
  });

  it('cost items and expense claims are bills, purchase credit notes vendor credits; nothing else', () => {
    expect(documentKind(doc())).toBe('bill');
    expect(documentKind(doc({ itemType: 'expense_claim' }))).toBe('bill');
    expect(documentKind(doc({ destination: 'paid_bill' }))).toBe('bill');
    expect(documentKind(doc({ itemType: 'purchase_credit_note', destination: 'vendor_credit' }))).toBe('vendor_credit');
    expect(refusal(() => documentKind(doc({ itemType: 'sales' }))).kind).toBe('validation');
    expect(refusal(() => documentKind(doc({ destination: 'vendor_credit' }))).kind).toBe('validation');
  });
});

describe('BILL list entries', () => {
  it('chart of accounts: number as code, account type, parent kept', () => {
    expect(categoryEntry({ id: '0ca01', name: 'Legal Fees', archived: false, parentId: '0ca00', account: { type: 'EXPENSE', number: '6610' } })).toEqual({
      externalId: '0ca01',
      code: '6610',
      name: 'Legal Fees',
      status: 'active',
      type: 'EXPENSE',
      extra: { parentId: '0ca00' },
    });
  });

  it('bank accounts are named by bank, type and last four digits', () => {
    expect(bankAccountEntry({ id: 'bac01', archived: true, bankName: 'Alpine Bank', type: 'CHECKING', accountNumber: 'xxxxxx6612', chartOfAccountId: '0ca09' })).toMatchObject({
      name: 'Alpine Bank Checking ••6612',
      status: 'archived',
      extra: { chartOfAccountId: '0ca09' },
    });
  });
});
