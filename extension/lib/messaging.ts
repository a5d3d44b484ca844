/**
 * The one message protocol between the extension's pages and its background. Every server call
 * goes through the background, so the session token never leaves extension storage and the
 * background's fetch (with its host permission) is the only door to the server.
 *
 * Handlers answer with a `Result` rather than throwing: a thrown error crosses the message channel
 * as a bare `Error`, and the pages need to know *which* problem it was to say so.
 *
 * Content scripts (on provider pages) may send only the messages in `contentScriptMessages`; the
 * background refuses the rest from them (background-service.ts). The password frame's two
 * messages (`guideFrameMessages`) are taken only from that frame, inside a tab.
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { ProviderId } from '../../shared/catalogue.js';
import type { Problem } from './api-client.js';
import type {
  AuditEntry,
  AuthorizationStatus,
  AuthorizeInput,
  AuthorizeResponse,
  ConnectionView,
  FinishResponse,
  GrantResponse,
  Item,
  ItemListInput,
  ItemListResponse,
  JobView,
  KeyConnectInput,
  ListEntriesInput,
  ListResponse,
  MeResponse,
  MergeInput,
  MergeProposal,
  MergeResult,
  ProvidersResponse,
  PublishingSettingsInput,
  PublishingSettingsView,
  Rule,
  RuleInput,
} from './api-types.js';
import type { BadgeState } from './badge.js';
import type { KeyGuide, KeyGuideView } from './key-guide.js';

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export type SessionStatus =
  | { state: 'no_server' }
  | { state: 'signed_out'; serverUrl: string; email?: string }
  | { state: 'signed_in'; serverUrl: string; me: MeResponse; currentBusinessId: string | null };

type InBusiness<T = object> = { businessId: string } & T;
type OnConnection<T = object> = InBusiness<{ connectionId: string } & T>;

/** What the provider's page offers the user (Xero: "Connect this organisation to Bookbridge"). */
/** What the password frame shows: whether the page is ready to send and what will be read. */
export interface GuideFrameState {
  active: boolean;
  ready: boolean;
  summary: string;
  serverUrl: string;
  reason?: string;
}

export type ConnectOffer =
  | { action: 'connect' | 'reconnect'; businessName: string; connectionId?: string }
  | { action: null; reason: string };

export interface ProtocolMap {
  /** Where the user stands: no server yet, signed out, or signed in (checked with GET /api/me). */
  getStatus(): Result<SessionStatus>;
  /** Checks GET /health at the address and remembers it. Host permission must already be granted. */
  useServer(data: { serverUrl: string }): Result<{ serverUrl: string }>;
  /** Forgets the server address (and with it the session). */
  forgetServer(): Result<null>;
  signIn(data: { email: string; password: string }): Result<SessionStatus>;
  /** First run on a new server: the one-time setup code creates the first admin, signed in. */
  setUp(data: { setupCode: string; name: string; email: string; password: string; businessName: string }): Result<SessionStatus>;
  /** Ends the session on the server when it can be reached, and always forgets it here. */
  signOut(): Result<{ serverToldToo: boolean }>;
  listProviders(): Result<ProvidersResponse>;

  // --- connections (each maps to one route in server/connections/routes.ts) -------------
  listConnections(data: InBusiness): Result<{ connections: ConnectionView[] }>;
  authorize(data: InBusiness<AuthorizeInput>): Result<AuthorizeResponse>;
  completeOAuth(data: { state: string; code?: string; error?: string; params?: Record<string, string> }): Result<GrantResponse>;
  oauthStatus(data: { state: string }): Result<AuthorizationStatus>;
  connectWithKey(data: InBusiness<KeyConnectInput>): Result<GrantResponse>;
  finish(data: InBusiness<{ grantId: string; organisationId: string }>): Result<FinishResponse>;
  refresh(data: OnConnection): Result<{ jobId: string }>;
  disconnect(data: OnConnection<{ keepLists: boolean }>): Result<{ revoked: boolean }>;
  getJob(data: InBusiness<{ jobId: string }>): Result<JobView>;
  listEntries(data: ListEntriesInput): Result<ListResponse>;
  mergeProposal(data: OnConnection): Result<MergeProposal>;
  merge(data: OnConnection<MergeInput>): Result<MergeResult>;
  undoMerge(data: OnConnection): Result<{ restored: number }>;
  audit(data: InBusiness): Result<{ entries: AuditEntry[] }>;

  // --- items, rules, publishing settings ---------------------------------------------------
  listItems(data: InBusiness<ItemListInput>): Result<ItemListResponse>;
  getItem(data: InBusiness<{ itemId: string }>): Result<Item>;
  publishItem(data: InBusiness<{ itemId: string; again?: boolean }>): Result<Item>;
  listRules(data: InBusiness): Result<{ rules: Rule[] }>;
  saveRule(data: InBusiness<{ rule: RuleInput; ruleId?: string }>): Result<Rule>;
  deleteRule(data: InBusiness<{ ruleId: string }>): Result<null>;
  getSettings(data: InBusiness): Result<PublishingSettingsView>;
  saveSettings(data: InBusiness<{ settings: PublishingSettingsInput }>): Result<PublishingSettingsView>;

  // --- guidance on the provider's own pages (KashFlow key capture) -------------------------
  /** The dashboard's Connect/Reconnect for a key provider: remember what the page should do. */
  startKeyGuide(data: InBusiness<{ provider: ProviderId; purpose: KeyGuide['purpose']; connectionId?: string }>): Result<KeyGuide>;
  /** Ends a guide (the dashboard's Cancel, or Finish). */
  endKeyGuide(): Result<null>;
  /** The content script: what to show (or that nothing is under way), never the grant id. */
  keyGuideStatus(data: { provider: ProviderId }): Result<KeyGuideView>;
  /** The content script's launcher when no guide was started from the dashboard. */
  beginKeyGuideHere(data: { provider: ProviderId }): Result<KeyGuideView>;
  /**
   * The password frame (entrypoints/guide-credentials, in an iframe on the provider's page): what
   * the page around it shows, asked of the tab's content script through the background.
   */
  guideFrameState(data: { provider: ProviderId; height?: number }): Result<GuideFrameState>;
  /**
   * The password frame's "Send to Bookbridge": the secrets typed into it. The background asks the
   * tab's content script for what it reads from the page (username, key, IDs), relays both to
   * POST connections/key, forgets them, and tells the page the verdict.
   */
  sendGuideSecrets(data: { provider: ProviderId; secrets: Record<string, string> }): Result<KeyGuideView>;
  /** Focuses (or opens) the dashboard, where the guide finishes. */
  openDashboard(data: { hash?: string }): Result<null>;

  // --- OAuth providers' pages (Xero first) -------------------------------------------------
  connectOffer(data: { provider: ProviderId; organisationName?: string }): Result<ConnectOffer>;
  /** "Connect this organisation to Bookbridge": opens the dashboard's connect flow with the hint. */
  openConnect(data: { provider: ProviderId; organisationHint?: string }): Result<null>;

  // --- toolbar badge and content-script registrations -----------------------------------------
  refreshBadge(): Result<BadgeState>;
  /** Registers the guide scripts for the provider sites (and sandbox pages) the user allowed. */
  syncGuides(): Result<{ registered: string[] }>;
}

/** The only messages a provider page's content script may send. */
export const contentScriptMessages = [
  'keyGuideStatus',
  'beginKeyGuideHere',
  'endKeyGuide',
  'openDashboard',
  'connectOffer',
  'openConnect',
] as const satisfies readonly (keyof ProtocolMap)[];

/** The password frame's own page: the only sender of these, and only from inside a tab. */
export const guideFramePath = '/guide-credentials.html';
export const guideFrameMessages = ['guideFrameState', 'sendGuideSecrets'] as const satisfies readonly (keyof ProtocolMap)[];

export const { sendMessage, onMessage, removeAllListeners } = defineExtensionMessaging<ProtocolMap>();
