import { describe, expect, it } from 'vitest';
import type { AdapterFactory } from '../registry.js';
import type { PublishDocument } from '../types.js';
import { createQuickbooksOnlineAdapter } from './index.js';
import { documentError, callError } from './classify.js';
import { toTransaction } from './mapping.js';
import { batchRequestId, requestId } from './publish.js';

// Registers as an AdapterFactory as it is.
export const factory: AdapterFactory = createQuickbooksOnlineAdapter;

const base: PublishDocument = {
  itemId: 'i1',
  idempotencyKey: '6f1c2b9e-3a41-4d2a-9b7e-1f2e3d4c5b6a',
  itemType: 'cost',
  destination: 'bill',
  contact: { externalId: 'vendor:56', name: 'Acme Ltd' },
  date: '2026-05-01',
  currency: 'GBP',
  taxMode: 'inclusive',
  lines: [{ description: 'Paper', quantity: '3', unitAmount: '40', lineAmount: '120.00', taxAmount: '20.00', category: { externalId: '7' }, tax: { externalId: '3', rate: '20' } }],
  total: '120.00',
  totalTax: '20.00',
};

describe('QuickBooks mapping', () => {
  it('sends net amounts with the gross as TaxInclusiveAmt and pins the total tax', () => {
    const { body } = toTransaction({ doc: base, company: { us: false } });
    expect(body).toMatchObject({ VendorRef: { value: '56' }, GlobalTaxCalculation: 'TaxInclusive', TxnTaxDetail: { TotalTax: 20 } });
    expect((body.Line as any[])[0]).toEqual({
      DetailType: 'AccountBasedExpenseLineDetail',
      Amount: 100,
      Description: 'Paper',
      AccountBasedExpenseLineDetail: { AccountRef: { value: '7' }, TaxCodeRef: { value: '3' }, TaxInclusiveAmt: 120 },
    });
    expect(String(body.PrivateNote)).toContain('[bookbridge:6f1c2b9e-3a41-4d2a-9b7e-1f2e3d4c5b6a]');
  });

  it('codes US sales lines TAX/NON with the rate named once, and sends Qty × UnitPrice only when exact', () => {
    const { body } = toTransaction({
      doc: { ...base, itemType: 'sales', destination: 'invoice', taxMode: 'exclusive', contact: { externalId: 'customer:9', name: 'Client' }, lines: [{ ...base.lines[0]!, quantity: '3', unitAmount: '33.33', lineAmount: '100.00', tax: { externalId: '3', rate: '8.75' } }] },
      company: { us: true },
    });
    expect(body.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: '3' } });
    expect(body.GlobalTaxCalculation).toBeUndefined();
    expect((body.Line as any[])[0].SalesItemLineDetail).toEqual({ TaxCodeRef: { value: 'TAX' } });
  });

  it('pays an expense from a card as CreditCard, and refuses what QuickBooks cannot take', () => {
    const paid = { date: '2026-05-01', amount: '120.00', bankAccount: { externalId: '41' } };
    expect(toTransaction({ doc: { ...base, destination: 'expense', paid }, company: { us: false }, paidAccountType: 'Credit Card' }).body).toMatchObject({ PaymentType: 'CreditCard', AccountRef: { value: '41' }, EntityRef: { value: '56', type: 'Vendor' } });
    expect(() => toTransaction({ doc: { ...base, destination: 'expense' }, company: { us: false } })).toThrow(/bank or card account/);
    expect(() => toTransaction({ doc: { ...base, itemType: 'expense_claim' }, company: { us: false } })).toThrow(/no expense claim/);
    expect(() => toTransaction({ doc: { ...base, destination: 'invoice', itemType: 'sales' }, company: { us: false } })).toThrow(/needs a customer/);
    expect(() => toTransaction({ doc: { ...base, lines: [{ ...base.lines[0]!, tax: undefined }] }, company: { us: false } })).toThrow(/VAT rate/);
  });

  it('makes requestids Intuit accepts (≤ 50, batch ≤ 36) and stable for a retry', () => {
    expect(requestId(base.idempotencyKey)).toBe(base.idempotencyKey);
    expect(requestId('k'.repeat(80))).toHaveLength(40);
    expect(requestId(base.idempotencyKey, 'payment')).not.toBe(requestId(base.idempotencyKey));
    expect(batchRequestId(['a', 'b'])).toHaveLength(36);
    expect(batchRequestId(['a', 'b'])).toBe(batchRequestId(['a', 'b']));
  });
});

describe('QuickBooks fault classification', () => {
  it('reads the code and the element', () => {
    expect(documentError([{ code: '610', Message: 'Object Not Found', Detail: 'Object Not Found : …', element: 'Line.AccountBasedExpenseLineDetail.TaxCodeRef' }], 400, 'bill')).toMatchObject({ kind: 'stale_reference', list: 'tax_rates' });
    expect(documentError([{ code: '2500', Message: 'Invalid Reference Id', Detail: 'Invalid Reference Id : Vendor element id 9 not found', element: 'VendorRef' }], 400, 'bill')).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
    expect(documentError([{ code: '2500', Message: 'Invalid Reference Id', Detail: 'x', element: 'CheckPayment.BankAccountRef' }], 400, 'bill payment').list).toBe('bank_accounts');
    const dup = documentError([{ code: '6140', Message: 'Duplicate Document Number Error', Detail: 'Duplicate Document Number Error : DocNumber=1', element: 'DocNumber' }], 400, 'bill');
    expect(dup).toMatchObject({ kind: 'validation', fields: [{ field: 'number' }] });
    expect(callError(429, { Fault: { Error: [{ Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429', code: '003001' }], type: 'SERVICE' } }, null)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
    expect(callError(401, { fault: { error: [{ message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', code: '3200' }] } }, 'tid-1')).toMatchObject({ kind: 'expired', providerMessage: expect.stringContaining('intuit_tid tid-1') });
    expect(callError(403, {}, null).kind).toBe('forbidden');
  });
});
