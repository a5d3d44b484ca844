/**
 * The companion in the benchmark's own process (real clock, real SQLite file), pointed at a
 * sandbox server elsewhere, with a signed-in admin and a Xero connection made through the
 * sandbox's pages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.js';
import { providerTransport } from '../../server/providers/http.js';
import { createLogger } from '../../server/logger.js';
import { createRuntime, type Runtime } from '../../server/runtime.js';
import { addMembership, createBusiness, createUser } from '../../server/auth/users.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { authorizeWithForms } from '../../server/sandbox/xero/testing.js';

export interface BenchCompanion {
  runtime: Runtime;
  server: RunningServer;
  token: string;
  businessId: string;
  /** Time spent waiting for the provider (request sent → body fully received). */
  providerMs(): number;
  api(method: string, p: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startCompanion(sandboxUrl: string, secret: string, options: { rateLimitScale?: number } = {}): Promise<BenchCompanion> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bookbridge-bench-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent', SANDBOX_URL: sandboxUrl, SANDBOX_CLIENT_SECRET: secret });
  let waiting = 0;
  // The server's own provider transport, which hands back an answer already read in full.
  const timedFetch: typeof fetch = async (input, init) => {
    const t = performance.now();
    const res = await providerTransport(input, init);
    waiting += performance.now() - t;
    return res;
  };
  const runtime = await createRuntime(config, {
    logger: createLogger({ level: 'silent', format: 'json' }),
    passwordCost: { N: 2 ** 10, r: 8, p: 1 },
    fetch: timedFetch,
    rateLimitScale: options.rateLimitScale,
  });
  const server = await listen(runtime.app);
  const now = Date.now();
  const userId = await createUser(runtime.deps.db, { email: 'bench@example.com', name: 'Bench', password: 'bench password 123', now, cost: { N: 2 ** 10, r: 8, p: 1 } });
  const businessId = await createBusiness(runtime.deps.db, { name: 'Bench Ltd', now });
  await addMembership(runtime.deps.db, { userId, businessId, role: 'business_admin', now });
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  };
  let token = '';
  token = (await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench password 123' })).token;
  return {
    runtime,
    server,
    token,
    businessId,
    providerMs: () => waiting,
    api,
    close: async () => {
      await server.close();
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Authorize → Xero's pages → callback → Finish; returns the connection and its import job. */
export async function connectXero(c: BenchCompanion): Promise<{ connectionId: string; jobId: string }> {
  const start = await c.api('POST', `/api/businesses/${c.businessId}/connections/authorize`, { provider: 'xero' });
  const back = await authorizeWithForms(fetch, start.authorizeUrl);
  const grant = await c.api('POST', '/api/oauth/complete', { state: start.state, code: back.searchParams.get('code') });
  const finished = await c.api('POST', `/api/businesses/${c.businessId}/connections/finish`, { grantId: grant.grantId, organisationId: grant.organisations[0].id });
  if (!finished?.connection) throw new Error(`finish failed: ${JSON.stringify(finished)}`);
  return { connectionId: finished.connection.id, jobId: finished.jobId };
}

export interface SandboxProcess {
  url: string;
  tenantId: string;
  child: ChildProcess;
  calls(): Promise<Record<string, number>>;
  /** Ms spent answering counted calls since the last reset; its thread's busy and CPU ms since start. */
  busy(): Promise<{ answeringMs: number; activeMs: number; cpuMs: number }>;
  resetCalls(): Promise<void>;
  stop(): Promise<void>;
}

export async function startXeroSandboxProcess(args: Record<string, string | number>): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/xero-sandbox-process.ts', ...Object.entries(args).map(([k, v]) => `--${k}=${v}`)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /READY (\S+) (\S+)/.exec(out);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox process exited (${code})`)));
  });
  const [, url, tenantId] = line.split(' ') as [string, string, string];
  return {
    url,
    tenantId,
    child,
    calls: async () => (await fetch(`${url}/_bench/calls`)).json() as Promise<Record<string, number>>,
    busy: async () => (await fetch(`${url}/_bench/busy`)).json() as Promise<{ answeringMs: number; activeMs: number; cpuMs: number }>,
    resetCalls: async () => void (await fetch(`${url}/_bench/reset`, { method: 'POST' })),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function waitForJob(c: BenchCompanion, jobId: string): Promise<any> {
  for (;;) {
    const job = await c.api('GET', `/api/businesses/${c.businessId}/jobs/${jobId}`);
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
}
