/**
 * The built-in sandboxes: local emulators of each provider's API and pages, mounted under
 * `/sandbox/<provider>/` when sandbox mode is on. Add a provider's sandbox factory here.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ProviderId } from '../../shared/catalogue.js';
import { createKashflowSandbox } from './kashflow/index.js';
import { createXeroSandbox, type XeroSandbox } from './xero/index.js';
import { createQuickbooksOnlineSandbox, type QuickbooksSandbox } from './quickbooks-online/index.js';
import { createSageAccountingSandbox } from './sage-accounting/index.js';
import { createFreeagentSandbox } from './freeagent/index.js';
import { createApprovalmaxSandbox, ledgerLink, type ApprovalmaxSandbox } from './approvalmax/index.js';
import { createBillComSandbox } from './bill-com/index.js';

export interface SandboxInstance {
  app: Pick<Hono, 'fetch' | 'request'> & Hono<any, any, any>;
  reset(): void;
}

export interface SandboxFactoryOptions {
  client: { id: string; secret: string };
  now: () => Date;
}

export type SandboxFactory = (options: SandboxFactoryOptions) => SandboxInstance;

export const sandboxFactories: Partial<Record<ProviderId, SandboxFactory>> = {
  // KashFlow has no OAuth client: each business signs in with its own credentials. Two
  // companies (demo, demo2) so Change connection can be tried.
  kashflow: ({ now }) => createKashflowSandbox({ now, accounts: [{}, {}] }),
  xero: ({ client, now }) => createXeroSandbox({ clients: [{ ...client, name: 'Bookbridge' }], now }),
  'quickbooks-online': ({ client, now }) => createQuickbooksOnlineSandbox({ client, now }),
  'sage-accounting': createSageAccountingSandbox,
  freeagent: ({ client, now }) => createFreeagentSandbox({ client, now }),
  approvalmax: ({ client, now }) => createApprovalmaxSandbox({ clients: [{ ...client, name: 'Bookbridge' }], now }),
  // The client id is the companion's developer key (BILL_COM_DEVELOPER_KEY in production).
  'bill-com': ({ client, now }) => createBillComSandbox({ client, now }),
};

/**
 * The companion's client id/secret at a sandbox: random per start when the sandboxes run inside
 * the server, or the shared SANDBOX_CLIENT_SECRET when they run in a process of their own.
 */
export function sandboxClient(id: ProviderId, secret?: string): { id: string; secret: string } {
  return { id: `bookbridge-sandbox-${id}`, secret: secret ?? randomBytes(24).toString('base64url') };
}

/**
 * Serves a sandbox under `prefix`, handing it the request whole. The sandbox sits in a
 * non-strict app of its own so its routing rules (e.g. KashFlow's `/app/` front door) and
 * error pages apply as on its own port, and it sees the full path, so the URLs it builds
 * (Xero's token issuer, links) carry the prefix.
 */
export function mountSandbox(app: { all(path: string, handler: (c: Context) => Response | Promise<Response>): unknown }, prefix: string, sandbox: SandboxInstance): void {
  const inner = new Hono({ strict: false }).route(prefix, sandbox.app);
  const forward = (c: Context) => inner.fetch(c.req.raw, c.env);
  app.all(prefix, forward);
  app.all(`${prefix}/*`, forward);
}

/**
 * Makes the sandboxes for these providers and links those that talk to each other (ApprovalMax
 * pulls bills from the Xero and QuickBooks sandboxes and writes its decisions back).
 */
export function createSandboxes(
  ids: Iterable<ProviderId>,
  options: { clientFor: (id: ProviderId) => { id: string; secret: string }; now: () => Date; given?: Partial<Record<ProviderId, SandboxInstance>> },
): Partial<Record<ProviderId, SandboxInstance>> {
  const instances: Partial<Record<ProviderId, SandboxInstance>> = { ...options.given };
  for (const id of ids) {
    const factory = sandboxFactories[id];
    if (factory && !instances[id]) instances[id] = factory({ client: options.clientFor(id), now: options.now });
  }
  const approvalmax = instances.approvalmax as ApprovalmaxSandbox | undefined;
  if (approvalmax && (instances.xero || instances['quickbooks-online'])) {
    approvalmax.linkLedger(
      ledgerLink({
        xero: (instances.xero as XeroSandbox | undefined)?.state,
        quickbooks: (instances['quickbooks-online'] as QuickbooksSandbox | undefined)?.state,
      }),
    );
  }
  return instances;
}

/** Every sandbox in one app, routed by `/<provider>/...` (a sandbox server of its own). */
export function createSandboxServer(options: { secret: string; now?: () => Date; only?: Partial<Record<ProviderId, SandboxInstance>> }) {
  const app = new Hono({ strict: false });
  const instances = createSandboxes(Object.keys(sandboxFactories) as ProviderId[], {
    clientFor: (id) => sandboxClient(id, options.secret),
    now: options.now ?? (() => new Date()),
    given: options.only,
  });
  for (const [id, sandbox] of Object.entries(instances)) {
    if (sandbox) mountSandbox(app, `/${id}`, sandbox);
  }
  return { app, instances };
}
