/**
 * The OAuth side of the lifecycle over real HTTP against the built-in Xero sandbox: authorize
 * (state bound to the user, PKCE, single use), the sandbox's sign-in/consent pages, organisation
 * choice, Finish; a revoked grant recognised as "reconnect"; reconnect pinned to the same
 * organisation; change connection; disconnect revoking at Xero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithForms } from '../server/sandbox/xero/testing.js';
import { createTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let admin: string;
let standard: string;
let businessId: string;
const DEMO = 'Demo Company (UK)';
const OTHER = 'Bookbridge Test Ltd';

const json = (res: Response) => res.json() as Promise<any>;
const api = (method: string, path: string, token: string, body?: unknown) => server.request(method, path, { token, json: body });
const base = () => `/api/businesses/${businessId}/connections`;

beforeAll(async () => {
  server = await createTestServer({}, { listen: true });
  const a = await server.user({ role: 'business_admin' });
  businessId = a.businessId;
  const s = await server.user({ role: 'standard', businessId });
  admin = await server.signIn(a.email, a.password);
  standard = await server.signIn(s.email, s.password);
});
afterAll(async () => {
  await server?.close();
});

/** Authorize in Bookbridge, walk Xero's pages ticking `organisations`, return to our callback page. */
async function authorise(organisations: string[], body: Record<string, unknown> = {}) {
  const start = await api('POST', `${base()}/authorize`, admin, { provider: 'xero', ...body });
  expect(start.status).toBe(200);
  const { authorizeUrl, state } = await json(start);
  const back = await authorizeWithForms(fetch, authorizeUrl, { organisations });
  return { state, back };
}

/** The provider sent the browser to our callback page; then the extension asks how it went. */
async function viaCallbackPage(state: string, back: URL) {
  const page = await server.request('GET', `/oauth/callback${back.search}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Return to the Bookbridge tab');
  const status = await json(await api('GET', `/api/oauth/states/${state}`, admin));
  expect(status.status).toBe('authorised');
  return status.grant;
}

async function finish(grantId: string, organisationName: string, grant: any) {
  const organisationId = grant.organisations.find((o: any) => o.name === organisationName).id;
  return api('POST', `${base()}/finish`, admin, { grantId, organisationId });
}

describe('Xero: connect with OAuth and an organisation choice', () => {
  let connectionId: string;
  let demoTenant: string;

  it('refuses a standard user before sending anyone to Xero', async () => {
    const res = await api('POST', `${base()}/authorize`, standard, { provider: 'xero' });
    expect(res.status).toBe(403);
  });

  it('refuses a redirect URI that is neither our callback nor the extension', async () => {
    const res = await api('POST', `${base()}/authorize`, admin, { provider: 'xero', redirectUri: 'https://evil.example.com/steal' });
    expect(res.status).toBe(400);
    expect((await json(res)).error.issues[0].path).toBe('redirectUri');
  });

  it('connects: sign in at Xero, choose two organisations, pick one, Finish, lists imported', async () => {
    const { state, back } = await authorise([DEMO, OTHER]);
    expect(back.searchParams.get('state')).toBe(state);
    const grant = await viaCallbackPage(state, back);
    expect(grant.organisations.map((o: any) => o.name).sort()).toEqual([OTHER, DEMO].sort());
    const res = await finish(grant.grantId, DEMO, grant);
    expect(res.status).toBe(201);
    const body = await json(res);
    connectionId = body.connection.id;
    demoTenant = body.connection.organisation.id;
    await server.deps.jobs.runUntilIdle();
    const job = await json(await api('GET', `/api/businesses/${businessId}/jobs/${body.jobId}`, admin));
    expect(job.status).toBe('done');
    expect(Object.values<any>(job.progress.lists).every((l) => l.status === 'done' && l.done > 0)).toBe(true);
    const banks = await json(await api('GET', `${base()}/${connectionId}/lists/bank_accounts`, standard));
    expect(banks.total).toBe(2);
  });

  it('a state is single use: replaying the same callback is refused', async () => {
    const { state, back } = await authorise([DEMO], { purpose: 'reconnect', connectionId });
    await viaCallbackPage(state, back);
    const replay = await api('POST', '/api/oauth/complete', admin, { state, code: back.searchParams.get('code') });
    expect(replay.status).toBe(400);
    expect((await json(replay)).error.code).toBe('invalid_state');
  });

  it('a state is bound to the user who started it, and expires', async () => {
    const { state, back } = await authorise([DEMO], { purpose: 'reconnect', connectionId });
    const intruder = await server.user({ role: 'business_admin' });
    const token = await server.signIn(intruder.email, intruder.password);
    const foreign = await api('POST', '/api/oauth/complete', token, { state, code: back.searchParams.get('code') });
    expect(foreign.status).toBe(400);
    server.clock.advance(11 * 60 * 1000);
    const late = await api('POST', '/api/oauth/complete', admin, { state, code: back.searchParams.get('code') });
    expect(late.status).toBe(400);
  });

  it('sees a revoked grant as "reconnect", not as a passing fault', async () => {
    await fetch(`${server.url}/sandbox/xero/_control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId: demoTenant, revokeGrants: true }) });
    server.clock.advance(31 * 60 * 1000); // the access token has run out: a refresh is needed
    const refresh = await api('POST', `${base()}/${connectionId}/refresh`, admin);
    expect(refresh.status).toBe(202);
    await server.deps.jobs.runUntilIdle();
    const job = await json(await api('GET', `/api/businesses/${businessId}/jobs/${(await json(refresh)).jobId}`, admin));
    expect(job.status).toBe('failed');
    const c = (await json(await api('GET', base(), admin))).connections.find((x: any) => x.id === connectionId);
    expect(c.health).toBe('expired');
    expect(c.expiredReason).toMatch(/reconnect/i);
  });

  it('reconnect to a different organisation is refused, pointing to Change connection', async () => {
    const { state, back } = await authorise([OTHER], { purpose: 'reconnect', connectionId });
    const grant = await viaCallbackPage(state, back);
    const res = await finish(grant.grantId, OTHER, grant);
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({ code: 'different_organisation', message: expect.stringContaining('Change connection') });
  });

  it('reconnect to the same organisation restores it; the chooser pre-selects it', async () => {
    const { state, back } = await authorise([DEMO, OTHER], { purpose: 'reconnect', connectionId });
    const grant = await viaCallbackPage(state, back);
    expect(grant.preselect).toBe(demoTenant);
    const res = await finish(grant.grantId, DEMO, grant);
    expect(res.status).toBe(201);
    await server.deps.jobs.runUntilIdle();
    const c = (await json(await api('GET', base(), admin))).connections.find((x: any) => x.id === connectionId);
    expect(c).toMatchObject({ health: 'active', daysLeft: 365 });
  });

  it('change connection replaces it with another organisation, the old one kept read-only', async () => {
    const { state, back } = await authorise([OTHER], { purpose: 'change', connectionId });
    const grant = await viaCallbackPage(state, back);
    const res = await finish(grant.grantId, OTHER, grant);
    expect(res.status).toBe(201);
    const created = (await json(res)).connection;
    await server.deps.jobs.runUntilIdle();
    const all = (await json(await api('GET', base(), admin))).connections;
    expect(all.find((x: any) => x.id === connectionId)).toMatchObject({ status: 'replaced', replacedBy: created.id });
    expect(all.find((x: any) => x.id === created.id)).toMatchObject({ status: 'active', organisation: { name: OTHER } });
    const oldLists = await json(await api('GET', `${base()}/${connectionId}/lists/categories`, admin));
    expect(oldLists.total).toBeGreaterThan(0);
    const merge = await api('GET', `${base()}/${created.id}/merge`, admin);
    expect(merge.status).toBe(200);
    expect((await json(merge)).from).toMatchObject({ id: connectionId, organisation: DEMO });
    connectionId = created.id;
  });

  it('disconnect revokes at Xero and wipes the tokens', async () => {
    const tenant = (await json(await api('GET', base(), admin))).connections.find((x: any) => x.id === connectionId).organisation.id;
    const res = await api('POST', `${base()}/${connectionId}/disconnect`, admin, { keepLists: true });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ revoked: true });
    const xero = server.deps.sandboxes!.xero as any;
    const live = [...xero.state.connections.values()].filter((c: any) => c.tenantId === tenant);
    expect(live).toHaveLength(0);
    const lists = await json(await api('GET', `${base()}/${connectionId}/lists/categories`, admin));
    expect(lists.total).toBeGreaterThan(0);
  });
});
