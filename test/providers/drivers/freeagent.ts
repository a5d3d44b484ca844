/** FreeAgent: OAuth on the approve_app page; one login is one company. */
import { control, hidden, num, postForm, type Driver, type SandboxDocument } from './types.js';

type Json = Record<string, any>;

/** Who signs in to reach each company (sandbox/freeagent/seed.ts). */
const logins: Record<string, string> = { 'Hartley & Finch Design Ltd': 'demo@example.com', 'Penrose Plumbing': 'owner@example.com' };

/** `taxSign`: FreeAgent shows the VAT of a bill as negative (reclaimable), opposite to its total. */
const doc = (destination: string, contact: string | null, x: Json, total: unknown, lines: Json[], taxSign = 1): SandboxDocument => ({
  destination,
  id: x.url,
  contact,
  total: num(total),
  tax: taxSign * num(x.sales_tax_value),
  taxCodes: lines.map((l) => String(l.sales_tax_rate)),
});

export const freeagent: Driver = {
  id: 'freeagent',
  organisations: { main: 'Hartley & Finch Design Ltd', other: 'Penrose Plumbing' },
  async authorize(_ctx, url, organisation) {
    const signIn = await (await fetch(url)).text();
    const approve = await (await postForm(url, { step: 'signin', tx: hidden(signIn, 'tx'), email: logins[organisation]!, password: 'any password' })).text();
    const done = await postForm(url, { step: 'approve', tx: hidden(approve, 'tx'), action: 'approve' });
    if (done.status !== 302) throw new Error(`approve answered ${done.status}`);
    return new URL(done.headers.get('location')!);
  },
  purchases: { contact: 'Ashdown Digital Ltd', category: '368', taxRate: 'standard', percent: 20 },
  sales: { contact: 'Ashdown Interiors LLP', category: '001', taxRate: 'standard', percent: 20 },
  // A FreeAgent user (imported with the contacts as an employee): expenses are recorded against users.
  claimant: 'Olivia Hartley',
  bankAccount: 'Business Current Account',
  taxCode: { purchases: '20.0', sales: '20.0' },
  // Money out is negative on explanations and expenses; a supplier credit is a negative bill.
  negative: ['bill_credit', 'bank_explanation', 'expense'],
  contactRef: (e) => e.externalId,
  async documents(ctx, companyId) {
    const c = (await control(ctx, `/documents?companyId=${companyId}`)).companies[0];
    const items = (x: Json) => x.bill_items ?? x.invoice_items ?? x.credit_note_items ?? [];
    return [
      ...c.bills.map((x: Json) => doc(Number(x.total_value) < 0 ? 'bill_credit' : 'bill', x.contact, x, x.total_value, items(x), -1)),
      ...c.invoices.map((x: Json) => doc('invoice', x.contact, x, x.total_value, items(x))),
      ...c.creditNotes.map((x: Json) => doc('credit_note', x.contact, x, x.total_value, items(x))),
      ...c.expenses.map((x: Json) => doc('expense', x.user, x, x.gross_value, [x])),
      // An explanation names no contact in FreeAgent: it explains a bank transaction.
      ...c.explanations.map((x: Json) => doc('bank_explanation', null, x, x.gross_value, [x])),
    ];
  },
  injectTimeout: (ctx, companyId) => control(ctx, '/faults', { companyId, timeoutRate: 1 }),
  clearFaults: (ctx, companyId) => control(ctx, '/faults', { companyId }),
  async changeContacts(ctx, companyId, change) {
    const id = (e: { externalId: string }) => e.externalId.split('/').at(-1);
    // Hidden, not deleted: FreeAgent's updated_since shows a hidden contact, never a deleted one.
    await control(ctx, '/mutate', { companyId, list: 'contacts', action: 'archive', target: id(change.archive) });
    await control(ctx, '/mutate', { companyId, list: 'contacts', action: 'rename', target: id(change.rename), name: change.to });
    await control(ctx, '/mutate', { companyId, list: 'contacts', action: 'add', entry: { organisation_name: change.add } });
  },
  // The user removes the app in FreeAgent: API calls get 401, the refresh invalid_grant.
  revoke: (ctx, companyId) => control(ctx, '/faults', { companyId, revokeGrants: true }),
};
