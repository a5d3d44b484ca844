/**
 * Publishing many items to Xero: each batch is checked and its attempts recorded while earlier
 * batches are in flight. When the job has to stop (here a 429), a batch already recorded but not
 * yet sent goes back to the queue as it was: same key, no lookup in Xero, and published once on
 * the retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishingHooks } from '../server/publishing/index.js';
import { api, connectXero, control, json, startHarness, type Harness } from './support/publishing.js';

let h: Harness;
let admin: string;
let businessId: string;
let tenantId: string;
let supplier: string;

beforeAll(async () => {
  h = await startHarness();
  const a = await h.server.user({ role: 'business_admin' });
  businessId = a.businessId;
  admin = await h.server.signIn(a.email, a.password);
  let connectionId: string;
  ({ connectionId, tenantId } = await connectXero(h, admin, businessId));
  supplier = (await h.server.suppliers(connectionId))[0]!.name;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const call = (method: string, path: string, body?: unknown) => api(h.server, admin)(method, `/api/businesses/${businessId}${path}`, body);

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('publishing many bills to Xero', () => {
  it('a batch recorded but not yet sent when a 429 stops the job is queued again, never looked up, and published once', async () => {
    const bill = async (number: string) =>
      (
        await json(
          await call('POST', '/items', {
            type: 'cost',
            contact: supplier,
            date: '2026-05-20',
            number,
            currency: 'GBP',
            lines: [{ description: 'Paper', amount: '10.00', category: '429', taxRate: 'INPUT2' }],
            total: '12.00',
          }),
        )
      ).id as string;
    // A first bill, so that the organisation's short code (for links) is already known and the
    // 429 below lands on a batch of bills.
    expect((await call('POST', `/items/${await bill('PIPE-first')}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    // 6 batches of 50: 5 in flight (Xero's limit) and 1 recorded, waiting for a slot.
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) ids.push(await bill(`PIPE-${i}`));
    for (const id of ids) expect((await call('POST', `/items/${id}/publish`)).status).toBe(202);

    const hooks = publishingHooks(h.server.deps);
    let inFlight = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    hooks.beforeSend = async () => {
      inFlight++;
      await released;
    };
    const db = h.server.deps.db;
    const started = async () => Number((await db.selectFrom('publish_attempts').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'started').executeTakeFirstOrThrow()).n);
    try {
      const run = h.server.deps.jobs.runUntilIdle();
      await until('5 calls in flight and a sixth batch recorded', async () => inFlight === 5 && (await started()) === 300);
      // Xero answers the next call with a 429: the job stops and retries after Retry-After.
      await control(h.sandbox.url, 'xero', '/faults', { tenantId, rate429: { count: 1, retryAfterSeconds: 30 } });
      release();
      await run;
    } finally {
      delete hooks.beforeSend;
    }

    const attempts = await db.selectFrom('publish_attempts').select(['item_id', 'status', 'error', 'provider_key']).where('item_id', 'in', ids).execute();
    const items = await db.selectFrom('items').select(['id', 'state', 'idempotency_key']).where('id', 'in', ids).execute();
    const states = (rows: { state: string }[]) => Object.fromEntries([...new Set(rows.map((r) => r.state))].map((s) => [s, rows.filter((r) => r.state === s).length]));
    // 4 batches published, 1 refused with a 429, 1 handed back unsent; nothing left "publishing".
    expect(states(items)).toEqual({ published: 200, queued: 100 });
    expect(attempts.filter((a) => a.status === 'started' || a.status === 'unknown')).toEqual([]);
    expect(attempts.filter((a) => a.error?.startsWith('not sent'))).toHaveLength(50);

    const before = (await control(h.sandbox.url, 'xero', '/stats')).calls[tenantId];
    h.server.clock.advance(31_000);
    await h.server.deps.jobs.runUntilIdle();
    // The 100 left go in two calls: no lookups first (nothing about them was unclear).
    expect((await control(h.sandbox.url, 'xero', '/stats')).calls[tenantId] - before).toBe(2);
    const after = await db.selectFrom('items').select(['id', 'state', 'idempotency_key']).where('id', 'in', ids).execute();
    expect(states(after)).toEqual({ published: 300 });
    const invoices = (await control(h.sandbox.url, 'xero', `/documents?tenantId=${tenantId}`)).organisations[0].invoices.filter((i: any) => /^PIPE-\d+$/.test(i.InvoiceNumber));
    expect(new Set(invoices.map((i: any) => i.InvoiceNumber)).size).toBe(300);
    expect(invoices).toHaveLength(300);
    // One key per item for life: every attempt of an item carried it.
    const keys = new Map(after.map((i) => [i.id, i.idempotency_key]));
    const all = await db.selectFrom('publish_attempts').select(['item_id', 'provider_key']).where('item_id', 'in', ids).execute();
    expect(all.filter((a) => a.provider_key !== keys.get(a.item_id))).toEqual([]);
  }, 60_000);
});
