/** Xero: OAuth with PKCE, the user ticks organisations on Xero's consent page and picks one in Bookbridge. */
import { authorizeWithForms } from '../../../server/sandbox/xero/testing.js';
import { control, num, type Driver, type SandboxDocument } from './types.js';

type Json = Record<string, any>;

const doc = (destination: string, id: string, x: Json): SandboxDocument => ({
  destination,
  id,
  contact: x.Contact?.ContactID,
  total: num(x.Total),
  tax: num(x.TotalTax),
  taxCodes: (x.LineItems ?? []).map((l: Json) => l.TaxType),
});

export const xero: Driver = {
  id: 'xero',
  organisations: { main: 'Demo Company (UK)', other: 'Bookbridge Test Ltd' },
  // The consent page offers every organisation of the login; the user ticks the one wanted.
  authorize: (_ctx, url, organisation) => authorizeWithForms(fetch, url, { organisations: [organisation] }),
  purchases: { contact: 'Bayside Office Supplies', category: '429', taxRate: 'INPUT2', percent: 20 },
  sales: { contact: 'Boom FM', category: '200', taxRate: 'OUTPUT2', percent: 20 },
  bankAccount: '090',
  taxCode: { purchases: 'INPUT2', sales: 'OUTPUT2' },
  contactRef: (e) => e.externalId,
  async documents(ctx, tenantId) {
    const org = (await control(ctx, `/documents?tenantId=${tenantId}`)).organisations[0];
    return [
      ...org.invoices.map((x: Json) => doc(x.Type === 'ACCPAY' ? 'bill' : 'sales_invoice', x.InvoiceID, x)),
      ...org.bankTransactions.map((x: Json) => doc(x.Type === 'SPEND' ? 'spend_money' : 'receive_money', x.BankTransactionID, x)),
      ...org.creditNotes.map((x: Json) => doc(x.Type === 'ACCPAYCREDIT' ? 'purchase_credit_note' : 'sales_credit_note', x.CreditNoteID, x)),
    ];
  },
  injectTimeout: (ctx, tenantId) => control(ctx, '/faults', { tenantId, timeoutRate: 1 }),
  clearFaults: (ctx, tenantId) => control(ctx, '/faults', { tenantId }),
  async changeContacts(ctx, tenantId, change) {
    await control(ctx, '/mutate', { tenantId, list: 'contacts', action: 'archive', target: change.archive.externalId });
    await control(ctx, '/mutate', { tenantId, list: 'contacts', action: 'rename', target: change.rename.externalId, name: change.to });
    await control(ctx, '/mutate', { tenantId, list: 'contacts', action: 'add', entry: { Name: change.add, IsSupplier: true } });
  },
  // The user disconnects Bookbridge from the organisation in Xero: the next call gets 403, a refresh invalid_grant.
  revoke: (ctx, tenantId) => control(ctx, '/faults', { tenantId, revokeGrants: true }),
};
