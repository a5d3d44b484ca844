/** Sage Accounting: OAuth (country, sign-in, allow access); the grant covers every business, chosen in Bookbridge. */
import { authorizeWithForms } from '../../../server/sandbox/sage-accounting/testing.js';
import { control, num, type Driver, type SandboxDocument } from './types.js';

type Json = Record<string, any>;

const doc = (destination: string, x: Json, lines: Json[]): SandboxDocument => ({
  destination,
  id: x.id,
  contact: x.contact?.id ?? null,
  total: num(x.total_amount),
  tax: num(x.tax_amount),
  taxCodes: lines.map((l) => l.tax_rate?.id),
});

export const sageAccounting: Driver = {
  id: 'sage-accounting',
  organisations: { main: 'Hartley & Finch Furniture Ltd', other: 'Bramble Bakery Ltd' },
  // Sage's consent covers all the user's businesses: the choice is made in Bookbridge's chooser.
  authorize: (_ctx, url) => authorizeWithForms(fetch, url),
  purchases: { contact: 'PEN001', category: '7504', taxRate: 'GB_STANDARD', percent: 20 },
  sales: { contact: 'ALD001', category: '4000', taxRate: 'GB_STANDARD', percent: 20 },
  bankAccount: '1200',
  taxCode: { purchases: 'GB_STANDARD', sales: 'GB_STANDARD' },
  contactRef: (e) => e.externalId,
  async documents(ctx, businessId) {
    const b = (await control(ctx, `/documents?businessId=${businessId}`)).businesses[0];
    return [
      ...b.purchaseInvoices.map((x: Json) => doc('purchase_invoice', x, x.invoice_lines)),
      ...b.salesInvoices.map((x: Json) => doc('sales_invoice', x, x.invoice_lines)),
      ...b.purchaseCreditNotes.map((x: Json) => doc('purchase_credit_note', x, x.credit_note_lines)),
      ...b.salesCreditNotes.map((x: Json) => doc('sales_credit_note', x, x.credit_note_lines)),
      ...b.otherPayments.map((x: Json) => doc(x.transaction_type.id === 'OTHER_RECEIPT' ? 'other_receipt' : 'other_payment', x, x.payment_lines)),
    ];
  },
  injectTimeout: (ctx, businessId) => control(ctx, '/faults', { businessId, timeoutRate: 1 }),
  clearFaults: (ctx, businessId) => control(ctx, '/faults', { businessId }),
  async changeContacts(ctx, businessId, change) {
    // Sage contacts cannot be archived through the API: they are deleted (reported by deleted_since).
    await control(ctx, '/mutate', { businessId, list: 'contacts', action: 'delete', target: change.archive.externalId });
    await control(ctx, '/mutate', { businessId, list: 'contacts', action: 'rename', target: change.rename.externalId, name: change.to });
    await control(ctx, '/mutate', { businessId, list: 'contacts', action: 'add', entry: { name: change.add, contact_types: ['VENDOR'] } });
  },
  // The user revokes Bookbridge's access in Sage: refresh tokens are refused (invalid_grant).
  revoke: (ctx) => control(ctx, '/faults', { revokeGrants: true }),
};
