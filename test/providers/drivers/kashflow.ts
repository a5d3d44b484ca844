/** KashFlow: username, password, memorable word and the AutoAuth key read off API Settings; one company per login. */
import { kashflowCredentialsFromPages } from '../../support/kashflow-user.js';
import { control, num, type Driver, type SandboxDocument } from './types.js';

type Json = Record<string, any>;

/** The sandbox's two companies, each its own login (sandbox/index.ts: accounts demo, demo2). */
const logins: Record<string, { username: string; password: string; memorableWord: string }> = {
  'Demo Trading Ltd': { username: 'demo', password: 'demo-password', memorableWord: 'pineapple' },
  'Sandbox Company 2 Ltd': { username: 'demo2', password: 'demo-password', memorableWord: 'pineapple' },
};

const doc = (destination: string, contact: string | null, x: Json, vat: number[]): SandboxDocument => ({
  destination,
  id: String(x.Number),
  contact,
  total: num(x.GrossAmount ?? x.Amount),
  tax: num(x.VATAmount),
  taxCodes: vat.map(String),
});

export const kashflow: Driver = {
  id: 'kashflow',
  organisations: { main: 'Demo Trading Ltd', other: 'Sandbox Company 2 Ltd' },
  // Sign in, Apps > API Settings, tick Enable AutoAuth, read the key (test/support/kashflow-user.ts).
  credentials: async (ctx, organisation) => ({ ...(await kashflowCredentialsFromPages(`${ctx.sandbox}/app`, logins[organisation])) }),
  purchases: { contact: 'Bath Acme Office Supplies Limited', category: '7504', taxRate: 'Standard rate (20%)', percent: 20 },
  sales: { contact: 'Chloe Khan', category: '4000', taxRate: 'Standard rate (20%)', percent: 20 },
  bankAccount: '1200',
  taxCode: { purchases: '20', sales: '20' },
  negative: ['purchase_credit', 'invoice_credit'],
  contactRef: (e) => e.externalId.split(':')[1]!,
  async documents(ctx, _companyId) {
    const d = await control(ctx, '/documents');
    const lineVat = (x: Json) => (x.LineItems ?? []).map((l: Json) => l.VATLevel);
    return [
      ...d.purchases.map((x: Json) => doc(x.IsCredit ? 'purchase_credit' : 'purchase', x.SupplierCode, x, lineVat(x))),
      ...d.invoices.map((x: Json) => doc(x.IsCredit ? 'invoice_credit' : 'invoice', x.CustomerCode, x, lineVat(x))),
      ...d.expenses.map((x: Json) => doc('expense', x.SupplierCode, x, [x.VATLevel])),
    ];
  },
  // Created, then the answer comes after the companion has given up (KashFlow has no idempotency key).
  injectTimeout: (ctx) => control(ctx, '/faults', { kind: 'timeout', method: 'POST', afterCommit: true, delayMs: 2500, count: 1 }),
  clearFaults: (ctx) => control(ctx, '/faults', undefined, 'DELETE'),
  async changeContacts(ctx, _companyId, change) {
    const code = (e: { externalId: string }) => e.externalId.split(':')[1];
    const list = (e: { externalId: string }) => (e.externalId.startsWith('customer:') ? 'customers' : 'suppliers');
    await control(ctx, '/mutate', { list: list(change.archive), action: 'archive', key: code(change.archive) });
    await control(ctx, '/mutate', { list: list(change.rename), action: 'update', key: code(change.rename), data: { Name: change.to } });
    await control(ctx, '/mutate', { list: 'suppliers', action: 'add', data: { Code: 'SUITE01', Name: change.add } });
  },
  // KashFlow has no grant to revoke: the user changes their password, so the saved one stops working.
  async revoke(ctx) {
    logins['Demo Trading Ltd']!.password = 'changed-by-the-user';
    await control(ctx, '/settings', { username: 'demo', password: 'changed-by-the-user' });
    await control(ctx, '/expire-sessions', {});
  },
};
