/**
 * A whole companion on a fresh temporary directory (real SQLite file, real key file), for
 * in-process route tests through `app.request()`, with a cheap password hash and a settable clock.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createRuntime, type Runtime } from '../../server/runtime.js';
import { addMembership, createBusiness, createUser } from '../../server/auth/users.js';
import type { Role } from '../../shared/api.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { insertConnection } from '../../server/connections/store.js';
import type { ConnectionsTable, ListEntriesTable } from '../../server/db/schema.js';

export const testPasswordCost = { N: 2 ** 10, r: 8, p: 1 };

export interface TestServer extends Omit<Runtime, 'close'> {
  /** Stops the server and removes its data directory, unless `keepData` (to start a process on it). */
  close(options?: { keepData?: boolean }): Promise<void>;
  dir: string;
  config: Config;
  clock: { now(): Date; set(d: Date): void; advance(ms: number): void };
  request(method: string, url: string, options?: RequestOptions): Promise<Response>;
  /** Creates a user with a role in a business (creating the business if `businessId` is absent). */
  user(input: { role: Role; businessId?: string; email?: string; name?: string }): Promise<{ userId: string; businessId: string; email: string; password: string }>;
  signIn(email: string, password: string): Promise<string>;
  /** A Xero connection stored as Finish would store it (no provider call): for tests of what comes after. */
  xeroConnection(businessId: string, createdBy: string, organisation?: string): Promise<ConnectionsTable>;
  /** The active suppliers an import brought in (of one connection, or all), by name. */
  suppliers(connectionId?: string): Promise<{ name: string; externalId: string }[]>;
  /** With `listen: true`: the companion on a loopback port (its sandboxes under /sandbox). */
  url: string;
}

export type RequestOptions = { token?: string; json?: unknown; body?: string; headers?: Record<string, string> };

/** A request as a test writes it (a session token, a JSON body) as fetch's init. */
export function requestInit(method: string, options: RequestOptions = {}): { method: string; headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  return { method, headers, body };
}

let counter = 0;

export async function createTestServer(
  env: Record<string, string> = {},
  extra: { sandboxBaseUrl?: string; /** serve over HTTP, so adapters reach the built-in sandboxes */ listen?: boolean } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bookbridge-test-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env });
  let current = new Date('2026-06-01T09:00:00Z');
  const clock = {
    now: () => new Date(current),
    set: (d: Date) => void (current = new Date(d)),
    advance: (ms: number) => void (current = new Date(current.getTime() + ms)),
  };
  const logger = createLogger({ level: 'silent', format: 'json' });
  let running: RunningServer | undefined;
  const runtime = await createRuntime(config, {
    logger,
    clock,
    passwordCost: testPasswordCost,
    sandboxBaseUrl: extra.sandboxBaseUrl ?? (() => `${running?.url ?? config.publicUrl}/sandbox`),
  });
  if (extra.listen) running = await listen(runtime.app);

  const request: TestServer['request'] = (method, url, options = {}) => Promise.resolve(runtime.app.request(url, requestInit(method, options)));

  return {
    ...runtime,
    close: async ({ keepData = false } = {}) => {
      await running?.close();
      await runtime.close();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
    url: running?.url ?? config.publicUrl,
    dir,
    config,
    clock,
    request,
    async user({ role, businessId, email, name }) {
      const n = ++counter;
      const now = clock.now().getTime();
      const address = email ?? `user${n}@example.com`;
      const password = `correct horse battery ${n}`;
      const userId = await createUser(runtime.deps.db, { email: address, name: name ?? `User ${n}`, password, now, cost: testPasswordCost });
      const business = businessId ?? (await createBusiness(runtime.deps.db, { name: `Business ${n}`, now }));
      await addMembership(runtime.deps.db, { userId, businessId: business, role, now });
      return { userId, businessId: business, email: address, password };
    },
    xeroConnection(businessId, createdBy, organisation = 'Test Ltd') {
      return insertConnection({ db: runtime.deps.db, secrets: runtime.deps.secrets, now: () => clock.now() }, {
        businessId,
        provider: 'xero',
        organisation: { id: randomUUID(), name: organisation },
        credentials: { kind: 'oauth2', tokens: { accessToken: 'a', refreshToken: 'r', accessTokenExpiresAt: clock.now().getTime() + 3_600_000 } },
        createdBy,
      });
    },
    async suppliers(connectionId) {
      let query = runtime.deps.db.selectFrom('list_entries').select(['name', 'external_id']).where('kind', '=', 'contacts').where('type', '=', 'supplier').where('status', '=', 'active');
      if (connectionId) query = query.where('connection_id', '=', connectionId);
      return (await query.orderBy('name').execute()).map((r) => ({ name: r.name, externalId: r.external_id }));
    },
    async signIn(email, password) {
      const res = await request('POST', '/api/auth/login', { json: { email, password } });
      if (res.status !== 200) throw new Error(`sign in failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
  };
}

/** A `list_entries` row as an import writes it: active, no extras, unless `more` says otherwise. */
export function listEntry(connectionId: string, kind: string, externalId: string, name: string, more: Partial<ListEntriesTable> = {}): ListEntriesTable {
  return {
    connection_id: connectionId,
    kind,
    external_id: externalId,
    name,
    code: null,
    status: 'active',
    type: null,
    tax_rate: null,
    currency: null,
    extra: null,
    archived_reason: null,
    seen_by_job: null,
    updated_at: 0,
    ...more,
  };
}
