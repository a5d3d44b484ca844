import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { createExpense, createInvoice, createPurchase, parseKashflowDate } from './rules.js';
import { buildAccount } from './seed.js';

const now = new Date('2026-11-20T10:00:00Z');
const freshAccount = () => buildAccount({}, 0, createRng('rules'), now);

function purchase(account: ReturnType<typeof freshAccount>, overrides: Record<string, unknown> = {}, line: Record<string, unknown> = {}) {
  const supplier = account.suppliers.find((s) => !s.IsArchived)!;
  return createPurchase(
    account,
    {
      SupplierCode: supplier.Code,
      SupplierReference: 'INV-1001',
      IssuedDate: '2026-11-01',
      LineItems: [{ Description: 'Paper', Quantity: 2, Rate: 12.5, VATLevel: 20, VATAmount: 5, NominalCode: 7500, ...line }],
      ...overrides,
    },
    '2026-11-20 10:00:00',
  );
}

describe('KashFlow purchase rules', () => {
  it('accepts a correct purchase and works out its totals and due date from the supplier terms', () => {
    const account = freshAccount();
    const result = purchase(account);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ Number: 1, NetAmount: 25, VATAmount: 5, GrossAmount: 30, IsCredit: false });
    const supplier = account.suppliers.find((s) => s.Code === result.value.SupplierCode)!;
    const due = new Date('2026-11-01T00:00:00Z');
    due.setUTCDate(due.getUTCDate() + supplier.PaymentTerms.Days);
    expect(result.value.DueDate.slice(0, 10)).toBe(due.toISOString().slice(0, 10));
  });

  it('refuses an unknown nominal code and an archived one, naming the code', () => {
    const account = freshAccount();
    const unknown = purchase(account, {}, { NominalCode: 7777 });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toMatchObject({ status: 400, Error: 'InvalidNominalCode', Message: expect.stringContaining('7777') });
    const archived = purchase(account, {}, { NominalCode: 5009 });
    if (!archived.ok) expect(archived.error).toMatchObject({ Error: 'ArchivedNominalCode', Message: expect.stringContaining('archived') });
    expect(archived.ok).toBe(false);
  });

  it('refuses posting to a control account such as Trade Creditors', () => {
    const result = purchase(freshAccount(), {}, { NominalCode: 2100 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.Message).toMatch(/control account/);
  });

  it('refuses an unknown supplier code', () => {
    const result = purchase(freshAccount(), { SupplierCode: 'NOPE99' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ Error: 'InvalidSupplierCode', Message: expect.stringContaining('NOPE99') });
  });

  it('refuses a Number already used, and numbers the next one after the highest', () => {
    const account = freshAccount();
    const first = purchase(account, { Number: 41 });
    expect(first.ok).toBe(true);
    if (first.ok) account.purchases.push(first.value);
    const again = purchase(account, { Number: 41 });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.Error).toBe('DuplicateNumber');
    const auto = purchase(account);
    expect(auto.ok && auto.value.Number).toBe(42);
  });

  it('checks the VAT arithmetic per line, allowing a penny of rounding', () => {
    const account = freshAccount();
    expect(purchase(account, {}, { VATAmount: 5.01 }).ok).toBe(true);
    const wrong = purchase(account, {}, { VATAmount: 2.5 });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error).toMatchObject({ Error: 'VATAmountMismatch', Message: expect.stringContaining('expected 5.00') });
    const unknownRate = purchase(account, {}, { VATLevel: 12.5, VATAmount: 3.13 });
    expect(unknownRate.ok).toBe(false);
    if (!unknownRate.ok) expect(unknownRate.error.Error).toBe('InvalidVATRate');
  });

  it('takes a negative purchase as a supplier credit', () => {
    const result = purchase(freshAccount(), {}, { Rate: -12.5, VATAmount: -5 });
    expect(result.ok && result.value).toMatchObject({ GrossAmount: -30, IsCredit: true });
  });

  it('records payment lines against a live bank account and refuses an archived one', () => {
    const account = freshAccount();
    const paid = purchase(account, { PaymentLines: [{ Date: '2026-11-02', Amount: 30, Method: 3, AccountId: 1 }] });
    expect(paid.ok && paid.value.AmountPaid).toBe(30);
    const archived = purchase(account, { PaymentLines: [{ Date: '2026-11-02', Amount: 30, Method: 3, AccountId: 4 }] });
    expect(archived.ok).toBe(false);
    const over = purchase(account, { PaymentLines: [{ Date: '2026-11-02', Amount: 31, Method: 3, AccountId: 1 }] });
    expect(over.ok).toBe(false);
  });
});

describe('KashFlow invoice and expense rules', () => {
  it('checks the customer code on invoices', () => {
    const account = freshAccount();
    const customer = account.customers.find((c) => !c.IsArchived)!;
    const line = { Description: 'Work', Quantity: 1, Rate: 100, VATLevel: 20, VATAmount: 20, NominalCode: 4000 };
    expect(createInvoice(account, { CustomerCode: customer.Code, IssuedDate: '2026-11-01', LineItems: [line] }, '').ok).toBe(true);
    const bad = createInvoice(account, { CustomerCode: 'ZZZZ01', IssuedDate: '2026-11-01', LineItems: [line] }, '');
    expect(!bad.ok && bad.error.Error).toBe('InvalidCustomerCode');
  });

  it('checks the VAT included in an expense amount', () => {
    const account = freshAccount();
    const supplier = account.suppliers.find((s) => !s.IsArchived)!;
    const base = { SupplierCode: supplier.Code, BankAccountId: 1, PaymentMethod: 4, NominalCode: 7300, IssuedDate: '2026-11-03', Amount: 60, VATLevel: 20 };
    expect(createExpense(account, { ...base, VATAmount: 10 }, '').ok).toBe(true);
    const wrong = createExpense(account, { ...base, VATAmount: 12 }, '');
    expect(!wrong.ok && wrong.error.Error).toBe('VATAmountMismatch');
  });
});

describe('KashFlow dates', () => {
  it('accepts the three date forms KashFlow takes and refuses impossible dates', () => {
    expect(parseKashflowDate('2026-02-03')).toBe('2026-02-03T00:00:00');
    expect(parseKashflowDate('2026-02-03 10:11:12')).toBe('2026-02-03T00:00:00');
    expect(parseKashflowDate('2026-02-03T10:11:12Z')).toBe('2026-02-03T00:00:00');
    expect(parseKashflowDate('2026-02-30')).toBeUndefined();
    expect(parseKashflowDate('03/02/2026')).toBeUndefined();
  });
});
