import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/database.js';
import { readThrough } from '../db/read-cache.js';
import type { AppDeps } from '../app.js';
import { ApiError, notFound, forbidden } from '../errors.js';
import type { AppEnv } from '../http/router.js';
import { validateSessionToken } from './sessions.js';
import { isAdminRole, type Role } from '../../shared/api.js';

/** Requires `Authorization: Bearer <token>`; sets `user` and `session`. */
export function requireSession(deps: { db: Db; now: () => Date; sessionTtlMs: number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthenticated', 'Sign in first: this request has no session token.');
    const valid = await validateSessionToken(deps.db, match[1]!, deps.now().getTime(), deps.sessionTtlMs);
    if (!valid) throw new ApiError(401, 'session_expired', 'Your session has ended. Sign in again.');
    c.set('session', valid.session);
    c.set('user', valid.user);
    await next();
  };
}

/** The session middleware with this server's clock and session lifetime. */
export function sessionFor(deps: Pick<AppDeps, 'db' | 'clock' | 'config'>): MiddlewareHandler<AppEnv> {
  return requireSession({ db: deps.db, now: () => deps.clock.now(), sessionTtlMs: deps.config.sessionDays * 86_400_000 });
}

/**
 * The caller's role in a business. Someone outside it gets 404, not 403, so that business ids
 * cannot be probed.
 */
export async function roleIn(db: Db, userId: string, businessId: string): Promise<Role> {
  const role = await readThrough(db, `role:${userId}:${businessId}`, async () =>
    (await db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('business_id', '=', businessId).executeTakeFirst())?.role,
  );
  if (!role) throw notFound('That business');
  return role;
}

/** Seed 003: only Admins manage connections: business admins, user admins, accountants/bookkeepers. */
export async function requireAdmin(db: Db, userId: string, businessId: string): Promise<Role> {
  const role = await roleIn(db, userId, businessId);
  if (!isAdminRole(role)) {
    throw forbidden('Only Admins can do this: ask a business admin, user admin or your accountant/bookkeeper.');
  }
  return role;
}
