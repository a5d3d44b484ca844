/**
 * The connection lifecycle over real HTTP against the built-in KashFlow sandbox: connect with a
 * key captured from KashFlow's pages, import, refresh after upstream changes, yearly expiry,
 * reconnect (same company only), disconnect; a standard user refused at every step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from './support/test-server.js';
import { kashflowCredentialsFromPages, type KashflowCredentials } from './support/kashflow-user.js';

let server: TestServer;
let admin: string;
let standard: string;
let users: { email: string; password: string }[];
let businessId: string;
let credentials: KashflowCredentials;
const day = 86_400_000;

const json = (res: Response) => res.json() as Promise<any>;
const api = (method: string, path: string, token: string, body?: unknown) => server.request(method, path, { token, json: body });

beforeAll(async () => {
  server = await createTestServer({}, { listen: true });
  const a = await server.user({ role: 'accountant' });
  businessId = a.businessId;
  const s = await server.user({ role: 'standard', businessId });
  users = [a, s];
  await signInAgain();
  // The sandbox runs on the real clock for its sessions; our clock is for expiry.
  credentials = await kashflowCredentialsFromPages(`${server.url}/sandbox/kashflow/app`);
});
afterAll(async () => {
  await server?.close();
});

/** Sessions end after 30 idle days: after moving the clock a year, sign in again. */
async function signInAgain() {
  admin = await server.signIn(users[0]!.email, users[0]!.password);
  standard = await server.signIn(users[1]!.email, users[1]!.password);
}

async function connect(purpose: 'connect' | 'reconnect' = 'connect', connectionId?: string, creds = credentials) {
  const grant = await api('POST', `/api/businesses/${businessId}/connections/key`, admin, { provider: 'kashflow', purpose, connectionId, credentials: creds });
  expect(grant.status).toBe(200);
  const g = await json(grant);
  return api('POST', `/api/businesses/${businessId}/connections/finish`, admin, { grantId: g.grantId, organisationId: g.organisations[0].id });
}

describe('KashFlow connection lifecycle', () => {
  let connectionId: string;

  it('refuses a standard user with a clear 403', async () => {
    const res = await api('POST', `/api/businesses/${businessId}/connections/key`, standard, { provider: 'kashflow', credentials });
    expect(res.status).toBe(403);
    expect((await json(res)).error.message).toMatch(/Only Admins/);
  });

  it('says which part of the credentials is wrong and stores nothing', async () => {
    const wrongPassword = await api('POST', `/api/businesses/${businessId}/connections/key`, admin, { provider: 'kashflow', credentials: { ...credentials, password: 'not-it' } });
    expect(wrongPassword.status).toBe(422);
    expect((await json(wrongPassword)).error.message).toMatch(/password/i);
    const wrongKey = await api('POST', `/api/businesses/${businessId}/connections/key`, admin, { provider: 'kashflow', credentials: { ...credentials, autoAuthKey: '00000000-0000-0000-0000-000000000000' } });
    expect(wrongKey.status).toBe(422);
    expect((await json(wrongKey)).error.message).toMatch(/AutoAuth key/i);
    const rows = await server.deps.db.selectFrom('connections').selectAll().execute();
    expect(rows).toHaveLength(0);
  });

  it('connects with the captured key, then imports all six lists with progress', async () => {
    const res = await connect();
    expect(res.status).toBe(201);
    const body = await json(res);
    connectionId = body.connection.id;
    expect(body.connection).toMatchObject({ provider: 'kashflow', organisation: { name: 'Demo Trading Ltd' }, health: 'refreshing' });
    await server.deps.jobs.runUntilIdle();
    const job = await json(await api('GET', `/api/businesses/${businessId}/jobs/${body.jobId}`, standard));
    expect(job.status).toBe('done');
    const lists = job.progress.lists;
    expect(Object.keys(lists).sort()).toEqual(['bank_accounts', 'categories', 'contacts', 'products', 'projects', 'tax_rates']);
    for (const l of Object.values<any>(lists)) {
      expect(l.status).toBe('done');
      expect(l.done).toBeGreaterThan(0);
    }
    const categories = await json(await api('GET', `/api/businesses/${businessId}/connections/${connectionId}/lists/categories?q=Office`, standard));
    expect(categories.entries.length).toBeGreaterThan(0);
    const conns = await json(await api('GET', `/api/businesses/${businessId}/connections`, standard));
    expect(conns.connections[0]).toMatchObject({ health: 'active', daysLeft: 365, lastRefreshAt: expect.any(String) });
  });

  it('stores the credentials encrypted', async () => {
    const raw = server.database.sqlite.prepare('SELECT credentials FROM connections').get() as { credentials: Buffer };
    expect(raw.credentials.includes(Buffer.from(credentials.password))).toBe(false);
    expect(raw.credentials.includes(Buffer.from(credentials.autoAuthKey))).toBe(false);
  });

  it('refuses a second accounting connection: Change connection is the way', async () => {
    const res = await api('POST', `/api/businesses/${businessId}/connections/key`, admin, { provider: 'kashflow', credentials });
    expect(res.status).toBe(409);
    expect((await json(res)).error.message).toMatch(/Change connection/);
  });

  it('refresh archives what vanished upstream and loses nothing', async () => {
    const before = await json(await api('GET', `/api/businesses/${businessId}/connections/${connectionId}/lists/contacts?limit=500`, admin));
    const supplier = before.entries.find((e: any) => e.status === 'active' && e.type === 'supplier');
    const code = supplier.code;
    await fetch(`${server.url}/sandbox/kashflow/_control/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ list: 'suppliers', action: 'remove', key: code }) });
    await fetch(`${server.url}/sandbox/kashflow/_control/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ list: 'suppliers', action: 'add', data: { Code: 'NEW01', Name: 'Newly Added Supplies Ltd' } }) });
    expect((await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/refresh`, standard)).status).toBe(403);
    const started = await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/refresh`, admin);
    expect(started.status).toBe(202);
    await server.deps.jobs.runUntilIdle();
    const after = await json(await api('GET', `/api/businesses/${businessId}/connections/${connectionId}/lists/contacts?limit=500`, admin));
    expect(after.total).toBe(before.total + 1);
    const gone = after.entries.find((e: any) => e.externalId === supplier.externalId);
    expect(gone).toMatchObject({ status: 'archived', archivedReason: 'upstream_deleted' });
    expect(after.entries.some((e: any) => e.name === 'Newly Added Supplies Ltd' && e.status === 'active')).toBe(true);
  });

  it('streams the progress of a refresh live (server-sent events) until it is done', async () => {
    const { jobId } = await json(await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/refresh`, admin));
    server.deps.jobs.start();
    try {
      const res = await fetch(`${server.url}/api/businesses/${businessId}/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${standard}` } });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const text = await res.text(); // the server ends the stream when the job ends
      const events = [...text.matchAll(/event: progress\ndata: (.+)\n/g)].map((m) => JSON.parse(m[1]!));
      expect(events.length).toBeGreaterThanOrEqual(2);
      expect(events.at(-1)).toMatchObject({ id: jobId, status: 'done' });
      const lists = events.at(-1).progress.lists;
      expect(Object.values<any>(lists).every((l) => l.status === 'done')).toBe(true);
      expect(events.some((e) => e.status === 'running' || e.status === 'queued')).toBe(true);
    } finally {
      await server.deps.jobs.stop();
    }
    const outsider = await server.user({ role: 'business_admin' });
    const token = await server.signIn(outsider.email, outsider.password);
    expect((await fetch(`${server.url}/api/businesses/${businessId}/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it('warns from 30 days before the yearly expiry, then expires', async () => {
    server.clock.advance(336 * day);
    await signInAgain();
    let c = (await json(await api('GET', `/api/businesses/${businessId}/connections`, admin))).connections[0];
    expect(c).toMatchObject({ health: 'expiring', daysLeft: 29 });
    server.clock.advance(30 * day);
    await signInAgain();
    c = (await json(await api('GET', `/api/businesses/${businessId}/connections`, admin))).connections[0];
    expect(c).toMatchObject({ health: 'expired', daysLeft: 0 });
    expect(c.expiredReason).toMatch(/reconnect/i);
    const refresh = await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/refresh`, admin);
    expect(refresh.status).toBe(409);
  });

  it('reconnect to a different company is refused and points to Change connection', async () => {
    const other = await kashflowCredentialsFromPages(`${server.url}/sandbox/kashflow/app`, { username: 'demo2', password: 'demo-password', memorableWord: 'pineapple' }).catch(() => null);
    if (!other) return expect.fail('the sandbox should have a second account, demo2');
    const res = await connect('reconnect', connectionId, other);
    expect(res.status).toBe(409);
    const { error } = await json(res);
    expect(error.code).toBe('different_organisation');
    expect(error.message).toMatch(/Change connection/);
  });

  it('reconnect renews the same company for another year, lists untouched', async () => {
    const before = (await json(await api('GET', `/api/businesses/${businessId}/connections/${connectionId}/lists/categories`, admin))).total;
    const res = await connect('reconnect', connectionId);
    expect(res.status).toBe(201);
    expect((await json(res)).connection.id).toBe(connectionId);
    await server.deps.jobs.runUntilIdle();
    const c = (await json(await api('GET', `/api/businesses/${businessId}/connections`, admin))).connections[0];
    expect(c).toMatchObject({ id: connectionId, health: 'active', daysLeft: 365 });
    expect((await json(await api('GET', `/api/businesses/${businessId}/connections/${connectionId}/lists/categories`, admin))).total).toBe(before);
  });

  it('disconnect wipes credentials and, as chosen, the lists; the audit log tells the story', async () => {
    expect((await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/disconnect`, standard, { keepLists: true })).status).toBe(403);
    const bad = await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/disconnect`, admin, { keepLists: 'yes' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues[0].path).toBe('keepLists');
    const res = await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/disconnect`, admin, { keepLists: false });
    expect(res.status).toBe(200);
    const row = await server.deps.db.selectFrom('connections').selectAll().where('id', '=', connectionId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'disconnected', credentials: null });
    const left = await server.deps.db.selectFrom('list_entries').select('external_id').where('connection_id', '=', connectionId).execute();
    expect(left).toHaveLength(0);
    const audit = await json(await api('GET', `/api/businesses/${businessId}/audit`, admin));
    expect(audit.entries.map((e: any) => e.action)).toEqual(expect.arrayContaining(['connection.connect', 'connection.refresh', 'connection.reconnect', 'connection.disconnect']));
    expect((await api('GET', `/api/businesses/${businessId}/audit`, standard)).status).toBe(403);
  });

  it('hides another business entirely', async () => {
    const outsider = await server.user({ role: 'business_admin' });
    const token = await server.signIn(outsider.email, outsider.password);
    expect((await api('GET', `/api/businesses/${businessId}/connections`, token)).status).toBe(404);
    expect((await api('POST', `/api/businesses/${businessId}/connections/${connectionId}/refresh`, token)).status).toBe(404);
  });
});
