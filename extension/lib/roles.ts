/**
 * Role names and the Admin check, for the extension's pages. The same facts as shared/api.ts
 * (`roleLabels`, `isAdminRole`), repeated here because importing any value from shared/api.ts pulls
 * its zod schemas into the popup bundle (issue 8: popup ≤ 40 KB gzip). `satisfies` keeps the two in
 * step: a new role in shared/api.ts fails the type check here; roles.test.ts compares the values.
 */
import type { Role } from '../../shared/api.js';

export const roleLabels = {
  business_admin: 'Business admin',
  user_admin: 'User admin',
  accountant: 'Accountant / bookkeeper',
  standard: 'Standard user',
} as const satisfies Record<Role, string>;

/** Seed 003: "Business Admins and User Admins ... Accountants or bookkeepers accessing a client account". */
export function isAdminRole(role: Role): boolean {
  return role !== 'standard';
}
