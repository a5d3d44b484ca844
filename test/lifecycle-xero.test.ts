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

  let ruleId: string;
  it('a supplier rule exists on the first organisation', async () => {
    const contacts = await json(await api('GET', `${base()}/${connectionId}/lists/contacts?status=active&limit=500`, admin));
    const supplier = contacts.entries.find((e: any) => e.type === 'supplier' || e.type === 'both');
    const res = await api('POST', `/api/businesses/${businessId}/rules`, admin, { contact: supplier.externalId, category: '429', taxRate: 'INPUT2', autoPublish: false });
    expect(res.status).toBe(201);
    ruleId = (await json(res)).id;
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
    const proposal = await json(merge);
    expect(proposal.from).toMatchObject({ id: connectionId, organisation: DEMO });
    connectionId = created.id;
    // The rule now belongs to the old organisation: flagged until the lists are merged.
    const rule = await json(await api('GET', `/api/businesses/${businessId}/rules/${ruleId}`, admin));
    expect(rule.flagged.map((f: any) => f.reason)).toContain('other_connection');
  });

  it('List Merge Tool: suggests by code, corrects, dry-runs, applies (the rule keeps working), undoes', async () => {
    const proposal = await json(await api('GET', `${base()}/${connectionId}/merge`, admin));
    const category = proposal.suggestions.find((s: any) => s.kind === 'categories');
    expect(category).toMatchObject({ from: { code: '429' }, to: { code: '429' }, matchedBy: 'code', affects: { rules: 1 } });
    const tax = proposal.suggestions.find((s: any) => s.kind === 'tax_rates');
    expect(tax.to).not.toBeNull();
    const contact = proposal.suggestions.find((s: any) => s.kind === 'contacts');
    // The supplier does not exist by that name in the new organisation: the user picks one.
    const newSuppliers = await json(await api('GET', `${base()}/${connectionId}/lists/contacts?status=active&limit=500`, admin));
    const chosen = contact.to?.externalId ?? newSuppliers.entries.find((e: any) => e.type === 'supplier' || e.type === 'both').externalId;
    const mappings = proposal.suggestions.map((s: any) => ({ kind: s.kind, from: s.from.externalId, to: s.kind === 'contacts' ? chosen : (s.to?.externalId ?? null) }));

    const bad = await api('POST', `${base()}/${connectionId}/merge`, admin, { mappings: [{ kind: 'categories', from: category.from.externalId, to: 'no-such-entry' }] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues[0].path).toBe('mappings.0.to');
    expect((await api('POST', `${base()}/${connectionId}/merge`, standard, { mappings, dryRun: true })).status).toBe(403);

    const dry = await json(await api('POST', `${base()}/${connectionId}/merge`, admin, { mappings, dryRun: true }));
    expect(dry).toMatchObject({ dryRun: true, changed: { rules: 1 }, mergeId: null });
    expect((await json(await api('GET', `/api/businesses/${businessId}/rules/${ruleId}`, admin))).connectionId).not.toBe(connectionId);

    const applied = await json(await api('POST', `${base()}/${connectionId}/merge`, admin, { mappings, dryRun: false }));
    expect(applied).toMatchObject({ dryRun: false, changed: { rules: 1 }, mergeId: expect.any(String) });
    const rule = await json(await api('GET', `/api/businesses/${businessId}/rules/${ruleId}`, admin));
    expect(rule.connectionId).toBe(connectionId);
    expect(rule.flagged).toEqual([]);
    expect(rule.contact.externalId ?? rule.contact).toBeTruthy();

    const undone = await api('POST', `${base()}/${connectionId}/merge/undo`, admin);
    expect(undone.status).toBe(200);
    expect((await json(await api('GET', `/api/businesses/${businessId}/rules/${ruleId}`, admin))).connectionId).not.toBe(connectionId);
    expect((await api('POST', `${base()}/${connectionId}/merge/undo`, admin)).status).toBe(409);
    // Apply again to leave the rule working for what follows.
    await api('POST', `${base()}/${connectionId}/merge`, admin, { mappings, dryRun: false });
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
