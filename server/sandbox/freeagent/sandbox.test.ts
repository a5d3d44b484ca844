import { describe, expect, it } from 'vitest';
import { createFreeagentSandbox, type FreeagentSandboxOptions } from './index.js';

const client = { id: 'app-1', secret: 'secret-1' };
const redirectUri = 'https://bookbridge.test/cb';
const base = 'http://sandbox.test';
const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

/** In-process calls with a settable clock. */
function setup(options: FreeagentSandboxOptions = {}) {
  let now = new Date('2026-11-20T09:00:30Z');
  const sandbox = createFreeagentSandbox({ client, seed: 'unit', now: () => now, ...options });
  const call = (path: string, init: RequestInit = {}) => sandbox.app.request(`${base}${path}`, init);
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

  const code = async (email = 'demo@example.com') => {
    const page = await (await call(`/api/v2/approve_app?client_id=${client.id}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}&state=s`)).text();
    const tx = /name="tx" value="([^"]+)"/.exec(page)![1]!;
    await form('/api/v2/approve_app', { step: 'signin', tx, email, password: 'pw' });
    const done = await form('/api/v2/approve_app', { step: 'approve', tx, action: 'approve' });
    return new URL(done.headers.get('location')!).searchParams.get('code')!;
  };
  const tokens = async (email?: string) => {
    const res = await form('/api/v2/token_endpoint', { grant_type: 'authorization_code', code: await code(email), redirect_uri: redirectUri }, { authorization: basic });
    return (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
  };
  const refresh = (refreshToken: string, headers: Record<string, string> = { authorization: basic }) =>
    form('/api/v2/token_endpoint', { grant_type: 'refresh_token', refresh_token: refreshToken }, headers);
  const api = (token: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
    call(`/api/v2${path}`, {
      ...init,
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });
  const clock = { advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  return { sandbox, call, form, code, tokens, refresh, api, clock };
}

const url = (path: string) => `${base}/api/v2${path}`;
const billBody = (overrides: Record<string, unknown> = {}) => ({
  bill: {
    contact: url('/contacts/101'),
    reference: 'INV-1',
    dated_on: '2026-11-01',
    due_on: '2026-12-01',
    bill_items: [{ category: url('/categories/285'), total_value: '120.00', sales_tax_rate: '20' }],
    ...overrides,
  },
});

describe('FreeAgent sandbox: OAuth', () => {
  it('codes last 15 minutes and work once; access tokens last an hour', async () => {
    const t = setup();
    const stale = await t.code();
    t.clock.advance(15 * 60_000 + 1);
    const late = await t.form('/api/v2/token_endpoint', { grant_type: 'authorization_code', code: stale, redirect_uri: redirectUri }, { authorization: basic });
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ error: 'invalid_grant' });

    const tokens = await t.tokens();
    expect(tokens).toMatchObject({ expires_in: 3600, refresh_token_expires_in: 631151957, token_type: 'bearer' });
    expect((await t.api(tokens.access_token, '/company')).status).toBe(200);
    t.clock.advance(3600_000);
    const expired = await t.api(tokens.access_token, '/company');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ errors: { error: { message: 'Access token not recognised' } } });
  });

  it('takes client credentials as Basic or as parameters, and refuses a wrong secret with Rails’ Basic answer', async () => {
    const t = setup();
    const { refresh_token } = await t.tokens();
    const asParams = await t.form(`/api/v2/token_endpoint?client_id=${client.id}&client_secret=${client.secret}`, { grant_type: 'refresh_token', refresh_token }, {});
    expect(asParams.status).toBe(200);
    const wrong = await t.refresh((await asParams.json()).refresh_token, { authorization: `Basic ${Buffer.from(`${client.id}:nope`).toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="Application"');
    expect(await wrong.text()).toMatch(/^HTTP Basic: Access denied\./);
  });

  it('limits token refreshes to 15 a minute per user, with Retry-After to the next minute', async () => {
    const t = setup();
    let { refresh_token } = await t.tokens();
    for (let i = 0; i < 15; i++) refresh_token = (await (await t.refresh(refresh_token)).json()).refresh_token;
    const limited = await t.refresh(refresh_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(await limited.text()).toBe('You must not exceed 15 requests per 60 seconds');
    t.clock.advance(30_000);
    expect((await t.refresh(refresh_token)).status).toBe(200);
  });
});

describe('FreeAgent sandbox: API rules', () => {
  it('limits each user to 120 calls a minute in fixed windows, and 5 with X-RateLimit-Test', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    for (let i = 0; i < 5; i++) expect((await t.api(access_token, '/company', { headers: { 'X-RateLimit-Test': 'true' } })).status).toBe(200);
    const test = await t.api(access_token, '/company', { headers: { 'X-RateLimit-Test': 'true' } });
    expect(test.status).toBe(429);
    expect(await test.text()).toBe('You must not exceed 5 requests per 60 seconds');
    for (let i = 0; i < 115; i++) await t.api(access_token, '/company');
    const over = await t.api(access_token, '/company');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('30');
    // Another user of the same company has their own allowance.
    const other = await t.tokens('sam@hartleyfinch.example.co.uk');
    expect((await t.api(other.access_token, '/company')).status).toBe(200);
    t.clock.advance(30_000);
    expect((await t.api(access_token, '/company')).status).toBe(200);
  });

  it('pages with page/per_page (at most 100), Link and X-Total-Count', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    const res = await t.api(access_token, '/contacts?view=all&per_page=500&page=1');
    const body = await res.json();
    expect(body.contacts).toHaveLength(100);
    expect(res.headers.get('x-total-count')).toBe('140');
    expect(res.headers.get('link')).toBe(
      `<${url('/contacts?view=all&per_page=500&page=2')}>; rel="next", <${url('/contacts?view=all&per_page=500&page=1')}>; rel="first", <${url('/contacts?view=all&per_page=500&page=2')}>; rel="last"`,
    );
    // The default view is active contacts only.
    const active = await t.api(access_token, '/contacts');
    expect(Number(active.headers.get('x-total-count'))).toBeLessThan(140);
  });

  it('creates a bill: 201, Location, wrapped body, tax from the gross, negative purchase tax', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    const res = await t.api(access_token, '/bills', { method: 'POST', json: billBody() });
    expect(res.status).toBe(201);
    const { bill } = await res.json();
    expect(res.headers.get('location')).toBe(bill.url);
    expect(bill).toMatchObject({ total_value: '120.0', net_value: '100.0', sales_tax_value: '-20.0', status: 'Open', long_status: 'Open - due in 11 days' });
    // Auto: no rate sent takes the category's (285 is standard rate).
    const auto = await (await t.api(access_token, '/bills', { method: 'POST', json: billBody({ bill_items: [{ category: url('/categories/285'), total_value: '60' }] }) })).json();
    expect(auto.bill.bill_items[0]).toMatchObject({ sales_tax_rate: '20.0', sales_tax_value: '-10.0' });
  });

  it('answers 422 with FreeAgent’s error body: one message as an object, several as an array', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    const one = await t.api(access_token, '/bills', { method: 'POST', json: billBody({ reference: '' }) });
    expect(one.status).toBe(422);
    expect(await one.json()).toEqual({ errors: { error: { message: "Reference can't be blank" } } });
    const many = await t.api(access_token, '/bills', { method: 'POST', json: billBody({ contact: url('/contacts/9'), bill_items: [{ category: url('/categories/999'), total_value: '1', sales_tax_rate: '17.5' }] }) });
    expect(await many.json()).toEqual({
      errors: [{ message: 'Contact is invalid' }, { message: 'Bill item Category is invalid' }, { message: "Bill item Sales tax rate is not one of the company's rates (20.0, 5.0, 0.0)" }],
    });
  });

  it('pays a bill through an explanation, and settles a bill refund with money in', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    const { bill } = await (await t.api(access_token, '/bills', { method: 'POST', json: billBody() })).json();
    const explain = (gross: string, paid: string) =>
      t.api(access_token, '/bank_transaction_explanations', {
        method: 'POST',
        json: { bank_transaction_explanation: { bank_account: url('/bank_accounts/1'), dated_on: '2026-11-05', gross_value: gross, paid_bill: paid, description: 'Payment' } },
      });
    expect(await (await explain('-200', bill.url)).json()).toEqual({ errors: { error: { message: 'Gross value is more than the 120.0 due on the bill' } } });
    expect((await explain('-120', bill.url)).status).toBe(201);
    expect((await (await t.api(access_token, `/bills/${bill.url.split('/').pop()}`)).json()).bill).toMatchObject({ status: 'Paid', paid_on: '2026-11-05', due_value: '0.0' });

    const refund = (await (await t.api(access_token, '/bills', { method: 'POST', json: billBody({ bill_items: [{ category: url('/categories/285'), total_value: '-60', sales_tax_rate: '20' }] }) })).json()).bill;
    expect(refund).toMatchObject({ total_value: '-60.0', sales_tax_value: '10.0' });
    expect((await explain('-60', refund.url)).status).toBe(422);
    expect((await explain('60', refund.url)).status).toBe(201);
    const accounts = (await (await t.api(access_token, '/bank_accounts')).json()).bank_accounts;
    expect(accounts[0].current_balance).toBe('2440.0');
    expect(await (await t.api(access_token, '/bank_transaction_explanations')).json()).toEqual({
      errors: { error: { message: 'A bank_account must be given to list bank transaction explanations' } },
    });
  });

  it('creates invoices as Draft and moves them with transitions', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    const res = await t.api(access_token, '/invoices', {
      method: 'POST',
      json: { invoice: { contact: url('/contacts/102'), dated_on: '2026-11-01', payment_terms_in_days: 14, invoice_items: [{ description: 'Design', item_type: 'Hours', price: '80', quantity: '2.5' }] } },
    });
    const { invoice } = await res.json();
    expect(invoice).toMatchObject({ status: 'Draft', reference: '001', due_on: '2026-11-15', net_value: '200.0', sales_tax_value: '40.0', total_value: '240.0' });
    const id = invoice.url.split('/').pop();
    const sent = await (await t.api(access_token, `/invoices/${id}/transitions/mark_as_sent`, { method: 'PUT' })).json();
    expect(sent.invoice.status).toBe('Overdue');
    expect((await t.api(access_token, `/invoices/${id}/transitions/mark_as_paid`, { method: 'PUT' })).status).toBe(404);
    const outOfScope = await t.api(access_token, '/invoices', {
      method: 'POST',
      json: { invoice: { contact: url('/contacts/102'), dated_on: '2026-11-01', payment_terms_in_days: 14, invoice_items: [{ description: 'X', price: '1', quantity: '1', sales_tax_status: 'OUT_OF_SCOPE' }] } },
    });
    expect(outOfScope.status).toBe(422);
  });

  it('keeps one attachment per object, at most 5 MB, in FreeAgent’s content types', async () => {
    const t = setup({ attachmentMaxBytes: 1024 });
    const { access_token } = await t.tokens();
    const attachment = (bytes: number, type = 'application/x-pdf') => ({ data: Buffer.alloc(bytes, 1).toString('base64'), file_name: 'r.pdf', content_type: type });
    const tooBig = await t.api(access_token, '/bills', { method: 'POST', json: billBody({ attachment: attachment(1025) }) });
    expect(await tooBig.json()).toEqual({ errors: { error: { message: 'Attachment file size must be less than 5 MB' } } });
    const wrongType = await t.api(access_token, '/bills', { method: 'POST', json: billBody({ attachment: attachment(10, 'application/pdf') }) });
    expect(wrongType.status).toBe(422);
    const { bill } = await (await t.api(access_token, '/bills', { method: 'POST', json: billBody({ attachment: attachment(10) }) })).json();
    const id = bill.url.split('/').pop();
    await t.api(access_token, `/bills/${id}`, { method: 'PUT', json: { bill: { attachment: { ...attachment(20, 'image/png'), file_name: 'r.png' } } } });
    expect(t.sandbox.state.companies.get('104523')!.attachments.size).toBe(1);
    expect((await (await t.api(access_token, `/bills/${id}`)).json()).bill.attachment).toMatchObject({ file_name: 'r.png', content_type: 'image/png', file_size: 20 });
  });

  it('keeps to the user’s access level: 403 below it', async () => {
    const t = setup();
    const { access_token } = await t.tokens('bills@example.com');
    expect((await t.api(access_token, '/bills', { method: 'POST', json: billBody() })).status).toBe(201);
    const banks = await t.api(access_token, '/bank_accounts');
    expect(banks.status).toBe(403);
    expect(await banks.json()).toEqual({ errors: { error: { message: 'You need the "Banking" access level or higher to do this' } } });
  });

  it('creates expenses singly or as an all-or-nothing batch', async () => {
    const t = setup();
    const { access_token } = await t.tokens();
    const expense = (gross: string, category = '285') => ({ user: url('/users/1'), category: url(`/categories/${category}`), dated_on: '2026-11-02', gross_value: gross, description: 'Lunch' });
    const bad = await t.api(access_token, '/expenses', { method: 'POST', json: { expenses: [expense('-12'), expense('-5', '999')] } });
    expect(await bad.json()).toEqual({ errors: { error: { message: 'Expense 2: Category is invalid' } } });
    expect(t.sandbox.state.companies.get('104523')!.expenses.size).toBe(0);
    const ok = await t.api(access_token, '/expenses', { method: 'POST', json: { expenses: [expense('-12'), expense('-6', '380')] } });
    expect(ok.status).toBe(201);
    expect((await ok.json()).expenses.map((e: { sales_tax_value: string }) => e.sales_tax_value)).toEqual(['-2.0', '0.0']);
  });
});

describe('FreeAgent sandbox: mounted in the companion', () => {
  it('makes every URL from the mount path, so ids sent back resolve there', async () => {
    const { Hono } = await import('hono');
    const sandbox = createFreeagentSandbox({ client, seed: 'unit' });
    const companion = new Hono();
    companion.route('/sandbox/freeagent', sandbox.app);
    const root = 'http://companion.test/sandbox/freeagent';
    const call = (path: string, init: RequestInit = {}) => companion.request(`${root}${path}`, init);
    const page = await (await call(`/api/v2/approve_app?client_id=${client.id}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}`)).text();
    const tx = /name="tx" value="([^"]+)"/.exec(page)![1]!;
    const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
    await post('/api/v2/approve_app', { step: 'signin', tx, email: 'demo@example.com', password: 'pw' });
    const code = new URL((await post('/api/v2/approve_app', { step: 'approve', tx, action: 'approve' })).headers.get('location')!).searchParams.get('code')!;
    const { access_token } = await (await post('/api/v2/token_endpoint', { grant_type: 'authorization_code', code }, { authorization: basic })).json();
    const auth = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
    const contacts = await (await call('/api/v2/contacts?per_page=1', { headers: auth })).json();
    expect(contacts.contacts[0].url).toMatch(new RegExp(`^${root}/api/v2/contacts/\\d+$`));
    const created = await call('/api/v2/bills', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ bill: { contact: contacts.contacts[0].url, reference: 'M-1', dated_on: '2026-11-01', due_on: '2026-11-30', bill_items: [{ category: `${root}/api/v2/categories/285`, total_value: '12' }] } }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(new RegExp(`^${root}/api/v2/bills/\\d+$`));
    const docs = await (await call('/_control/documents')).json();
    expect(docs.companies[0].bills[0].url).toBe(created.headers.get('location'));
  });
});
