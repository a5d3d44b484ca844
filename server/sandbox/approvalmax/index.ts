/**
 * The ApprovalMax sandbox: a local emulator of identity.approvalmax.com and
 * public-api.approvalmax.com (routes under `/identity` and `/api`, the catalogue's host names),
 * plus `/_control` for tests. The Public API is read-only, so what happens inside ApprovalMax —
 * pulling a bill awaiting approval from the ledger, an approver's decision — is driven through
 * `/_control/requests`; with a `ledger` link the sandbox reads the Xero (or QuickBooks) sandbox's
 * bills and writes the decision back to them, as ApprovalMax does.
 */
import { Hono } from 'hono';
import { createPublicApi } from './api.js';
import { createControlApi } from './control.js';
import { registerIdentityRoutes } from './oauth.js';
import { signedInPages } from '../signed-in-pages.js';
import type { LedgerLink } from './ledger.js';
import { createState, type ApprovalmaxSandboxOptions, type SandboxState } from './state.js';

export { ledgerLink, xeroBillUrl, quickbooksBillUrl, type LedgerDocument, type LedgerLink, type QuickbooksStateLike } from './ledger.js';
export { defaultCompanySpecs } from './seed.js';
export type { ApprovalmaxSandboxOptions, CompanySpec, SandboxClient, SandboxState } from './state.js';

export interface ApprovalmaxSandbox {
  app: Hono;
  /** The live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
  /**
   * Links the ledger sandbox(es) ApprovalMax pulls bills from and pushes decisions to, for a
   * sandbox made without one (the companion makes each provider's sandbox on its own). Survives reset.
   */
  linkLedger(link: LedgerLink): void;
}

export function createApprovalmaxSandbox(options: ApprovalmaxSandboxOptions): ApprovalmaxSandbox {
  const state = createState(options);
  // Reset refills the same object, so every route keeps seeing the live state.
  let current = options;
  const reset = () => {
    Object.assign(state, createState(current));
  };
  const linkLedger = (link: LedgerLink) => {
    current = { ...current, ledger: link };
    state.ledger = link;
  };
  const app = new Hono();
  registerIdentityRoutes(app, state);
  app.route('/api', createPublicApi(state));
  app.route('/_control', createControlApi(state, reset));
  // app.approvalmax.com, signed in: names the organisation (for the extension's guide).
  app.route(
    '/app',
    signedInPages({
      product: 'ApprovalMax',
      colour: '#4c3fd1',
      noun: 'organisation',
      hint: 'Sandbox: demo@example.com (Account Owner of every organisation), any password.',
      companiesOf: (email) => {
        const user = state.users.find((u) => u.email === email);
        if (!user) return undefined;
        return [...state.companies.values()]
          .filter((co) => co.administrators.includes(user.userId) || co.approvers.includes(user.userId))
          .map((co) => ({ id: co.companyId, name: co.name }));
      },
    }),
  );
  return { app, state, reset, linkLedger };
}
