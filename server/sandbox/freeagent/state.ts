/**
 * The FreeAgent sandbox's whole memory: app clients, sign-in transactions, codes, grants and
 * tokens, each company's lists and documents, limits, faults and counters. `createState`
 * builds it from the options; reset builds it again into the same object.
 */
import type { Faults as SharedFaults } from '../common/faults.js';
import { emptyOAuthStores, type OAuthClient, type AccessTokenRecord as SharedAccessTokenRecord, type RotatingRefreshToken, type OAuthStores } from '../common/oauth.js';
import { createRandom, type Random } from './random.js';
import { defaultCompanies, type CompanySeed } from './seed.js';

/** The name is shown on the approve page. */
export type SandboxClient = OAuthClient;

/**
 * FreeAgent's limits per user of an integration (dev.freeagent.com/docs/introduction): windows
 * reset at the start of each minute and hour. `testPerMinute` is the sandbox's
 * `X-RateLimit-Test: true` limit.
 */
export interface Limits {
  perMinute: number;
  perHour: number;
  refreshesPerMinute: number;
  testPerMinute: number;
}

export const freeagentLimits: Limits = { perMinute: 120, perHour: 3600, refreshesPerMinute: 15, testPerMinute: 5 };

export interface FreeagentSandboxOptions {
  /** The companion's client (SandboxFactory passes one). */
  client?: SandboxClient;
  clients?: SandboxClient[];
  now?: () => Date;
  seed?: number | string;
  companies?: CompanySeed[];
  limits?: Partial<Limits>;
  /** Access token lifetime (FreeAgent: 3600 s, "may change"). */
  accessTokenSeconds?: number;
  /** How long a rotated refresh token keeps working (FreeAgent does not say; default 0: single use). */
  refreshGraceMs?: number;
  /** Largest attachment accepted (FreeAgent: 5 MB). */
  attachmentMaxBytes?: number;
}

export interface PendingApproval {
  id: string;
  clientId: string;
  redirectUri: string;
  state?: string;
  /** Set once the user has signed in. */
  login?: { companyId: string; userId: number };
  expiresAt: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  companyId: string;
  userId: number;
  expiresAt: number;
  used: boolean;
}

export interface Grant {
  id: string;
  clientId: string;
  companyId: string;
  userId: number;
  revoked: boolean;
  createdAt: number;
}

export type AccessTokenRecord = SharedAccessTokenRecord;

export interface RefreshTokenRecord extends RotatingRefreshToken {
  grantId: string;
}

export type Faults = SharedFaults;

// --- documents (stored with ids; URLs are made per request from the caller's base) ----------

export interface AttachmentRecord {
  id: number;
  fileName: string;
  contentType: string;
  description?: string;
  fileSize: number;
  data: Uint8Array;
  parent: { kind: 'bill' | 'expense' | 'bank_transaction_explanation'; id: number };
}

export interface TaxedAmounts {
  salesTaxRate?: string;
  salesTaxStatus: 'TAXABLE' | 'EXEMPT' | 'OUT_OF_SCOPE';
  salesTaxValue: string;
  manualSalesTaxAmount?: string;
}

export interface BillItemRecord extends TaxedAmounts {
  id: number;
  categoryCode: string;
  description?: string;
  quantity: string;
  unit?: string;
  totalValue: string;
  totalValueExTax: string;
  projectId?: number;
}

export interface BillRecord {
  id: number;
  contactId: number;
  reference: string;
  datedOn: string;
  dueOn: string;
  currency: string;
  exchangeRate: string;
  comments?: string;
  ecStatus: string;
  projectId?: number;
  items: BillItemRecord[];
  totalValue: string;
  netValue: string;
  salesTaxValue: string;
  attachmentId?: number;
  createdByClientId: string;
  createdAt: number;
  updatedAt: number;
}

export interface SalesItemRecord {
  id: number;
  position: number;
  itemType?: string;
  quantity: string;
  price: string;
  description: string;
  salesTaxRate?: string;
  salesTaxStatus: 'TAXABLE' | 'EXEMPT' | 'OUT_OF_SCOPE';
  salesTaxValue: string;
  categoryCode?: string;
  projectId?: number;
}

export interface SalesDocumentRecord {
  id: number;
  contactId: number;
  projectId?: number;
  reference: string;
  datedOn: string;
  dueOn: string;
  paymentTermsInDays: number;
  currency: string;
  exchangeRate: string;
  /** Draft, Open, Scheduled To Email, Cancelled (paid/overdue are worked out when shown). */
  state: 'Draft' | 'Sent' | 'Scheduled To Email' | 'Cancelled';
  comments?: string;
  ecStatus?: string;
  items: SalesItemRecord[];
  netValue: string;
  salesTaxValue: string;
  totalValue: string;
  createdByClientId: string;
  createdAt: number;
  updatedAt: number;
}

export interface ExpenseRecord extends TaxedAmounts {
  id: number;
  userId: number;
  categoryCode: string;
  datedOn: string;
  currency: string;
  grossValue: string;
  nativeGrossValue: string;
  nativeSalesTaxValue: string;
  description: string;
  receiptReference?: string;
  projectId?: number;
  ecStatus?: string;
  attachmentId?: number;
  createdByClientId: string;
  createdAt: number;
  updatedAt: number;
}

export interface ExplanationRecord {
  id: number;
  bankTransactionId: number;
  bankAccountId: number;
  type: string;
  datedOn: string;
  description?: string;
  categoryCode?: string;
  grossValue: string;
  salesTaxRate?: string;
  salesTaxValue?: string;
  salesTaxStatus?: 'TAXABLE' | 'EXEMPT' | 'OUT_OF_SCOPE';
  manualSalesTaxAmount?: string;
  receiptReference?: string;
  paidBillId?: number;
  paidInvoiceId?: number;
  paidUserId?: number;
  projectId?: number;
  ecStatus?: string;
  foreignCurrencyValue?: string;
  attachmentId?: number;
  createdByClientId: string;
  createdAt: number;
  updatedAt: number;
}

export interface BankTransactionRecord {
  id: number;
  bankAccountId: number;
  datedOn: string;
  amount: string;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface CompanyState {
  data: CompanySeed;
  bills: Map<number, BillRecord>;
  invoices: Map<number, SalesDocumentRecord>;
  creditNotes: Map<number, SalesDocumentRecord>;
  expenses: Map<number, ExpenseRecord>;
  explanations: Map<number, ExplanationRecord>;
  bankTransactions: Map<number, BankTransactionRecord>;
  attachments: Map<number, AttachmentRecord>;
  /** Next id per resource (bills, bill_items, invoices...). */
  nextIds: Map<string, number>;
  invoiceSequence: number;
  creditNoteSequence: number;
}

export interface SandboxStats {
  /** Calls answered per company id. */
  calls: Record<string, number>;
  /** Calls per "METHOD /v2/path-pattern". */
  routes: Record<string, number>;
  sent429: number;
  sent5xx: number;
  timeouts: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  documentsCreated: number;
}

export interface SandboxState extends OAuthStores<PendingApproval, AuthorizationCode, Grant, RefreshTokenRecord> {
  options: FreeagentSandboxOptions;
  now: () => number;
  limits: Limits;
  accessTokenSeconds: number;
  refreshGraceMs: number;
  attachmentMaxBytes: number;
  clients: Map<string, SandboxClient>;
  companies: Map<string, CompanyState>;
  faults: { all: Faults; companies: Map<string, Faults> };
  /** Fixed-window counters: key → { window start, count }. */
  windows: Map<string, { start: number; count: number }>;
  /** Tokens and codes (deterministic from the seed). */
  ids: Random;
  /** Fault dice (deterministic from the seed). */
  dice: Random;
  stats: SandboxStats;
}

export function companyState(data: CompanySeed): CompanyState {
  return {
    data,
    bills: new Map(),
    invoices: new Map(),
    creditNotes: new Map(),
    expenses: new Map(),
    explanations: new Map(),
    bankTransactions: new Map(),
    attachments: new Map(),
    nextIds: new Map(),
    invoiceSequence: 0,
    creditNoteSequence: 0,
  };
}

/** The next id for a resource, e.g. `nextId(company, 'bills')`; ids start where a live account's might. */
export function nextId(company: CompanyState, resource: string): number {
  const id = company.nextIds.get(resource) ?? 1001;
  company.nextIds.set(resource, id + 1);
  return id;
}

export function createState(options: FreeagentSandboxOptions): SandboxState {
  const seed = options.seed ?? 1;
  const now = options.now ? () => (options.now as () => Date)().getTime() : () => Date.now();
  // Given companies are copied so a reset brings back the originals after mutations.
  const seeds = options.companies ? structuredClone(options.companies) : defaultCompanies(seed);
  const clients = [...(options.clients ?? []), ...(options.client ? [options.client] : [])];
  return {
    options,
    now,
    limits: { ...freeagentLimits, ...options.limits },
    accessTokenSeconds: options.accessTokenSeconds ?? 3600,
    refreshGraceMs: options.refreshGraceMs ?? 0,
    attachmentMaxBytes: options.attachmentMaxBytes ?? 5 * 1024 * 1024,
    clients: new Map(clients.map((c) => [c.id, c])),
    companies: new Map(seeds.map((s) => [s.id, companyState(s)])),
    ...emptyOAuthStores(),
    faults: { all: {}, companies: new Map() },
    windows: new Map(),
    ids: createRandom(`${seed}:ids`),
    dice: createRandom(`${seed}:faults`),
    stats: { calls: {}, routes: {}, sent429: 0, sent5xx: 0, timeouts: 0, tokenExchanges: 0, tokenRefreshes: 0, documentsCreated: 0 },
  };
}

export interface WindowLimit {
  key: string;
  windowMs: number;
  limit: number;
  /** Words for the 429 body, e.g. "120 requests per 60 seconds". */
  words: string;
}

/**
 * Counts one call against every window, or none if any is full (FreeAgent's windows reset "at
 * the start of every minute/hour", so they are fixed, not sliding).
 */
export function admit(state: SandboxState, limits: WindowLimit[]): { ok: true } | { ok: false; retryAfterSeconds: number; words: string } {
  const now = state.now();
  const windows = limits.map((l) => {
    const start = Math.floor(now / l.windowMs) * l.windowMs;
    const current = state.windows.get(l.key);
    return { l, start, window: current && current.start === start ? current : { start, count: 0 } };
  });
  const full = windows.find((w) => w.window.count >= w.l.limit);
  if (full) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((full.start + full.l.windowMs - now) / 1000)), words: full.l.words };
  for (const w of windows) {
    w.window.count++;
    state.windows.set(w.l.key, w.window);
  }
  return { ok: true };
}
