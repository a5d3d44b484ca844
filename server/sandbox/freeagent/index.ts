/**
 * The FreeAgent sandbox: a local emulator of api.freeagent.com (the catalogue's one `api`
 * host: OAuth approve page and token endpoint under /api/v2 too, as FreeAgent has them), plus
 * `/_control` for tests and the demo. The companion mounts it at `/sandbox/freeagent`; tests
 * `listen(sandbox.app)` and use `<url>/api` as the adapter's `api` host.
 *
 * It fits `SandboxFactory` (server/sandbox/index.ts): `createFreeagentSandbox({ client, now })`.
 */
import { Hono } from 'hono';
import { createApi, createAttachmentContent } from './api.js';
import { createControlApi } from './control.js';
import { registerOAuthRoutes } from './oauth.js';
import { signedInPages } from '../signed-in-pages.js';
import { createState, type FreeagentSandboxOptions, type SandboxState } from './state.js';

export { defaultCompanies, type CompanySeed } from './seed.js';
export type { FreeagentSandboxOptions, SandboxClient, SandboxState, Limits } from './state.js';
export type { Mutation } from './control.js';

export interface FreeagentSandbox {
  app: Hono;
  /** The live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
}

export function createFreeagentSandbox(options: FreeagentSandboxOptions = {}): FreeagentSandbox {
  const state = createState(options);
  // Reset refills the same object, so every route keeps seeing the live state.
  const reset = () => {
    Object.assign(state, createState(options));
  };
  const app = new Hono();
  registerOAuthRoutes(app, state);
  app.route('/api', createAttachmentContent(state));
  app.route('/api', createApi(state));
  app.route('/_control', createControlApi(state, reset));
  // <subdomain>.freeagent.com, signed in: names the company (for the extension's guide).
  app.route(
    '/app',
    signedInPages({
      product: 'FreeAgent',
      colour: '#0d6b5e',
      noun: 'company',
      hint: 'Sandbox: demo@example.com (Hartley & Finch Design Ltd) or owner@example.com, any password.',
      companiesOf: (email, password) =>
        [...state.companies.values()]
          .filter((co) => co.data.users.some((u) => u.email.toLowerCase() === email && (u.password === undefined || u.password === password)))
          .map((co) => ({ id: co.data.id, name: co.data.name })),
    }),
  );
  return { app, state, reset };
}
