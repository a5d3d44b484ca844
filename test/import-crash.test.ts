/**
 * A list import survives its server: SIGTERM stops it at a checkpoint and the next start resumes
 * at once; SIGKILL leaves it mid-page and the next start takes it over when its lease lapses and
 * resumes from the last checkpoint. The KashFlow sandbox runs in this test's process, so it
 * outlives the server as a real provider would.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createKashflowSandbox } from '../server/sandbox/kashflow/index.js';
import { createSandboxServer } from '../server/sandbox/index.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { kashflowCredentialsFromPages } from './support/kashflow-user.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { scratchDir } from './support/scratch.js';

const SUPPLIERS = 3000;
const secret = 'crash-test-sandbox-secret';
let sandboxServer: RunningServer;
let kashflow: ReturnType<typeof createKashflowSandbox>;
/** Supplier pages asked for, in order. */
const supplierPages: number[] = [];

beforeAll(async () => {
  kashflow = createKashflowSandbox({ accounts: [{ supplierCount: SUPPLIERS }] });
  const { app } = createSandboxServer({ secret, only: { kashflow } });
  const counting = new Hono();
  counting.use('/kashflow/api/v2/suppliers', async (c, next) => {
    supplierPages.push(Number(c.req.query('page') ?? 1));
    await next();
  });
  counting.route('/', app);
  sandboxServer = await listen(counting);
  // Each supplier page takes a while, so there is time to stop the server mid-list.
  await fetch(`${sandboxServer.url}/kashflow/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'slow', host: 'api', path: '/v2/suppliers', delayMs: 250 }),
  });
});
afterAll(async () => {
  await sandboxServer?.close();
});

const env = () => ({ SANDBOX_URL: sandboxServer.url, SANDBOX_CLIENT_SECRET: secret, JOB_LEASE_MS: '1500' });
const get = (s: ServerProcess, p: string, token: string) => fetch(`${s.url}${p}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
const post = (s: ServerProcess, p: string, body: unknown, token?: string) =>
  fetch(`${s.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an import across server stops', () => {
  it('resumes from its checkpoint after SIGTERM and after SIGKILL, losing and repeating nothing', async () => {
    const dataDir = scratchDir('bookbridge-crash-');
    let server = await startServerProcess(dataDir, env());
    const setup = await post(server, '/api/setup', { setupCode: server.setupCode(), email: 'admin@example.com', name: 'Admin', password: 'a long enough password', businessName: 'Crash Ltd' });
    expect(setup.status).toBe(201);
    const token: string = setup.body.token;
    const businessId: string = (await get(server, '/api/me', token)).memberships[0].business.id;

    const credentials = await kashflowCredentialsFromPages(`${sandboxServer.url}/kashflow/app`);
    const grant = await post(server, `/api/businesses/${businessId}/connections/key`, { provider: 'kashflow', credentials }, token);
    expect(grant.status).toBe(200);
    const finished = await post(server, `/api/businesses/${businessId}/connections/finish`, { grantId: grant.body.grantId, organisationId: grant.body.organisations[0].id }, token);
    expect(finished.status).toBe(201);
    const { jobId } = finished.body;
    const job = (s: ServerProcess) => get(s, `/api/businesses/${businessId}/jobs/${jobId}`, token);
    const contactsDone = async (s: ServerProcess) => (await job(s)).progress?.lists?.contacts?.done ?? 0;

    // 1. SIGTERM mid-list: a graceful stop leaves the job queued at its checkpoint.
    await until('some supplier pages', async () => ((await contactsDone(server)) >= 500 ? true : undefined));
    expect(await server.signal('SIGTERM')).toBe(0);
    // Stopped cleanly: the database was closed (its WAL copied back and removed), not abandoned.
    expect(existsSync(path.join(dataDir, 'bookbridge.db-wal'))).toBe(false);
    const pagesBeforeTerm = [...supplierPages];
    server = await startServerProcess(dataDir, env());
    await until('the resumed import to move on', async () => (supplierPages.length > pagesBeforeTerm.length ? true : undefined), 10_000);
    const firstAfterTerm = supplierPages[pagesBeforeTerm.length]!;
    expect(firstAfterTerm).toBeGreaterThan(1);
    expect(firstAfterTerm).toBeLessThanOrEqual(Math.max(...pagesBeforeTerm) + 1);

    // 2. SIGKILL mid-list: the lease lapses and the next start takes the job over.
    await until('more supplier pages', async () => ((await contactsDone(server)) >= 1500 ? true : undefined));
    expect(await server.signal('SIGKILL')).toBeNull();
    const pagesBeforeKill = [...supplierPages];
    server = await startServerProcess(dataDir, env());
    const done = await until('the import to finish', async () => {
      const j = await job(server);
      return j.status === 'done' || j.status === 'failed' ? j : undefined;
    }, 60_000);
    expect(done.status).toBe('done');
    const firstAfterKill = supplierPages[pagesBeforeKill.length]!;
    expect(firstAfterKill).toBeGreaterThan(Math.max(...pagesBeforeTerm));

    // Every supplier and customer once: none lost, none duplicated, archived ones marked.
    const account = kashflow.state.accounts[0]!;
    const upstream = [...account.suppliers, ...account.customers];
    const contacts = `/api/businesses/${businessId}/connections/${finished.body.connection.id}/lists/contacts`;
    expect((await get(server, `${contacts}?limit=1`, token)).total).toBe(upstream.length);
    expect((await get(server, `${contacts}?status=active&limit=1`, token)).total).toBe(upstream.filter((c) => !c.IsArchived).length);
    const totalPages = Math.ceil(SUPPLIERS / 100);
    // Pages fetched again after a stop: at most the one in flight each time.
    const repeats = supplierPages.length - new Set(supplierPages).size;
    expect(repeats).toBeLessThanOrEqual(2);
    expect(new Set(supplierPages).size).toBe(totalPages);
    console.log(`import across SIGTERM + SIGKILL: ${supplierPages.length} supplier page calls for ${totalPages} pages (${repeats} repeated)`);
    await server.signal('SIGTERM');
  }, 120_000);
});
