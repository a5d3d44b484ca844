import { describe, expect, it } from 'vitest';
import { createKashflowSandbox, type KashflowSandboxOptions } from './index.js';

/** In-process calls; each pretends to come from `ip` (trustForwardedFor is on in these tests only). */
function setup(options: KashflowSandboxOptions = {}, ip = '203.0.113.7') {
  let now = new Date('2026-11-20T09:00:00Z');
  const sandbox = createKashflowSandbox({ seed: 'unit', trustForwardedFor: true, now: () => now, ...options });
  const call = (path: string, init: RequestInit = {}, from = ip) =>
    sandbox.app.request(path, { ...init, headers: { 'x-forwarded-for': from, ...(init.headers as Record<string, string>) } });
  const json = (path: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const autoAuth = (key: string, from = ip) =>
    call(
      '/soap/api/service.asmx',
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '"KashFlow/AutoAuthIP"' },
        body: `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><AutoAuthIP xmlns="KashFlow"><appName>Unit test</appName><AutoAuthKey>${key}</AutoAuthKey></AutoAuthIP></soap:Body></soap:Envelope>`,
      },
      from,
    );
  const signIn = async (password = 'demo-password', memorableWord = 'pineapple') => {
    const first = await json('/api/v2/sessiontoken', 'POST', { UserName: 'demo', Password: password });
    if (first.status !== 201) return first;
    const temp = (await first.json()) as { TemporaryToken: string; MemorableWordList: Array<{ Position: number }> };
    return json('/api/v2/sessiontoken', 'PUT', {
      TemporaryToken: temp.TemporaryToken,
      MemorableWordList: temp.MemorableWordList.map((p) => ({ Position: p.Position, Value: memorableWord[p.Position - 1] ?? '' })),
      KeepUserLoggedIn: false,
    });
  };
  const account = () => sandbox.state.accounts[0]!;
  const enableAutoAuth = () => {
    account().api.AutoAuthEnabled = true;
    return account().api.AutoAuthKey;
  };
  const clock = { advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  return { sandbox, call, json, autoAuth, signIn, account, enableAutoAuth, clock };
}

const kfToken = (token: string) => ({ authorization: `KfToken ${token}` });

describe('KashFlow sandbox: API access', () => {
  it('refuses a fresh account from any IP: the restriction is on and the list is empty', async () => {
    const t = setup();
    expect(t.account().api.AccessToSpecificIPAddressesOnly).toBe(true);
    expect(t.account().api.allowedIps).toEqual([]);
    const res = await t.json('/api/v2/sessiontoken', 'POST', { UserName: 'demo', Password: 'demo-password' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ Error: 'IPAddressNotAllowed', Message: expect.stringContaining('203.0.113.7') });
  });

  it('AutoAuthIP lists the caller only with the right key and AutoAuth enabled', async () => {
    const t = setup();
    const key = t.account().api.AutoAuthKey;
    expect(key).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);

    const disabled = await (await t.autoAuth(key)).text();
    expect(disabled).toContain('<Status>NO</Status>');
    expect(disabled).toMatch(/AutoAuth is not enabled/);

    t.enableAutoAuth();
    const wrong = await (await t.autoAuth('00000000-0000-0000-0000-000000000000')).text();
    expect(wrong).toContain('<Status>NO</Status>');
    expect(wrong).toMatch(/AutoAuth key is not valid/);
    expect(t.account().api.allowedIps).toEqual([]);

    const ok = await (await t.autoAuth(key.toLowerCase())).text();
    expect(ok).toContain('<Status>OK</Status>');
    expect(t.account().api.allowedIps).toMatchObject([{ ip: '203.0.113.7', comment: 'Unit test' }]);

    expect((await t.signIn()).status).toBe(200);
    // Another host is still refused.
    const other = await t.call('/api/v2/sessiontoken', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserName: 'demo', Password: 'demo-password' }) }, '198.51.100.1');
    expect(other.status).toBe(401);
  });

  it('SOAP login (GetCompanyDetails) follows the same IP and password rules', async () => {
    const t = setup();
    const soap = (password: string) =>
      t.call('/soap/api/service.asmx', {
        method: 'POST',
        headers: { 'content-type': 'text/xml', SOAPAction: '"KashFlow/GetCompanyDetails"' },
        body: `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetCompanyDetails xmlns="KashFlow"><UserName>demo</UserName><Password>${password}</Password></GetCompanyDetails></soap:Body></soap:Envelope>`,
      });
    expect(await (await soap('demo-password')).text()).toMatch(/<Status>NO<\/Status><StatusDetail>Access denied from IP address 203\.0\.113\.7/);
    await t.autoAuth(t.enableAutoAuth());
    expect(await (await soap('wrong')).text()).toContain('Incorrect username or password');
    const ok = await (await soap('demo-password')).text();
    expect(ok).toContain('<Status>OK</Status>');
    expect(ok).toContain('<CompanyName>Demo Trading Ltd</CompanyName>');
  });

  it('runs the two-step session: 201 with three positions, then 200 with a session token that works', async () => {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    const first = await t.json('/api/v2/sessiontoken', 'POST', { UserName: 'demo', Password: 'demo-password' });
    expect(first.status).toBe(201);
    const body = (await first.json()) as { TemporaryToken: string; MemorableWordList: Array<{ Position: number; Value: string }> };
    expect(body.MemorableWordList).toHaveLength(3);
    expect(new Set(body.MemorableWordList.map((p) => p.Position)).size).toBe(3);
    const second = await t.json('/api/v2/sessiontoken', 'PUT', {
      TemporaryToken: body.TemporaryToken,
      MemorableWordList: body.MemorableWordList.map((p) => ({ Position: p.Position, Value: 'PINEAPPLE'[p.Position - 1] })),
    });
    expect(second.status).toBe(200);
    const session = (await second.json()) as { SessionToken: string; CompanyName: string };
    expect(session.CompanyName).toBe('Demo Trading Ltd');
    const settings = await t.call('/api/v2/settings', { headers: kfToken(session.SessionToken) });
    expect(settings.status).toBe(200);
    // The temporary token is good for one answer only.
    const replay = await t.json('/api/v2/sessiontoken', 'PUT', { TemporaryToken: body.TemporaryToken, MemorableWordList: [] });
    expect(replay.status).toBe(401);
  });

  it('tells a wrong password, a wrong memorable word and a switched-off API apart', async () => {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    const wrongPassword = await t.signIn('nope');
    expect(wrongPassword.status).toBe(401);
    expect(await wrongPassword.json()).toMatchObject({ Error: 'InvalidCredentials' });
    const wrongWord = await t.signIn('demo-password', 'zzzzzzzzz');
    expect(wrongWord.status).toBe(401);
    expect(await wrongWord.json()).toMatchObject({ Error: 'InvalidMemorableWord' });
    t.account().api.APIEnabled = false;
    const off = await t.signIn();
    expect(off.status).toBe(403);
    expect(await off.json()).toMatchObject({ Error: 'APIDisabled' });
  });

  it('locks the account after five failed sign-ins', async () => {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    for (let i = 0; i < 5; i++) await t.signIn('wrong');
    const locked = await t.signIn();
    expect(locked.status).toBe(403);
    expect(await locked.json()).toMatchObject({ Error: 'AccountLocked' });
  });

  it('uses the separate API password once chosen, and then refuses the login password', async () => {
    const t = setup({ accounts: [{ api: { UseSeparateSOAPAPIPassword: true, Password: 'api-only', AutoAuthEnabled: true } }] });
    await t.autoAuth(t.account().api.AutoAuthKey);
    expect((await t.signIn('demo-password')).status).toBe(401);
    expect((await t.signIn('api-only')).status).toBe(200);
  });

  it('ends a session after 60 minutes without use, and keeps it alive while it is used', async () => {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    const { SessionToken } = (await (await t.signIn()).json()) as { SessionToken: string };
    t.clock.advance(50 * 60_000);
    expect((await t.call('/api/v2/vat/settings/vatrates', { headers: kfToken(SessionToken) })).status).toBe(200);
    t.clock.advance(50 * 60_000);
    expect((await t.call('/api/v2/vat/settings/vatrates', { headers: kfToken(SessionToken) })).status).toBe(200);
    t.clock.advance(61 * 60_000);
    const expired = await t.call('/api/v2/vat/settings/vatrates', { headers: kfToken(SessionToken) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ Error: 'InvalidSessionToken', Message: 'Session token provided is invalid.' });
  });

  it('refuses a live session once its IP is removed from the list', async () => {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    const { SessionToken } = (await (await t.signIn()).json()) as { SessionToken: string };
    t.account().api.allowedIps = [];
    const res = await t.call('/api/v2/nominals', { headers: kfToken(SessionToken) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ Error: 'IPAddressNotAllowed' });
  });
});

describe('KashFlow sandbox: lists and documents', () => {
  async function session() {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    const { SessionToken } = (await (await t.signIn()).json()) as { SessionToken: string };
    return { ...t, get: (path: string) => t.call(path, { headers: kfToken(SessionToken) }), post: (path: string, body: unknown) => t.json(path, 'POST', body, kfToken(SessionToken)) };
  }

  it('pages suppliers with MetaData/Data and refuses more than 100 per page', async () => {
    const t = await session();
    const first = (await (await t.get('/api/v2/suppliers?page=1&perpage=100')).json()) as { MetaData: Record<string, unknown>; Data: unknown[] };
    expect(first.MetaData.TotalRecords).toBe(137);
    expect(first.Data).toHaveLength(100);
    expect(first.MetaData.NextPageUrl).toContain('page=2');
    const second = (await (await t.get('/api/v2/suppliers?page=2&perpage=100')).json()) as { MetaData: Record<string, unknown>; Data: unknown[] };
    expect(second.Data).toHaveLength(37);
    expect(second.MetaData.NextPageUrl).toBeNull();
    const tooMany = await t.get('/api/v2/suppliers?perpage=101');
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ Error: 'InvalidPerPage' });
  });

  it('lists the chart of accounts with its archived nominals, and the UK codes users know', async () => {
    const t = await session();
    const nominals = (await (await t.get('/api/v2/nominals')).json()) as Array<{ Code: number; Name: string; Archived: boolean }>;
    const byCode = new Map(nominals.map((n) => [n.Code, n]));
    expect(byCode.get(4000)?.Name).toBe('Sales');
    expect(byCode.get(5000)?.Name).toBe('Purchases');
    expect(byCode.get(7500)?.Name).toBe('Office Costs');
    expect(byCode.get(1200)?.Name).toBe('Current Account');
    expect(nominals.filter((n) => n.Archived).length).toBeGreaterThan(0);
  });

  it('hides archived bank accounts unless asked', async () => {
    const t = await session();
    const live = (await (await t.get('/api/v2/bankaccounts')).json()) as unknown[];
    const all = (await (await t.get('/api/v2/bankaccounts?includeArchivedAccounts=true')).json()) as unknown[];
    expect(all.length).toBe(live.length + 1);
  });

  it('creates a purchase (201) and finds it again by supplier reference', async () => {
    const t = await session();
    const supplier = t.account().suppliers.find((s) => !s.IsArchived)!;
    const res = await t.post('/api/v2/purchases', {
      SupplierCode: supplier.Code,
      SupplierReference: 'SR-77',
      IssuedDate: '2026-11-10',
      LineItems: [{ Description: 'Ink', Quantity: 1, Rate: 40, VATLevel: 20, VATAmount: 8, NominalCode: 7504 }],
    });
    expect(res.status).toBe(201);
    const found = (await (await t.get(`/api/v2/purchases?suppliercode=${supplier.Code}&searchtext=SR-77`)).json()) as { Data: Array<{ Number: number }> };
    expect(found.Data).toHaveLength(1);
    const bad = await t.post('/api/v2/purchases', { SupplierCode: supplier.Code, IssuedDate: '2026-11-10', LineItems: [{ Rate: 1, VATLevel: 0, NominalCode: 5009 }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ Error: 'ArchivedNominalCode', Message: expect.any(String) });
  });

  it('stores an attachment on a purchase and refuses an unsupported file type', async () => {
    const t = await session();
    const supplier = t.account().suppliers.find((s) => !s.IsArchived)!;
    const created = (await (await t.post('/api/v2/purchases', { SupplierCode: supplier.Code, IssuedDate: '2026-11-10', LineItems: [{ Rate: 10, VATLevel: 0, NominalCode: 5000 }] })).json()) as { Number: number };
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array([37, 80, 68, 70])], { type: 'application/pdf' }), 'bill.pdf');
    const token = (t.sandbox.state.apiSessions.keys().next().value as string);
    const up = await t.call(`/api/v2/purchases/${created.Number}/files`, { method: 'POST', body: form, headers: kfToken(token) });
    expect(up.status).toBe(201);
    expect(t.account().files).toMatchObject([{ ObjectType: 'purchases', ObjectNumber: String(created.Number), FileName: 'bill.pdf', Size: 4 }]);
    const exe = new FormData();
    exe.set('file', new Blob([new Uint8Array([1])], { type: 'application/x-msdownload' }), 'x.exe');
    expect((await t.call(`/api/v2/purchases/${created.Number}/files`, { method: 'POST', body: exe, headers: kfToken(token) })).status).toBe(400);
  });
});

describe('KashFlow sandbox: control and faults', () => {
  it('answers 429 with Retry-After for as many calls as asked, then recovers', async () => {
    const t = setup();
    await t.autoAuth(t.enableAutoAuth());
    const { SessionToken } = (await (await t.signIn()).json()) as { SessionToken: string };
    const added = await t.json('/_control/faults', 'POST', { kind: 'rate_limit', count: 2, retryAfterSeconds: 7 });
    expect(added.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const res = await t.call('/api/v2/nominals', { headers: kfToken(SessionToken) });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
    }
    expect((await t.call('/api/v2/nominals', { headers: kfToken(SessionToken) })).status).toBe(200);
    const stats = (await (await t.call('/_control/stats')).json()) as { faultsInjected: number };
    expect(stats.faultsInjected).toBe(2);
  });

  it('changes lists through /_control/mutate and resets to the same seeded account', async () => {
    const t = setup();
    const keyBefore = t.account().api.AutoAuthKey;
    const res = await t.json('/_control/mutate', 'POST', { list: 'nominals', action: 'archive', key: 7500 });
    expect(res.status).toBe(200);
    expect(t.account().nominals.find((n) => n.Code === 7500)?.Archived).toBe(true);
    await t.json('/_control/mutate', 'POST', { list: 'suppliers', action: 'add', data: { Code: 'NEWS01', Name: 'New Supplier Ltd' } });
    expect(t.account().suppliers.some((s) => s.Code === 'NEWS01')).toBe(true);
    await t.call('/_control/reset', { method: 'POST' });
    expect(t.account().nominals.find((n) => n.Code === 7500)?.Archived).toBe(false);
    expect(t.account().suppliers.some((s) => s.Code === 'NEWS01')).toBe(false);
    expect(t.account().api.AutoAuthKey).toBe(keyBefore);
  });

  it('is deterministic from the seed', () => {
    const a = createKashflowSandbox({ seed: 42 }).state.accounts[0]!;
    const b = createKashflowSandbox({ seed: 42 }).state.accounts[0]!;
    const c = createKashflowSandbox({ seed: 43 }).state.accounts[0]!;
    expect(a.api.AutoAuthKey).toBe(b.api.AutoAuthKey);
    expect(a.suppliers.map((s) => s.Code)).toEqual(b.suppliers.map((s) => s.Code));
    expect(c.api.AutoAuthKey).not.toBe(a.api.AutoAuthKey);
  });
});

describe('KashFlow sandbox: web pages', () => {
  async function signInPage(t: ReturnType<typeof setup>) {
    const res = await t.call('/app/login?next=apps', { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'demo-password' }) });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('./apps');
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    return { cookie: { cookie } };
  }

  it('sends a signed-out visitor to sign in, with the sandbox hint, and refuses a wrong password', async () => {
    const t = setup();
    const res = await t.call('/app/apps/api-settings');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('../login?next=apps%2Fapi-settings');
    const login = await (await t.call('/app/login')).text();
    expect(login).toContain('id="sandbox-hint"');
    expect(login).toContain('demo-password');
    const wrong = await t.call('/app/login', { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'x' }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('incorrect');
  });

  it('walks Apps > API Settings: the key appears only once Enable AutoAuth is ticked and saved', async () => {
    const t = setup();
    const { cookie } = await signInPage(t);
    const apps = await (await t.call('/app/apps', { headers: cookie })).text();
    expect(apps).toContain('id="nav-apps"');
    expect(apps).toMatch(/id="api-settings-button" href="\.\/apps\/api-settings">API Settings</);
    expect(apps).toContain('Signed in as demo');

    const before = await (await t.call('/app/apps/api-settings', { headers: cookie })).text();
    expect(before).toMatch(/id="restrict-ip" name="AccessToSpecificIPAddressesOnly" value="on" checked/);
    expect(before).toMatch(/id="autoauth-enabled" name="AutoAuthEnabled" value="on">/);
    expect(before).not.toContain(t.account().api.AutoAuthKey);

    const update = await t.call('/app/apps/api-settings', {
      method: 'POST',
      headers: cookie,
      body: new URLSearchParams({ APIEnabled: 'on', AccessToSpecificIPAddressesOnly: 'on', AutoAuthEnabled: 'on', PasswordMode: 'login' }),
    });
    expect(update.status).toBe(302);
    expect(update.headers.get('location')).toBe('../apps/api-settings?saved=1');
    const after = await (await t.call('/app/apps/api-settings?saved=1', { headers: cookie })).text();
    expect(after).toContain('Your API settings have been updated.');
    const key = /id="autoauth-key" readonly value="([^"]+)"/.exec(after)?.[1];
    expect(key).toBe(t.account().api.AutoAuthKey);
  });

  it('the AutoAuth checkbox saves at once through the page script endpoint', async () => {
    const t = setup();
    const { cookie } = await signInPage(t);
    const res = await t.call('/app/apps/api-settings/autoauth', { method: 'POST', headers: cookie, body: new URLSearchParams({ enabled: 'on' }) });
    expect(await res.json()).toEqual({ AutoAuthEnabled: true, AutoAuthKey: t.account().api.AutoAuthKey });
  });

  it('adds and removes IPs on the IP list page, which links back to API Settings', async () => {
    const t = setup();
    const { cookie } = await signInPage(t);
    const add = await t.call('/app/apps/api-settings/ip-addresses', { method: 'POST', headers: cookie, body: new URLSearchParams({ ip: '192.0.2.10', comment: 'Office' }) });
    expect(add.status).toBe(302);
    const list = await (await t.call('/app/apps/api-settings/ip-addresses', { headers: cookie })).text();
    expect(list).toMatch(/<td class="ip">192\.0\.2\.10<\/td><td class="comment">Office<\/td>/);
    expect(list).toContain('id="back-to-api-settings" href="../../apps/api-settings">Back to API Settings');
    const bad = await t.call('/app/apps/api-settings/ip-addresses', { method: 'POST', headers: cookie, body: new URLSearchParams({ ip: 'not-an-ip' }) });
    expect(bad.status).toBe(400);
    await t.call('/app/apps/api-settings/ip-addresses/remove', { method: 'POST', headers: cookie, body: new URLSearchParams({ ip: '192.0.2.10' }) });
    expect(t.account().api.allowedIps).toEqual([]);
  });

  it('serves the same pages at a host root (as app.kashflow.com)', async () => {
    const t = setup();
    const res = await t.sandbox.hosts.app.request('/apps');
    expect(res.headers.get('location')).toBe('./login?next=apps');
    const root = await t.sandbox.hosts.app.request('/');
    expect(root.headers.get('location')).toBe('./login');
    const mounted = await t.call('/app');
    expect(mounted.headers.get('location')).toBe('app/login');
  });
});
