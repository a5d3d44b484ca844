/**
 * The Xero sandbox's whole memory: clients, users, grants and tokens, connections, the
 * organisations' lists and documents, idempotency records, limits, faults and counters.
 * `createState` builds it from the options; reset builds it again.
 */
import type { Faults as SharedFaults } from '../common/faults.js';
import { emptyOAuthStores, type OAuthClient, type AccessTokenRecord as SharedAccessTokenRecord, type RotatingRefreshToken, type OAuthStores } from '../common/oauth.js';
import { AppLimiter, TenantLimiter, xeroLimits, type RateLimits } from './limits.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import { defaultOrganisations, type OrganisationData } from './seed.js';

/** The name is shown on the consent screen and as `ProviderName` in responses. */
export type SandboxClient = OAuthClient;

export interface SandboxUser {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  tenantIds: string[];
}

export interface XeroSandboxOptions {
  clients: SandboxClient[];
  seed?: number;
  now?: () => Date;
  limits?: Partial<RateLimits>;
  /** 1 = real time; 60 makes a rate-limit minute last one second. */
  timeScale?: number;
  organisations?: OrganisationData[];
  /** Largest attachment accepted, bytes (default 25 MB, Xero's per-endpoint figure). */
  attachmentMaxBytes?: number;
  /** How long an Idempotency-Key is remembered (default 24 hours). */
  idempotencyTtlMs?: number;
}

export interface Connection {
  id: string;
  userId: string;
  clientId: string;
  tenantId: string;
  authEventId: string;
  createdAt: number;
  updatedAt: number;
}

export interface PendingAuthorization {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  userId?: string;
  expiresAt: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  scope: string[];
  authEventId: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  used: boolean;
}

export interface Grant {
  id: string;
  userId: string;
  clientId: string;
  scope: string[];
  authEventId: string;
  sessionId: string;
  authTime: number;
  revoked: boolean;
}

export type AccessTokenRecord = SharedAccessTokenRecord;

/** Once exchanged (rotatedAt), it stays usable for the 30-minute grace period. */
export interface RefreshTokenRecord extends RotatingRefreshToken {
  grantId: string;
}

export type Faults = SharedFaults;

export interface StoredLine {
  LineItemID: string;
  Description: string;
  Quantity: number;
  UnitAmount: number;
  ItemCode?: string;
  AccountCode?: string;
  AccountID?: string;
  TaxType: string;
  TaxAmount: number;
  LineAmount: number;
  DiscountRate?: number;
  Tracking: { TrackingCategoryID: string; TrackingOptionID: string; Name: string; Option: string }[];
}

export interface PaymentRef {
  PaymentID: string;
  Date: number;
  Amount: number;
  Reference?: string;
}

/** Fields shared by invoices, credit notes and bank transactions. */
interface DocumentBase {
  Type: string;
  ContactID: string;
  Date: number;
  Status: string;
  LineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  LineItems: StoredLine[];
  SubTotal: number;
  TotalTax: number;
  Total: number;
  CurrencyCode: string;
  CurrencyRate: number;
  Reference?: string;
  Url?: string;
  HasAttachments: boolean;
  createdByClientId: string;
  createdAt: number;
  updatedAt: number;
}

export interface InvoiceRecord extends DocumentBase {
  InvoiceID: string;
  InvoiceNumber: string;
  DueDate?: number;
  AmountDue: number;
  AmountPaid: number;
  AmountCredited: number;
  Payments: PaymentRef[];
  FullyPaidOnDate?: number;
  SentToContact?: boolean;
}

export interface CreditNoteRecord extends DocumentBase {
  CreditNoteID: string;
  CreditNoteNumber: string;
  DueDate?: number;
  RemainingCredit: number;
  Payments: PaymentRef[];
  FullyPaidOnDate?: number;
}

export interface BankTransactionRecord extends DocumentBase {
  BankTransactionID: string;
  BankAccountID: string;
  IsReconciled: boolean;
}

export interface PaymentRecord {
  PaymentID: string;
  PaymentType: string;
  Status: 'AUTHORISED' | 'DELETED';
  InvoiceID?: string;
  CreditNoteID?: string;
  AccountID: string;
  Date: number;
  Amount: number;
  Reference?: string;
  IsReconciled: boolean;
  CurrencyRate: number;
  createdByClientId: string;
  updatedAt: number;
}

export interface AttachmentRecord {
  AttachmentID: string;
  FileName: string;
  MimeType: string;
  ContentLength: number;
  IncludeOnline: boolean;
  data: Uint8Array;
}

export interface IdempotentResponse {
  fingerprint: string;
  status: number;
  contentType: string;
  body: string;
  expiresAt: number;
}

export interface OrganisationState {
  data: OrganisationData;
  contactsById: Map<string, OrganisationData['contacts'][number]>;
  invoices: Map<string, InvoiceRecord>;
  creditNotes: Map<string, CreditNoteRecord>;
  bankTransactions: Map<string, BankTransactionRecord>;
  payments: Map<string, PaymentRecord>;
  attachments: Map<string, AttachmentRecord[]>;
  invoiceCounter: number;
  creditNoteCounter: number;
  idempotency: Map<string, IdempotentResponse>;
  limiter: TenantLimiter;
}

export interface SandboxStats {
  calls: Record<string, number>;
  rateLimited: Record<string, number>;
  sent429: number;
  sent5xx: number;
  timeouts: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  idempotentReplays: number;
}

export interface SandboxState extends OAuthStores<PendingAuthorization, AuthorizationCode, Grant, RefreshTokenRecord> {
  options: XeroSandboxOptions;
  now: () => number;
  timeScale: number;
  limits: RateLimits;
  attachmentMaxBytes: number;
  idempotencyTtlMs: number;
  clients: Map<string, SandboxClient>;
  users: SandboxUser[];
  organisations: Map<string, OrganisationState>;
  connections: Map<string, Connection>;
  faults: { all: Faults; tenants: Map<string, Faults> };
  appLimiter: AppLimiter;
  /** Ids for documents and connections (deterministic from the seed). */
  ids: Random;
  /** Fault dice (deterministic from the seed). */
  dice: Random;
  stats: SandboxStats;
}

export function createState(options: XeroSandboxOptions): SandboxState {
  const seed = options.seed ?? 1;
  const timeScale = options.timeScale ?? 1;
  const limits = { ...xeroLimits, ...options.limits };
  const now = options.now ? () => (options.now as () => Date)().getTime() : () => Date.now();
  // Given organisations are copied so a reset brings back the originals after mutations.
  const organisationsData = options.organisations ? structuredClone(options.organisations) : defaultOrganisations(seed);
  const organisations = new Map<string, OrganisationState>();
  for (const data of organisationsData) {
    organisations.set(data.tenantId, {
      data,
      contactsById: new Map(data.contacts.map((c) => [c.ContactID, c])),
      invoices: new Map(),
      creditNotes: new Map(),
      bankTransactions: new Map(),
      payments: new Map(),
      attachments: new Map(),
      invoiceCounter: 0,
      creditNoteCounter: 0,
      idempotency: new Map(),
      limiter: new TenantLimiter(limits, timeScale),
    });
  }
  const tenantIds = organisationsData.map((o) => o.tenantId);
  const people = createRandom(deriveSeed(seed, 'users'));
  const users: SandboxUser[] = [
    { userId: people.uuid(), email: 'demo@example.com', firstName: 'Demo', lastName: 'User', tenantIds },
    {
      userId: people.uuid(),
      email: 'accountant@example.com',
      firstName: 'Alex',
      lastName: 'Accountant',
      tenantIds: tenantIds.slice(0, 1),
    },
  ];
  return {
    options,
    now,
    timeScale,
    limits,
    attachmentMaxBytes: options.attachmentMaxBytes ?? 25 * 1024 * 1024,
    idempotencyTtlMs: options.idempotencyTtlMs ?? 24 * 3_600_000,
    clients: new Map(options.clients.map((c) => [c.id, c])),
    users,
    organisations,
    ...emptyOAuthStores(),
    connections: new Map(),
    faults: { all: {}, tenants: new Map() },
    appLimiter: new AppLimiter(timeScale),
    ids: createRandom(deriveSeed(seed, 'ids')),
    dice: createRandom(deriveSeed(seed, 'faults')),
    stats: {
      calls: {},
      rateLimited: {},
      sent429: 0,
      sent5xx: 0,
      timeouts: 0,
      tokenExchanges: 0,
      tokenRefreshes: 0,
      idempotentReplays: 0,
    },
  };
}
