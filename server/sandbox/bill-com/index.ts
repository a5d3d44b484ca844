/**
 * The BILL (Bill.com) sandbox: a local emulator of the two hosts a connection touches, grouped
 * by host under one Hono app:
 *
 *   /api/connect/v3/...  gateway.prod.bill.com/connect   the v3 AP API (login, lists, bills...)
 *   /app/...             the BILL web app                 sign in, organisation choice, Settings,
 *                                                          Manage Developer Keys, bill pages
 *   /_control            test/demo handle                 reset, faults, documents, mutate, stats
 *
 * The companion mounts it at `/sandbox/bill-com`; tests `listen(sandbox.app)` and use
 * `<url>/api` and `<url>/app` as the adapter's hosts. The companion's developer key is the
 * SandboxFactory client's id (`client.id`), as `BILL_COM_DEVELOPER_KEY` is in production.
 */
import { Hono } from 'hono';
import { createApi } from './api.js';
import type { SandboxContext } from './context.js';
import { createControl } from './control.js';
import { createPages } from './pages.js';
import { createState, type BillComSandboxOptions, type SandboxState } from './state.js';

export interface BillComSandbox {
  app: Hono;
  /** Live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
}

export function createBillComSandbox(options: BillComSandboxOptions = {}): BillComSandbox {
  const state = createState(options);
  const baseNow = options.now ?? (() => new Date());
  const ctx: SandboxContext = {
    state,
    now: () => new Date(baseNow().getTime() + state.clockOffsetMs),
    sessionIdleMs: options.sessionIdleMs ?? 35 * 60_000,
    uploadProcessingMs: options.uploadProcessingMs ?? 2000,
    limitStatus: options.limitStatus ?? 400,
    appKeys: [...(options.client ? [options.client.id] : []), ...(options.developerKeys ?? [])],
    // Reset refills the same object, so every route keeps seeing the live state.
    reset: () => {
      Object.assign(state, createState(options));
    },
  };
  const app = new Hono({ strict: false });
  app.route('/api/connect', createApi(ctx));
  app.route('/app', createPages(ctx));
  app.route('/_control', createControl(ctx));
  return { app, state, reset: ctx.reset };
}

export { sandboxUser } from './seed.js';
export type { BillComSandboxOptions, SandboxState } from './state.js';
