/**
 * Credentials for one connection, as the adapters get them: decrypted, with the access token
 * refreshed ahead of expiry, one refresh at a time per connection, across processes.
 *
 * Why the lease: Xero, QuickBooks and Sage rotate refresh tokens, and a refresh token used twice
 * either fails (`invalid_grant`) or forks the chain so one side dies 30 minutes later. So:
 * - within a process, concurrent callers share one in-flight refresh (a Map of promises);
 * - across processes, a lease row (`refresh_lock_owner/until`) lets one refresh while the others
 *   wait and then read the tokens it saved;
 * - the new refresh token is written before the new access token is handed to anyone.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Credentials, ProviderAdapter, ProviderSession } from '../providers/types.js';
import { ProviderError } from '../providers/errors.js';
import { markExpired } from './expiry.js';

/** Refresh when the access token has less than this left. */
const REFRESH_AHEAD_MS = 2 * 60 * 1000;
const LEASE_MS = 30_000;
const processId = randomUUID();

export interface SessionDeps {
  db: Db;
  secrets: SecretBox;
  now: () => Date;
}

export const credentialsContext = (connectionId: string) => `connection:${connectionId}`;

const inFlight = new Map<string, Promise<Credentials>>();

export async function readCredentials(deps: SessionDeps, connectionId: string): Promise<Credentials> {
  const row = await deps.db
    .selectFrom('connections')
    .select(['credentials', 'status'])
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (!row?.credentials) {
    throw new ProviderError('expired', 'This connection has no credentials any more: reconnect it.');
  }
  return deps.secrets.openJson<Credentials>(row.credentials, credentialsContext(connectionId));
}

export async function saveCredentials(deps: SessionDeps, connectionId: string, credentials: Credentials): Promise<void> {
  await deps.db
    .updateTable('connections')
    .set({ credentials: deps.secrets.sealJson(credentials, credentialsContext(connectionId)), updated_at: deps.now().getTime() })
    .where('id', '=', connectionId)
    .execute();
}

function needsRefresh(credentials: Credentials, now: number): boolean {
  return credentials.kind === 'oauth2' && credentials.tokens.accessTokenExpiresAt - now < REFRESH_AHEAD_MS;
}

export function createProviderSession(
  deps: SessionDeps,
  adapter: ProviderAdapter,
  connection: { id: string; organisationId: string },
  signal?: AbortSignal,
): ProviderSession {
  const refresh = (stale: Credentials | undefined) => refreshOnce(deps, adapter, connection.id, stale);
  return {
    organisationId: connection.organisationId,
    signal,
    async credentials() {
      const current = await readCredentials(deps, connection.id);
      if (!needsRefresh(current, deps.now().getTime())) return current;
      return refresh(current);
    },
    async renew(rejected) {
      // A 401 with a token that looked valid: refresh unless someone already has since the
      // refused call read its token. Without `rejected`, what is stored now is assumed refused.
      return refresh(rejected ?? (await readCredentials(deps, connection.id)));
    },
  };
}

/** Single-flight refresh for one connection (in-process and across processes). */
export function refreshOnce(deps: SessionDeps, adapter: ProviderAdapter, connectionId: string, stale?: Credentials): Promise<Credentials> {
  const existing = inFlight.get(connectionId);
  if (existing) return existing;
  const promise = refreshWithLease(deps, adapter, connectionId, stale).finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, promise);
  return promise;
}

async function refreshWithLease(deps: SessionDeps, adapter: ProviderAdapter, connectionId: string, stale?: Credentials): Promise<Credentials> {
  const deadline = Date.now() + LEASE_MS * 2;
  for (;;) {
    const now = deps.now().getTime();
    const acquired = await deps.db
      .updateTable('connections')
      .set({ refresh_lock_owner: processId, refresh_lock_until: now + LEASE_MS })
      .where('id', '=', connectionId)
      .where((eb) => eb.or([eb('refresh_lock_until', 'is', null), eb('refresh_lock_until', '<', now)]))
      .executeTakeFirst();
    if (Number(acquired.numUpdatedRows) === 1) break;
    // Another process is refreshing: wait for it, then use what it saved.
    await new Promise((r) => setTimeout(r, 50));
    const current = await readCredentials(deps, connectionId);
    if (!sameTokens(current, stale) && !needsRefresh(current, deps.now().getTime())) return current;
    if (Date.now() > deadline) throw new ProviderError('transient', 'Another refresh of this connection did not finish in time.');
  }
  try {
    const current = await readCredentials(deps, connectionId);
    // Someone refreshed between our read and the lease: their tokens are good.
    if (!sameTokens(current, stale) && !needsRefresh(current, deps.now().getTime())) return current;
    if (current.kind !== 'oauth2' || !adapter.refreshTokens) return current;
    let tokens;
    try {
      tokens = await adapter.refreshTokens(current.tokens);
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'expired') {
        await markExpired(deps, connectionId, error.message);
      }
      throw error;
    }
    const next: Credentials = { kind: 'oauth2', tokens: { ...tokens, refreshToken: tokens.refreshToken ?? current.tokens.refreshToken } };
    // Saved before anyone uses the new access token: a crash now loses nothing.
    await saveCredentials(deps, connectionId, next);
    return next;
  } finally {
    await deps.db
      .updateTable('connections')
      .set({ refresh_lock_owner: null, refresh_lock_until: null })
      .where('id', '=', connectionId)
      .where('refresh_lock_owner', '=', processId)
      .execute();
  }
}

function sameTokens(a: Credentials, b: Credentials | undefined): boolean {
  if (!b) return false;
  if (a.kind === 'oauth2' && b.kind === 'oauth2') return a.tokens.accessToken === b.tokens.accessToken;
  return JSON.stringify(a) === JSON.stringify(b);
}
