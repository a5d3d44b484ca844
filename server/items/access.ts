/** Who may do what with items, rules and settings (issue 5 permissions). */
import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from '../app.js';
import { roleIn } from '../auth/middleware.js';
import { forbidden } from '../errors.js';
import type { AppEnv } from '../http/router.js';
import { isAdminRole, type Role } from '../../shared/api.js';

export { BusinessParams } from '../http/router.js';
export { sessionFor } from '../auth/middleware.js';

/**
 * Membership before anything else: someone outside the business gets 404 (not 403, so ids cannot
 * be probed) before their body is even validated.
 */
export function memberOnly(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const businessId = c.req.param('businessId');
    if (businessId) await roleIn(deps.db, c.get('user').id, businessId);
    await next();
  };
}

/** Admins and accountants publish; a standard user only if the business allows it. */
export async function requirePublisher(deps: AppDeps, userId: string, businessId: string): Promise<Role> {
  const role = await roleIn(deps.db, userId, businessId);
  if (isAdminRole(role)) return role;
  const business = await deps.db.selectFrom('businesses').select('standard_users_can_publish').where('id', '=', businessId).executeTakeFirst();
  if (business?.standard_users_can_publish === 1) return role;
  throw forbidden('Only Admins and accountants can publish in this business: ask an admin to publish it, or to allow standard users to publish.');
}

/** Rules and settings are managed by Admins (business admin, user admin, accountant/bookkeeper). */
export async function requireManager(deps: AppDeps, userId: string, businessId: string): Promise<Role> {
  const role = await roleIn(deps.db, userId, businessId);
  if (!isAdminRole(role)) throw forbidden('Only Admins can change publishing settings and supplier rules: ask a business admin, user admin or your accountant/bookkeeper.');
  return role;
}
