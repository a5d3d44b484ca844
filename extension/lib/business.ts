import type { Membership } from '../../shared/api.js';

/**
 * The business the user is working in: the one they last chose if they still belong to it,
 * otherwise their first. `undefined` only for a user in no business at all.
 */
export function currentMembership(memberships: readonly Membership[], chosenBusinessId: string | null): Membership | undefined {
  return memberships.find((m) => m.business.id === chosenBusinessId) ?? memberships[0];
}
