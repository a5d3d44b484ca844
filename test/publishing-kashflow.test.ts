/**
 * Publishing to KashFlow over real HTTP against the KashFlow sandbox. KashFlow has no bank match
 * (refused with a clear 400) and no idempotency key, so a retry after an unclear answer is
 * resolved by looking the purchase up by reference first.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, connectKashflow, control, json, startHarness, type Harness } from './support/publishing.js';

let h: Harness;
let admin: string;
let businessId: string;
let connectionId: string;
let supplier: string;
let category: string;
let taxRate: string;

const call = (method: string, path: string, body?: unknown) => api(h.server, admin)(method, `/api/businesses/${businessId}${path}`, body);
const purchases = async () => (await control(h.sandbox.url, 'kashflow', '/documents')).purchases as any[];

beforeAll(async () => {
  h = await startHarness({ PROVIDER_TIMEOUT_MS: '1000' });
  const a = await h.server.user({ role: 'business_admin' });
  businessId = a.businessId;
  admin = await h.server.signIn(a.email, a.password);
  ({ connectionId } = await connectKashflow(h, admin, businessId));
  const db = h.server.deps.db;
  const active = (kind: string) => db.selectFrom('list_entries').selectAll().where('connection_id', '=', connectionId).where('kind', '=', kind).where('status', '=', 'active');
  supplier = (await active('contacts').where('type', '=', 'supplier').orderBy('name').executeTakeFirstOrThrow()).name;
  category = (await active('categories').where('name', 'like', '%General%').executeTakeFirst() ?? (await active('categories').orderBy('code').executeTakeFirstOrThrow())).code!;
  taxRate = (await active('tax_rates').where('tax_rate', '=', '20.00').executeTakeFirstOrThrow()).external_id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await fetch(`${h.sandbox.url}/kashflow/_control/faults`, { method: 'DELETE' });
});

let n = 0;
const purchase = (over: Record<string, unknown> = {}) => ({
  type: 'cost',
  contact: supplier,
  date: '2026-05-20',
  dueDate: '2026-06-19',
  number: `KF-${++n}`,
  reference: `KF-REF-${n}`,
  currency: 'GBP',
  lines: [{ description: 'Stationery', amount: '50.00', quantity: '2', category, taxRate }],
  total: '60.00',
  ...over,
});

describe('publishing to KashFlow', () => {
  it('refuses bank match with a clear 400 and changes nothing', async () => {
    const view = await json(await call('GET', '/publishing-settings'));
    expect(view.choices.bankMatch).toEqual({ available: false, reason: expect.stringContaining('Xero and Sage Accounting only') });
    expect(view.choices.destinations.cost.map((d: any) => d.id)).toEqual(['purchase', 'expense']);
    const res = await call('PUT', '/publishing-settings', { ...view.settings, bankMatch: true });
    expect(res.status).toBe(400);
    expect((await json(res)).error.issues).toEqual([{ path: 'bankMatch', message: 'is not available for KashFlow: bank match is offered for Xero and Sage Accounting only' }]);
    const after = await json(await call('GET', '/publishing-settings'));
    expect(after.settings.bankMatch).toBe(false);
    expect(after.updatedAt).toBeNull();
  });

  it('publishes a purchase with its nominal, VAT and totals', async () => {
    const item = await json(await call('POST', '/items', purchase()));
    expect(item).toMatchObject({ state: 'ready', destination: 'purchase', status: null, totalTax: '10.00' });
    expect(item.lines[0]).toMatchObject({ quantity: '2', unitAmount: '25' });
    expect((await call('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await call('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    const mine = (await purchases()).filter((p) => p.SupplierReference === item.reference);
    expect(mine).toHaveLength(1);
    expect(String(mine[0].Number)).toBe(after.publish.documentId);
    expect(mine[0].LineItems[0]).toMatchObject({ Quantity: 2, Rate: 25, VATLevel: 20, NominalCode: Number(category) });
  });

  it('a purchase created but answered too late is found by reference, not sent again', async () => {
    const item = await json(await call('POST', '/items', purchase()));
    await control(h.sandbox.url, 'kashflow', '/faults', { kind: 'timeout', method: 'POST', path: '/v2/purchases', afterCommit: true, delayMs: 3000, count: 1 });
    await call('POST', `/items/${item.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await call('GET', `/items/${item.id}`))).state).toBe('publishing');
    expect((await purchases()).filter((p) => p.SupplierReference === item.reference)).toHaveLength(1);

    h.server.clock.advance(5 * 60_000);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await call('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    const mine = (await purchases()).filter((p) => p.SupplierReference === item.reference);
    expect(mine).toHaveLength(1);
    expect(after.publish.documentId).toBe(String(mine[0].Number));
  });

  it('when KashFlow keeps failing, the item fails in plain words (its message kept) and re-publishes without a duplicate', async () => {
    const item = await json(await call('POST', '/items', purchase({ reference: undefined })));
    await control(h.sandbox.url, 'kashflow', '/faults', { kind: 'server_error', method: 'POST', path: '/v2/purchases', status: 503, count: 20 });
    await call('POST', `/items/${item.id}/publish`);
    for (let i = 0; i < 12; i++) {
      h.server.clock.advance(10 * 60_000);
      await h.server.deps.jobs.runUntilIdle();
    }
    const failed = await json(await call('GET', `/items/${item.id}`));
    expect(failed.state).toBe('failed');
    expect(failed.error.message).toMatch(/KashFlow did not answer after several tries/);
    expect(failed.error.providerMessage).toBeTruthy();
    await fetch(`${h.sandbox.url}/kashflow/_control/faults`, { method: 'DELETE' });
    expect((await call('POST', `/items/${item.id}/republish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await call('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    expect((await purchases()).filter((p) => String(p.Number) === after.publish.documentId)).toHaveLength(1);
  });
});
