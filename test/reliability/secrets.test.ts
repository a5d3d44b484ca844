/**
 * Secrets (issue 9). A full run — first admin, sign-ins (and a wrong password), QuickBooks and
 * Xero connected through their pages, KashFlow with password, memorable word and AutoAuth key
 * (and one refused try), items published, access tokens refreshed, a provider fault — with
 * every log line kept at trace level and every API answer kept. Then no secret that crossed
 * the wire (tokens, codes, PKCE verifiers, keys, passwords, client secrets), no session token
 * and not the encryption key appears in clear in the database files, the logs or any answer.
 * Also: the key file is created 0600; sessions expire and can be revoked; sign-in is throttled;
 * OAuth state is single-use and bound to its user; PKCE binds the code to its verifier.
 *
 * The extension's side (a captured key is not reachable from the provider page's scripts) is
 * the extension engineer's end-to-end test in test/e2e/ (see docs/reliability.md).
 */
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createRuntime, type Runtime } from '../../server/runtime.js';
import { issueSetupCode } from '../../server/auth/setup.js';
import { addMembership, createBusiness } from '../../server/auth/users.js';
import { createSandboxServer } from '../../server/sandbox/index.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { authorizeWithForms } from '../../server/sandbox/xero/testing.js';
import { kashflowCredentialsFromPages } from '../support/kashflow-user.js';
import { requestInit, testPasswordCost } from '../support/test-server.js';
import { connectQuickbooks, json, qboBill, report, sandboxControl, type Requester } from './support.js';

const SECRET = 'reliability-secrets-client-secret';
const PASSWORD = 'correct horse battery staple 42';

let sandbox: RunningServer;
let runtime: Runtime;
let dir: string;
let current = new Date('2026-06-01T09:00:00Z');
const clock = { now: () => new Date(current), advance: (ms: number) => void (current = new Date(current.getTime() + ms)) };
const logs: string[] = [];
const answers: { url: string; text: string; sessionToken?: string }[] = [];
/** Every secret that crossed the wire between the companion and the providers. */
const wire = new Set<string>();
/** Field names that carry secrets (not "Code": account and product codes are not secret). */
const secretName = /token|secret|password|verifier|apikey|api_key|autoauth|memorable|assertion|sessionid/i;
/** In forms, queries and redirects the OAuth code is a secret too (the PKCE challenge is public). */
const secretParam = (name: string) => secretName.test(name) || name === 'code';

function collect(value: unknown, name = ''): void {
  if (typeof value === 'string') {
    if (secretName.test(name) && value.length >= 8) wire.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => collect(v, name));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(v, k);
}

const request: Requester = async (method, url, options = {}) => {
  const res = await runtime.app.request(url, requestInit(method, options));
  const text = await res.clone().text();
  let sessionToken: string | undefined;
  if (/\/api\/(setup|auth\/login)$/.test(url)) sessionToken = (JSON.parse(text) as { token?: string }).token;
  answers.push({ url, text, sessionToken });
  return res;
};

beforeAll(async () => {
  const { app } = createSandboxServer({ secret: SECRET, now: () => clock.now() });
  // A wire tap in front of the sandboxes: every credential in either direction is noted.
  const tap = new Hono();
  tap.use('*', async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth) wire.add(auth.replace(/^(Bearer|Basic)\s+/i, ''));
    for (const h of ['x-kashflow-token', 'devkey', 'sessionid']) if (c.req.header(h)) wire.add(c.req.header(h)!);
    const type = c.req.header('content-type') ?? '';
    const raw = c.req.method === 'GET' ? '' : await c.req.raw.clone().text();
    if (type.includes('json') && raw) collect(JSON.parse(raw));
    if (type.includes('form') && raw) for (const [k, v] of new URLSearchParams(raw)) if (secretParam(k) && v.length >= 8) wire.add(v);
    for (const [k, v] of new URL(c.req.url).searchParams) if (secretParam(k) && v.length >= 8) wire.add(v);
    await next();
    const out = c.res.headers.get('content-type') ?? '';
    if (out.includes('json')) collect(await c.res.clone().json().catch(() => null));
    const location = c.res.headers.get('location');
    if (location) for (const [k, v] of new URL(location, 'http://x').searchParams) if (secretParam(k) && v.length >= 8) wire.add(v);
  });
  tap.route('/', app);
  sandbox = await listen(tap);
  dir = mkdtempSync(path.join(tmpdir(), 'bookbridge-reliability-secrets-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, SANDBOX_URL: sandbox.url, SANDBOX_CLIENT_SECRET: SECRET, LOG_LEVEL: 'trace' });
  const logger = createLogger({ level: 'trace', format: 'json' }, { write: (line: string) => void logs.push(line) });
  runtime = await createRuntime(config, { logger, clock, passwordCost: testPasswordCost, sandboxBaseUrl: sandbox.url });
}, 60_000);
afterAll(async () => {
  await runtime?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('secrets', () => {
  let token: string;
  let businessId: string;
  let userId: string;
  const sessionTokens: string[] = [];

  it('after a full run, no secret is in clear in the database, the logs or any answer', async () => {
    const keyFile = path.join(dir, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const setupCode = (await issueSetupCode(runtime.deps.db))!;
    const setup = await request('POST', '/api/setup', { json: { setupCode, email: 'owner@example.com', name: 'Owner', password: PASSWORD, businessName: 'Secret Keeping Ltd' } });
    expect(setup.status).toBe(201);
    ({ token } = await json(setup));
    sessionTokens.push(token);
    userId = (await json(await request('GET', '/api/me', { token }))).user.id;
    businessId = (await json(await request('GET', '/api/me', { token }))).memberships[0].business.id;
    expect((await request('POST', '/api/auth/login', { json: { email: 'owner@example.com', password: `${PASSWORD} wrong` } })).status).toBe(401);
    const second = await json(await request('POST', '/api/auth/login', { json: { email: 'owner@example.com', password: PASSWORD } }));
    sessionTokens.push(second.token);

    // QuickBooks (OAuth, rotating refresh tokens): connect, publish, refresh, publish through a fault.
    const qbo = await connectQuickbooks(request, token, businessId);
    await runtime.deps.jobs.runUntilIdle();
    for (let i = 1; i <= 3; i++) expect((await request('POST', `/api/businesses/${businessId}/items`, { token, json: qboBill(`SECRET-${i}`, i) })).status).toBe(201);
    const items = (await json(await request('GET', `/api/businesses/${businessId}/items`, { token }))).items as { id: string }[];
    await request('POST', `/api/businesses/${businessId}/items/${items[0]!.id}/publish`, { token });
    await runtime.deps.jobs.runUntilIdle();
    clock.advance(3601_000);
    await sandboxControl(sandbox.url, 'quickbooks-online', '/faults', { error5xxRate: 1 });
    await request('POST', `/api/businesses/${businessId}/items/${items[1]!.id}/publish`, { token });
    await runtime.deps.jobs.runUntilIdle();
    await sandboxControl(sandbox.url, 'quickbooks-online', '/faults', {});
    clock.advance(120_000);
    await request('POST', `/api/businesses/${businessId}/items/${items[2]!.id}/publish`, { token });
    await runtime.deps.jobs.runUntilIdle();
    expect((await request('GET', `/api/businesses/${businessId}/connections`, { token })).status).toBe(200);

    // KashFlow (password, memorable word, AutoAuth key) and Xero (PKCE) in businesses of their own.
    const kashflowBusiness = await createBusiness(runtime.deps.db, { name: 'KashFlow Ltd', now: clock.now().getTime() });
    const xeroBusiness = await createBusiness(runtime.deps.db, { name: 'Xero Ltd', now: clock.now().getTime() });
    for (const b of [kashflowBusiness, xeroBusiness]) await addMembership(runtime.deps.db, { userId, businessId: b, role: 'business_admin', now: clock.now().getTime() });
    const credentials = await kashflowCredentialsFromPages(`${sandbox.url}/kashflow/app`);
    for (const v of Object.values(credentials)) wire.add(v);
    const refused = await request('POST', `/api/businesses/${kashflowBusiness}/connections/key`, { token, json: { provider: 'kashflow', credentials: { ...credentials, password: 'not-the-password-123' } } });
    expect(refused.status).toBe(422);
    wire.add('not-the-password-123');
    const grant = await json(await request('POST', `/api/businesses/${kashflowBusiness}/connections/key`, { token, json: { provider: 'kashflow', credentials } }));
    expect((await request('POST', `/api/businesses/${kashflowBusiness}/connections/finish`, { token, json: { grantId: grant.grantId, organisationId: grant.organisations[0].id } })).status).toBe(201);
    const start = await json(await request('POST', `/api/businesses/${xeroBusiness}/connections/authorize`, { token, json: { provider: 'xero' } }));
    const back = await authorizeWithForms(fetch, start.authorizeUrl, { organisations: ['Demo Company (UK)'] });
    expect((await request('GET', `/oauth/callback${back.search}`)).status).toBe(200);
    const status = await json(await request('GET', `/api/oauth/states/${start.state}`, { token }));
    expect((await request('POST', `/api/businesses/${xeroBusiness}/connections/finish`, { token, json: { grantId: status.grant.grantId, organisationId: status.grant.organisations[0].id } })).status).toBe(201);
    await runtime.deps.jobs.runUntilIdle();

    // --- where could they have ended up?
    runtime.database.sqlite.pragma('wal_checkpoint(PASSIVE)');
    const files = ['bookbridge.db', 'bookbridge.db-wal', 'bookbridge.db-shm'].map((f) => path.join(dir, f)).filter(existsSync);
    const database = Buffer.concat(files.map((f) => readFileSync(f)));
    const key = readFileSync(keyFile, 'utf8').trim();
    const secrets = new Set<string>([...wire, PASSWORD, `${PASSWORD} wrong`, setupCode, key, SECRET, ...sessionTokens, ...sessionTokens.map((t) => t.split('.')[1]!)]);
    for (const s of [...secrets]) if (s.length < 8) secrets.delete(s);
    const logText = logs.join('');
    const found: string[] = [];
    for (const s of secrets) {
      const label = `${s.slice(0, 6)}… (${s.length} chars)`;
      if (database.includes(Buffer.from(s, 'utf8'))) found.push(`database: ${label}`);
      if (logText.includes(s)) found.push(`logs: ${label}`);
      for (const a of answers) if (a.text.includes(s) && a.sessionToken !== s && !a.sessionToken?.endsWith(s)) found.push(`answer of ${a.url.split('?')[0]}: ${label}`);
    }
    report(
      'secrets at rest and in transit',
      `${secrets.size} secrets tracked (${wire.size} seen on the wire: OAuth codes, PKCE verifiers, access/refresh tokens, client secret, KashFlow password, memorable word, AutoAuth key, session tokens; plus passwords, setup code, encryption key); ` +
        `searched ${database.length} bytes of database files, ${logs.length} log lines at trace level, ${answers.length} API answers: ${found.length} found in clear; key file mode ${(statSync(keyFile).mode & 0o777).toString(8)}`,
      found.length === 0,
    );
    expect(found).toEqual([]);
    expect(wire.size).toBeGreaterThan(15);
    expect(logs.length).toBeGreaterThan(20);
  }, 120_000);

  it('sessions expire when unused and can be revoked, one or all', async () => {
    const login = async () => (await json(await request('POST', '/api/auth/login', { json: { email: 'owner@example.com', password: PASSWORD } }))).token as string;
    const [a, b, c] = [await login(), await login(), await login()];
    expect((await request('POST', '/api/auth/logout', { token: a })).status).toBe(204);
    const afterLogout = (await request('GET', '/api/me', { token: a })).status;
    expect((await request('GET', '/api/me', { token: b })).status).toBe(200);
    expect((await request('POST', '/api/auth/logout-all', { token: b })).status).toBe(204);
    const afterAll = [(await request('GET', '/api/me', { token: b })).status, (await request('GET', '/api/me', { token: c })).status];
    const d = await login();
    clock.advance(31 * 86_400_000);
    const expired = (await request('GET', '/api/me', { token: d })).status;
    report('sessions', `after logout: ${afterLogout}; after logout-all: ${afterAll.join(', ')} (other sessions); unused 31 days: ${expired}`, afterLogout === 401 && afterAll.every((s) => s === 401) && expired === 401);
    expect([afterLogout, ...afterAll, expired]).toEqual([401, 401, 401, 401]);
  });

  it('throttles sign-in: 5 failures lock the account (even the right password), 20 lock the address', async () => {
    const attempt = (email: string, password: string) => request('POST', '/api/auth/login', { json: { email, password } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt('owner@example.com', 'wrong password!')).status);
    const locked = await attempt('owner@example.com', PASSWORD);
    clock.advance(16 * 60_000);
    const unlocked = (await attempt('owner@example.com', PASSWORD)).status;
    for (let i = 0; i < 20; i++) await attempt(`guess${i}@example.com`, 'nope nope nope');
    const address = (await attempt('someone-else@example.com', 'nope nope nope')).status;
    clock.advance(16 * 60_000);
    report('sign-in throttling', `5 wrong passwords: ${statuses.join(',')}; then the right one: ${locked.status} (Retry-After ${locked.headers.get('retry-after')} s); 16 min later: ${unlocked}; 20 failures from one address, then another account: ${address}`, locked.status === 429 && address === 429);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(unlocked).toBe(200);
    expect(address).toBe(429);
  });

  it('OAuth state is single-use and bound to its user; PKCE binds each code to its verifier', async () => {
    const xeroBusiness = await createBusiness(runtime.deps.db, { name: 'Xero Two Ltd', now: clock.now().getTime() });
    await addMembership(runtime.deps.db, { userId, businessId: xeroBusiness, role: 'business_admin', now: clock.now().getTime() });
    const login = async (email: string) => (await json(await request('POST', '/api/auth/login', { json: { email, password: PASSWORD } }))).token as string;
    const owner = await login('owner@example.com');
    const { createUser } = await import('../../server/auth/users.js');
    const otherId = await createUser(runtime.deps.db, { email: 'colleague@example.com', name: 'Colleague', password: PASSWORD, now: clock.now().getTime(), cost: testPasswordCost });
    await addMembership(runtime.deps.db, { userId: otherId, businessId: xeroBusiness, role: 'business_admin', now: clock.now().getTime() });
    const colleague = await login('colleague@example.com');

    const authorize = async () => json(await request('POST', `/api/businesses/${xeroBusiness}/connections/authorize`, { token: owner, json: { provider: 'xero' } }));
    const first = await authorize();
    const second = await authorize();
    const url = new URL(first.authorizeUrl);
    const challenge = `${url.searchParams.get('code_challenge_method')}:${url.searchParams.get('code_challenge')?.length}`;
    const back = await authorizeWithForms(fetch, first.authorizeUrl, { organisations: ['Demo Company (UK)'] });
    const code = back.searchParams.get('code')!;

    // The first state's code, handed in with the second state (code injection): its verifier does not fit.
    const injected = await request('POST', '/api/oauth/complete', { token: owner, json: { state: second.state, code } });
    // Someone else with the right state and code: refused, and the state is not spent.
    const stolen = await request('POST', '/api/oauth/complete', { token: colleague, json: { state: first.state, code } });
    const peek = (await request('GET', `/api/oauth/states/${first.state}`, { token: colleague })).status;
    const rightful = await request('POST', '/api/oauth/complete', { token: owner, json: { state: first.state, code } });
    const replay = await request('POST', '/api/oauth/complete', { token: owner, json: { state: first.state, code } });
    const results = { injected: injected.status, stolen: stolen.status, peek, rightful: rightful.status, replay: replay.status };
    report('OAuth state and PKCE', `authorize URL challenge ${challenge}; code with another state's verifier: ${results.injected}; right state by another user: ${results.stolen} (status lookup ${peek}); rightful owner: ${results.rightful}; same state again: ${results.replay}`, JSON.stringify(results) === JSON.stringify({ injected: 502, stolen: 400, peek: 404, rightful: 200, replay: 400 }));
    expect(challenge).toBe('S256:43');
    expect(results).toEqual({ injected: 502, stolen: 400, peek: 404, rightful: 200, replay: 400 });
    expect((await json(replay)).error.code).toBe('invalid_state');
  });
});
