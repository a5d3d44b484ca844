import { describe, expect, it } from 'vitest';
import { createXeroSandbox } from './index.js';
import { authorizeWithForms, connectSandbox, organisationsOnPage, pkcePair, type Fetcher } from './testing.js';

const client = { id: 'CLIENT1', secret: 'secret-one' };
const base = 'http://sandbox';

function setup(redirectUris?: string[]) {
  let now = Date.UTC(2026, 0, 10, 9, 0, 0);
  const sandbox = createXeroSandbox({ clients: [{ ...client, redirectUris }], seed: 7, now: () => new Date(now) });
  const fetcher: Fetcher = async (url, init) => sandbox.app.request(url, init);
  return {
    sandbox,
    fetcher,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function tokenRequest(fetcher: Fetcher, form: Record<string, string>, secret = client.secret) {
  return fetcher(`${base}/identity/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
}

function api(fetcher: Fetcher, path: string, token: string, tenantId?: string) {
  return fetcher(`${base}/api${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(tenantId ? { 'xero-tenant-id': tenantId } : {}) },
  });
}

describe('Xero sandbox sign-in and consent pages', () => {
  it('shows the sign-in hint, the scopes and every organisation of the user', async () => {
    const { fetcher } = setup();
    const url = `${base}/login/identity/connect/authorize?response_type=code&client_id=CLIENT1&redirect_uri=${encodeURIComponent('https://app.example/cb')}&scope=offline_access%20accounting.transactions&state=abc`;
    const page = await (await fetcher(url)).text();
    expect(page).toContain('demo@example.com');
    const tx = /name="tx" value="([^"]+)"/.exec(page)?.[1] as string;
    const wrong = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ step: 'signin', tx, email: 'nobody@example.com', password: 'x' }).toString(),
    });
    expect(await wrong.text()).toContain('Your email or password is incorrect.');
    const consent = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ step: 'signin', tx, email: 'demo@example.com', password: 'x' }).toString(),
    });
    const html = await consent.text();
    expect(html).toContain('View and manage your business transactions');
    expect(organisationsOnPage(html).map((o) => o.name)).toEqual(['Demo Company (UK)', 'Bookbridge Test Ltd', 'Northwind Trading Ltd']);
  });

  it('redirects with code and state, or with access_denied when the user cancels', async () => {
    const { fetcher } = setup();
    const url = `${base}/login/identity/connect/authorize?response_type=code&client_id=CLIENT1&redirect_uri=${encodeURIComponent('https://app.example/cb')}&scope=offline_access&state=xyz`;
    const ok = await authorizeWithForms(fetcher, url);
    expect(ok.origin + ok.pathname).toBe('https://app.example/cb');
    expect(ok.searchParams.get('state')).toBe('xyz');
    expect(ok.searchParams.get('code')).toMatch(/^[0-9A-F]{43}$/);
    const denied = await authorizeWithForms(fetcher, url, { action: 'deny' });
    expect(denied.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses unknown clients and unregistered redirect URIs on an error page, bad scopes by redirect', async () => {
    const { fetcher } = setup(['https://app.example/cb']);
    const unknown = await fetcher(`${base}/login/identity/connect/authorize?response_type=code&client_id=NOPE&redirect_uri=https://app.example/cb&scope=openid`);
    expect(unknown.status).toBe(400);
    const badRedirect = await fetcher(`${base}/login/identity/connect/authorize?response_type=code&client_id=CLIENT1&redirect_uri=https://evil.example/cb&scope=openid`);
    expect(badRedirect.status).toBe(400);
    expect(await badRedirect.text()).toContain('redirect_uri');
    const badScope = await fetcher(`${base}/login/identity/connect/authorize?response_type=code&client_id=CLIENT1&redirect_uri=https://app.example/cb&scope=accounting.everything&state=s`);
    expect(badScope.status).toBe(302);
    expect(new URL(badScope.headers.get('location') as string).searchParams.get('error')).toBe('invalid_scope');
  });
});

describe('Xero sandbox token endpoint', () => {
  it('exchanges a code once, only with the right PKCE verifier and client secret', async () => {
    const { fetcher } = setup();
    const { verifier, challenge } = await pkcePair();
    const redirect = 'http://127.0.0.1/cb';
    const url = `${base}/login/identity/connect/authorize?response_type=code&client_id=CLIENT1&redirect_uri=${encodeURIComponent(redirect)}&scope=openid%20offline_access%20accounting.settings&state=s&code_challenge=${challenge}&code_challenge_method=S256`;
    const code = (await authorizeWithForms(fetcher, url)).searchParams.get('code') as string;

    const badSecret = await tokenRequest(fetcher, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }, 'wrong');
    expect(badSecret.status).toBe(400);
    expect(await badSecret.json()).toEqual({ error: 'invalid_client' });

    const badVerifier = await tokenRequest(fetcher, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: 'x'.repeat(43) });
    expect(await badVerifier.json()).toEqual({ error: 'invalid_grant' });

    const good = await tokenRequest(fetcher, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier });
    expect(good.status).toBe(200);
    const tokens = (await good.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ expires_in: 1800, token_type: 'Bearer', scope: 'openid offline_access accounting.settings' });
    expect(typeof tokens.refresh_token).toBe('string');
    const claims = JSON.parse(Buffer.from(String(tokens.access_token).split('.')[1] as string, 'base64url').toString());
    expect(claims.authentication_event_id).toMatch(/^[0-9a-f-]{36}$/);

    const again = await tokenRequest(fetcher, { grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier });
    expect(await again.json()).toEqual({ error: 'invalid_grant' });
  });

  it('rotates refresh tokens, honours the previous one for 30 minutes, and kills them after 60 idle days', async () => {
    const { fetcher, advance } = setup();
    const first = await connectSandbox(fetcher, base, client);
    const r1 = first.refresh_token as string;
    const second = (await (await tokenRequest(fetcher, { grant_type: 'refresh_token', refresh_token: r1 })).json()) as { refresh_token: string };
    expect(second.refresh_token).not.toBe(r1);

    advance(29 * 60_000);
    const graceUse = await tokenRequest(fetcher, { grant_type: 'refresh_token', refresh_token: r1 });
    expect(graceUse.status).toBe(200);

    advance(2 * 60_000);
    const tooLate = await tokenRequest(fetcher, { grant_type: 'refresh_token', refresh_token: r1 });
    expect(await tooLate.json()).toEqual({ error: 'invalid_grant' });
    // The newest token still works...
    const third = (await (await tokenRequest(fetcher, { grant_type: 'refresh_token', refresh_token: second.refresh_token })).json()) as {
      refresh_token: string;
    };
    // ...and one left unused for 60 days dies.
    advance(60 * 86_400_000);
    const idle = await tokenRequest(fetcher, { grant_type: 'refresh_token', refresh_token: third.refresh_token });
    expect(await idle.json()).toEqual({ error: 'invalid_grant' });
  });

  it('expires access tokens after 30 minutes with TokenExpired and a WWW-Authenticate challenge', async () => {
    const { fetcher, advance, sandbox } = setup();
    const tokens = await connectSandbox(fetcher, base, client);
    const tenantId = [...sandbox.state.organisations.keys()][0] as string;
    expect((await api(fetcher, '/api.xro/2.0/Organisation', tokens.access_token, tenantId)).status).toBe(200);
    advance(30 * 60_000 + 1);
    const expired = await api(fetcher, '/api.xro/2.0/Organisation', tokens.access_token, tenantId);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
    const body = (await expired.json()) as { Title: string; Detail: string };
    expect(body.Title).toBe('Unauthorized');
    expect(body.Detail).toMatch(/^TokenExpired: token expired at \d\d\/\d\d\/\d{4} /);
  });

  it('revocation removes the connections and the refresh token stops working', async () => {
    const { fetcher } = setup();
    const tokens = await connectSandbox(fetcher, base, client);
    const revoked = await fetcher(`${base}/identity/connect/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: tokens.refresh_token as string }).toString(),
    });
    expect(revoked.status).toBe(200);
    const refresh = await tokenRequest(fetcher, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    expect(await refresh.json()).toEqual({ error: 'invalid_grant' });
    expect((await api(fetcher, '/connections', tokens.access_token)).status).toBe(401);
  });
});

describe('Xero sandbox connections', () => {
  it('lists the chosen organisations, filters by authEventId, and disconnecting one makes its calls 403', async () => {
    const { fetcher } = setup();
    const tokens = await connectSandbox(fetcher, base, client, { organisations: ['Demo Company (UK)', 'Bookbridge Test Ltd'] });
    const connections = (await (await api(fetcher, '/connections', tokens.access_token)).json()) as Record<string, string>[];
    expect(connections.map((c) => c.tenantName)).toEqual(['Demo Company (UK)', 'Bookbridge Test Ltd']);
    for (const c of connections) {
      expect(Object.keys(c).sort()).toEqual(['authEventId', 'createdDateUtc', 'id', 'tenantId', 'tenantName', 'tenantType', 'updatedDateUtc']);
    }
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] as string, 'base64url').toString());
    const filtered = (await (await api(fetcher, `/connections?authEventId=${claims.authentication_event_id}`, tokens.access_token)).json()) as unknown[];
    expect(filtered).toHaveLength(2);

    const [first] = connections as [Record<string, string>];
    const missingTenant = await api(fetcher, '/api.xro/2.0/Accounts', tokens.access_token);
    expect(missingTenant.status).toBe(403);
    const del = await fetcher(`${base}/api/connections/${first.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(del.status).toBe(204);
    const after = await api(fetcher, '/api.xro/2.0/Accounts', tokens.access_token, first.tenantId);
    expect(after.status).toBe(403);
    expect(((await after.json()) as { Title: string }).Title).toBe('Forbidden');
  });

  it('refuses endpoints outside the granted scopes with 403', async () => {
    const { fetcher, sandbox } = setup();
    const tokens = await connectSandbox(fetcher, base, client, { scope: 'offline_access accounting.settings.read' });
    const tenantId = [...sandbox.state.organisations.keys()][0] as string;
    expect((await api(fetcher, '/api.xro/2.0/Accounts', tokens.access_token, tenantId)).status).toBe(200);
    expect((await api(fetcher, '/api.xro/2.0/Contacts', tokens.access_token, tenantId)).status).toBe(403);
  });
});

describe('Xero sandbox mounted under a path', () => {
  it('works at /sandbox/xero: issuer, pages and API all carry the mount path', async () => {
    const { Hono } = await import('hono');
    const sandbox = createXeroSandbox({ clients: [client], seed: 3 });
    const companion = new Hono();
    companion.route('/sandbox/xero', sandbox.app);
    const fetcher: Fetcher = async (url, init) => companion.request(url, init);
    const mounted = 'http://companion.local/sandbox/xero';
    const tokens = await connectSandbox(fetcher, mounted, client);
    const claims = JSON.parse(Buffer.from((tokens.id_token as string).split('.')[1] as string, 'base64url').toString());
    expect(claims.iss).toBe(`${mounted}/identity`);
    const connections = (await (await fetcher(`${mounted}/api/connections`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as {
      tenantId: string;
    }[];
    const accounts = await fetcher(`${mounted}/api/api.xro/2.0/Accounts`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, 'xero-tenant-id': connections[0]!.tenantId },
    });
    expect(accounts.status).toBe(200);
  });
});
