/**
 * The KashFlow sandbox: an in-memory emulator of the three KashFlow hosts a connection
 * touches, grouped by host under one Hono app:
 *
 *   /app/...   app.kashflow.com     the web pages (sign in, Apps, API Settings, IP list)
 *   /api/...   api.kashflow.com     REST v2 under /api/v2/... (sessions, lists, documents, files)
 *   /soap/...  securedwebapp.com    /soap/api/service.asmx (AutoAuthIP, GetCompanyDetails)
 *   /_control  test/demo handle     reset, faults, settings, documents, list changes, stats
 *
 * The companion mounts it at `/sandbox/kashflow`; tests `listen(sandbox.app)`. `hosts` holds
 * each host's app alone, for serving one at a real host's root (browser end-to-end tests).
 */
import { Hono } from 'hono';
import { callerIpReader, type SandboxContext } from './context.js';
import { createControlApp } from './control.js';
import { createPagesApp } from './pages.js';
import { createRestApp } from './rest.js';
import { createSoapApp } from './soap.js';
import { createState, type SandboxState, type StateOptions } from './state.js';

export interface KashflowSandboxOptions extends StateOptions {
  /** Tests only: take the caller's IP from X-Forwarded-For (lets one process act as several hosts). */
  trustForwardedFor?: boolean;
  /** Default 5 minutes [?]: KashFlow says "a few minutes". */
  temporaryTokenTtlMs?: number;
  /** Default 60 minutes, sliding. */
  sessionIdleMs?: number;
}

export interface KashflowSandbox {
  app: Hono;
  hosts: { app: Hono; api: Hono; soap: Hono };
  /** Live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
}

export function createKashflowSandbox(options: KashflowSandboxOptions = {}): KashflowSandbox {
  const state = createState(options);
  const ctx: SandboxContext = {
    state,
    now: options.now ?? (() => new Date()),
    temporaryTokenTtlMs: options.temporaryTokenTtlMs ?? 5 * 60_000,
    sessionIdleMs: options.sessionIdleMs ?? 60 * 60_000,
    callerIp: callerIpReader(options.trustForwardedFor ?? false),
    reset: () => {
      Object.assign(state, createState(options));
    },
  };
  const hosts = {
    app: createPagesApp(ctx) as unknown as Hono,
    api: createRestApp(ctx) as unknown as Hono,
    soap: createSoapApp(ctx),
  };
  // Not strict: `<base>/app/` (with the slash) is the web app's front door too.
  const app = new Hono({ strict: false });
  app.route('/app', hosts.app);
  app.route('/api', hosts.api);
  app.route('/soap', hosts.soap);
  app.route('/_control', createControlApp(ctx));
  return { app, hosts, state, reset: ctx.reset };
}

export type { Account, AccountSeed, ApiSettings } from './model.js';
export type { FaultRule, SandboxState } from './state.js';
