import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView, Membership, ProviderSummary } from '../../lib/api-types.js';
import { isAdminRole } from '../../lib/roles.js';

/** What every dashboard page of one business works from. */
export interface BusinessData {
  membership: Membership;
  serverUrl: string;
  providers: ProviderSummary[] | null;
  connections: ConnectionView[] | null;
  problem: Problem | undefined;
  reload(): Promise<void>;
  /** Session ended / server gone: back to sign-in; anything else: shown on the page. */
  reportProblem(problem: Problem): void;
}

/** Why an Admin-only action is off for this user, or null when they may. */
export function adminOnlyReason(membership: Membership): string | null {
  return isAdminRole(membership.role)
    ? null
    : `Only Admins can manage connections. Ask an Admin in ${membership.business.name}, or your accountant or bookkeeper.`;
}
