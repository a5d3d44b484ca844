import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { PublishDocument } from '../types.js';
import { batchKey } from './index.js';
import {
  checkArithmetic,
  contactEntry,
  deepLink,
  projectEntries,
  rateText,
  safeFileName,
  targetOf,
  taxRateEntry,
  writtenElements,
  writtenElementSchema,
  xeroDocument,
} from './mapping.js';

function doc(overrides: Partial<PublishDocument> = {}): PublishDocument {
  return {
    itemId: 'i1',
    idempotencyKey: 'k1',
    itemType: 'cost',
    destination: 'bill',
    contact: { externalId: 'c-1', name: 'Supplier' },
    date: '2026-03-01',
    currency: 'GBP',
    taxMode: 'inclusive',
    number: 'S-1',
    reference: 'REF',
    lines: [
      {
        description: 'Taxi',
        quantity: '1',
        unitAmount: '12.00',
        lineAmount: '12.00',
        category: { externalId: 'acc-1', code: '493' },
        tax: { externalId: 'INPUT2', code: 'INPUT2', rate: '20.00' },
        project: { externalId: 'cat-1:opt-1', code: 'Region', name: 'North' },
      },
    ],
    total: '12.00',
    totalTax: '2.00',
    ...overrides,
  };
}

describe('Xero list mapping', () => {
  it('writes tax rates as decimal strings with at least two places', () => {
    expect([rateText(20), rateText(17.5), rateText(0), rateText(12.3456), rateText(undefined)]).toEqual(['20.00', '17.50', '0.00', '12.3456', undefined]);
    const entry = taxRateEntry({ Name: '20% (VAT on Expenses)', TaxType: 'INPUT2', Status: 'ACTIVE', EffectiveRate: 20 });
    expect(entry).toMatchObject({ externalId: 'INPUT2', code: 'INPUT2', taxRate: '20.00', status: 'active' });
  });

  it('types contacts from IsSupplier/IsCustomer and archives non-active ones', () => {
    const base = { ContactID: 'c', Name: 'N', ContactStatus: 'ACTIVE' };
    expect(contactEntry({ ...base, IsSupplier: true, IsCustomer: false }).type).toBe('supplier');
    expect(contactEntry({ ...base, IsSupplier: false, IsCustomer: true }).type).toBe('customer');
    expect(contactEntry({ ...base, IsSupplier: true, IsCustomer: true }).type).toBe('both');
    expect(contactEntry({ ...base, ContactStatus: 'GDPRREQUEST' }).status).toBe('archived');
  });

  it('turns tracking options into projects keyed by category and option', () => {
    const entries = projectEntries({
      TrackingCategoryID: 'cat',
      Name: 'Region',
      Status: 'ARCHIVED',
      Options: [{ TrackingOptionID: 'o1', Name: 'North', Status: 'ACTIVE' }],
    });
    expect(entries).toEqual([
      expect.objectContaining({ externalId: 'cat:o1', code: 'Region', name: 'North', status: 'archived' }),
    ]);
  });
});

describe('Xero document mapping', () => {
  it('maps a bill: supplier reference as InvoiceNumber, account code, tax type, tracking by ids', () => {
    const target = targetOf(doc());
    const element = xeroDocument(doc(), target);
    expect(element).toMatchObject({
      Type: 'ACCPAY',
      Contact: { ContactID: 'c-1' },
      Status: 'DRAFT',
      DueDate: '2026-03-01',
      InvoiceNumber: 'S-1',
      LineAmountTypes: 'Inclusive',
      LineItems: [{ Description: 'Taxi', Quantity: 1, UnitAmount: 12, LineAmount: 12, AccountCode: '493', TaxType: 'INPUT2', Tracking: [{ TrackingCategoryID: 'cat-1', TrackingOptionID: 'opt-1' }] }],
    });
    expect(element).not.toHaveProperty('Reference');
  });

  it('approves a paid bill so its payment can be recorded, and needs a bank account for spend money', () => {
    const paid = doc({ status: 'DRAFT', paid: { date: '2026-03-02', amount: '12.00', bankAccount: { externalId: 'bank-1', code: '090' } } });
    expect(xeroDocument(paid, targetOf(paid)).Status).toBe('AUTHORISED');
    const spend = doc({ destination: 'spend_money', paid: paid.paid });
    expect(xeroDocument(spend, targetOf(spend))).toMatchObject({ Type: 'SPEND', BankAccount: { Code: '090' }, Date: '2026-03-02', Reference: 'REF' });
    const unpaidSpend = doc({ destination: 'spend_money' });
    expect(() => xeroDocument(unpaidSpend, targetOf(unpaidSpend))).toThrow(ProviderError);
  });

  it('maps sales invoices and credit notes to their Xero types', () => {
    const sale = doc({ itemType: 'sales', destination: 'sales_invoice', status: 'AUTHORISED' });
    expect(xeroDocument(sale, targetOf(sale))).toMatchObject({ Type: 'ACCREC', InvoiceNumber: 'S-1', Reference: 'REF', Status: 'AUTHORISED' });
    const credit = doc({ itemType: 'purchase_credit_note', destination: 'purchase_credit_note' });
    expect(xeroDocument(credit, targetOf(credit))).toMatchObject({ Type: 'ACCPAYCREDIT', CreditNoteNumber: 'S-1' });
  });

  it('refuses a destination the catalogue does not list for the item type', () => {
    expect(() => targetOf(doc({ itemType: 'sales', destination: 'bill' }))).toThrow(/cannot take a sales/);
  });

  it('catches lines whose amount is not quantity × unit before any call', () => {
    expect(checkArithmetic(doc())).toBeUndefined();
    const bad = checkArithmetic(doc({ lines: [{ ...doc().lines[0]!, quantity: '3', unitAmount: '1.30', lineAmount: '4.00' }] }));
    expect(bad?.fields[0]?.field).toBe('lines.0.lineAmount');
    expect(checkArithmetic(doc({ lines: [{ ...doc().lines[0]!, quantity: '3', unitAmount: '1.3333', lineAmount: '4.00' }] }))).toBeUndefined();
  });

  it('links to the document in Xero, switching organisation when the short code is known', () => {
    const target = targetOf(doc());
    expect(deepLink(target, 'abc')).toBe('https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=abc');
    expect(deepLink(target, 'abc', '!xkcD')).toBe(
      'https://go.xero.com/organisationlogin/default.aspx?shortcode=!xkcD&redirecturl=%2FAccountsPayable%2FView.aspx%3FInvoiceID%3Dabc',
    );
  });

  it('derives a stable Idempotency-Key per batch within Xero\'s 128 characters', () => {
    const key = batchKey('Invoices', ['a', 'b']);
    expect(key).toBe(batchKey('Invoices', ['a', 'b']));
    expect(key).not.toBe(batchKey('Invoices', ['a', 'c']));
    expect(key.length).toBeLessThanOrEqual(128);
    expect(safeFileName('a<b>:c?.pdf')).toBe('a_b__c_.pdf');
  });
});

describe('writtenElements', () => {
  it('accepts and refuses exactly what the zod schema of a write answer does', () => {
    const ok = { InvoiceID: 'i-1', StatusAttributeString: 'OK', LineItems: [{ LineAmount: 10 }], ValidationErrors: [], Payments: [{ PaymentID: 'p', Amount: 1 }] };
    const cases: unknown[] = [
      [],
      [ok],
      [ok, { InvoiceID: null, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: 'Account code is archived' }] }],
      [{ ...ok, InvoiceID: 7 }],
      [{ ...ok, ValidationErrors: [{ Message: 3 }] }],
      [{ ...ok, ValidationErrors: {} }],
      [{ ...ok, ValidationErrors: [null] }],
      [{ ...ok, Payments: [{}] }],
      [{ ...ok, Payments: null, Type: undefined }],
      [null],
      ['x'],
      [[ok]],
      { 0: ok },
      null,
    ];
    for (const value of cases) {
      const zodSays = z.array(writtenElementSchema).safeParse(value).success;
      expect(writtenElements(value) !== undefined, JSON.stringify(value)).toBe(zodSays);
    }
  });
});
