/**
 * For the publishing tests: sandboxes served on their own port (so a second companion can share
 * them, as a real provider outlives our process), and connections made the way users make them,
 * through the lifecycle routes and the sandbox's own pages.
 */
import { expect } from 'vitest';
import { createSandboxServer } from '../../server/sandbox/index.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { authorizeWithForms } from '../../server/sandbox/xero/testing.js';
import { createTestServer, type TestServer } from './test-server.js';
import { kashflowCredentialsFromPages } from './kashflow-user.js';

export const SANDBOX_SECRET = 'publishing-test-sandbox-secret';

export interface Harness {
  server: TestServer;
  sandbox: RunningServer & { instances: ReturnType<typeof createSandboxServer>['instances'] };
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A companion plus sandboxes on one fake clock (token lifetimes, rate-limit minutes, expiry). */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  let server: TestServer | undefined;
  const { app, instances } = createSandboxServer({ secret: SANDBOX_SECRET, now: () => server?.clock.now() ?? new Date('2026-06-01T09:00:00Z') });
  const running = await listen(app);
  const fullEnv = { SANDBOX_URL: running.url, SANDBOX_CLIENT_SECRET: SANDBOX_SECRET, ...env };
  server = await createTestServer(fullEnv, { sandboxBaseUrl: running.url });
  return {
    server,
    sandbox: { ...running, instances },
    env: fullEnv,
    close: async () => {
      await server?.close();
      await running.close();
    },
  };
}

export const json = (res: Response) => res.json() as Promise<any>;

export function api(server: TestServer, token: string) {
  return (method: string, path: string, body?: unknown) => server.request(method, path, { token, json: body });
}

export async function control(sandboxUrl: string, provider: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandboxUrl}/${provider}/_control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

/** Connect a Xero organisation as an admin would: authorize, the sandbox's pages, Finish; lists imported. */
export async function connectXero(h: Harness, token: string, businessId: string, organisation = 'Demo Company (UK)', purpose: 'connect' | 'reconnect' = 'connect', connectionId?: string) {
  const call = api(h.server, token);
  const start = await call('POST', `/api/businesses/${businessId}/connections/authorize`, { provider: 'xero', purpose, ...(connectionId ? { connectionId } : {}) });
  expect(start.status).toBe(200);
  const { authorizeUrl, state } = await json(start);
  const back = await authorizeWithForms(fetch, authorizeUrl, { organisations: [organisation] });
  const page = await h.server.request('GET', `/oauth/callback${back.search}`);
  expect(page.status).toBe(200);
  const status = await json(await call('GET', `/api/oauth/states/${state}`));
  expect(status.status).toBe('authorised');
  const organisationId = status.grant.organisations.find((o: any) => o.name === organisation).id;
  const finish = await call('POST', `/api/businesses/${businessId}/connections/finish`, { grantId: status.grant.grantId, organisationId });
  expect(finish.status).toBe(201);
  const body = await json(finish);
  await h.server.deps.jobs.runUntilIdle();
  return { connectionId: body.connection.id as string, tenantId: body.connection.organisation.id as string };
}

export async function connectKashflow(h: Harness, token: string, businessId: string) {
  const call = api(h.server, token);
  const credentials = await kashflowCredentialsFromPages(`${h.sandbox.url}/kashflow/app`);
  const grant = await call('POST', `/api/businesses/${businessId}/connections/key`, { provider: 'kashflow', credentials });
  expect(grant.status).toBe(200);
  const g = await json(grant);
  const finish = await call('POST', `/api/businesses/${businessId}/connections/finish`, { grantId: g.grantId, organisationId: g.organisations[0].id });
  expect(finish.status).toBe(201);
  const body = await json(finish);
  await h.server.deps.jobs.runUntilIdle();
  return { connectionId: body.connection.id as string };
}

/** A list entry of the connection, by kind and code or name (for building items the way a user would). */
export async function entry(server: TestServer, connectionId: string, kind: string, where: { code?: string; name?: string; type?: string; status?: 'active' | 'archived' }) {
  let q = server.deps.db.selectFrom('list_entries').selectAll().where('connection_id', '=', connectionId).where('kind', '=', kind);
  if (where.code) q = q.where('code', '=', where.code);
  if (where.name) q = q.where('name', '=', where.name);
  if (where.type) q = q.where('type', '=', where.type);
  q = q.where('status', '=', where.status ?? 'active');
  const row = await q.orderBy('name').executeTakeFirst();
  if (!row) throw new Error(`no ${kind} entry ${JSON.stringify(where)}`);
  return row;
}
