/**
 * Every setting the extension keeps, in one place. All of it lives in `local:` storage (but the
 * short-lived key guide, in `session:`): the session
 * token must never sync to other browsers (`sync:`), and the server address belongs to this machine.
 * To change a shape: bump `version` and add a `migrations` entry for the new version.
 */
import { storage } from 'wxt/utils/storage';
import type { KeyGuide } from './key-guide.js';

export interface StoredSession {
  /** Bearer token from POST /api/auth/login. */
  token: string;
  /** ISO time; the server slides it forward while the session is used. */
  expiresAt: string;
  /** Shown while the server cannot be reached. */
  email: string;
}

/** The Bookbridge server, normalised by `checkServerUrl` (no trailing slash). */
export const serverUrlItem = storage.defineItem<string | null>('local:serverUrl', {
  fallback: null,
  version: 1,
});

/**
 * An address typed but not yet confirmed. In Chrome the host-permission prompt can close the popup
 * before it learns the answer; the next popup then starts from this address instead of an empty box.
 */
export const serverUrlDraftItem = storage.defineItem<string>('local:serverUrlDraft', {
  fallback: '',
  version: 1,
});

export const sessionItem = storage.defineItem<StoredSession | null>('local:session', {
  fallback: null,
  version: 1,
});

/** The business chosen in the dashboard's switcher, for users in several businesses. */
export const currentBusinessIdItem = storage.defineItem<string | null>('local:currentBusinessId', {
  fallback: null,
  version: 1,
});

/**
 * Forgets the session token. The chosen business stays: signing in again as the same person should
 * land in the same business (a business the new user is not in is ignored by `currentMembership`).
 */
export async function forgetSession(): Promise<void> {
  await sessionItem.removeValue();
}

/** A different server: nothing from the old one applies. */
export async function forgetServer(): Promise<void> {
  await Promise.all([sessionItem.removeValue(), currentBusinessIdItem.removeValue(), serverUrlItem.removeValue()]);
}

/**
 * A key provider's connection under way (key-guide.ts). `session:` storage: kept in memory only,
 * gone when the browser closes, and (Chrome's default access level) not readable by content
 * scripts. It never holds the key or the password, only the server's verdict.
 */
export const keyGuideItem = storage.defineItem<KeyGuide | null>('session:keyGuide', {
  fallback: null,
  version: 1,
});
