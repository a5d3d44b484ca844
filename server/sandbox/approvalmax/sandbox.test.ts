/**
 * The ApprovalMax sandbox in-process (app.request): tokens, the read API's paging, filters,
 * problem details and gates, the control API, and determinism.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { mountSandbox } from '../index.js';
import { createApprovalmaxSandbox, type ApprovalmaxSandbox } from './index.js';
import { READ_SCOPE } from './oauth.js';
import { authorizeWithForms } from './testing.js';

type Json = Record<string, any>;

const client = { id: 'sandbox-test', secret: 'sandbox-test-secret' };
const redirectUri = 'http://127.0.0.1/callback';
const base = 'http://am.test';

function setup(clock = { now: Date.UTC(2026, 10, 2, 9) }) {
  const sandbox = createApprovalmaxSandbox({ clients: [client], now: () => new Date(clock.now) });
  const fetcher = async (url: string, init?: RequestInit) => sandbox.app.request(url, init);
  return { sandbox, fetcher, clock };
}

async function tokens(sandbox: ApprovalmaxSandbox, options: { scope?: string; organisations?: string[]; basic?: boolean; pkce?: boolean } = {}) {
  const fetcher = async (url: string, init?: RequestInit) => sandbox.app.request(url, init);
  const verifier = randomBytes(48).toString('base64url');
  const authorize = new URL(`${base}/identity/connect/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.id,
    redirect_uri: redirectUri,
    scope: options.scope ?? `${READ_SCOPE} offline_access`,
    state: 'st',
    ...(options.pkce === false ? {} : { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' }),
  }).toString();
  const back = await authorizeWithForms(fetcher, authorize.toString(), { organisations: options.organisations ?? ['Demo Company (UK)'] });
  const code = back.searchParams.get('code')!;
  const form = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier };
  const response = await sandbox.app.request(`${base}/identity/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.basic ? { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(options.basic ? form : { ...form, client_id: client.id, client_secret: client.secret }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Json, code, verifier };
}

function companyId(sandbox: ApprovalmaxSandbox, name: string): string {
  return [...sandbox.state.companies.values()].find((c) => c.name === name)!.companyId;
}

async function get(sandbox: ApprovalmaxSandbox, token: string, path: string) {
  const response = await sandbox.app.request(`${base}/api${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : null) as Json };
}

describe('ApprovalMax sandbox: identity', () => {
  it('issues 1-hour access tokens and one-time refresh tokens (client secret in the body or Basic)', async () => {
    const { sandbox } = setup();
    const first = await tokens(sandbox);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ expires_in: 3600, token_type: 'Bearer', scope: `${READ_SCOPE} offline_access` });
    expect(first.body.refresh_token).toBeTruthy();
    expect((await tokens(sandbox, { basic: true })).status).toBe(200);

    const refresh = (token: string) =>
      sandbox.app.request(`${base}/identity/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: client.id, client_secret: client.secret }).toString(),
      });
    const rotated = await refresh(first.body.refresh_token);
    expect(rotated.status).toBe(200);
    expect(((await rotated.json()) as Json).refresh_token).not.toBe(first.body.refresh_token);
    const reused = await refresh(first.body.refresh_token);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toEqual({ error: 'invalid_grant' });
  });

  it('without offline_access there is no refresh token; a code works once; a wrong verifier or secret is refused', async () => {
    const { sandbox } = setup();
    const noOffline = await tokens(sandbox, { scope: READ_SCOPE });
    expect(noOffline.body.refresh_token).toBeUndefined();

    const exchange = (form: Record<string, string>) =>
      sandbox.app.request(`${base}/identity/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: redirectUri, client_id: client.id, client_secret: client.secret, ...form }).toString(),
      });
    const again = await exchange({ code: noOffline.code, code_verifier: noOffline.verifier });
    expect(await again.json()).toEqual({ error: 'invalid_grant' });

    const fresh = await tokens(sandbox, { pkce: false });
    expect(fresh.status).toBe(200);
    const wrongSecret = await exchange({ code: 'x', client_secret: 'nope' });
    expect(wrongSecret.status).toBe(400);
    expect(await wrongSecret.json()).toEqual({ error: 'invalid_client' });
  });

  it('an unknown scope goes back to the app as invalid_scope; an unknown client gets an error page', async () => {
    const { sandbox } = setup();
    const url = `${base}/identity/connect/authorize?response_type=code&client_id=${client.id}&redirect_uri=${encodeURIComponent(redirectUri)}&scope=accounting&state=s`;
    const response = await sandbox.app.request(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const unknown = await sandbox.app.request(`${base}/identity/connect/authorize?client_id=nobody&redirect_uri=x`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('unauthorized_client');
  });
});

describe('ApprovalMax sandbox: Public API', () => {
  it('answers /ping, and /companies with the organisations ticked at consent', async () => {
    const { sandbox } = setup();
    expect(await (await sandbox.app.request(`${base}/api/ping`)).text()).toBe('pong');
    const { body } = await tokens(sandbox, { organisations: ['Demo Company (UK)', 'Harbour Lane Studio Ltd'] });
    const companies = await get(sandbox, body.access_token, '/api/v1/companies');
    expect(companies.json.map((c: Json) => [c.name, c.integration.type])).toEqual([
      ['Demo Company (UK)', 'Xero'],
      ['Harbour Lane Studio Ltd', 'QBooks'],
    ]);
  });

  it('401 is a bare bearer challenge; an expired token says when it expired', async () => {
    const { sandbox, clock } = setup();
    const none = await get(sandbox, 'nope', '/api/v1/companies');
    expect(none.status).toBe(401);
    expect(none.json).toBeNull();
    expect(none.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const { body } = await tokens(sandbox);
    clock.now += 3600_000;
    const expired = await get(sandbox, body.access_token, '/api/v1/companies');
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/The token expired at/);
  });

  it('pages with continuationToken (keyset: a request added between pages is neither lost nor repeated)', async () => {
    const { sandbox } = setup();
    const { body } = await tokens(sandbox);
    const id = companyId(sandbox, 'Demo Company (UK)');
    const path = `/api/v1/companies/${id}/xero/bills?orderBy=createdAt&orderDirection=asc&limit=60`;
    const first = await get(sandbox, body.access_token, path);
    expect(first.json.payload).toHaveLength(60);
    // Pulled between pages: newest, so it shows up at the end of an ascending walk.
    const pulled = await sandbox.app.request(`${base}/_control/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: id, ledgerDocumentId: 'doc-between-pages', document: { contact: 'Atlas Van Hire', date: '2026-11-02', total: 120, number: 'AVH-1' } }),
    });
    expect(pulled.status).toBe(201);
    const seen: string[] = first.json.payload.map((r: Json) => r.requestId);
    let token = first.json.continuationToken as string | null;
    for (let guard = 0; token && guard < 10; guard++) {
      const page = await get(sandbox, body.access_token, `${path}&continuationToken=${encodeURIComponent(token)}`);
      seen.push(...page.json.payload.map((r: Json) => r.requestId));
      token = page.json.continuationToken;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(151);
    const last = (await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills?documentNumber=avh-1`)).json.payload;
    expect(last.map((r: Json) => r.requestId)).toEqual([seen.at(-1)]);
  });

  it('filters by status and dates, and reads one request by id', async () => {
    const { sandbox } = setup();
    const { body } = await tokens(sandbox);
    const id = companyId(sandbox, 'Demo Company (UK)');
    const rejected = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills?requestStatus=rejected`);
    expect(rejected.json.payload.length).toBeGreaterThan(0);
    expect(rejected.json.payload.every((r: Json) => r.requestStatus === 'rejected' && r.decisionDate)).toBe(true);
    const recent = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/purchase-orders?createdAtOrAfter=2026-09-01`);
    expect(recent.json.payload.length).toBeGreaterThan(0);
    expect(recent.json.payload.every((r: Json) => r.createdAt >= '2026-09-01' && r.deliveryDate)).toBe(true);
    const one = rejected.json.payload[0];
    const single = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills/${one.requestId}`);
    expect(single.json).toEqual(one);
    const missing = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('notFound');
  });

  it('refuses bad input with problem details whose error is an object', async () => {
    const { sandbox } = setup();
    const { body } = await tokens(sandbox);
    const id = companyId(sandbox, 'Demo Company (UK)');
    const bad = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills?requestStatus=OnApproval&limit=500`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.json).toMatchObject({
      type: '/api/errors/invalidInput',
      title: 'Invalid input.',
      status: 400,
      instance: `/api/v1/companies/${id}/xero/bills`,
      error: {
        code: 'invalidInput',
        parameters: [
          { path: 'requestStatus', name: 'requestStatus', value: 'OnApproval', errorMessage: "unrecognized value 'OnApproval' for 'RequestStatus'" },
          { path: 'limit', name: 'limit', value: '500', errorMessage: 'The field limit must be between 1 and 100.' },
        ],
      },
    });
    expect(bad.json.traceId).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    // A token from one query does not continue another.
    const page = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills?limit=5`);
    const other = await get(sandbox, body.access_token, `/api/v1/companies/${id}/xero/bills?limit=5&requestStatus=approved&continuationToken=${page.json.continuationToken}`);
    expect(other.status).toBe(400);
    expect(other.json.error.parameters[0].name).toBe('continuationToken');
    // The wrong ledger for this organisation.
    expect((await get(sandbox, body.access_token, `/api/v1/companies/${id}/qbooks/bills`)).status).toBe(400);
  });

  it('gates: organisations not granted (403), not on Premium or a trial (400 "is disabled"), no read scope (403)', async () => {
    const { sandbox } = setup();
    const { body } = await tokens(sandbox, { organisations: ['Demo Company (UK)', 'Northwind Trading Ltd'] });
    const notGranted = companyId(sandbox, 'Bookbridge Test Ltd');
    expect((await get(sandbox, body.access_token, `/api/v1/companies/${notGranted}/xero/bills`)).status).toBe(403);
    const northwind = companyId(sandbox, 'Northwind Trading Ltd');
    const disabled = await get(sandbox, body.access_token, `/api/v1/companies/${northwind}/xero/bills`);
    expect(disabled.status).toBe(400);
    expect(disabled.json.detail).toBe(`The ${northwind} is disabled.`);
    const offlineOnly = await tokens(sandbox, { scope: 'offline_access' });
    const noScope = await get(sandbox, offlineOnly.body.access_token, `/api/v1/companies/${companyId(sandbox, 'Demo Company (UK)')}/xero/bills`);
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
  });

  it('allows 100 calls a minute per client and organisation, then 429 with Retry-After', async () => {
    const { sandbox, clock } = setup();
    const { body } = await tokens(sandbox, { organisations: ['Demo Company (UK)', 'Bookbridge Test Ltd'] });
    const demo = companyId(sandbox, 'Demo Company (UK)');
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await get(sandbox, body.access_token, `/api/v1/companies/${demo}/xero/bills?limit=1`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    const refused = await get(sandbox, body.access_token, `/api/v1/companies/${demo}/xero/bills?limit=1`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Counted per organisation: another one is unaffected; a minute later the first is open again.
    expect((await get(sandbox, body.access_token, `/api/v1/companies/${companyId(sandbox, 'Bookbridge Test Ltd')}/xero/bills?limit=1`)).status).toBe(200);
    clock.now += 60_001;
    expect((await get(sandbox, body.access_token, `/api/v1/companies/${demo}/xero/bills?limit=1`)).status).toBe(200);
  });
});

describe('ApprovalMax sandbox: control and seed', () => {
  it('creates and decides a request for a given document; a decided request cannot be decided again', async () => {
    const { sandbox } = setup();
    const id = companyId(sandbox, 'Demo Company (UK)');
    const post = (path: string, payload: unknown) =>
      sandbox.app.request(`${base}/_control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const created = (await (await post('/requests', { companyId: id, ledgerDocumentId: 'doc-1', document: { contact: 'Willow Stationers', date: '2026-11-01', total: 42 } })).json()) as Json;
    expect(created.request.requestStatus).toBe('onApproval');
    const decided = await post(`/requests/${created.request.requestId}/decision`, { decision: 'rejected', approver: 'hannah.price@example.com', comment: 'Personal purchase' });
    expect(((await decided.json()) as Json).request.events.at(-1)).toMatchObject({ eventType: 'approverRejected', comment: 'Personal purchase' });
    const twice = await post(`/requests/${created.request.requestId}/decision`, { decision: 'approved' });
    expect(twice.status).toBe(409);
    // Without a linked ledger sandbox the document must be given.
    expect((await post('/requests', { companyId: id, ledgerDocumentId: 'unknown' })).status).toBe(404);
  });

  it('is deterministic from the seed, and reset brings back the seeded state', async () => {
    const a = setup().sandbox;
    const b = setup().sandbox;
    const summary = (s: ApprovalmaxSandbox) => [...s.state.companies.values()].map((c) => [c.companyId, c.name, c.plan, [...c.requests.keys()].slice(0, 3)]);
    expect(summary(a)).toEqual(summary(b));
    a.state.companies.get(companyId(a, 'Demo Company (UK)'))!.requests.clear();
    a.reset();
    expect(summary(a)).toEqual(summary(b));
  });

  it('a ledger linked after creation (as the companion does) is pulled from on sync, and stays linked after reset', async () => {
    const { sandbox } = setup();
    const demo = [...sandbox.state.companies.values()].find((c) => c.name === 'Demo Company (UK)')!;
    const decisions: string[] = [];
    const bill = {
      id: 'bill-1', number: 'INV-77', contact: 'Falcon Security Group', date: '2026-11-01', currency: 'GBP', total: 96, totalTax: 16, amountDue: 96,
      status: 'SUBMITTED', awaitingApproval: true, url: 'https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=bill-1', lines: [],
    };
    sandbox.linkLedger({
      find: (_p, org, id) => (org === demo.ledger!.organisationId && id === bill.id ? bill : undefined),
      pending: (_p, org) => (org === demo.ledger!.organisationId ? [bill] : []),
      decide: (_p, _org, id, decision) => void decisions.push(`${id}:${decision}`),
    });
    sandbox.reset();
    const post = (path: string, payload: unknown) =>
      sandbox.app.request(`${base}/_control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const synced = (await (await post('/sync', {})).json()) as Json;
    expect(synced.pulled.map((r: Json) => r.documentNumber)).toEqual(['INV-77']);
    await post(`/requests/${synced.pulled[0].requestId}/decision`, { decision: 'approved' });
    expect(decisions).toEqual(['bill-1:approved']);
  });

  it('works mounted under the companion’s /sandbox/approvalmax prefix (pages, tokens, API, problem instance)', async () => {
    const { sandbox } = setup();
    const companion = new Hono();
    mountSandbox(companion, '/sandbox/approvalmax', sandbox);
    const fetcher = async (url: string, init?: RequestInit) => companion.request(url, init);
    const authorize = new URL(`${base}/sandbox/approvalmax/identity/connect/authorize`);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: client.id, redirect_uri: redirectUri, scope: `${READ_SCOPE} offline_access`, state: 's' }).toString();
    const back = await authorizeWithForms(fetcher, authorize.toString());
    const token = (await (
      await companion.request(`${base}/sandbox/approvalmax/identity/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirectUri, client_id: client.id, client_secret: client.secret }).toString(),
      })
    ).json()) as Json;
    const id = companyId(sandbox, 'Demo Company (UK)');
    const response = await companion.request(`${base}/sandbox/approvalmax/api/api/v1/companies/${id}/xero/bills?limit=0`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).instance).toBe(`/api/v1/companies/${id}/xero/bills`);
  });
});
