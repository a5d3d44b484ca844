import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxFactory } from '../index.js';
import { listen, type RunningServer } from '../serve.js';
import { createSageAccountingSandbox } from './index.js';
import { loadSwaggerCheck, swaggerAvailable } from './swagger.js';
import { authorizeWithForms } from './testing.js';

const client = { id: 'sandbox-client', secret: 'sandbox-secret' };
const redirectUri = 'http://127.0.0.1:9/callback';
let now = Date.UTC(2026, 10, 2, 10, 0, 0);
const sandbox = createSageAccountingSandbox({ client, now: () => new Date(now) });
let server: RunningServer;
const check = swaggerAvailable() ? loadSwaggerCheck() : undefined;

beforeAll(async () => {
  server = await listen(sandbox.app);
});
afterAll(() => server.close());
beforeEach(() => {
  sandbox.reset();
  now = Date.UTC(2026, 10, 2, 10, 0, 0);
});

const authorizeUrl = (extra: Record<string, string> = {}) =>
  `${server.url}/www/oauth2/auth/central?${new URLSearchParams({ filter: 'apiv3.1', response_type: 'code', client_id: client.id, redirect_uri: redirectUri, scope: 'full_access', state: 'xyz', ...extra })}`;

async function token(form: Record<string, string>) {
  const response = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: client.id, client_secret: client.secret, ...form }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function signIn(email = 'demo@example.com') {
  const redirect = await authorizeWithForms(fetch, authorizeUrl(), { email });
  const code = redirect.searchParams.get('code') as string;
  const { body } = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  return body as { access_token: string; refresh_token: string };
}

async function api(accessToken: string, path: string, init: RequestInit & { business?: string } = {}) {
  const response = await fetch(`${server.url}/api/v3.1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', ...(init.business ? { 'X-Business': init.business } : {}) },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

describe('Sage Accounting sandbox: sign-in and tokens', () => {
  it('walks the country, sign-in and allow pages, then swaps the code once', async () => {
    const redirect = await authorizeWithForms(fetch, authorizeUrl());
    expect(redirect.searchParams.get('state')).toBe('xyz');
    expect(redirect.searchParams.get('country')).toBe('gb');
    const code = redirect.searchParams.get('code') as string;
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'bearer', expires_in: 300, refresh_token_expires_in: 2678400, scope: 'full_access' });
    const again = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(again).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('kills a code after 60 seconds and refuses a user with no business in the country', async () => {
    const redirect = await authorizeWithForms(fetch, authorizeUrl());
    now += 61_000;
    const late = await token({ grant_type: 'authorization_code', code: redirect.searchParams.get('code') as string, redirect_uri: redirectUri });
    expect(late.body).toEqual({ error: 'invalid_grant' });
    const ireland = await authorizeWithForms(fetch, authorizeUrl({ country: 'ie' }));
    expect(ireland.searchParams.get('error')).toBe('Invalid request');
    expect(ireland.searchParams.get('reason')).toBe('Email already in use');
  });

  it('rotates refresh tokens: each works once; access tokens die after five minutes', async () => {
    const tokens = await signIn();
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect((await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body).toEqual({ error: 'invalid_grant' });
    now += 301_000;
    const expired = await api(tokens.access_token, '/contacts');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual([{ $severity: 'error', $dataCode: 'AuthorizationFailure', $message: 'Access token has expired.', $source: '' }]);
  });
});

describe('Sage Accounting sandbox: API', () => {
  it('lists businesses and routes calls by X-Business (lead business without it)', async () => {
    const { access_token } = await signIn();
    const businesses = await api(access_token, '/businesses');
    expect(businesses.body.$items.map((b: { name: string }) => b.name)).toEqual(['Hartley & Finch Furniture Ltd', 'Bramble Bakery Ltd', 'Kestrel Cycles']);
    if (check) expect(check.response('GET', '/businesses', 200, businesses.body)).toEqual([]);
    const bakery = businesses.body.$items[1].id as string;
    const lead = await api(access_token, '/contacts?items_per_page=1');
    const other = await api(access_token, '/contacts?items_per_page=1', { business: bakery });
    expect(lead.body.$total).toBe(261);
    expect(other.body.$total).toBe(25);
    const stranger = await api(access_token, '/contacts', { business: 'f'.repeat(32) });
    expect(stranger.status).toBe(401);
  });

  it('pages with $next up to 200 a page, filters by date, and reports deletions', async () => {
    const { access_token } = await signIn();
    const first = await api(access_token, '/contacts?items_per_page=200&attributes=all');
    expect(first.body.$items).toHaveLength(200);
    expect(first.body.$next).toBe('/contacts?items_per_page=200&attributes=all&page=2');
    if (check) expect(check.response('GET', '/contacts', 200, first.body)).toEqual([]);
    const second = await api(access_token, first.body.$next);
    expect(second.body.$items).toHaveLength(61);
    expect(second.body.$next).toBeNull();
    expect((await api(access_token, '/contacts?items_per_page=201')).status).toBe(422);
    const base = (await api(access_token, '/contacts?items_per_page=1')).body.$items[0];
    expect(Object.keys(base).sort()).toEqual(['$path', 'displayed_as', 'id']);

    const businessId = sandbox.state.users[0]!.memberships[0]!.businessId;
    now += 60_000;
    await fetch(`${server.url}/_control/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ businessId, list: 'contacts', action: 'delete', target: 'NOR001' }) });
    await fetch(`${server.url}/_control/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ businessId, list: 'contacts', action: 'rename', target: 'PEN001', name: 'Pennine Paper' }) });
    const since = new Date(now - 1000).toISOString().replace('Z', '+00:00');
    const changed = await api(access_token, `/contacts?attributes=all&updated_or_created_since=${encodeURIComponent(since)}`);
    expect(changed.body.$items.map((c: { name: string }) => c.name)).toEqual(['Pennine Paper']);
    const deleted = await api(access_token, `/contacts?deleted_since=${encodeURIComponent(since)}`);
    expect(deleted.body.$items.map((c: { displayed_as: string }) => c.displayed_as)).toEqual(['Northern Power Ltd (NOR001)']);
  });

  it('creates a purchase invoice (201, full object) and refuses a bad one with Sage’s error array', async () => {
    const { access_token } = await signIn();
    const lists = async (path: string) => (await api(access_token, `${path}?items_per_page=200&attributes=all`)).body.$items;
    const supplier = (await lists('/contacts')).find((c: { reference: string }) => c.reference === 'PEN001');
    const stationery = (await lists('/ledger_accounts')).find((a: { nominal_code: number }) => a.nominal_code === 7504);
    const body = {
      purchase_invoice: {
        contact_id: supplier.id,
        date: '2026-10-30',
        due_date: '2026-11-29',
        vendor_reference: 'INV-4471',
        invoice_lines: [{ description: 'Printer paper', ledger_account_id: stationery.id, quantity: 4, unit_price: 12.5, tax_rate_id: 'GB_STANDARD', tax_amount: 10 }],
      },
    };
    if (check) expect(check.request('POST', '/purchase_invoices', body)).toEqual([]);
    const created = await api(access_token, '/purchase_invoices', { method: 'POST', body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ net_amount: 50, tax_amount: 10, total_amount: 60, outstanding_amount: 60, vendor_reference: 'INV-4471' });
    if (check) expect(check.response('POST', '/purchase_invoices', 201, created.body)).toEqual([]);

    const bad = await api(access_token, '/purchase_invoices', {
      method: 'POST',
      body: JSON.stringify({ purchase_invoice: { ...body.purchase_invoice, due_date: undefined, invoice_lines: [{ ...body.purchase_invoice.invoice_lines[0], tax_amount: undefined }] } }),
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual([
      { $severity: 'error', $dataCode: 'RecordInvalid', $message: "can't be blank", $source: 'due_date' },
      { $severity: 'error', $dataCode: 'RecordInvalid', $message: 'is required for this tax rate', $source: 'invoice_lines.tax_amount' },
    ]);
  });

  it('refuses documents the business’s tier does not include', async () => {
    const { access_token } = await signIn();
    const businesses = (await api(access_token, '/businesses')).body.$items;
    const start = businesses[2].id as string;
    const refused = await api(access_token, '/purchase_invoices', { method: 'POST', business: start, body: JSON.stringify({ purchase_invoice: {} }) });
    expect(refused.status).toBe(403);
    expect(refused.body[0].$message).toContain('Accounting Start');
    const analysis = await api(access_token, '/analysis_types', { business: start });
    expect(analysis.status).toBe(403);
  });
});

describe('Sage Accounting sandbox: limits and factory', () => {
  it('answers 429 with Retry-After past the per-minute limit, per business', async () => {
    let clock = Date.UTC(2026, 10, 2, 10, 0, 0);
    const limited = createSageAccountingSandbox({ client, now: () => new Date(clock), limits: { perMinute: 3 } });
    const running = await listen(limited.app);
    try {
      const url = `${running.url}/www/oauth2/auth/central?${new URLSearchParams({ response_type: 'code', client_id: client.id, redirect_uri: redirectUri, scope: 'full_access', country: 'gb' })}`;
      const code = (await authorizeWithForms(fetch, url)).searchParams.get('code') as string;
      const tokens = (await (
        await fetch(`${running.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ client_id: client.id, client_secret: client.secret, grant_type: 'authorization_code', code, redirect_uri: redirectUri }) })
      ).json()) as { access_token: string };
      const call = () => fetch(`${running.url}/api/v3.1/tax_rates`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('60');
      clock += 60_001;
      expect((await call()).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('fits the companion’s SandboxFactory', () => {
    const factory: SandboxFactory = createSageAccountingSandbox;
    const instance = factory({ client, now: () => new Date() });
    expect(typeof instance.reset).toBe('function');
  });
});
