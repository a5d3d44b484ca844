/**
 * Token refresh under concurrency (issue 9). QuickBooks Online's sandbox is set to rotate the
 * refresh token on every use with no overlap, so a refresh token used twice answers
 * `invalid_grant`: the strictest provider behaviour there is. With the access token just
 * expired, 50 publishes on one connection must cause exactly one refresh call and all succeed:
 * - through the product (50 concurrent Publish requests, then the publishing job);
 * - 50 provider calls at once, each through its own provider session (as concurrent jobs);
 * - the same 50 split over two companion processes sharing one database (the lease).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createQuickbooksOnlineSandbox } from '../../server/sandbox/quickbooks-online/index.js';
import { createSandboxServer, sandboxClient } from '../../server/sandbox/index.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { createProviderSession } from '../../server/connections/provider-session.js';
import { SecretBox } from '../../server/crypto/secret-box.js';
import type { Credentials } from '../../server/providers/types.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { documentsFor } from './documents.js';
import { connectQuickbooks, countByNumber, figures, json, qboBill, qboDocuments, report, sandboxControl } from './support.js';

const SECRET = 'reliability-refresh-sandbox-secret';
const N = figures.concurrentPublishes;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface StrictSandbox {
  running: RunningServer;
  tokenCalls: { refresh: number; invalidGrant: number };
}

/** A QuickBooks sandbox whose refresh tokens are single-use, counting token-endpoint calls. */
async function strictSandbox(now?: () => Date): Promise<StrictSandbox> {
  const qbo = createQuickbooksOnlineSandbox({ client: sandboxClient('quickbooks-online', SECRET), now, refreshRotationMs: 0, refreshOverlapMs: 0 });
  const { app } = createSandboxServer({ secret: SECRET, now, only: { 'quickbooks-online': qbo } });
  const tokenCalls = { refresh: 0, invalidGrant: 0 };
  const outer = new Hono();
  outer.use('/quickbooks-online/oauth/*', async (c, next) => {
    const form = await c.req.raw.clone().text();
    await next();
    if (!form.includes('grant_type=refresh_token')) return;
    tokenCalls.refresh++;
    if (c.res.status >= 400 && (await c.res.clone().text()).includes('invalid_grant')) tokenCalls.invalidGrant++;
  });
  outer.route('/', app);
  return { running: await listen(outer), tokenCalls };
}

async function createItems(server: TestServer, token: string, businessId: string, prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await server.request('POST', `/api/businesses/${businessId}/items`, { token, json: qboBill(`${prefix}-${i + 1}`, i) });
    expect(res.status).toBe(201);
    ids.push((await json(res)).id);
  }
  return ids;
}

describe('token refresh under concurrency, one companion', () => {
  let sandbox: StrictSandbox;
  let server: TestServer;
  let token: string;
  let businessId: string;
  let connectionId: string;
  let realmId: string;

  beforeAll(async () => {
    sandbox = await strictSandbox(() => server?.clock.now() ?? new Date('2026-06-01T09:00:00Z'));
    server = await createTestServer({ SANDBOX_URL: sandbox.running.url, SANDBOX_CLIENT_SECRET: SECRET }, { sandboxBaseUrl: sandbox.running.url });
    const admin = await server.user({ role: 'business_admin' });
    businessId = admin.businessId;
    token = await server.signIn(admin.email, admin.password);
    ({ connectionId, realmId } = await connectQuickbooks(server.request, token, businessId));
    await server.deps.jobs.runUntilIdle();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.running.close();
  });

  const connectionStatus = async () => (await server.deps.db.selectFrom('connections').select('status').where('id', '=', connectionId).executeTakeFirstOrThrow()).status;

  it(`${N} concurrent Publish requests just after the access token expired: one refresh, all published`, async () => {
    const ids = await createItems(server, token, businessId, 'EXPIRED', N);
    server.clock.advance(3601_000); // the hour-long access token has just expired
    const before = { ...sandbox.tokenCalls };
    const answers = await Promise.all(ids.map((id) => server.request('POST', `/api/businesses/${businessId}/items/${id}/publish`, { token })));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
    await server.deps.jobs.runUntilIdle();

    const items = await server.deps.db.selectFrom('items').select(['number', 'state']).where('id', 'in', ids).execute();
    const counts = countByNumber((await qboDocuments(sandbox.running.url, realmId)).bills);
    const refreshes = sandbox.tokenCalls.refresh - before.refresh;
    const invalid = sandbox.tokenCalls.invalidGrant - before.invalidGrant;
    const published = items.filter((i) => i.state === 'published').length;
    const once = items.filter((i) => counts.get(i.number!) === 1).length;
    report('token refresh (product, one process)', `${N} concurrent publishes, access token expired: ${refreshes} refresh call(s), ${invalid} invalid_grant, ${published}/${N} published, ${once}/${N} in QuickBooks once, connection ${await connectionStatus()}`, refreshes === 1 && invalid === 0 && published === N && once === N);
    expect({ refreshes, invalid, published, once, status: await connectionStatus() }).toEqual({ refreshes: 1, invalid: 0, published: N, once: N, status: 'active' });
  });

  it(`${N} provider calls at once, each through its own session: one refresh (expired here, and revoked early at the provider)`, async () => {
    const adapter = server.deps.providers.adapter('quickbooks-online');
    const sessionDeps = { db: server.deps.db, secrets: server.deps.secrets, now: () => server.clock.now() };
    const connection = { id: connectionId, organisationId: realmId };
    const outcomes: string[] = [];
    const lines: string[] = [];
    for (const mode of ['expired', 'revoked-early'] as const) {
      const ids = await createItems(server, token, businessId, mode === 'expired' ? 'SES-EXP' : 'SES-REV', N);
      const documents = await documentsFor(server.deps.db, businessId, ids);
      // Expired: our record says so too (refresh before the call). Revoked early: only the
      // provider knows, so every call gets a 401 and asks for a renewal at the same moment.
      if (mode === 'expired') server.clock.advance(3601_000);
      else await sandboxControl(sandbox.running.url, 'quickbooks-online', '/faults', { expireAccessTokens: true });
      const before = { ...sandbox.tokenCalls };
      const results = await Promise.all(
        documents.map(async (document) => {
          const [outcome] = await adapter.publish(createProviderSession(sessionDeps, adapter, connection), [document]);
          return outcome!.ok ? 'ok' : `${outcome!.error.kind}: ${outcome!.error.message}`;
        }),
      );
      outcomes.push(...results);
      if (results.some((r) => r !== 'ok')) console.log(mode, [...new Set(results)]);
      const refreshes = sandbox.tokenCalls.refresh - before.refresh;
      const invalid = sandbox.tokenCalls.invalidGrant - before.invalidGrant;
      const ok = results.filter((r) => r === 'ok').length;
      lines.push(`${mode}: ${refreshes} refresh call(s), ${invalid} invalid_grant, ${ok}/${N} succeeded`);
      expect({ mode, refreshes, invalid, ok }).toEqual({ mode, refreshes: 1, invalid: 0, ok: N });
    }
    report('token refresh (sessions, one process)', `${N} concurrent calls: ${lines.join('; ')}; connection ${await connectionStatus()}`, outcomes.every((o) => o === 'ok'));
    expect(await connectionStatus()).toBe('active');
  });
});

describe('token refresh under concurrency, two companion processes on one database', () => {
  let sandbox: StrictSandbox;
  afterAll(async () => {
    await sandbox?.running.close();
  });

  it(`${N} publishes split over two processes, access token expired: one refresh between them, all published`, async () => {
    sandbox = await strictSandbox(); // real time: the processes run on the real clock
    const env = { SANDBOX_URL: sandbox.running.url, SANDBOX_CLIENT_SECRET: SECRET };
    const setup = await createTestServer(env, { sandboxBaseUrl: sandbox.running.url });
    setup.clock.set(new Date());
    const admin = await setup.user({ role: 'business_admin' });
    const token = await setup.signIn(admin.email, admin.password);
    const { connectionId, realmId } = await connectQuickbooks(setup.request, token, admin.businessId);
    await setup.deps.jobs.runUntilIdle();
    const ids = await createItems(setup, token, admin.businessId, 'TWO-PROCESSES', N);
    await setup.close({ keepData: true }); // the two processes below start on its database
    onTestFinished(() => rmSync(setup.dir, { recursive: true, force: true }));

    // The stored access token has just expired (sealed under the key file, as the server does),
    // and the provider agrees.
    const box = new SecretBox(Buffer.from(readFileSync(path.join(setup.dir, 'secret.key'), 'utf8').trim(), 'base64'));
    const { openDatabase } = await import('../../server/db/database.js');
    const opened = openDatabase(setup.config.databasePath);
    const row = await opened.db.selectFrom('connections').select('credentials').where('id', '=', connectionId).executeTakeFirstOrThrow();
    const credentials = box.openJson<Credentials>(row.credentials!, `connection:${connectionId}`);
    if (credentials.kind !== 'oauth2') throw new Error('not an OAuth connection');
    credentials.tokens.accessTokenExpiresAt = Date.now() - 1000;
    await opened.db.updateTable('connections').set({ credentials: box.sealJson(credentials, `connection:${connectionId}`) }).where('id', '=', connectionId).execute();
    await opened.close();
    await sandboxControl(sandbox.running.url, 'quickbooks-online', '/faults', { expireAccessTokens: true });

    const halves = [ids.slice(0, N / 2), ids.slice(N / 2)];
    const workers = halves.map((itemIds) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/refresh-worker.ts', JSON.stringify({ businessId: admin.businessId, itemIds })], {
        cwd: repoRoot,
        env: { ...process.env, NODE_ENV: 'test', DATA_DIR: setup.dir, LOG_LEVEL: 'silent', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (out.includes('ready\n')) {
            clearInterval(timer);
            resolve();
          } else if (child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`worker exited: ${err}`));
          }
        }, 20);
      });
      const done = new Promise<{ results: { ok: boolean; number: string; error?: string }[] }>((resolve, reject) =>
        child.once('exit', (code) => {
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (code === 0 && line) resolve(JSON.parse(line));
          else reject(new Error(`worker exited ${code}: ${err}${out}`));
        }),
      );
      return { child, ready, done };
    });
    await Promise.all(workers.map((w) => w.ready));
    const before = { ...sandbox.tokenCalls };
    for (const w of workers) w.child.stdin.write('go\n');
    const results = (await Promise.all(workers.map((w) => w.done))).flatMap((r) => r.results);

    const refreshes = sandbox.tokenCalls.refresh - before.refresh;
    const invalid = sandbox.tokenCalls.invalidGrant - before.invalidGrant;
    const ok = results.filter((r) => r.ok).length;
    const counts = countByNumber((await qboDocuments(sandbox.running.url, realmId)).bills);
    const once = ids.length === N ? [...Array(N).keys()].filter((i) => counts.get(`TWO-PROCESSES-${i + 1}`) === 1).length : 0;
    const check = openDatabase(setup.config.databasePath);
    const status = (await check.db.selectFrom('connections').select('status').where('id', '=', connectionId).executeTakeFirstOrThrow()).status;
    await check.close();
    report('token refresh (two processes, one database)', `${N} concurrent publishes (${N / 2} per process), access token expired: ${refreshes} refresh call(s), ${invalid} invalid_grant, ${ok}/${N} succeeded, ${once}/${N} in QuickBooks once, connection ${status}`, refreshes === 1 && invalid === 0 && ok === N && once === N);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect({ refreshes, invalid, ok, once, status }).toEqual({ refreshes: 1, invalid: 0, ok: N, once: N, status: 'active' });
  }, 120_000);
});
