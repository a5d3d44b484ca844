/**
 * What the background does for each message. Each handler is a plain function of its dependencies
 * (storage items, the permission check, fetch) so a test can hand it fakes of the browser parts and
 * a real server.
 */
import type { WxtStorageItem } from 'wxt/utils/storage';
import type { MeResponse, ProvidersResponse } from '../../shared/api.js';
import { createApiClient, messages, ProblemError, toProblem, type ApiClient } from './api-client.js';
import type { ProtocolMap, Result, SessionStatus } from './messaging.js';
import type { StoredSession } from './storage.js';

type Item<T> = WxtStorageItem<T, Record<string, unknown>>;

export interface Settings {
  serverUrl: Item<string | null>;
  serverUrlDraft: Item<string>;
  session: Item<StoredSession | null>;
  currentBusinessId: Item<string | null>;
}

export interface BackgroundDeps {
  settings: Settings;
  /** Whether the extension holds host permission for this server (asked for by the popup). */
  hasHostPermission(serverUrl: string): Promise<boolean>;
  fetch?: typeof fetch;
}

type Handlers = { [K in keyof ProtocolMap]: (deps: BackgroundDeps, data: Parameters<ProtocolMap[K]>[0]) => Promise<ReturnType<ProtocolMap[K]>> };

export async function getStatus(deps: BackgroundDeps): Promise<Result<SessionStatus>> {
  return attempt(async () => {
    const serverUrl = await deps.settings.serverUrl.getValue();
    if (!serverUrl) return { state: 'no_server' } as const;
    const session = await deps.settings.session.getValue();
    if (!session) return { state: 'signed_out', serverUrl } as const;
    const api = await clientFor(deps, serverUrl, session.token);
    return signedIn(deps, serverUrl, await meOrForget(deps, api));
  });
}

export async function useServer(deps: BackgroundDeps, data: { serverUrl: string }): Promise<Result<{ serverUrl: string }>> {
  return attempt(async () => {
    const api = await clientFor(deps, data.serverUrl, null);
    await api.health();
    const previous = await deps.settings.serverUrl.getValue();
    if (previous !== api.serverUrl) {
      // Another server: the old token and business mean nothing there.
      await Promise.all([deps.settings.session.removeValue(), deps.settings.currentBusinessId.removeValue()]);
    }
    await deps.settings.serverUrl.setValue(api.serverUrl);
    await deps.settings.serverUrlDraft.removeValue();
    return { serverUrl: api.serverUrl };
  });
}

export async function forgetServer(deps: BackgroundDeps): Promise<Result<null>> {
  return attempt(async () => {
    const { settings } = deps;
    // Best effort: end the session on the old server too, so its token is not left alive there.
    await signOut(deps);
    await Promise.all([settings.session.removeValue(), settings.currentBusinessId.removeValue(), settings.serverUrl.removeValue()]);
    return null;
  });
}

export async function signIn(deps: BackgroundDeps, data: { email: string; password: string }): Promise<Result<SessionStatus>> {
  return attempt(async () => {
    const serverUrl = await requireServer(deps);
    const login = await (await clientFor(deps, serverUrl, null)).login({ email: data.email, password: data.password });
    await deps.settings.session.setValue({ token: login.token, expiresAt: login.expiresAt, email: login.user.email });
    const me = await meOrForget(deps, await clientFor(deps, serverUrl, login.token));
    return signedIn(deps, serverUrl, me);
  });
}

export async function signOut(deps: BackgroundDeps): Promise<Result<{ serverToldToo: boolean }>> {
  return attempt(async () => {
    const serverUrl = await deps.settings.serverUrl.getValue();
    const session = await deps.settings.session.getValue();
    let serverToldToo = false;
    if (serverUrl && session) {
      try {
        await (await clientFor(deps, serverUrl, session.token)).logout();
        serverToldToo = true;
      } catch (error) {
        // An ended session is already signed out on the server; anything else (unreachable) must
        // not keep the user signed in here.
        serverToldToo = toProblem(error).kind === 'session_ended';
      }
    }
    await deps.settings.session.removeValue();
    return { serverToldToo };
  });
}

export async function listProviders(deps: BackgroundDeps): Promise<Result<ProvidersResponse>> {
  return attempt(async () => {
    const serverUrl = await requireServer(deps);
    const session = await deps.settings.session.getValue();
    if (!session) throw new ProblemError({ kind: 'not_signed_in', message: messages.notSignedIn });
    const api = await clientFor(deps, serverUrl, session.token);
    try {
      return await api.providers();
    } catch (error) {
      await forgetIfEnded(deps, error);
      throw error;
    }
  });
}

export const handlers: Handlers = {
  getStatus: (deps) => getStatus(deps),
  useServer,
  forgetServer: (deps) => forgetServer(deps),
  signIn,
  signOut: (deps) => signOut(deps),
  listProviders: (deps) => listProviders(deps),
};

async function signedIn(deps: BackgroundDeps, serverUrl: string, me: MeResponse): Promise<SessionStatus> {
  return { state: 'signed_in', serverUrl, me, currentBusinessId: await deps.settings.currentBusinessId.getValue() };
}

async function meOrForget(deps: BackgroundDeps, api: ApiClient): Promise<MeResponse> {
  try {
    return await api.me();
  } catch (error) {
    await forgetIfEnded(deps, error);
    throw error;
  }
}

/** A 401 means the token is dead: drop it so the next look shows the sign-in form. */
async function forgetIfEnded(deps: BackgroundDeps, error: unknown): Promise<void> {
  if (toProblem(error).kind === 'session_ended') await deps.settings.session.removeValue();
}

async function requireServer(deps: BackgroundDeps): Promise<string> {
  const serverUrl = await deps.settings.serverUrl.getValue();
  if (!serverUrl) throw new ProblemError({ kind: 'no_server', message: messages.noServer });
  return serverUrl;
}

/**
 * Without host permission, Chrome still sends the request but hides the answer behind CORS, which
 * looks exactly like a server that is down. Checking first lets us say what is really wrong.
 */
async function clientFor(deps: BackgroundDeps, serverUrl: string, token: string | null): Promise<ApiClient> {
  if (!(await deps.hasHostPermission(serverUrl))) {
    throw new ProblemError({ kind: 'permission_missing', serverUrl, message: messages.permissionMissing(serverUrl) });
  }
  return createApiClient({ serverUrl, token, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
}

async function attempt<T>(work: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, problem: toProblem(error) };
  }
}

