/**
 * The built-in sandboxes: local emulators of each provider's API and pages, mounted under
 * `/sandbox/<provider>/` when sandbox mode is on. Add a provider's sandbox factory here.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ProviderId } from '../../shared/catalogue.js';
import { createKashflowSandbox } from './kashflow/index.js';

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
};

/**
 * The companion's client id/secret at a sandbox: random per start when the sandboxes run inside
 * the server, or the shared SANDBOX_CLIENT_SECRET when they run in a process of their own.
 */
export function sandboxClient(id: ProviderId, secret?: string): { id: string; secret: string } {
  return { id: `bookbridge-sandbox-${id}`, secret: secret ?? randomBytes(24).toString('base64url') };
}

/** Every sandbox in one app, routed by `/<provider>/...` (a sandbox server of its own). */
export function createSandboxServer(options: { secret: string; now?: () => Date; only?: Partial<Record<ProviderId, SandboxInstance>> }) {
  const app = new Hono({ strict: false });
  const instances: Partial<Record<ProviderId, SandboxInstance>> = { ...options.only };
  for (const [id, factory] of Object.entries(sandboxFactories) as [ProviderId, SandboxFactory][]) {
    instances[id] ??= factory({ client: sandboxClient(id, options.secret), now: options.now ?? (() => new Date()) });
  }
  for (const [id, sandbox] of Object.entries(instances)) {
    if (!sandbox) continue;
    const prefix = `/${id}`;
    const forward = (c: Context) => {
      const url = new URL(c.req.url);
      url.pathname = url.pathname.slice(prefix.length) || '/';
      return sandbox.app.fetch(new Request(url, c.req.raw), c.env);
    };
    app.all(prefix, forward);
    app.all(`${prefix}/*`, forward);
  }
  return { app, instances };
}
