/**
 * The QuickBooks Online sandbox's whole memory: clients, users, pending sign-ins, codes, grants
 * and tokens, companies (realms) with their entities, `requestid` replays, limits, faults and
 * counters. `createState` builds it from the options; reset builds it again.
 */
import type { BaseFaults } from '../common/faults.js';
import { emptyOAuthStores, type OAuthClient, type AccessTokenRecord as SharedAccessTokenRecord, type OAuthStores } from '../common/oauth.js';
import { SlidingWindow } from '../common/rate-limit.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import { defaultCompanies, type CompanyData, type EntityName, type Json } from './seed.js';

export type SandboxClient = OAuthClient;

export interface RateLimits {
  /** Requests per minute per realm per app (batch calls count). */
  perMinute: number;
  /** Requests in progress per realm per app. */
  concurrent: number;
  /** Batch calls per minute per realm. */
  batchPerMinute: number;
}

/** quickbooks-online.md §5: 500/min, 10 concurrent, 40 batch calls/min per realm. */
export const qboLimits: RateLimits = { perMinute: 500, concurrent: 10, batchPerMinute: 40 };

export interface QuickbooksSandboxOptions {
  /** The companion's client (SandboxFactory); `clients` adds more. */
  client?: SandboxClient;
  clients?: SandboxClient[];
  seed?: number;
  now?: () => Date;
  limits?: Partial<RateLimits>;
  /** 1 = real time; 60 makes a rate-limit minute last one second. */
  timeScale?: number;
  companies?: CompanyData[];
  /** A refresh returns a new refresh token once the current one is this old (Intuit: about 24 h). */
  refreshRotationMs?: number;
  /** How long an exchanged refresh token keeps working (Intuit does not say; default 0). */
  refreshOverlapMs?: number;
  /** Largest upload request, bytes (100 MB). */
  uploadMaxBytes?: number;
  /** Largest object count in one CDC answer (1000). */
  cdcMaxObjects?: number;
}

export interface SandboxUser {
  userId: string;
  email: string;
  givenName: string;
  familyName: string;
  realmIds: string[];
}

export interface PendingSignIn {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string[];
  state: string;
  userId?: string;
  expiresAt: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  realmId: string;
  scope: string[];
  expiresAt: number;
  used: boolean;
}

/** One authorisation: one user, one app, one company (realm). */
export interface Grant {
  id: string;
  userId: string;
  clientId: string;
  realmId: string;
  scope: string[];
  createdAt: number;
  revoked: boolean;
}

export type AccessTokenRecord = SharedAccessTokenRecord;

export interface RefreshTokenRecord {
  grantId: string;
  issuedAt: number;
  /** Rolling expiry (`x_refresh_token_expires_in`), pushed out on use. */
  expiresAt: number;
  /** Set when a newer refresh token replaced this one. */
  supersededAt?: number;
}

/** Retry-After may be left out: Intuit's own 429s carry none. */
export type Faults = BaseFaults;

export interface StoredResponse {
  status: number;
  body: string;
}

export interface AttachmentFile {
  attachableId: string;
  data: Uint8Array;
}

export interface CompanyState {
  data: CompanyData;
  /** Entity name → Id → record, in QuickBooks' JSON shape. */
  entities: Map<EntityName, Map<string, Json>>;
  /** Hard-deleted records, reported by CDC as `status: "Deleted"`. */
  tombstones: { entity: EntityName; Id: string; at: number }[];
  files: Map<string, AttachmentFile>;
  /** `requestid` → the first response (quickbooks-online.md §5: a repeat replays it). */
  requests: Map<string, StoredResponse>;
  limiter: RealmLimiter;
}

export interface SandboxStats {
  calls: Record<string, number>;
  sent429: number;
  sent5xx: number;
  timeouts: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  requestIdReplays: number;
  batchCalls: number;
  queries: number;
  cdcCalls: number;
}

export interface SandboxState extends OAuthStores<PendingSignIn, AuthorizationCode, Grant, RefreshTokenRecord> {
  options: QuickbooksSandboxOptions;
  now: () => number;
  timeScale: number;
  limits: RateLimits;
  refreshRotationMs: number;
  refreshOverlapMs: number;
  uploadMaxBytes: number;
  cdcMaxObjects: number;
  clients: Map<string, SandboxClient>;
  users: SandboxUser[];
  companies: Map<string, CompanyState>;
  faults: { all: Faults; realms: Map<string, Faults> };
  dice: Random;
  stats: SandboxStats;
}

/** Sliding one-minute windows per realm, plus the in-flight count. */
export class RealmLimiter {
  inFlight = 0;
  private readonly calls: SlidingWindow;
  private readonly batches: SlidingWindow;
  constructor(
    private readonly limits: RateLimits,
    windowMs: number,
  ) {
    this.calls = new SlidingWindow(windowMs);
    this.batches = new SlidingWindow(windowMs);
  }

  /** Admits one call (counting it) or says which limit it breaks. */
  admit(now: number, batch: boolean): { ok: true } | { ok: false; problem: 'concurrent' | 'minute' | 'batch' } {
    if (this.inFlight >= this.limits.concurrent) return { ok: false, problem: 'concurrent' };
    if (this.calls.count(now) >= this.limits.perMinute) return { ok: false, problem: 'minute' };
    if (batch && this.batches.count(now) >= this.limits.batchPerMinute) return { ok: false, problem: 'batch' };
    this.calls.add(now);
    if (batch) this.batches.add(now);
    return { ok: true };
  }
}

export function companyState(data: CompanyData, limits: RateLimits, windowMs: number): CompanyState {
  const entities = new Map<EntityName, Map<string, Json>>();
  for (const [name, list] of Object.entries(data.entities) as [EntityName, Json[]][]) {
    entities.set(name, new Map(list.map((r) => [String(r.Id), r])));
  }
  return { data, entities, tombstones: [], files: new Map(), requests: new Map(), limiter: new RealmLimiter(limits, windowMs) };
}

export function createState(options: QuickbooksSandboxOptions): SandboxState {
  const seed = options.seed ?? 1;
  const timeScale = options.timeScale ?? 1;
  const limits = { ...qboLimits, ...options.limits };
  const now = options.now ? () => (options.now as () => Date)().getTime() : () => Date.now();
  const data = options.companies ? structuredClone(options.companies) : defaultCompanies(seed);
  const companies = new Map(data.map((d) => [d.realmId, companyState(d, limits, 60_000 / timeScale)]));
  const realmIds = data.map((d) => d.realmId);
  const people = createRandom(deriveSeed(seed, 'users'));
  const clients = [...(options.client ? [options.client] : []), ...(options.clients ?? [])];
  return {
    options,
    now,
    timeScale,
    limits,
    refreshRotationMs: options.refreshRotationMs ?? 24 * 3_600_000,
    refreshOverlapMs: options.refreshOverlapMs ?? 0,
    uploadMaxBytes: options.uploadMaxBytes ?? 100 * 1024 * 1024,
    cdcMaxObjects: options.cdcMaxObjects ?? 1000,
    clients: new Map(clients.map((c) => [c.id, c])),
    users: [
      { userId: people.digits(10), email: 'demo@example.com', givenName: 'Demo', familyName: 'User', realmIds },
      { userId: people.digits(10), email: 'bookkeeper@example.com', givenName: 'Sam', familyName: 'Bookkeeper', realmIds: realmIds.slice(0, 1) },
    ],
    companies,
    ...emptyOAuthStores(),
    faults: { all: {}, realms: new Map() },
    dice: createRandom(deriveSeed(seed, 'faults')),
    stats: { calls: {}, sent429: 0, sent5xx: 0, timeouts: 0, tokenExchanges: 0, tokenRefreshes: 0, requestIdReplays: 0, batchCalls: 0, queries: 0, cdcCalls: 0 },
  };
}

/** The next numeric Id in a company. */
export function nextId(company: CompanyState): string {
  return String(company.data.nextId++);
}
