/** QuickBooks Online: OAuth; the company is picked on Intuit's consent page and comes back as `realmId`. */
import { control, hidden, num, postForm, type Driver, type SandboxDocument } from './types.js';

type Json = Record<string, any>;

const escaped = (s: string) => s.replace(/&/g, '&#38;').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const lineTax = (x: Json): string[] =>
  (x.Line ?? []).flatMap((l: Json) => {
    const detail = l.AccountBasedExpenseLineDetail ?? l.SalesItemLineDetail ?? l.ItemBasedExpenseLineDetail;
    return detail?.TaxCodeRef ? [String(detail.TaxCodeRef.value)] : [];
  });
const doc = (destination: string, contact: Json | undefined, x: Json): SandboxDocument => ({
  destination,
  id: String(x.Id),
  contact: contact ? String(contact.value) : null,
  total: num(x.TotalAmt),
  tax: num(x.TxnTaxDetail?.TotalTax),
  taxCodes: lineTax(x),
});

export const quickbooksOnline: Driver = {
  id: 'quickbooks-online',
  organisations: { main: 'Harbour Lane Studio Ltd', other: 'Bramble & Oak Landscaping LLC' },
  // Sign in, then the radio button of the company on the consent page, then Connect.
  async authorize(_ctx, url, organisation) {
    const signIn = await (await fetch(url)).text();
    const consent = await (await postForm(url, { step: 'signin', tx: hidden(signIn, 'tx'), email: 'demo@example.com', password: 'any password' })).text();
    const realmId = new RegExp(`name="realmId" value="(\\d+)"[^>]*> ${escaped(organisation)}<`).exec(consent)?.[1];
    if (!realmId) throw new Error(`no company ${organisation} on Intuit's consent page`);
    const done = await postForm(url, { step: 'consent', tx: hidden(consent, 'tx'), realmId, action: 'connect' });
    if (done.status !== 302) throw new Error(`consent answered ${done.status}`);
    return new URL(done.headers.get('location')!);
  },
  purchases: { contact: 'Ashford Catering Ltd', category: '6600', taxRate: '20.0% S', percent: 20 },
  sales: { contact: 'Ashford Hotel', category: '4000', taxRate: '20.0% S', percent: 20 },
  bankAccount: 'Current Account',
  // TaxCode ids: 3 is "20.0% S" in the seed (the list entry's external id).
  taxCode: { purchases: '3', sales: '3' },
  contactRef: (e) => e.externalId.split(':')[1]!,
  async documents(ctx, realmId) {
    const co = (await control(ctx, `/documents?realmId=${realmId}`)).companies[0];
    return [
      ...co.bills.map((x: Json) => doc('bill', x.VendorRef, x)),
      ...co.purchases.map((x: Json) => doc('expense', x.EntityRef, x)),
      ...co.invoices.map((x: Json) => doc('invoice', x.CustomerRef, x)),
      ...co.vendorCredits.map((x: Json) => doc('vendor_credit', x.VendorRef, x)),
      ...co.creditMemos.map((x: Json) => doc('credit_memo', x.CustomerRef, x)),
    ];
  },
  injectTimeout: (ctx, realmId) => control(ctx, '/faults', { realmId, timeoutRate: 1 }),
  clearFaults: (ctx, realmId) => control(ctx, '/faults', { realmId }),
  async changeContacts(ctx, realmId, change) {
    const list = (e: { type: string | null }) => (e.type === 'customer' ? 'customers' : 'vendors');
    const id = (e: { externalId: string }) => e.externalId.split(':')[1];
    // QuickBooks makes names inactive rather than deleting them.
    await control(ctx, '/mutate', { realmId, list: list(change.archive), action: 'archive', target: id(change.archive) });
    await control(ctx, '/mutate', { realmId, list: list(change.rename), action: 'rename', target: id(change.rename), name: change.to });
    await control(ctx, '/mutate', { realmId, list: 'vendors', action: 'add', entry: { DisplayName: change.add } });
  },
  // The user disconnects the app in QuickBooks: every token of the grant stops working.
  revoke: (ctx, realmId) => control(ctx, '/faults', { realmId, revokeGrants: true }),
};
