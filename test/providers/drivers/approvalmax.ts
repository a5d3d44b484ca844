/** ApprovalMax: OAuth with organisation choice, beside Xero (each ApprovalMax organisation approves for one Xero organisation). */
import { authorizeWithForms } from '../../../server/sandbox/approvalmax/testing.js';
import type { SecondaryDriver } from './types.js';
import { xero } from './xero.js';

export const approvalmax: SecondaryDriver = {
  id: 'approvalmax',
  // Linked to the Xero sandbox's Demo Company (UK) (sandbox/approvalmax/seed.ts).
  organisation: 'Demo Company (UK)',
  ledger: { driver: xero, organisation: 'Demo Company (UK)' },
  authorize: (_ctx, url, organisation) => authorizeWithForms(fetch, url, { organisations: [organisation] }),
};
