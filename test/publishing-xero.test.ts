/**
 * Publishing to Xero over real HTTP against the Xero sandbox, through the companion's routes:
 * the right document with the right tax, rules, auto-publish, the pre-publish check, expiry and
 * reconnect, a timed-out request retried without a second document, and bank match.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, connectXero, control, entry, json, startHarness, type Harness } from './support/publishing.js';

let h: Harness;
let admin: string;
let standard: string;
let businessId: string;
let connectionId: string;
let tenantId: string;
let supplier: { name: string; external_id: string };
let otherSupplier: { name: string; external_id: string };
let number = 0;

const base = () => `/api/businesses/${businessId}`;
const asAdmin = (method: string, path: string, body?: unknown) => api(h.server, admin)(method, `${base()}${path}`, body);
const documents = async () => (await control(h.sandbox.url, 'xero', `/documents?tenantId=${tenantId}`)).organisations[0];

function bill(over: Record<string, unknown> = {}) {
  number++;
  return {
    type: 'cost',
    contact: supplier.name,
    date: '2026-05-20',
    dueDate: '2026-06-19',
    number: `PUB-${number}`,
    currency: 'GBP',
    lines: [{ description: 'Printer paper', amount: '100.00', category: '429', taxRate: 'INPUT2' }],
    total: '120.00',
    totalTax: '20.00',
    ...over,
  };
}

beforeAll(async () => {
  h = await startHarness({ PROVIDER_TIMEOUT_MS: '1000' });
  const a = await h.server.user({ role: 'business_admin' });
  businessId = a.businessId;
  const s = await h.server.user({ role: 'standard', businessId });
  admin = await h.server.signIn(a.email, a.password);
  standard = await h.server.signIn(s.email, s.password);
  ({ connectionId, tenantId } = await connectXero(h, admin, businessId));
  const suppliers = await h.server.deps.db
    .selectFrom('list_entries')
    .select(['name', 'external_id'])
    .where('connection_id', '=', connectionId)
    .where('kind', '=', 'contacts')
    .where('type', '=', 'supplier')
    .where('status', '=', 'active')
    .orderBy('name')
    .execute();
  [supplier, otherSupplier] = suppliers as [typeof supplier, typeof supplier];
}, 60_000);
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // A fresh Xero rate-limit minute per test (the sandbox counts on our fake clock).
  h.server.clock.advance(61_000);
  await control(h.sandbox.url, 'xero', '/faults', {});
});

describe('publishing a bill to Xero', () => {
  it('publishes a bill with the right contact, lines, account, tax and totals, once', async () => {
    const created = await asAdmin('POST', '/items', bill());
    expect(created.status).toBe(201);
    const item = await json(created);
    expect(item).toMatchObject({ state: 'ready', issues: [], destination: 'bill', status: 'DRAFT', contact: { externalId: supplier.external_id } });
    expect(item.sources).toMatchObject({ 'lines.0.category': 'submitted', destination: 'default' });

    const published = await asAdmin('POST', `/items/${item.id}/publish`);
    expect(published.status).toBe(202);
    expect((await json(published)).state).toBe('queued');
    // A double click: still one document.
    expect((await asAdmin('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();

    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    expect(after.publish.documentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(after.publish.url).toContain(after.publish.documentId);

    const docs = await documents();
    const mine = docs.invoices.filter((i: any) => i.InvoiceNumber === item.number);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      Type: 'ACCPAY',
      InvoiceID: after.publish.documentId,
      Contact: expect.objectContaining({ ContactID: supplier.external_id }),
      Status: 'DRAFT',
      LineAmountTypes: 'Exclusive',
      SubTotal: 100,
      TotalTax: 20,
      Total: 120,
    });
    expect(mine[0].LineItems[0]).toMatchObject({ AccountCode: '429', TaxType: 'INPUT2', LineAmount: 100, TaxAmount: 20 });

    const log = await h.server.deps.db.selectFrom('audit_log').select(['action', 'detail']).where('business_id', '=', businessId).execute();
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(['item.publish', 'item.published']));
  });
});
