/**
 * What the background does for each message. Each handler is a plain function of its dependencies
 * (storage items, the permission check, fetch) so a test can hand it fakes of the browser parts and
 * a real server.
 */
import type { WxtStorageItem } from 'wxt/utils/storage';
import type { MeResponse, ProvidersResponse } from '../../shared/api.js';
import { catalogue, type ProviderId } from '../../shared/catalogue.js';
import { createApiClient, messages, ProblemError, toProblem, type ApiClient } from './api-client.js';
import type { ConnectionView, Membership } from './api-types.js';
import { badgeFor, signedOutBadge, type BadgeState } from './badge.js';
import { currentMembership } from './business.js';
import type { Capture } from './guide/key-site.js';
import { isKeyProvider, secretsFor } from './guide/secret-fields.js';
import type { GuidePageState } from './guide-page.js';
import { isLive, viewOf, type KeyGuide, type KeyGuideView } from './key-guide.js';
import type { ConnectOffer, GuideFrameState, ProtocolMap, Result, SessionStatus } from './messaging.js';
import { isAdminRole } from './roles.js';
import type { StoredSession } from './storage.js';

type Item<T> = WxtStorageItem<T, Record<string, unknown>>;

export interface Settings {
  serverUrl: Item<string | null>;
  serverUrlDraft: Item<string>;
  session: Item<StoredSession | null>;
  currentBusinessId: Item<string | null>;
  keyGuide: Item<KeyGuide | null>;
}

export interface BackgroundDeps {
  settings: Settings;
  /** Whether the extension holds host permission for this server (asked for by the popup). */
  hasHostPermission(serverUrl: string): Promise<boolean>;
  fetch?: typeof fetch;
  now?: () => number;
  /** Shows the badge on the toolbar button. */
  showBadge?(state: BadgeState): Promise<void>;
  /** Focuses the dashboard tab (opening it if needed) at `hash`. */
  openDashboard?(hash: string): Promise<void>;
  /** Registers the guide content scripts for the sites the user allowed. */
  syncGuides?(): Promise<string[]>;
  /** The key guide's content script in a tab's top frame (guide-page.ts). */
  guidePage?: {
    describe(tabId: number, provider: ProviderId, height?: number): Promise<GuidePageState>;
    capture(tabId: number, provider: ProviderId): Promise<Capture>;
    verdict(tabId: number, view: KeyGuideView): Promise<void>;
  };
}

/** Who sent a message, as the browser says (never as the message says). */
export interface Sender {
  /** The tab the sending page or frame is in. */
  tabId?: number | undefined;
  url?: string | undefined;
}

type Handlers = {
  [K in keyof ProtocolMap]: (deps: BackgroundDeps, data: Parameters<ProtocolMap[K]>[0], from?: Sender) => Promise<ReturnType<ProtocolMap[K]>>;
};

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
  return startSession(deps, (client) => client.login({ email: data.email, password: data.password }));
}

/** First run: the setup code creates the first admin and signs them in. */
export async function setUp(
  deps: BackgroundDeps,
  data: { setupCode: string; name: string; email: string; password: string; businessName: string },
): Promise<Result<SessionStatus>> {
  return startSession(deps, (client) => client.setup(data));
}

async function startSession(
  deps: BackgroundDeps,
  open: (client: Awaited<ReturnType<typeof clientFor>>) => Promise<{ token: string; expiresAt: string; user: { email: string } }>,
): Promise<Result<SessionStatus>> {
  return attempt(async () => {
    const serverUrl = await requireServer(deps);
    const login = await open(await clientFor(deps, serverUrl, null));
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

/** Runs `work` with a client carrying the session token; a 401 forgets the token. */
async function withSession<T>(deps: BackgroundDeps, work: (api: ApiClient, serverUrl: string) => Promise<T>): Promise<Result<T>> {
  return attempt(async () => {
    const serverUrl = await requireServer(deps);
    const session = await deps.settings.session.getValue();
    if (!session) throw new ProblemError({ kind: 'not_signed_in', message: messages.notSignedIn });
    const api = await clientFor(deps, serverUrl, session.token);
    try {
      return await work(api, serverUrl);
    } catch (error) {
      await forgetIfEnded(deps, error);
      throw error;
    }
  });
}

/** Connections of the business; any change of health shows on the badge at once. */
export async function listConnections(deps: BackgroundDeps, data: { businessId: string }) {
  const result = await withSession(deps, async (api) => {
    const { connections } = await api.connections(data.businessId);
    await showBadgeFor(deps, data.businessId, connections, await failingItems(api, data.businessId));
    return { connections };
  });
  return result;
}

async function showBadgeFor(deps: BackgroundDeps, businessId: string, connections: ConnectionView[], failing: number): Promise<BadgeState> {
  const current = await deps.settings.currentBusinessId.getValue();
  const state = badgeFor({ connections, failingItems: failing });
  // The badge is about the business the user works in; another business's page must not change it.
  if (!current || current === businessId) await deps.showBadge?.(state);
  return state;
}

/** The badge for the current business (alarms, start-up, after sign-in). */
export async function refreshBadge(deps: BackgroundDeps): Promise<Result<BadgeState>> {
  const session = await deps.settings.session.getValue();
  if (!session) {
    await deps.showBadge?.(signedOutBadge);
    return { ok: true, value: signedOutBadge };
  }
  return withSession(deps, async (api) => {
    const me = await api.me();
    const membership = currentMembership(me.memberships, await deps.settings.currentBusinessId.getValue());
    if (!membership) {
      await deps.showBadge?.(signedOutBadge);
      return signedOutBadge;
    }
    const { connections } = await api.connections(membership.business.id);
    const state = badgeFor({ connections, failingItems: await failingItems(api, membership.business.id) });
    await deps.showBadge?.(state);
    return state;
  });
}

/** Items whose publishing failed (the count the items list reports), 0 when it cannot be read. */
async function failingItems(api: ApiClient, businessId: string): Promise<number> {
  try {
    return (await api.items(businessId, { limit: 1 })).counts.failed ?? 0;
  } catch {
    return 0;
  }
}

// --- key guide (KashFlow) --------------------------------------------------------------------

const now = (deps: BackgroundDeps) => (deps.now ?? Date.now)();

export async function startKeyGuide(
  deps: BackgroundDeps,
  data: { businessId: string; provider: ProviderId; purpose: KeyGuide['purpose']; connectionId?: string },
): Promise<Result<KeyGuide>> {
  return withSession(deps, async (api) => {
    const me = await api.me();
    const membership = me.memberships.find((m) => m.business.id === data.businessId);
    if (!membership) throw new ProblemError({ kind: 'api', status: 404, code: 'not_found', message: 'That business was not found.' });
    return saveGuide(deps, membership, data);
  });
}

async function saveGuide(
  deps: BackgroundDeps,
  membership: Membership,
  data: { provider: ProviderId; purpose: KeyGuide['purpose']; connectionId?: string },
): Promise<KeyGuide> {
  const guide: KeyGuide = {
    provider: data.provider,
    businessId: membership.business.id,
    businessName: membership.business.name,
    purpose: data.purpose,
    ...(data.connectionId ? { connectionId: data.connectionId } : {}),
    startedAt: now(deps),
    stage: 'waiting',
  };
  await deps.settings.keyGuide.setValue(guide);
  return guide;
}

export async function endKeyGuide(deps: BackgroundDeps): Promise<Result<null>> {
  return attempt(async () => {
    await deps.settings.keyGuide.removeValue();
    return null;
  });
}

export async function keyGuideStatus(deps: BackgroundDeps, data: { provider: ProviderId }): Promise<Result<KeyGuideView>> {
  return attempt(async () => {
    const serverUrl = await deps.settings.serverUrl.getValue();
    const session = await deps.settings.session.getValue();
    if (!serverUrl || !session) return { active: false, reason: 'Sign in to Bookbridge (toolbar button) first.' } as const;
    const guide = await deps.settings.keyGuide.getValue();
    if (!isLive(guide, data.provider, now(deps))) return { active: false, reason: 'No connection is under way.' } as const;
    return viewOf(guide, serverUrl);
  });
}

/**
 * The launcher on the provider's page when nothing was started from the dashboard: the user's
 * current business, reconnecting its expired connection to this provider, or connecting anew.
 */
export async function beginKeyGuideHere(deps: BackgroundDeps, data: { provider: ProviderId }): Promise<Result<KeyGuideView>> {
  return withSession(deps, async (api, serverUrl) => {
    const me = await api.me();
    const membership = currentMembership(me.memberships, await deps.settings.currentBusinessId.getValue());
    if (!membership) throw new ProblemError({ kind: 'api', status: 403, code: 'forbidden', message: 'You are not in any business yet. Ask an Admin to add you.' });
    if (!isAdminRole(membership.role)) {
      throw new ProblemError({ kind: 'api', status: 403, code: 'forbidden', message: `Only Admins can connect accounting software to ${membership.business.name}.` });
    }
    const { connections } = await api.connections(membership.business.id);
    const offer = offerFor(connections, data.provider, membership.business.name);
    if (offer.action === null) throw new ProblemError({ kind: 'api', status: 409, code: 'already_connected', message: offer.reason });
    const guide = await saveGuide(deps, membership, { provider: data.provider, purpose: offer.action, ...(offer.connectionId ? { connectionId: offer.connectionId } : {}) });
    return viewOf(guide, serverUrl);
  });
}

/**
 * Relays the credentials to POST connections/key and keeps the verdict. The credentials are not
 * stored anywhere: they live only for this call.
 */
export async function relayKeyCredentials(
  deps: BackgroundDeps,
  data: { provider: ProviderId; credentials: Record<string, string> },
): Promise<Result<KeyGuideView>> {
  return withSession(deps, async (api, serverUrl) => {
    const guide = await deps.settings.keyGuide.getValue();
    if (!isLive(guide, data.provider, now(deps))) {
      throw new ProblemError({ kind: 'api', status: 409, code: 'no_guide', message: 'This connection was not started or has timed out: start again from Bookbridge.' });
    }
    let next: KeyGuide;
    try {
      const grant = await api.connectWithKey(guide.businessId, {
        provider: guide.provider,
        purpose: guide.purpose,
        ...(guide.connectionId ? { connectionId: guide.connectionId } : {}),
        credentials: data.credentials,
      });
      next = { ...guide, stage: 'verified', grant, startedAt: now(deps) };
      delete next.message;
      delete next.issues;
    } catch (error) {
      const problem = toProblem(error);
      if (problem.kind !== 'api') throw error;
      next = { ...guide, stage: 'refused', message: problem.message, ...(problem.issues ? { issues: problem.issues } : {}) };
      delete next.grant;
    }
    await deps.settings.keyGuide.setValue(next);
    return viewOf(next, serverUrl);
  });
}

const pageUnreadable = 'Bookbridge cannot read this page any more: reload it and try again.';

function frameTab(deps: BackgroundDeps, from: Sender): number {
  if (from.tabId === undefined || from.tabId < 0 || !deps.guidePage) {
    throw new ProblemError({ kind: 'api', status: 403, code: 'forbidden', message: 'Only the Bookbridge panel on a provider\'s page can do this.' });
  }
  return from.tabId;
}

/** The password frame asks what the page around it shows (and so says it is still there). */
export async function guideFrameState(deps: BackgroundDeps, data: { provider: ProviderId; height?: number }, from: Sender = {}): Promise<Result<GuideFrameState>> {
  return attempt(async () => {
    const tabId = frameTab(deps, from);
    const status = await keyGuideStatus(deps, { provider: data.provider });
    if (!status.ok) throw new ProblemError(status.problem);
    if (!status.value.active) return { active: false, ready: false, summary: '', serverUrl: '', reason: status.value.reason };
    const height = typeof data.height === 'number' && Number.isFinite(data.height) ? data.height : undefined;
    const page = await deps.guidePage!.describe(tabId, data.provider, height).catch(() => {
      throw new ProblemError({ kind: 'api', status: 409, code: 'page_unreadable', message: pageUnreadable });
    });
    return { active: true, ready: page.ready, summary: page.summary, serverUrl: status.value.serverUrl };
  });
}

/**
 * The password frame's Send: the page's values (asked of the content script in the frame's own
 * tab, now) and the typed secrets meet here, once, on their way to the server.
 */
export async function sendGuideSecrets(
  deps: BackgroundDeps,
  data: { provider: ProviderId; secrets: Record<string, string> },
  from: Sender = {},
): Promise<Result<KeyGuideView>> {
  const checked = await attempt(async () => {
    const tabId = frameTab(deps, from);
    if (!isKeyProvider(data.provider)) throw new ProblemError({ kind: 'api', status: 400, code: 'invalid_provider', message: 'This provider connects with OAuth.' });
    const captured = await deps.guidePage!.capture(tabId, data.provider).catch((): Capture => ({ ok: false, message: pageUnreadable }));
    if (!captured.ok) throw new ProblemError({ kind: 'api', status: 409, code: 'page_not_ready', message: captured.message });
    return { tabId, credentials: { ...captured.values, ...secretsFor(data.provider, data.secrets) } };
  });
  if (!checked.ok) return checked;
  const result = await relayKeyCredentials(deps, { provider: data.provider, credentials: checked.value.credentials });
  if (result.ok) await deps.guidePage!.verdict(checked.value.tabId, result.value).catch(() => undefined);
  return result;
}

// --- OAuth providers' pages ---------------------------------------------------------------

/** What a provider page may offer for this provider in the user's business. */
export function offerFor(connections: readonly ConnectionView[], provider: ProviderId, businessName: string, organisationName?: string): ConnectOffer {
  const entry = catalogue[provider];
  const live = connections.filter((c) => c.status === 'active' || c.status === 'expired');
  const same = live.find((c) => c.provider === provider);
  if (same) {
    const sameOrganisation = !organisationName || same.organisation.name.toLowerCase() === organisationName.toLowerCase();
    if (same.health === 'expired' && sameOrganisation) return { action: 'reconnect', businessName, connectionId: same.id };
    return {
      action: null,
      reason: sameOrganisation
        ? `${businessName} is already connected to ${same.providerName} (${same.organisation.name}).`
        : `${businessName} is connected to ${same.organisation.name}. To switch, use Manage > Change connection in Bookbridge.`,
    };
  }
  const ledger = live.find((c) => c.role === 'ledger');
  if (entry.role === 'ledger' && ledger) {
    return { action: null, reason: `${businessName} is connected to ${ledger.providerName}. To switch, use Manage > Change connection in Bookbridge.` };
  }
  if (entry.role === 'secondary' && !ledger) {
    return { action: null, reason: `${entry.name} works beside your accounting software: connect it in Bookbridge first.` };
  }
  return { action: 'connect', businessName };
}

export async function connectOffer(deps: BackgroundDeps, data: { provider: ProviderId; organisationName?: string }): Promise<Result<ConnectOffer>> {
  if (!(await deps.settings.session.getValue())) return { ok: true, value: { action: null, reason: 'Not signed in to Bookbridge.' } };
  return withSession(deps, async (api) => {
    const me = await api.me();
    const membership = currentMembership(me.memberships, await deps.settings.currentBusinessId.getValue());
    if (!membership) return { action: null, reason: 'You are not in any business yet.' } as const;
    if (!isAdminRole(membership.role)) return { action: null, reason: 'Only Admins can connect accounting software.' } as const;
    const { connections } = await api.connections(membership.business.id);
    return offerFor(connections, data.provider, membership.business.name, data.organisationName);
  });
}

export async function openConnect(deps: BackgroundDeps, data: { provider: ProviderId; organisationHint?: string }): Promise<Result<null>> {
  return attempt(async () => {
    const query = new URLSearchParams({ provider: data.provider });
    if (data.organisationHint) query.set('hint', data.organisationHint.slice(0, 200));
    await deps.openDashboard?.(`#/connect?${query.toString()}`);
    return null;
  });
}

export const handlers: Handlers = {
  getStatus: (deps) => getStatus(deps),
  useServer,
  forgetServer: (deps) => forgetServer(deps),
  signIn: async (deps, data) => {
    const result = await signIn(deps, data);
    if (result.ok) void refreshBadge(deps);
    return result;
  },
  setUp: async (deps, data) => {
    const result = await setUp(deps, data);
    if (result.ok) void refreshBadge(deps);
    return result;
  },
  signOut: async (deps) => {
    const result = await signOut(deps);
    await deps.showBadge?.(signedOutBadge);
    return result;
  },
  listProviders: (deps) => listProviders(deps),

  listConnections,
  authorize: (deps, { businessId, ...body }) => withSession(deps, (api) => api.authorize(businessId, body)),
  completeOAuth: (deps, body) => withSession(deps, (api) => api.completeOAuth(body)),
  oauthStatus: (deps, { state }) => withSession(deps, (api) => api.oauthStatus(state)),
  connectWithKey: (deps, { businessId, ...body }) => withSession(deps, (api) => api.connectWithKey(businessId, body)),
  finish: async (deps, { businessId, ...body }) => {
    const result = await withSession(deps, (api) => api.finish(businessId, body));
    if (result.ok) {
      const guide = await deps.settings.keyGuide.getValue();
      if (guide?.grant?.grantId === body.grantId) await deps.settings.keyGuide.removeValue();
    }
    return result;
  },
  refresh: (deps, { businessId, connectionId }) => withSession(deps, (api) => api.refresh(businessId, connectionId)),
  disconnect: (deps, { businessId, connectionId, keepLists }) => withSession(deps, (api) => api.disconnect(businessId, connectionId, keepLists)),
  getJob: (deps, { businessId, jobId }) => withSession(deps, (api) => api.job(businessId, jobId)),
  listEntries: (deps, input) => withSession(deps, (api) => api.listEntries(input)),
  mergeProposal: (deps, { businessId, connectionId }) => withSession(deps, (api) => api.mergeProposal(businessId, connectionId)),
  merge: (deps, { businessId, connectionId, ...body }) => withSession(deps, (api) => api.merge(businessId, connectionId, body)),
  undoMerge: (deps, { businessId, connectionId }) => withSession(deps, (api) => api.undoMerge(businessId, connectionId)),
  audit: (deps, { businessId }) => withSession(deps, (api) => api.audit(businessId)),

  listItems: (deps, { businessId, ...query }) => withSession(deps, (api) => api.items(businessId, query)),
  getItem: (deps, { businessId, itemId }) => withSession(deps, (api) => api.item(businessId, itemId)),
  publishItem: async (deps, { businessId, itemId, again }) => {
    const result = await withSession(deps, (api) => (again ? api.republish(businessId, itemId) : api.publish(businessId, itemId)));
    void refreshBadge(deps);
    return result;
  },
  listRules: (deps, { businessId }) => withSession(deps, (api) => api.rules(businessId)),
  saveRule: (deps, { businessId, rule, ruleId }) => withSession(deps, (api) => api.saveRule(businessId, rule, ruleId)),
  deleteRule: (deps, { businessId, ruleId }) =>
    withSession(deps, async (api) => {
      await api.deleteRule(businessId, ruleId);
      return null;
    }),
  getSettings: (deps, { businessId }) => withSession(deps, (api) => api.settings(businessId)),
  saveSettings: (deps, { businessId, settings }) => withSession(deps, (api) => api.saveSettings(businessId, settings)),

  startKeyGuide,
  endKeyGuide: (deps) => endKeyGuide(deps),
  keyGuideStatus,
  beginKeyGuideHere,
  guideFrameState,
  sendGuideSecrets,
  openDashboard: (deps, { hash }) =>
    attempt(async () => {
      await deps.openDashboard?.(hash ?? '');
      return null;
    }),
  connectOffer,
  openConnect,
  refreshBadge: (deps) => refreshBadge(deps),
  syncGuides: (deps) => attempt(async () => ({ registered: (await deps.syncGuides?.()) ?? [] })),
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

