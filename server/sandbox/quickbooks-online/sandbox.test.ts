import { describe, expect, it } from 'vitest';
import { createQuickbooksOnlineSandbox } from './index.js';
import type { SandboxFactory } from '../index.js';
import { parseQuery } from './query.js';

// Registers as a SandboxFactory as it is.
export const factory: SandboxFactory = createQuickbooksOnlineSandbox;

const client = { id: 'app', secret: 'secret' };
const basic = `Basic ${Buffer.from('app:secret').toString('base64')}`;

function setup(limits?: { perMinute?: number; concurrent?: number; batchPerMinute?: number }) {
  let now = new Date('2026-06-01T09:00:00Z');
  const sandbox = createQuickbooksOnlineSandbox({ client, now: () => now, ...(limits ? { limits } : {}) });
  const [uk, us] = [...sandbox.state.companies.keys()] as [string, string];
  // A grant for the UK company, as a finished consent would leave it.
  sandbox.state.grants.set('g1', { id: 'g1', userId: 'u', clientId: 'app', realmId: uk, scope: ['com.intuit.quickbooks.accounting'], createdAt: now.getTime(), revoked: false });
  sandbox.state.accessTokens.set('tok', { grantId: 'g1', expiresAt: now.getTime() + 3600_000 });
  const api = (realm: string, p: string, init: RequestInit = {}) =>
    sandbox.app.request(`/api/v3/company/${realm}/${p}`, { ...init, headers: { authorization: 'Bearer tok', 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  return { sandbox, uk, us, api, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

describe('QuickBooks sandbox: query language', () => {
  it('parses paging, counts and filters, and refuses OR', () => {
    expect(parseQuery("select * from Vendor where Active IN (true, false) AND DisplayName LIKE 'A%' ORDERBY DisplayName DESC STARTPOSITION 21 MAXRESULTS 5000")).toMatchObject({
      entity: 'Vendor', startPosition: 21, maxResults: 1000, orderBy: [{ field: 'DisplayName', desc: true }],
    });
    expect(parseQuery('SELECT COUNT(*) FROM Account').count).toBe(true);
    expect(() => parseQuery("select * from Vendor where Id > '5'")).toThrow(/Invalid query/);
    expect(() => parseQuery("select * from Vendor where Active = true OR Id = '1'")).toThrow(/Error parsing query/);
  });

  it('answers name lists with active entries unless the query names Active, 1-based and capped', async () => {
    const { api, uk, sandbox } = setup();
    const vendors = [...sandbox.state.companies.get(uk)!.entities.get('Vendor')!.values()];
    const q = async (s: string) => ((await (await api(uk, `query?query=${encodeURIComponent(s)}`)).json()) as any).QueryResponse;
    expect((await q('select count(*) from Vendor')).totalCount).toBe(vendors.filter((v) => v.Active !== false).length);
    expect((await q('select count(*) from Vendor where Active IN (true, false)')).totalCount).toBe(vendors.length);
    const page = await q('select * from Vendor where Active IN (true, false) STARTPOSITION 11 MAXRESULTS 10');
    expect(page).toMatchObject({ startPosition: 11, maxResults: 10 });
    expect(page.Vendor[0].Id).toBe(vendors[10]!.Id);
    expect(await q("select * from Vendor where DisplayName = 'nobody'")).toEqual({});
  });
});

describe('QuickBooks sandbox: gateway, limits and idempotency', () => {
  it('answers 401 with the gateway body, 403 for another company', async () => {
    const { sandbox, api, uk, us } = setup();
    const r = await sandbox.app.request(`/api/v3/company/${uk}/companyinfo/${uk}`, { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
    expect(((await r.json()) as any).fault.error[0]).toMatchObject({ code: '3200', message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401' });
    const other = await api(us, `companyinfo/${us}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as any).fault.error[0].message).toContain('AuthorizationFailed');
  });

  it('throttles past the per-minute limit with ThrottleExceeded and no Retry-After', async () => {
    const { api, uk, advance } = setup({ perMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await api(uk, 'preferences')).status).toBe(200);
    const limited = await api(uk, 'preferences');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(((await limited.json()) as any).Fault.Error[0].Message).toBe('message=ThrottleExceeded; errorCode=003001; statusCode=429');
    advance(60_001);
    expect((await api(uk, 'preferences')).status).toBe(200);
  });

  it('replays the first response for a repeated requestid, faults included', async () => {
    const { api, uk, sandbox } = setup();
    const company = sandbox.state.companies.get(uk)!;
    const vendor = [...company.entities.get('Vendor')!.values()][0]!;
    const account = [...company.entities.get('Account')!.values()].find((a) => a.AcctNum === '6600')!;
    const bill = { VendorRef: { value: vendor.Id }, GlobalTaxCalculation: 'TaxExcluded', Line: [{ DetailType: 'AccountBasedExpenseLineDetail', Amount: 10, AccountBasedExpenseLineDetail: { AccountRef: { value: account.Id }, TaxCodeRef: { value: '3' } } }] };
    const post = (body: unknown, id: string) => api(uk, `bill?requestid=${id}`, { method: 'POST', body: JSON.stringify(body) });
    const first = await (await post(bill, 'r1')).text();
    expect(JSON.parse(first).Bill).toMatchObject({ TotalAmt: 12, TxnTaxDetail: { TotalTax: 2 } });
    expect(await (await post(bill, 'r1')).text()).toBe(first);
    expect(company.entities.get('Bill')!.size).toBe(1);
    const bad = await post({ ...bill, Line: [] }, 'r2');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).Fault).toMatchObject({ type: 'ValidationFault', Error: [{ code: '2020' }] });
    expect((await post(bill, 'r2')).status).toBe(400);
    expect((await post(bill, 'x'.repeat(51))).status).toBe(400);
  });

  it('refuses a batch over 30 items and a CDC window over 30 days', async () => {
    const { api, uk } = setup();
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: `b${i}`, Query: 'select * from Term' }));
    const batch = await api(uk, 'batch', { method: 'POST', body: JSON.stringify({ BatchItemRequest: items }) });
    expect(batch.status).toBe(400);
    const ok = await api(uk, 'batch', { method: 'POST', body: JSON.stringify({ BatchItemRequest: items.slice(0, 2) }) });
    expect(((await ok.json()) as any).BatchItemResponse.map((r: any) => r.bId)).toEqual(['b0', 'b1']);
    expect((await api(uk, 'cdc?entities=Vendor&changedSince=2026-04-01T00:00:00Z')).status).toBe(400);
    expect((await api(uk, 'cdc?entities=TaxCode&changedSince=2026-05-30T00:00:00Z')).status).toBe(400);
  });

  it('takes only Basic client authentication at the token endpoint', async () => {
    const { sandbox } = setup();
    const noAuth = await sandbox.app.request('/oauth/oauth2/v1/tokens/bearer', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'app', client_secret: 'secret' }) });
    expect(noAuth.status).toBe(401);
    const unknown = await sandbox.app.request('/oauth/oauth2/v1/tokens/bearer', { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }) });
    expect(await unknown.json()).toEqual({ error: 'invalid_grant' });
  });
});
