import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/support/test-server.js';
import { issueSetupCode } from './setup.js';

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer();
});
afterEach(async () => {
  await server.close();
});

const json = (res: Response) => res.json() as Promise<any>;

describe('first run setup', () => {
  it('creates the first admin with the printed code, once', async () => {
    const code = await issueSetupCode(server.deps.db);
    expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    const body = { setupCode: code!, email: 'Owner@Example.com', name: 'Owner', password: 'a long enough password', businessName: 'Acme Ltd' };

    const wrong = await server.request('POST', '/api/setup', { json: { ...body, setupCode: 'AAAA-BBBB-CCCC-DDDD' } });
    expect(wrong.status).toBe(403);
    expect((await json(wrong)).error.issues[0].path).toBe('setupCode');

    const ok = await server.request('POST', '/api/setup', { json: body });
    expect(ok.status).toBe(201);
    const { token, user } = await json(ok);
    expect(user).toMatchObject({ email: 'owner@example.com', isServerAdmin: true });
    const me = await json(await server.request('GET', '/api/me', { token }));
    expect(me.memberships).toEqual([{ business: { id: expect.any(String), name: 'Acme Ltd' }, role: 'business_admin' }]);

    const again = await server.request('POST', '/api/setup', { json: body });
    expect(again.status).toBe(409);
  });

  it('names each bad field and creates nothing', async () => {
    await issueSetupCode(server.deps.db);
    const res = await server.request('POST', '/api/setup', { json: { setupCode: 'x', email: 'nope', name: '', password: 'short', businessName: 'A', extra: 1 } });
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.code).toBe('validation_failed');
    expect(error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body', 'email', 'name', 'password']);
    const users = await server.deps.db.selectFrom('users').selectAll().execute();
    expect(users).toHaveLength(0);
  });
});

describe('sessions', () => {
  it('signs in, answers /api/me, and signs out', async () => {
    const u = await server.user({ role: 'standard' });
    const token = await server.signIn(u.email, u.password);
    expect(token).toMatch(/^[a-z2-7]{24}\.[a-z2-7]{24}$/);
    expect((await server.request('GET', '/api/me', { token })).status).toBe(200);
    expect((await server.request('POST', '/api/auth/logout', { token })).status).toBe(204);
    const after = await server.request('GET', '/api/me', { token });
    expect(after.status).toBe(401);
    expect((await json(after)).error.code).toBe('session_expired');
  });

  it('stores only a hash of the token', async () => {
    const u = await server.user({ role: 'standard' });
    const token = await server.signIn(u.email, u.password);
    const secret = token.split('.')[1]!;
    const rows = server.database.sqlite.prepare('SELECT * FROM sessions').all();
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('refuses a token whose secret is wrong', async () => {
    const u = await server.user({ role: 'standard' });
    const token = await server.signIn(u.email, u.password);
    const forged = `${token.split('.')[0]}.${'a'.repeat(24)}`;
    expect((await server.request('GET', '/api/me', { token: forged })).status).toBe(401);
    expect((await server.request('GET', '/api/me')).status).toBe(401);
  });

  it('slides while used and ends after the inactivity window', async () => {
    const u = await server.user({ role: 'standard' });
    const token = await server.signIn(u.email, u.password);
    const day = 86_400_000;
    server.clock.advance(20 * day);
    expect((await server.request('GET', '/api/me', { token })).status).toBe(200); // slides to +30 days from here
    server.clock.advance(20 * day);
    expect((await server.request('GET', '/api/me', { token })).status).toBe(200);
    server.clock.advance(31 * day);
    expect((await server.request('GET', '/api/me', { token })).status).toBe(401);
  });

  it('signs out everywhere', async () => {
    const u = await server.user({ role: 'business_admin' });
    const a = await server.signIn(u.email, u.password);
    const b = await server.signIn(u.email, u.password);
    expect((await server.request('POST', '/api/auth/logout-all', { token: a })).status).toBe(204);
    expect((await server.request('GET', '/api/me', { token: b })).status).toBe(401);
  });
});

describe('login', () => {
  it('says the email or password is wrong without saying which', async () => {
    const u = await server.user({ role: 'standard' });
    const wrongPassword = await server.request('POST', '/api/auth/login', { json: { email: u.email, password: 'nope' } });
    const noAccount = await server.request('POST', '/api/auth/login', { json: { email: 'ghost@example.com', password: 'nope' } });
    expect(wrongPassword.status).toBe(401);
    expect(noAccount.status).toBe(401);
    expect((await json(wrongPassword)).error.message).toBe((await json(noAccount)).error.message);
  });

  it('throttles an account after 5 failures, even with the right password', async () => {
    const u = await server.user({ role: 'standard' });
    for (let i = 0; i < 5; i++) {
      expect((await server.request('POST', '/api/auth/login', { json: { email: u.email, password: 'wrong' } })).status).toBe(401);
    }
    const blocked = await server.request('POST', '/api/auth/login', { json: { email: u.email, password: u.password } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    server.clock.advance(16 * 60 * 1000);
    expect((await server.request('POST', '/api/auth/login', { json: { email: u.email, password: u.password } })).status).toBe(200);
  });

  it('throttles one address trying many accounts', async () => {
    for (let i = 0; i < 20; i++) {
      await server.request('POST', '/api/auth/login', { json: { email: `guess${i}@example.com`, password: 'x' } });
    }
    const res = await server.request('POST', '/api/auth/login', { json: { email: 'another@example.com', password: 'x' } });
    expect(res.status).toBe(429);
  });
});

describe('errors', () => {
  it('answers unknown routes and malformed JSON in the one envelope', async () => {
    const missing = await server.request('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toMatchObject({ code: 'not_found' });
    const bad = await server.request('POST', '/api/auth/login', { body: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatchObject({ code: 'malformed_json', issues: [{ path: 'body' }] });
  });
});
