/**
 * The Xero sandbox: a local emulator of login.xero.com, identity.xero.com and api.xero.com
 * (routes grouped under `/login`, `/identity` and `/api`), plus `/_control` for tests. The
 * companion mounts it at `/sandbox/xero`; tests can `listen(sandbox.app)` and use
 * `<url>/login`, `<url>/identity` and `<url>/api` as the adapter's hosts.
 */
import { Hono } from 'hono';
import { createAccountingApi } from './accounting.js';
import { createControlApi } from './control.js';
import { registerIdentityRoutes } from './oauth.js';
import { createState, type SandboxState, type XeroSandboxOptions } from './state.js';

export { generateOrganisation, defaultOrganisations, type OrganisationData } from './seed.js';
export type { SandboxClient, SandboxState, XeroSandboxOptions } from './state.js';
export type { Mutation } from './control.js';

export interface XeroSandbox {
  app: Hono;
  /** The live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
}

export function createXeroSandbox(options: XeroSandboxOptions): XeroSandbox {
  const state = createState(options);
  // Reset refills the same object, so every route keeps seeing the live state.
  const reset = () => {
    Object.assign(state, createState(options));
  };
  const app = new Hono();
  registerIdentityRoutes(app, state);
  app.route('/api/api.xro/2.0', createAccountingApi(state));
  app.route('/_control', createControlApi(state, reset));
  return { app, state, reset };
}
