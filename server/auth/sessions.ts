/**
 * Sessions after Lucia's current design (lucia-auth.com, "Basic session implementation"):
 * the token is `<id>.<secret>`, only SHA-256(secret) is stored, lookups are by id and the secret
 * is compared in constant time, so a timing attack on the database index learns nothing about
 * the secret. Sessions slide: each use within the inactivity window pushes expiry forward.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { readThrough } from '../db/read-cache.js';
import type { AuthenticatedUser } from '../http/router.js';

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** Only bump the row once per this interval, not on every request. */
const SLIDE_EVERY_MS = 60 * 60 * 1000;

export function generateSecureRandomString(): string {
  // 24 characters of base32 = 120 bits of entropy.
  return encodeBase32LowerCaseNoPadding(randomBytes(15));
}

function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export async function createSession(db: Db, userId: string, now: number, ttlMs: number): Promise<{ session: Session; token: string }> {
  const id = generateSecureRandomString();
  const secret = generateSecureRandomString();
  const session: Session = { id, userId, createdAt: now, expiresAt: now + ttlMs };
  await db
    .insertInto('sessions')
    .values({ id, user_id: userId, secret_hash: hashSecret(secret), created_at: now, last_used_at: now, expires_at: now + ttlMs })
    .execute();
  return { session, token: `${id}.${secret}` };
}

/** Returns the session and its user for a token, or null (never throws for a bad token). */
export async function validateSessionToken(db: Db, token: string, now: number, ttlMs: number): Promise<{ session: Session; user: AuthenticatedUser } | null> {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || parts[0].length > 64 || parts[1].length > 64) return null;
  const [id, secret] = parts as [string, string];
  const row = await readThrough(db, `session:${id}`, () =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.secret_hash', 'sessions.user_id', 'sessions.created_at', 'sessions.last_used_at', 'sessions.expires_at', 'users.email', 'users.name', 'users.is_server_admin'])
      .where('sessions.id', '=', id)
      .executeTakeFirst(),
  );
  if (!row) return null;
  if (!constantTimeEqual(hashSecret(secret), new Uint8Array(row.secret_hash))) return null;
  if (now >= row.expires_at) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  let expiresAt = row.expires_at;
  if (now - row.last_used_at >= SLIDE_EVERY_MS) {
    expiresAt = now + ttlMs;
    await db.updateTable('sessions').set({ last_used_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
  }
  return {
    session: { id, userId: row.user_id, createdAt: row.created_at, expiresAt },
    user: { id: row.user_id, email: row.email, name: row.name, isServerAdmin: row.is_server_admin === 1 },
  };
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Sign out everywhere (and after a password reset). */
export async function invalidateUserSessions(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}
