import { describe, expect, it } from 'vitest';
import { catalogue } from '../../shared/catalogue.js';
import type { ItemModel } from '../items/model.js';
import { applyApprovalStatus, sourceNotes, worksBeside, type ApprovalConnection } from './beside.js';

const approvals: ApprovalConnection = { connectionId: 'am-1', provider: 'approvalmax', status: 'active' };

function item(over: Partial<ItemModel> = {}): ItemModel {
  return {
    id: 'i1', businessId: 'b1', type: 'cost', state: 'ready', contactName: 'Harbour Electrical Ltd', contactId: 'c1',
    date: '2026-11-02', dueDate: null, number: 'INV-1', reference: null, currency: 'GBP', currencyRate: null, taxMode: 'exclusive',
    lines: [], total: '120.00', totalTax: '20.00', paid: false, paymentDate: null, paymentAccount: null,
    destination: 'bill', status: 'DRAFT', description: null, sources: { destination: 'default', status: 'default' }, issues: [], autoPublish: false,
    ...over,
  };
}

describe('the status ApprovalMax picks bills up in', () => {
  it('Xero bills and expense claims go in Awaiting approval, said as set by the connection', () => {
    for (const type of ['cost', 'expense_claim'] as const) {
      const out = applyApprovalStatus(item({ type }), catalogue.xero, approvals);
      expect(out).toMatchObject({ status: 'SUBMITTED', sources: { status: 'connection' } });
      expect(sourceNotes(out.sources)).toEqual({ status: 'set by ApprovalMax connection' });
    }
  });

  it('an expired ApprovalMax connection still holds bills for approval', () => {
    expect(applyApprovalStatus(item(), catalogue.xero, { ...approvals, status: 'expired' }).status).toBe('SUBMITTED');
  });

  it('never over a status the submitter gave or a manual edit', () => {
    for (const source of ['submitted', 'manual'] as const) {
      const given = item({ status: 'AUTHORISED', sources: { status: source } });
      expect(applyApprovalStatus(given, catalogue.xero, approvals)).toBe(given);
    }
  });

  it('leaves alone what ApprovalMax does not approve: spend money, sales, no connection', () => {
    const spend = item({ destination: 'spend_money', status: 'AUTHORISED' });
    expect(applyApprovalStatus(spend, catalogue.xero, approvals)).toBe(spend);
    const sales = item({ type: 'sales', destination: 'sales_invoice' });
    expect(applyApprovalStatus(sales, catalogue.xero, approvals)).toBe(sales);
    expect(applyApprovalStatus(item(), catalogue.xero, null).status).toBe('DRAFT');
  });

  it('QuickBooks bills have no status: they go in as usual (ApprovalMax takes open bills)', () => {
    const bill = item({ status: null, sources: { destination: 'default' } });
    expect(applyApprovalStatus(bill, catalogue['quickbooks-online'], approvals)).toBe(bill);
  });

  it('works beside Xero and QuickBooks Online only', () => {
    expect(['xero', 'quickbooks-online', 'kashflow', 'sage-accounting', 'freeagent'].map(worksBeside)).toEqual([true, true, false, false, false]);
  });
});
