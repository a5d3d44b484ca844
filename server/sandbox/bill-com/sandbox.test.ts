/**
 * The BILL sandbox in-process (app.request): sign-in and sessions, list mechanics, document
 * rules, limits, the asynchronous upload, and the web pages a developer walks through.
 */
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { mountSandbox } from '../index.js';
import { createBillComSandbox, sandboxUser } from './index.js';

const appKey = 'app-developer-key';
const sandbox = createBillComSandbox({ client: { id: appKey }, seed: 'unit' });
const orgs = () => [...sandbox.state.organizations.values()];
const coffee = () => orgs()[0]!;

type Json = any;

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: BodyInit } = {}) {
  const res = await sandbox.app.request(path, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
  const text = await res.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

const control = (path: string, body?: unknown) => call(`/_control${path}`, body === undefined ? {} : { body });

async function login(overrides: Record<string, string> = {}) {
  return call('/api/connect/v3/login', { body: { username: sandboxUser.email, password: sandboxUser.password, organizationId: coffee().id, devKey: appKey, ...overrides } });
}

async function headers(): Promise<Record<string, string>> {
  const { body } = await login();
  return { devKey: appKey, sessionId: body.sessionId };
}

const v3 = (path: string) => `/api/connect/v3${path}`;

beforeEach(() => {
  sandbox.reset();
});

describe('BILL sandbox: sign-in and sessions', () => {
  it('logs in with the four fields and answers BILL login fields', async () => {
    const { status, body } = await login();
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['organizationId', 'sessionId', 'trusted', 'userId']);
    expect(body.organizationId).toMatch(/^008/);
    expect(body.trusted).toBe(false);
  });

  it('names what is wrong with BILL codes: password, developer key, organisation, missing fields', async () => {
    expect((await login({ password: 'nope' })).body[0]).toMatchObject({ code: 'BDC_1101', severity: 'ERROR' });
    expect((await login({ devKey: 'nope' })).body[0].code).toBe('BDC_1102');
    expect((await login({ organizationId: '00801AAAAAAAAAAAAAAA' })).body[0].code).toBe('BDC_1103');
    const missing = await login({ organizationId: '' });
    expect(missing.status).toBe(400);
    expect(missing.body[0].params).toEqual([{ name: 'organizationId', value: '' }]);
  });

  it('wants both headers; a session from another key or an idle one is refused with BDC_1109', async () => {
    const h = await headers();
    expect((await call(v3('/vendors'), { headers: h })).status).toBe(200);
    expect((await call(v3('/vendors'), { headers: { devKey: appKey } })).body[0].code).toBe('BDC_1109');
    expect((await call(v3(`/vendors?sessionId=${h.sessionId}&devKey=${appKey}`))).body[0].code).toBe('BDC_1102');

    // Activity keeps it alive; 35 idle minutes end it.
    await control('/time', { advanceMs: 30 * 60_000 });
    expect((await call(v3('/vendors'), { headers: h })).status).toBe(200);
    await control('/time', { advanceMs: 30 * 60_000 });
    expect((await call(v3('/vendors'), { headers: h })).status).toBe(200);
    await control('/time', { advanceMs: 36 * 60_000 });
    const idle = await call(v3('/vendors'), { headers: h });
    expect(idle.status).toBe(401);
    expect(idle.body[0]).toMatchObject({ code: 'BDC_1109', message: 'Session is invalid.  Please log in.' });
  });

  it('an unknown path is BDC_1121 with 404', async () => {
    const res = await call(v3('/nothing-here'), { headers: await headers() });
    expect(res.status).toBe(404);
    expect(res.body[0].code).toBe('BDC_1121');
  });
});

describe('BILL sandbox: lists', () => {
  it('pages with max (≤100) and opaque page tokens tied to the query', async () => {
    const h = await headers();
    const first = await call(v3('/vendors?max=100'), { headers: h });
    expect(first.body.results).toHaveLength(100);
    expect(first.body.prevPage).toBeUndefined();
    const second = await call(v3(`/vendors?max=100&page=${first.body.nextPage}`), { headers: h });
    expect(second.body.results.length).toBe(coffee().vendors.length - 100);
    expect(second.body.nextPage).toBeUndefined();
    expect(second.body.prevPage).toBeTypeOf('string');
    expect((await call(v3('/vendors'), { headers: h })).body.results).toHaveLength(20);
    expect((await call(v3('/vendors?max=101'), { headers: h })).status).toBe(400);
    const wrongQuery = await call(v3(`/vendors?max=100&filters=archived:eq:false&page=${first.body.nextPage}`), { headers: h });
    expect(wrongQuery.status).toBe(400);
  });

  it('filters on updatedTime (quoted dates with colons), archived, and refuses unknown fields', async () => {
    const h = await headers();
    const since = new Date(Date.now() + 1000).toISOString();
    await control('/time', { advanceMs: 5000 });
    await control('/mutate', { list: 'vendors', action: 'rename', target: coffee().vendors[3]!.id, name: 'Renamed Vendor LLC' });
    const changed = await call(v3(`/vendors?filters=updatedTime:gte:"${since}"`), { headers: h });
    expect(changed.body.results.map((v: Json) => v.name)).toEqual(['Renamed Vendor LLC']);
    const archived = await call(v3('/classifications/chart-of-accounts?max=100&filters=archived:eq:true'), { headers: h });
    expect(archived.body.results.map((a: Json) => a.account.number).sort()).toEqual(['6450', '7350']);
    const bad = await call(v3('/vendors?filters=colour:eq:red'), { headers: h });
    expect(bad.status).toBe(400);
    expect(bad.body[0].code).toBe('BDC_1002');
    const badDate = await call(v3('/vendors?filters=updatedTime:gte:"yesterday"'), { headers: h });
    expect(badDate.status).toBe(400);
  });
});

describe('BILL sandbox: documents', () => {
  const expense = () => coffee().chartOfAccounts.find((a) => a.account.number === '6500')!;
  const vendor = () => coffee().vendors.find((v) => !v.archived)!;
  const bill = (n: string, extra: Record<string, unknown> = {}) => ({
    vendorId: vendor().id,
    dueDate: '2026-12-31',
    invoice: { invoiceNumber: n, invoiceDate: '2026-12-01' },
    billLineItems: [{ amount: 149, description: 'USB audio interface', classifications: { chartOfAccountId: expense().id } }, { amount: 79.99, description: 'Drum foot pedal' }],
    ...extra,
  });

  it('creates a bill (00n…, totals from its lines) and records a payment made outside BILL', async () => {
    const h = await headers();
    const created = await call(v3('/bills'), { headers: h, body: bill('202501') });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ amount: 228.99, dueAmount: 228.99, paymentStatus: 'UNPAID', vendorId: vendor().id, invoice: { invoiceNumber: '202501' } });
    expect(created.body.id).toMatch(/^00n/);
    const paid = await call(v3('/bills/record-payment'), { headers: h, body: { vendorId: vendor().id, processDate: '2026-12-20', toPrintCheck: false, payments: [{ billId: created.body.id, amount: 228.99 }] } });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'PAID', disbursementType: 'OFFLINE', amount: 228.99 });
    expect(paid.body.id).toMatch(/^stp/);
    expect((await call(v3(`/bills/${created.body.id}`), { headers: h })).body.paymentStatus).toBe('PAID');
  });

  it('bulk is all-or-nothing, at most 100, and names the failing bill and field', async () => {
    const h = await headers();
    const before = coffee().bills.length;
    const archivedAccount = coffee().chartOfAccounts.find((a) => a.archived)!;
    const bad = await call(v3('/bills/bulk'), { headers: h, body: [bill('A-1'), bill('A-2', { billLineItems: [{ amount: 10, classifications: { chartOfAccountId: archivedAccount.id } }] })] });
    expect(bad.status).toBe(400);
    expect(bad.body[0].params[0].name).toBe('[1].billLineItems[0].classifications.chartOfAccountId');
    expect(bad.body[0].message).toMatch(/archived/);
    expect(coffee().bills.length).toBe(before);
    const tooMany = await call(v3('/bills/bulk'), { headers: h, body: Array.from({ length: 101 }, (_, i) => bill(`B-${i}`)) });
    expect(tooMany.status).toBe(400);
    const ok = await call(v3('/bills/bulk'), { headers: h, body: [bill('C-1'), bill('C-2')] });
    expect(ok.status).toBe(201);
    expect(ok.body.map((b: Json) => b.invoice.invoiceNumber)).toEqual(['C-1', 'C-2']);
  });

  it('refuses unknown fields, bad dates and three-decimal amounts', async () => {
    const res = await call(v3('/bills'), { headers: await headers(), body: bill('D-1', { currency: 'USD', dueDate: '31/12/2026', billLineItems: [{ amount: 1.005 }] }) });
    expect(res.status).toBe(400);
    expect(res.body.map((e: Json) => e.params[0].name).sort()).toEqual(['billLineItems[0].amount', 'currency', 'dueDate']);
  });

  it('creates vendor credits (vcr…), one or in bulk', async () => {
    const h = await headers();
    const one = await call(v3('/vendor-credits'), { headers: h, body: { vendorId: vendor().id, referenceNumber: 'VC-1', creditDate: '2026-12-28', vendorCreditLineItems: [{ description: 'Returned sticks', amount: 14.99 }] } });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ id: expect.stringMatching(/^vcr/), amount: 14.99, status: 'NOT_APPLIED' });
    const credit = (n: number) => ({ vendorId: vendor().id, referenceNumber: `VC-${n}`, creditDate: '2026-12-28', vendorCreditLineItems: [{ amount: 5 }] });
    const bulk = await call(v3('/vendor-credits/bulk'), { headers: h, body: [credit(2), credit(3)] });
    expect(bulk.status).toBe(201);
    expect(bulk.body.vendorCredits.map((v: Json) => v.referenceNumber)).toEqual(['VC-2', 'VC-3']);
    // BILL takes at most 50 vendor credits per bulk request.
    expect((await call(v3('/vendor-credits/bulk'), { headers: h, body: Array.from({ length: 51 }, (_, i) => credit(100 + i)) })).status).toBe(400);
  });

  it('uploads a bill document asynchronously: 0du… in progress, then 00h… uploaded', async () => {
    const h = await headers();
    const created = await call(v3('/bills'), { headers: h, body: bill('U-1') });
    const up = await call(v3(`/documents/bills/${created.body.id}?name=invoice.pdf`), { headers: { ...h, 'content-type': 'application/pdf' }, raw: new TextEncoder().encode('%PDF-1.4 hello') });
    expect(up.status).toBe(200);
    expect(up.body.id).toMatch(/^0du/);
    const pending = await call(v3(`/documents/upload-status?ids=${up.body.id}`), { headers: h });
    expect(pending.body).toEqual([{ uploadId: up.body.id, status: 'IN_PROGRESS' }]);
    expect((await call(v3(`/documents/bills/${created.body.id}`), { headers: h })).body.results).toEqual([]);

    await control('/time', { advanceMs: 2500 });
    const done = await call(v3(`/documents/upload-status?ids=${up.body.id}`), { headers: h });
    expect(done.body[0]).toMatchObject({ status: 'UPLOADED', documentId: expect.stringMatching(/^00h/) });
    const doc = await call(v3(`/documents/${done.body[0].documentId}`), { headers: h });
    expect(doc.body).toMatchObject({ name: 'invoice.pdf' });
    const file = await sandbox.app.request(new URL(doc.body.downloadLink).pathname, { headers: h });
    expect(await file.text()).toBe('%PDF-1.4 hello');
    expect((await call(v3(`/documents/bills/${created.body.id}`), { headers: h })).body.results).toHaveLength(1);

    const big = await call(v3(`/documents/bills/${created.body.id}?name=big.pdf`), { headers: h, raw: new Uint8Array(6 * 1024 * 1024 + 1) });
    expect(big.status).toBe(400);
  });

  it('paying through BILL needs an MFA-trusted session', async () => {
    const h = await headers();
    const created = await call(v3('/bills'), { headers: h, body: bill('P-1') });
    const untrusted = await call(v3('/payments'), { headers: h, body: { vendorId: vendor().id, billId: created.body.id, amount: 10, processDate: '2026-12-30' } });
    expect(untrusted.status).toBe(403);
    const user = sandbox.state.users[0]!;
    const trusted = await login({ rememberMeId: user.rememberMeId, device: 'Bookbridge test' });
    expect(trusted.body.trusted).toBe(true);
    const paid = await call(v3('/payments'), { headers: { devKey: appKey, sessionId: trusted.body.sessionId }, body: { vendorId: vendor().id, billId: created.body.id, amount: 10, processDate: '2026-12-30' } });
    expect(paid.status).toBe(201);
  });
});

describe('BILL sandbox: limits', () => {
  it('three calls at once per developer key and organisation; the fourth gets BDC_1322', async () => {
    const h = await headers();
    await control('/faults', { slowMs: 150 });
    const results = await Promise.all(Array.from({ length: 5 }, () => call(v3('/vendors'), { headers: h })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(2);
    expect(refused[0]!.body[0]).toMatchObject({ code: 'BDC_1322', message: 'Max number of concurrent requests per organization reached.' });
    expect(sandbox.state.stats.peakConcurrent[coffee().id]).toBe(3);
  });

  it('the hourly budget per developer key ends with BDC_1144 and comes back at the top of the hour', async () => {
    const h = await headers();
    await control('/limits', { perHour: 3 });
    // The login was call 1 of 3 this hour.
    expect((await call(v3('/vendors'), { headers: h })).status).toBe(200);
    expect((await call(v3('/vendors'), { headers: h })).status).toBe(200);
    const over = await call(v3('/vendors'), { headers: h });
    expect(over.body[0].code).toBe('BDC_1144');
    await control('/time', { advanceMs: 60 * 60_000 });
    const h2 = await headers();
    expect((await call(v3('/vendors'), { headers: h2 })).status).toBe(200);
  });
});

describe('BILL sandbox: web pages', () => {
  async function browse(path: string, init: { form?: Record<string, string>; cookie?: string } = {}) {
    const res = await sandbox.app.request(`/app${path}`, {
      method: init.form ? 'POST' : 'GET',
      body: init.form ? new URLSearchParams(init.form) : undefined,
      headers: init.cookie ? { cookie: init.cookie } : {},
    });
    return { res, html: await res.text(), cookie: res.headers.get('set-cookie')?.split(';')[0] };
  }

  it('sign in, choose the organisation, read its ID on Settings, generate a developer key that the API accepts', async () => {
    const signIn = await browse('/login');
    expect(signIn.html).toContain('id="sandbox-hint"');
    const posted = await browse('/login?next=settings', { form: { email: sandboxUser.email, password: sandboxUser.password } });
    expect(posted.res.headers.get('location')).toBe('./select-org?next=settings');
    const cookie = posted.cookie!;
    const chooser = await browse('/select-org', { cookie });
    expect(chooser.html).toContain('Mesa Verde Dental Group PC');
    const chosen = await browse('/select-org?next=settings', { cookie, form: { organizationId: coffee().id } });
    expect(chosen.res.headers.get('location')).toBe('./settings');
    const settings = await browse('/settings', { cookie });
    expect(settings.html).toContain(`<output id="organization-id" data-organization-id="${coffee().id}">`);
    expect(settings.html).toContain('id="manage-developer-keys" href="./settings/developer-keys"');

    const refused = await browse('/settings/developer-keys', { cookie, form: {} });
    expect(refused.html).toContain('Accept the developer terms');
    const generated = await browse('/settings/developer-keys', { cookie, form: { acceptTerms: 'yes' } });
    const key = /<input class="key" type="text" id="dev-key" value="([^"]+)"/.exec(generated.html)?.[1];
    expect(key).toMatch(/^[A-Z0-9]{8}-/);
    expect(generated.html).toContain('<label for="dev-key">Developer key</label>');
    expect((await login({ devKey: key! })).status).toBe(200);
  });

  it('pages need a signed-in user', async () => {
    const res = await sandbox.app.request('/app/settings/developer-keys');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('../login?next=settings%2Fdeveloper-keys');
  });
});

describe('BILL sandbox: mounted in the companion', () => {
  it('serves the API and pages under /sandbox/bill-com, with links that keep the prefix', async () => {
    const companion = new Hono();
    mountSandbox(companion, '/sandbox/bill-com', sandbox);
    const front = await companion.request('/sandbox/bill-com/app');
    expect(front.headers.get('location')).toBe('app/login');
    const res = await companion.request('/sandbox/bill-com/api/connect/v3/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: sandboxUser.email, password: sandboxUser.password, organizationId: coffee().id, devKey: appKey }),
    });
    const { sessionId } = (await res.json()) as { sessionId: string };
    const h = { devKey: appKey, sessionId };
    const bill = await companion.request('/sandbox/bill-com/api/connect/v3/bills', {
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({ vendorId: coffee().vendors[0]!.id, dueDate: '2026-12-31', invoice: { invoiceNumber: 'M-1', invoiceDate: '2026-12-01' }, billLineItems: [{ amount: 10 }] }),
    });
    const { id } = (await bill.json()) as { id: string };
    await companion.request(`/sandbox/bill-com/api/connect/v3/documents/bills/${id}?name=a.pdf`, { method: 'POST', headers: h, body: 'pdf' });
    await sandbox.app.request('/_control/time', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: 5000 }) });
    const docs = (await (await companion.request(`http://localhost/sandbox/bill-com/api/connect/v3/documents/bills/${id}`, { headers: h })).json()) as { results: Array<{ downloadLink: string }> };
    expect(docs.results[0]?.downloadLink).toMatch(/^http:\/\/localhost\/sandbox\/bill-com\/api\/connect\/v3\/documents\/00h\w+\/download$/);
  });
});
