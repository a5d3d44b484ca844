import { describe, expect, it } from 'vitest';
import { follows, idsInUrl, stateOf, toApprovalStatus } from './status.js';

const invoiceId = '3cf51114-2dae-4a11-916a-1a8a8a147bfc';

describe('approval status from an ApprovalMax request', () => {
  it('maps request statuses to what the item shows', () => {
    expect(['draft', 'onReview', 'onApproval', 'onHold'].map(stateOf)).toEqual(Array(4).fill('awaiting_approval'));
    expect(stateOf('approved')).toBe('approved');
    expect(stateOf('rejected')).toBe('rejected');
    // A cancelled request no longer follows the bill: nothing is waiting.
    expect(stateOf('cancelled')).toBe('not_found');
  });

  it('takes the final approval, its author and comment, and the decision date', () => {
    const status = toApprovalStatus({
      requestId: 'r1',
      requestStatus: 'approved',
      decisionDate: '2026-11-02T10:00:00.000Z',
      events: [
        { eventType: 'requesterSubmitted', authorId: 'u-requester', isSystem: false, createdAt: '2026-11-01T09:00:00.000Z' },
        { eventType: 'approverApproved', authorId: 'u-first-step', isSystem: false, createdAt: '2026-11-01T12:00:00.000Z', comment: 'step one' },
        { eventType: 'approverApprovedRequestApproved', authorId: 'u-final', isSystem: false, createdAt: '2026-11-02T10:00:00.000Z', comment: 'OK to pay' },
        { eventType: 'pushedToSource', authorId: '00000000-0000-0000-0000-000000000000', isSystem: true, createdAt: '2026-11-02T10:01:00.000Z' },
      ],
    });
    expect(status).toEqual({ state: 'approved', requestStatus: 'approved', requestId: 'r1', decidedBy: 'u-final', decidedAt: '2026-11-02T10:00:00.000Z', comment: 'OK to pay' });
  });

  it('prefers an author name when the answer has one, reads {name, value} statuses, and dates without a zone as UTC', () => {
    const status = toApprovalStatus({
      requestStatus: { name: 'rejected', value: 'rejected' },
      events: [{ eventType: 'approverRejected', author: { id: 'u1', name: 'Priya Shah' }, createdAt: '2026-11-02T10:00:00', comment: 'No quote' }],
    });
    expect(status).toEqual({ state: 'rejected', requestStatus: 'rejected', decidedBy: 'Priya Shah', decidedAt: '2026-11-02T10:00:00.000Z', comment: 'No quote' });
  });

  it('no decider while awaiting approval', () => {
    expect(toApprovalStatus({ requestStatus: 'onApproval', events: [{ eventType: 'requesterSubmitted', authorId: 'u' }] })).toEqual({
      state: 'awaiting_approval',
      requestStatus: 'onApproval',
    });
  });

  it('finds the ledger document id in Xero and QuickBooks links, including short-code links', () => {
    expect(idsInUrl(`https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=${invoiceId.toUpperCase()}`)).toContain(invoiceId);
    const shortCode = `https://go.xero.com/organisationlogin/default.aspx?shortcode=!ab12c&redirecturl=${encodeURIComponent(`/AccountsPayable/View.aspx?InvoiceID=${invoiceId}`)}`;
    expect(idsInUrl(shortCode)).toContain(invoiceId);
    expect(idsInUrl('https://app.qbo.intuit.com/app/bill?txnId=145')).toContain('145');
    expect(idsInUrl(null)).toEqual([]);
    expect(idsInUrl('not a url')).toEqual([]);
    expect(follows({ externalUrl: `https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=${invoiceId}` }, { ledgerDocumentId: invoiceId })).toBe(true);
    expect(follows({ externalUrl: `https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=${invoiceId}` }, { ledgerDocumentId: '145' })).toBe(false);
  });
});
