import { describe, expect, it } from 'vitest';
import { catalogue } from '../../shared/catalogue.js';
import { ListSnapshot, type Entry } from '../items/lists.js';
import type { ItemModel } from '../items/model.js';
import { checkItem } from './check.js';

const e = (kind: string, external_id: string, over: Partial<Entry> = {}): Entry => ({
  kind,
  external_id,
  code: null,
  name: external_id,
  status: 'active',
  type: null,
  tax_rate: null,
  currency: null,
  extra: null,
  archived_reason: null,
  ...over,
});

const lists = (extra: Entry[] = [], currencies: string[] | null = null) =>
  new ListSnapshot(
    [
      e('contacts', 'c1', { name: 'Acme Ltd' }),
      e('categories', 'acc-429', { code: '429', name: 'General Expenses', extra: JSON.stringify({ class: 'EXPENSE' }) }),
      e('categories', 'acc-200', { code: '200', name: 'Sales', extra: JSON.stringify({ class: 'REVENUE' }) }),
      e('tax_rates', 'INPUT2', { name: '20% (VAT on Expenses)', tax_rate: '20.00', extra: JSON.stringify({ canApplyToExpenses: true, canApplyToRevenue: false }) }),
      e('bank_accounts', 'bank-090', { code: '090', name: 'Business Bank Account' }),
      ...extra,
    ],
    currencies ? new Set(currencies) : null,
  );

const item = (over: Partial<ItemModel> = {}): ItemModel => ({
  id: 'i1',
  businessId: 'b1',
  type: 'cost',
  state: 'ready',
  contactName: 'Acme Ltd',
  contactId: 'c1',
  date: '2026-05-01',
  dueDate: null,
  number: 'INV-1',
  reference: null,
  currency: 'GBP',
  currencyRate: null,
  taxMode: 'exclusive',
  lines: [{ description: 'Paper', amount: '100.00', quantity: '1', unitAmount: '100', taxAmount: null, category: 'acc-429', taxRate: 'INPUT2', project: null }],
  total: '120.00',
  totalTax: '20.00',
  paid: false,
  paymentDate: null,
  paymentAccount: null,
  destination: 'bill',
  status: 'DRAFT',
  description: null,
  sources: {},
  issues: [],
  autoPublish: false,
  ...over,
});

const check = (i: ItemModel, l = lists(), more: Partial<Parameters<typeof checkItem>[1]> = {}) =>
  checkItem(i, { entry: catalogue.xero, lists: l, bankMatch: false, duplicateOf: null, ...more });

describe('the pre-publish check', () => {
  it('passes a complete bill', () => {
    expect(check(item())).toEqual([]);
  });

  it('says what is archived or gone, in the ledger’s words', () => {
    const issues = check(item({ lines: [{ ...item().lines[0]!, category: 'acc-477', project: 'proj-x' }] }), lists([e('categories', 'acc-477', { code: '477', name: 'Salaries', status: 'archived' })]));
    expect(issues).toEqual([
      { path: 'lines.0.category', code: 'category_archived', message: 'The account 477 (Salaries) is archived in Xero — choose another category or refresh lists.' },
      { path: 'lines.0.project', code: 'project_not_found', message: "The project proj-x is not in Xero's lists any more — choose another project or refresh lists." },
    ]);
  });

  it('refuses a tax rate the lists say cannot go with the account', () => {
    const issues = check(item({ type: 'sales', destination: 'sales_invoice', lines: [{ ...item().lines[0]!, category: 'acc-200' }] }));
    expect(issues).toEqual([
      { path: 'lines.0.taxRate', code: 'tax_not_valid', message: 'The tax rate 20% (VAT on Expenses) cannot be used with account 200 (Sales) in Xero — choose another tax rate or category.' },
    ]);
  });

  it('checks the tax total at the ledger’s rates, to a penny a line', () => {
    expect(check(item({ totalTax: '20.01', total: '120.01' }))).toEqual([]);
    expect(check(item({ totalTax: '25.00', total: '125.00' }))[0]).toMatchObject({ path: 'totalTax', code: 'tax_mismatch' });
  });

  it('catches a duplicate number, an unknown contact and a currency the ledger does not take', () => {
    const issues = check(item({ contactId: null, contactName: 'Brand New Ltd', currency: 'JPY' }), lists([], ['GBP', 'EUR']), { duplicateOf: { id: 'i0', state: 'published' } });
    expect(issues.map((i) => i.code)).toEqual(['contact_unknown', 'duplicate_number', 'currency_not_enabled']);
  });

  it('needs a paid item and a bank account for a paid-only destination, and for bank match', () => {
    expect(check(item({ destination: 'spend_money', status: 'AUTHORISED' })).map((i) => i.code)).toEqual(['not_paid', 'payment_account_missing']);
    expect(check(item({ paid: true }), lists(), { bankMatch: true }).map((i) => i.path)).toEqual(['paymentAccount', 'paymentDate']);
    expect(check(item({ paid: true, paymentAccount: 'bank-090', paymentDate: '2026-05-02' }), lists(), { bankMatch: true })).toEqual([]);
  });

  it('says when the provider cannot take the type, or has no such status', () => {
    expect(checkItem(item({ type: 'expense_claim', destination: null }), { entry: catalogue['quickbooks-online'], lists: lists(), bankMatch: false, duplicateOf: null })[0]).toMatchObject({
      code: 'type_not_supported',
      message: expect.stringContaining('QuickBooks Online cannot take expense claims'),
    });
    expect(check(item({ status: 'PAID' }))[0]).toMatchObject({ path: 'status', code: 'status_invalid' });
  });

  it('asks to connect first when there is no ledger', () => {
    expect(checkItem(item(), { entry: null, lists: ListSnapshot.empty(), bankMatch: false, duplicateOf: null })).toEqual([
      { path: 'connection', code: 'no_connection', message: 'Connect your accounting software first (Business settings > Connections), then publish.' },
    ]);
  });
});
