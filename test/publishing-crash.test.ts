/**
 * A crash between "attempt started" and the provider's answer. The first companion stops dead at
 * that point (a test hook that never returns: its process is as good as killed); a second
 * companion on the same database takes the job over when its lease lapses and resolves the
 * attempt by looking the document up in Xero, never by resending blindly. The Xero sandbox runs
 * on its own port, so it outlives the "crashed" companion as Xero would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../server/logger.js';
import { createRuntime, type Runtime } from '../server/runtime.js';
import { publishingHooks } from '../server/publishing/index.js';
import { api, connectXero, control, json, startHarness, type Harness } from './support/publishing.js';
import { testPasswordCost } from './support/test-server.js';

let h: Harness;
let admin: string;
let businessId: string;
let tenantId: string;
const survivors: Runtime[] = [];

beforeAll(async () => {
  h = await startHarness();
  const a = await h.server.user({ role: 'accountant' });
  businessId = a.businessId;
  admin = await h.server.signIn(a.email, a.password);
  ({ tenantId } = await connectXero(h, admin, businessId));
}, 60_000);
afterAll(async () => {
  for (const rt of survivors) await rt.close();
  await h?.close();
});

const call = (method: string, path: string, body?: unknown) => api(h.server, admin)(method, `/api/businesses/${businessId}${path}`, body);
const invoicesNumbered = async (n: string) =>
  (await control(h.sandbox.url, 'xero', `/documents?tenantId=${tenantId}`)).organisations[0].invoices.filter((i: any) => i.InvoiceNumber === n);

/** A second companion process on the same data directory, 2 minutes later (past the job lease). */
async function restart(): Promise<Runtime> {
  const later = new Date(h.server.clock.now().getTime() + 2 * 60_000);
  const rt = await createRuntime(h.server.config, {
    logger: createLogger({ level: 'silent', format: 'json' }),
    clock: { now: () => later },
    passwordCost: testPasswordCost,
    sandboxBaseUrl: h.sandbox.url,
  });
  survivors.push(rt);
  return rt;
}

async function crashAt(hook: 'beforeSend' | 'afterSend', number: string) {
  const created = await json(
    await call('POST', '/items', {
      type: 'cost',
      contact: (await h.server.suppliers())[0]!.name,
      date: '2026-05-20',
      number,
      currency: 'GBP',
      lines: [{ description: 'Crash-test widgets', amount: '40.00', category: '429', taxRate: 'INPUT2' }],
      total: '48.00',
    }),
  );
  let reached!: () => void;
  const atHook = new Promise<void>((resolve) => (reached = resolve));
  let release!: (e: Error) => void;
  publishingHooks(h.server.deps)[hook] = () => {
    reached();
    return new Promise<void>((_, reject) => (release = reject));
  };
  expect((await call('POST', `/items/${created.id}/publish`)).status).toBe(202);
  const first = h.server.deps.jobs.runUntilIdle();
  await atHook;
  const row = await h.server.deps.db.selectFrom('items').select(['state', 'last_attempt_id']).where('id', '=', created.id).executeTakeFirstOrThrow();
  const attempt = await h.server.deps.db.selectFrom('publish_attempts').select('status').where('id', '=', row.last_attempt_id!).executeTakeFirstOrThrow();
  // The attempt was recorded before the call: this is what the crash leaves behind.
  expect([row.state, attempt.status]).toEqual(['publishing', 'started']);
  return { itemId: created.id as string, kill: async () => {
    release(new Error('the process was killed'));
    await first;
  } };
}

describe('a crash between "attempt started" and the answer', () => {
  it('after the provider created the document: resolved by lookup, no second document', async () => {
    const { itemId, kill } = await crashAt('afterSend', 'CRASH-AFTER-1');
    expect(await invoicesNumbered('CRASH-AFTER-1')).toHaveLength(1);

    const second = await restart();
    await second.deps.jobs.runUntilIdle();
    const item = await second.deps.db.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
    const invoices = await invoicesNumbered('CRASH-AFTER-1');
    expect(invoices).toHaveLength(1);
    expect(item).toMatchObject({ state: 'published', document_id: invoices[0].InvoiceID, attempt_count: 1 });

    // The stalled first process wakes up later: it must change nothing.
    await kill();
    const again = await h.server.deps.db.selectFrom('items').select(['state', 'document_id']).where('id', '=', itemId).executeTakeFirstOrThrow();
    expect(again).toEqual({ state: 'published', document_id: invoices[0].InvoiceID });
    expect(await invoicesNumbered('CRASH-AFTER-1')).toHaveLength(1);
  });

  it('before the request left: the lookup finds nothing, so it is sent, once', async () => {
    publishingHooks(h.server.deps).afterSend = undefined;
    const { itemId, kill } = await crashAt('beforeSend', 'CRASH-BEFORE-1');
    expect(await invoicesNumbered('CRASH-BEFORE-1')).toHaveLength(0);

    const second = await restart();
    await second.deps.jobs.runUntilIdle();
    const invoices = await invoicesNumbered('CRASH-BEFORE-1');
    expect(invoices).toHaveLength(1);
    const item = await second.deps.db.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirstOrThrow();
    expect(item).toMatchObject({ state: 'published', document_id: invoices[0].InvoiceID });
    await kill();
    expect(await invoicesNumbered('CRASH-BEFORE-1')).toHaveLength(1);
  });
});
