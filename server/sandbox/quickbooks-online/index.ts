/**
 * The QuickBooks Online sandbox: a local emulator of Intuit's four hosts, grouped by the
 * catalogue's host keys under one Hono app:
 *
 *   /appcenter/connect/oauth2          appcenter.intuit.com: sign in, pick the company, consent
 *   /oauth/oauth2/v1/tokens/bearer     oauth.platform.intuit.com: code exchange and refresh
 *   /developer/v2/oauth2/tokens/revoke developer.api.intuit.com: disconnect (and discovery)
 *   /api/v3/company/{realmId}/...      quickbooks.api.intuit.com: the Accounting API
 *   /_control                          test/demo handle (not Intuit's)
 *
 * The companion mounts it at `/sandbox/quickbooks-online`; tests `listen(sandbox.app)` and use
 * `<url>/<host key>` as each host.
 */
import { Hono } from 'hono';
import { createApi } from './api.js';
import { createControlApi } from './control.js';
import { registerOAuthRoutes } from './oauth.js';
import { signedInPages } from '../signed-in-pages.js';
import { createState, type QuickbooksSandboxOptions, type SandboxState } from './state.js';

export type { QuickbooksSandboxOptions, SandboxState, SandboxClient, RateLimits } from './state.js';
export type { Mutation } from './control.js';
export { generateCompany, defaultCompanies, type CompanyData } from './seed.js';

export interface QuickbooksSandbox {
  app: Hono;
  /** The live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
}

export function createQuickbooksOnlineSandbox(options: QuickbooksSandboxOptions = {}): QuickbooksSandbox {
  const state = createState(options);
  // Reset refills the same object, so every route keeps seeing the live state.
  const reset = () => {
    Object.assign(state, createState(options));
  };
  const app = new Hono();
  registerOAuthRoutes(app, state);
  app.route('/api/v3/company', createApi(state));
  app.route('/_control', createControlApi(state, reset));
  // app.qbo.intuit.com, signed in: names the company (for the extension's guide).
  app.route(
    '/app',
    signedInPages({
      product: 'QuickBooks',
      colour: '#2ca01c',
      noun: 'company',
      hint: 'Sandbox: demo@example.com (two companies) or bookkeeper@example.com, any password.',
      companiesOf: (email) =>
        state.users.find((u) => u.email === email)?.realmIds.map((id) => ({ id, name: state.companies.get(id)?.data.name ?? id })),
    }),
  );
  return { app, state, reset };
}
