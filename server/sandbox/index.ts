/**
 * The built-in sandboxes: local emulators of each provider's API and pages, mounted under
 * `/sandbox/<provider>/` when sandbox mode is on. Add a provider's sandbox factory here.
 */
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
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

/** One client id/secret per sandbox, made at start-up: the companion is the only client. */
export function sandboxClient(id: ProviderId): { id: string; secret: string } {
  return { id: `bookbridge-sandbox-${id}`, secret: randomBytes(24).toString('base64url') };
}
