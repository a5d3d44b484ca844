/**
 * Login throttling per account and per IP address, in the database so several server processes
 * share it. A fixed window: after `limit` failures the key is refused until the window ends.
 */
import type { Db } from '../db/database.js';

export interface ThrottleRule {
  limit: number;
  windowMs: number;
}
export const accountRule: ThrottleRule = { limit: 5, windowMs: 15 * 60 * 1000 };
export const ipRule: ThrottleRule = { limit: 20, windowMs: 15 * 60 * 1000 };

/** Milliseconds until the key may try again, or 0 when it may try now. */
export async function retryAfter(db: Db, key: string, rule: ThrottleRule, now: number): Promise<number> {
  const row = await db.selectFrom('login_attempts').selectAll().where('key', '=', key).executeTakeFirst();
  if (!row || now - row.window_start >= rule.windowMs) return 0;
  return row.failures >= rule.limit ? row.window_start + rule.windowMs - now : 0;
}

export async function recordFailure(db: Db, key: string, rule: ThrottleRule, now: number): Promise<void> {
  await db
    .insertInto('login_attempts')
    .values({ key, window_start: now, failures: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        // A new window starts once the old one has passed.
        failures: eb
          .case()
          .when('login_attempts.window_start', '<=', now - rule.windowMs)
          .then(1)
          .else(eb('login_attempts.failures', '+', 1))
          .end(),
        window_start: eb
          .case()
          .when('login_attempts.window_start', '<=', now - rule.windowMs)
          .then(now)
          .else(eb.ref('login_attempts.window_start'))
          .end(),
      })),
    )
    .execute();
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('key', '=', key).execute();
}
