/**
 * The yearly expiry (seed 003: "Connections ... expire once a year") and early expiry when the
 * provider says the grant is gone. Warnings start 30 days ahead.
 */
import type { Db } from '../db/database.js';

export const CONNECTION_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
export const WARN_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export type Health = 'active' | 'expiring' | 'expired' | 'replaced' | 'disconnected';

export function healthOf(row: { status: string; expires_at: number }, now: number): { health: Health; daysLeft: number | null } {
  if (row.status === 'replaced' || row.status === 'disconnected') return { health: row.status, daysLeft: null };
  const left = row.expires_at - now;
  if (row.status === 'expired' || left <= 0) return { health: 'expired', daysLeft: 0 };
  const daysLeft = Math.ceil(left / 86_400_000);
  return { health: left <= WARN_BEFORE_MS ? 'expiring' : 'active', daysLeft };
}

export async function markExpired(deps: { db: Db; now: () => Date }, connectionId: string, reason: string): Promise<void> {
  await deps.db
    .updateTable('connections')
    .set({ status: 'expired', expired_reason: reason, updated_at: deps.now().getTime() })
    .where('id', '=', connectionId)
    .where('status', '=', 'active')
    .execute();
}
