/**
 * The one message protocol between the extension's pages and its background. Every server call
 * goes through the background, so the session token never leaves extension storage and the
 * background's fetch (with its host permission) is the only door to the server.
 *
 * Handlers answer with a `Result` rather than throwing: a thrown error crosses the message channel
 * as a bare `Error`, and the pages need to know *which* problem it was to say so.
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { MeResponse, ProvidersResponse } from '../../shared/api.js';
import type { Problem } from './api-client.js';

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export type SessionStatus =
  | { state: 'no_server' }
  | { state: 'signed_out'; serverUrl: string; email?: string }
  | { state: 'signed_in'; serverUrl: string; me: MeResponse; currentBusinessId: string | null };

export interface ProtocolMap {
  /** Where the user stands: no server yet, signed out, or signed in (checked with GET /api/me). */
  getStatus(): Result<SessionStatus>;
  /** Checks GET /health at the address and remembers it. Host permission must already be granted. */
  useServer(data: { serverUrl: string }): Result<{ serverUrl: string }>;
  /** Forgets the server address (and with it the session). */
  forgetServer(): Result<null>;
  signIn(data: { email: string; password: string }): Result<SessionStatus>;
  /** Ends the session on the server when it can be reached, and always forgets it here. */
  signOut(): Result<{ serverToldToo: boolean }>;
  listProviders(): Result<ProvidersResponse>;
}

export const { sendMessage, onMessage, removeAllListeners } = defineExtensionMessaging<ProtocolMap>();
