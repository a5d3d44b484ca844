/**
 * The ApprovalMax sandbox's whole memory: app clients, people, companies (ApprovalMax
 * "organisations", each linked to a ledger organisation) with their approval requests, sign-ins,
 * grants and tokens, limits, faults and counters. `createState` builds it from the options; reset
 * builds it again.
 */
import type { Faults as SharedFaults } from '../common/faults.js';
import { emptyOAuthStores, type OAuthClient, type AccessTokenRecord as SharedAccessTokenRecord, type OAuthStores } from '../common/oauth.js';
import type { LedgerLink } from './ledger.js';
import { MinuteLimiter } from './limits.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import { defaultCompanySpecs, seedCompany, seedUsers } from './seed.js';

/** Redirect URIs as the Developer Portal lists them; the name is shown on the consent page. */
export type SandboxClient = OAuthClient;

/**
 * Request statuses as the Public API returns them in `requestStatus` (values seen in live
 * responses: draft, onApproval, approved, rejected, cancelled; onReview and onHold are the
 * Review step and On Hold of ApprovalMax's workflow [?]).
 */
export const requestStatuses = ['draft', 'onReview', 'onApproval', 'onHold', 'approved', 'rejected', 'cancelled'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/** Path segment per ledger, and the document kinds under it. `qbooks` is an emulator choice [?]. */
export const ledgerSegments = ['xero', 'qbooks'] as const;
export type LedgerSegment = (typeof ledgerSegments)[number];
export const documentKinds: Record<LedgerSegment, readonly string[]> = {
  xero: ['bills', 'purchase-orders', 'credit-notes', 'sales-invoices', 'batch-payments', 'quotes'],
  qbooks: ['bills', 'purchase-orders', 'expenses', 'sales-invoices'],
};

export type LedgerProvider = 'xero' | 'quickbooks-online';

export interface CompanyLedger {
  provider: LedgerProvider;
  /** Xero tenantId or QuickBooks realmId. */
  organisationId: string;
  organisationName: string;
}

/** Only Premium or an (All Features) trial may read data through the Public API. */
export type Plan = 'premium' | 'trial' | 'advanced' | 'standard';

export interface AmUser {
  userId: string;
  email: string;
  name: string;
}

export interface RequestEvent {
  eventType: string;
  authorId: string;
  isSystem: boolean;
  createdAt: number;
  comment?: string;
}

export interface RequestLine {
  description: string;
  quantity: number;
  unitPrice: number;
  amount: number;
  taxAmount: number;
  accountCode?: string;
  account?: string;
  taxCode?: string;
}

export interface RequestRecord {
  requestId: string;
  companyId: string;
  segment: LedgerSegment;
  kind: string;
  friendlyName: string;
  documentNumber: string;
  reference?: string;
  contact: string;
  date: string;
  dueDate?: string;
  deliveryDate?: string;
  currencyCode: string;
  total: number;
  totalTax: number;
  amountDue?: number;
  lineItems: RequestLine[];
  requestStatus: RequestStatus;
  origin: string;
  version: number;
  createdAt: number;
  modifiedAt: number;
  decisionDate?: number;
  externalUrl?: string;
  /** The ledger document it follows (not an API field: the API shows it only inside externalUrl). */
  ledgerDocumentId?: string;
  events: RequestEvent[];
}

export interface CompanyRecord {
  companyId: string;
  name: string;
  /** null: a standalone organisation with no ledger. */
  ledger: CompanyLedger | null;
  plan: Plan;
  currency: string;
  /** Account Owner, Account Manager or Administrator: the people who may consent for it. */
  administrators: string[];
  approvers: string[];
  requests: Map<string, RequestRecord>;
}

export interface CompanySpec {
  name: string;
  ledger: CompanyLedger | null;
  plan?: Plan;
  currency?: string;
  /** Historic bills seeded (default 40). */
  bills?: number;
  /** Historic purchase orders seeded (default 10). */
  purchaseOrders?: number;
  companyId?: string;
}

export interface ApprovalmaxSandboxOptions {
  clients: SandboxClient[];
  seed?: number;
  now?: () => Date;
  companies?: CompanySpec[];
  /** Read calls per minute per client + company (default 100). */
  perMinute?: number;
  /** 1 = real time; 60 makes a rate-limit minute last one second. */
  timeScale?: number;
  /** Where ApprovalMax pulls documents from and pushes decisions to (a ledger sandbox's state). */
  ledger?: LedgerLink;
}

export interface PendingAuthorization {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string[];
  state?: string;
  codeChallenge?: string;
  userId?: string;
  expiresAt: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  scope: string[];
  companyIds: string[];
  codeChallenge?: string;
  expiresAt: number;
  used: boolean;
}

export interface Grant {
  id: string;
  userId: string;
  clientId: string;
  scope: string[];
  /** The organisations ticked on the consent page: the token embeds them. */
  companyIds: string[];
  revoked: boolean;
}

export type AccessTokenRecord = SharedAccessTokenRecord;

export interface RefreshTokenRecord {
  grantId: string;
  expiresAt: number;
  /** One-time use: a used refresh token is refused (invalid_grant). */
  used: boolean;
  revoked: boolean;
}

export type Faults = SharedFaults;

export interface SandboxStats {
  calls: Record<string, number>;
  sent429: number;
  sent5xx: number;
  timeouts: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  revocations: number;
}

export interface SandboxState extends OAuthStores<PendingAuthorization, AuthorizationCode, Grant, RefreshTokenRecord> {
  options: ApprovalmaxSandboxOptions;
  now: () => number;
  timeScale: number;
  perMinute: number;
  clients: Map<string, SandboxClient>;
  users: AmUser[];
  companies: Map<string, CompanyRecord>;
  faults: { all: Faults; companies: Map<string, Faults> };
  /** Keyed `clientId|companyId`: ApprovalMax counts per client id and company id together. */
  limiters: Map<string, MinuteLimiter>;
  ledger?: LedgerLink;
  ids: Random;
  dice: Random;
  stats: SandboxStats;
}

export function createState(options: ApprovalmaxSandboxOptions): SandboxState {
  const seed = options.seed ?? 1;
  const now = options.now ? () => (options.now as () => Date)().getTime() : () => Date.now();
  const users = seedUsers(seed);
  const specs = options.companies ?? defaultCompanySpecs();
  const companies = new Map<string, CompanyRecord>();
  for (const spec of specs) {
    const company = seedCompany(seed, spec, users);
    companies.set(company.companyId, company);
  }
  return {
    options,
    now,
    timeScale: options.timeScale ?? 1,
    perMinute: options.perMinute ?? 100,
    clients: new Map(options.clients.map((c) => [c.id, c])),
    users,
    companies,
    ...emptyOAuthStores(),
    faults: { all: {}, companies: new Map() },
    limiters: new Map(),
    ledger: options.ledger,
    ids: createRandom(deriveSeed(seed, 'ids')),
    dice: createRandom(deriveSeed(seed, 'faults')),
    stats: { calls: {}, sent429: 0, sent5xx: 0, timeouts: 0, tokenExchanges: 0, tokenRefreshes: 0, revocations: 0 },
  };
}

/** The segment of the API a company's documents sit under, by its ledger. */
export function segmentOf(company: CompanyRecord): LedgerSegment | undefined {
  if (!company.ledger) return undefined;
  return company.ledger.provider === 'xero' ? 'xero' : 'qbooks';
}
