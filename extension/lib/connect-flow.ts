/**
 * Signing in at an OAuth provider from the dashboard, two ways:
 *
 * - `identity` (first choice): `identity.launchWebAuthFlow` opens the provider's pages in a window
 *   the browser controls and hands back the redirect to `identity.getRedirectURL()` (Chrome:
 *   https://<id>.chromiumapp.org/, Firefox: https://<hash>.extensions.allizom.org/), which the
 *   server accepts as a redirect URI. Works in headless Chromium, so the e2e tests use it.
 * - `tab` (fallback): a normal tab whose redirect lands on the server's own /oauth/callback page;
 *   the server takes the code there and the dashboard polls GET /api/oauth/states/{state}. Used
 *   where `identity` is missing (e.g. Firefox for Android) or when the user picks it.
 */
import { browser } from 'wxt/browser';
import type { ProviderId } from '../../shared/catalogue.js';
import type { Problem } from './api-client.js';
import type { GrantResponse, Organisation, Purpose } from './api-types.js';
import { sendMessage, type Result } from './messaging.js';

export type OAuthRoute = 'identity' | 'tab';

export interface AuthorizeRequest {
  businessId: string;
  provider: ProviderId;
  providerName: string;
  purpose: Purpose;
  connectionId?: string;
  organisationHint?: string;
}

const problem = (message: string, code = 'authorization_failed'): Problem => ({ kind: 'api', status: 0, code, message });

export function identityAvailable(): boolean {
  return typeof browser.identity?.launchWebAuthFlow === 'function' && typeof browser.identity?.getRedirectURL === 'function';
}

export async function authorizeAtProvider(request: AuthorizeRequest, route: OAuthRoute, signal: AbortSignal): Promise<Result<GrantResponse>> {
  return route === 'identity' && identityAvailable() ? viaIdentity(request) : viaTab(request, signal);
}

async function viaIdentity(request: AuthorizeRequest): Promise<Result<GrantResponse>> {
  const { providerName, ...body } = request;
  const started = await sendMessage('authorize', { ...body, redirectUri: browser.identity.getRedirectURL() });
  if (!started.ok) return started;
  let redirected: string | undefined;
  try {
    redirected = await browser.identity.launchWebAuthFlow({ url: started.value.authorizeUrl, interactive: true });
  } catch {
    // Chrome and Firefox reject with "The user did not approve access" when the window is closed.
    return { ok: false, problem: problem(`The ${providerName} window was closed before it finished. Nothing was connected.`, 'authorization_cancelled') };
  }
  if (!redirected) return { ok: false, problem: problem(`${providerName} did not send you back to Bookbridge.`) };
  const url = new URL(redirected);
  const params = Object.fromEntries(url.searchParams);
  const { state, code, error, error_description: _description, ...rest } = params;
  if (state !== started.value.state) return { ok: false, problem: problem(`${providerName} sent back an answer for another sign-in. Start again.`, 'invalid_state') };
  return sendMessage('completeOAuth', {
    state,
    ...(code ? { code } : {}),
    ...(error ? { error } : {}),
    ...(Object.keys(rest).length > 0 ? { params: rest } : {}),
  });
}

async function viaTab(request: AuthorizeRequest, signal: AbortSignal): Promise<Result<GrantResponse>> {
  const { providerName, ...body } = request;
  const started = await sendMessage('authorize', body);
  if (!started.ok) return started;
  const tab = await browser.tabs.create({ url: started.value.authorizeUrl, active: true });
  let closed = false;
  const onRemoved = (tabId: number) => {
    if (tabId === tab.id) closed = true;
  };
  browser.tabs.onRemoved.addListener(onRemoved);
  try {
    // Ten minutes at most: the server's state expires then anyway.
    for (let i = 0; i < 600 && !signal.aborted; i++) {
      const status = await sendMessage('oauthStatus', { state: started.value.state });
      if (!status.ok) return status;
      const { value } = status;
      if (value.status === 'authorised' && value.grant) {
        if (tab.id !== undefined && !closed) await browser.tabs.remove(tab.id).catch(() => undefined);
        return { ok: true, value: value.grant };
      }
      if (value.status === 'failed') return { ok: false, problem: problem(value.error ?? `${providerName} did not authorise Bookbridge.`) };
      if (value.status === 'expired') return { ok: false, problem: problem('The sign-in took too long and has expired. Start again.', 'expired') };
      // A tab closed before the provider sent it back: give the server a moment, then stop.
      if (closed && i > 0) {
        await pause(1_500);
        const last = await sendMessage('oauthStatus', { state: started.value.state });
        if (last.ok && last.value.status === 'authorised' && last.value.grant) return { ok: true, value: last.value.grant };
        return { ok: false, problem: problem(`The ${providerName} tab was closed before it finished. Nothing was connected.`, 'authorization_cancelled') };
      }
      await pause(1_000);
    }
    return { ok: false, problem: problem('Cancelled.', 'authorization_cancelled') };
  } finally {
    browser.tabs.onRemoved.removeListener(onRemoved);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Which organisation the chooser starts on: the server's choice (reconnect: the pinned one), else
 * the one the provider's page named (by id or by name), else the first.
 */
export function initialOrganisation(organisations: readonly Organisation[], preselect: string | null, hint?: string): string {
  if (preselect && organisations.some((o) => o.id === preselect)) return preselect;
  if (hint) {
    const wanted = hint.trim().toLowerCase();
    const match = organisations.find((o) => o.id.toLowerCase() === wanted || o.name.toLowerCase() === wanted);
    if (match) return match.id;
  }
  return organisations[0]?.id ?? '';
}
