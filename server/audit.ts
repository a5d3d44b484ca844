import type { Db } from './db/database.js';

/** One line in the audit log (who, what, when, which business). `detail` must hold no secrets. */
export async function audit(
  db: Db,
  entry: { businessId: string | null; userId: string | null; action: string; detail?: Record<string, unknown>; at: number },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      business_id: entry.businessId,
      user_id: entry.userId,
      action: entry.action,
      detail: JSON.stringify(entry.detail ?? {}),
      created_at: entry.at,
    })
    .execute();
}
