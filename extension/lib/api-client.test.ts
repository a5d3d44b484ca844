import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { freePort } from '../../test/e2e/support/server.js';
import { createApiClient, ProblemError, toProblem, type Problem } from './api-client.js';

/** A server answering the way Bookbridge does, and in the ways other things on the network do. */
function serverApp() {
  const app = new Hono();
  const envelope = (code: string, message: string, issues?: { path: string; message: string }[]) => ({
    error: { code, message, ...(issues ? { issues } : {}) },
  });
  app.get('/health', (c) => c.json({ status: 'ok', version: '0.1.0', database: 'ok', sandbox: true }));
  app.post('/api/auth/login', async (c) => {
    const body = await c.req.json<{ email: string; password: string }>();
    if (body.password !== 'right password') return c.json(envelope('invalid_credentials', 'The email or password is not right.'), 401);
    return c.json({
      token: 'tok_good',
      expiresAt: '2026-07-01T00:00:00.000Z',
      user: { id: 'u1', email: body.email, name: 'Olivia', isServerAdmin: true },
    });
  });
  app.get('/api/me', (c) => {
    if (c.req.header('authorization') !== 'Bearer tok_good') return c.json(envelope('session_expired', 'Your session has ended. Sign in again.'), 401);
    return c.json({
      user: { id: 'u1', email: 'o@acme.test', name: 'Olivia', isServerAdmin: true },
      memberships: [{ business: { id: 'b1', name: 'Acme' }, role: 'business_admin' }],
    });
  });
  app.post('/api/setup', (c) =>
    c.json(envelope('validation_failed', 'Some fields are not right.', [{ path: 'password', message: 'must be at least 12 characters' }]), 400),
  );
  app.get('/api/providers', (c) => c.json({ providers: 'not a list' }));
  app.get('/api/crash', (c) => c.html('<h1>Internal Server Error</h1>', 500));
  app.get('/api/behind-proxy', (c) => c.html('<h1>502 Bad Gateway</h1>', 502));
  app.get('/api/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return c.json({});
  });
  return app;
}

let server: RunningServer;
beforeAll(async () => {
  server = await listen(serverApp());
});
afterAll(async () => {
  await server.close();
});

async function problemOf(work: Promise<unknown>): Promise<Problem> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError);
    return toProblem(error);
  }
  throw new Error('expected the call to fail');
}

describe('api client', () => {
  it('signs in and reads /api/me with the bearer token', async () => {
    const login = await createApiClient({ serverUrl: server.url }).login({ email: 'o@acme.test', password: 'right password' });
    expect(login.token).toBe('tok_good');
    const me = await createApiClient({ serverUrl: `${server.url}/`, token: login.token }).me();
    expect(me.memberships[0]?.business.name).toBe('Acme');
  });

  it("passes on the server's own message for a wrong password (401 without a session is not 'session ended')", async () => {
    const problem = await problemOf(createApiClient({ serverUrl: server.url }).login({ email: 'o@acme.test', password: 'wrong' }));
    expect(problem).toEqual({ kind: 'api', status: 401, code: 'invalid_credentials', message: 'The email or password is not right.' });
  });

  it('says the session has ended when an authenticated call gets 401', async () => {
    const problem = await problemOf(createApiClient({ serverUrl: server.url, token: 'tok_revoked' }).me());
    expect(problem.kind).toBe('session_ended');
    expect(problem.message).toBe('Your session has ended — sign in again.');
  });

  it('keeps the field issues of a validation error', async () => {
    const problem = await problemOf(createApiClient({ serverUrl: server.url }).request('/api/setup', { method: 'POST', body: {} }));
    expect(problem).toMatchObject({ kind: 'api', status: 400, code: 'validation_failed', issues: [{ path: 'password' }] });
  });

  it('tells "cannot reach the server" apart: nothing listening', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const problem = await problemOf(createApiClient({ serverUrl: closed }).health());
    expect(problem).toEqual({
      kind: 'unreachable',
      serverUrl: closed,
      message: `Can't reach the Bookbridge server at ${closed}. Check that it is running and that the address is right.`,
    });
  });

  it('counts a server that does not answer in time as unreachable', async () => {
    const problem = await problemOf(createApiClient({ serverUrl: server.url, timeoutMs: 100 }).request('/api/slow'));
    expect(problem.kind).toBe('unreachable');
  });

  it('counts a proxy saying the server behind it is down as unreachable', async () => {
    const problem = await problemOf(createApiClient({ serverUrl: server.url }).request('/api/behind-proxy'));
    expect(problem.kind).toBe('unreachable');
  });

  it('says when something answered but not like a Bookbridge server', async () => {
    const crash = await problemOf(createApiClient({ serverUrl: server.url }).request('/api/crash'));
    expect(crash).toMatchObject({ kind: 'bad_response', status: 500 });
    const wrongShape = await problemOf(createApiClient({ serverUrl: server.url, token: 'tok_good' }).providers());
    expect(wrongShape.kind).toBe('bad_response');
    expect(wrongShape.message).toContain('not like a Bookbridge server');
  });
});
