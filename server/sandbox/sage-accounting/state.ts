/**
 * The Sage Accounting sandbox's whole memory: the app's clients, users and their access to
 * businesses, pending sign-ins, codes and tokens, the businesses' lists and documents, limits,
 * faults and counters. `createState` builds it from the options; reset builds it again.
 */
import { emptyOAuthStores, type OAuthClient, type OAuthStores } from '../common/oauth.js';
import type { Faults as SharedFaults } from '../common/faults.js';
import { SlidingWindow } from '../common/rate-limit.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import { areas, defaultBusinesses, type Access, type Area, type BusinessData } from './seed.js';

/** Sage compares callback URLs character for character. */
export type SandboxClient = OAuthClient;

export interface RateLimits {
  perMinute: number;
  perDay: number;
}

/**
 * Sage publishes no numeric limits for v3.1; 100 a minute and 2,500 a day per business are the
 * third-party figures (sage-accounting.md §5), so they are the default and adjustable.
 */
export const sageLimits: RateLimits = { perMinute: 100, perDay: 2500 };

export interface SageSandboxOptions {
  /** The companion's client (SandboxFactory passes one) and/or a list of them. */
  client?: SandboxClient;
  clients?: SandboxClient[];
  seed?: number;
  now?: () => Date;
  limits?: Partial<RateLimits>;
  /** 1 = real time; 60 makes a rate-limit minute last one second. */
  timeScale?: number;
  businesses?: BusinessData[];
  /** Largest attachment accepted, bytes (Sage publishes none; default 10 MB as in the catalogue). */
  attachmentMaxBytes?: number;
}

export interface Membership {
  businessId: string;
  access: Record<Area, Access>;
}

export interface SandboxUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  /** In order: the first is the user's lead business (used when X-Business is absent). */
  memberships: Membership[];
}

export interface PendingSignIn {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  country?: string;
  userId?: string;
  expiresAt: number;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  scope: string;
  expiresAt: number;
  used: boolean;
}

export interface Grant {
  id: string;
  userId: string;
  clientId: string;
  scope: string;
  revoked: boolean;
}

export interface TokenRecord {
  grantId: string;
  expiresAt: number;
  /** Refresh tokens work once: set when used. */
  used?: boolean;
}

export interface Faults extends SharedFaults {
  /** The next `count` calls matching method/path (prefix, e.g. "/contact_payments") answer `status`. */
  failNext?: { method?: string; path: string; status: number; count: number };
}

export type ArtefactKind = 'purchase_invoice' | 'sales_invoice' | 'purchase_credit_note' | 'sales_credit_note';

export interface StoredLine {
  id: string;
  description: string;
  ledger_account_id: string;
  quantity: number;
  unit_price: number;
  unit_price_includes_tax: boolean;
  net_amount: number;
  tax_rate_id?: string;
  tax_amount: number;
  total_amount: number;
  product_id?: string;
  service_id?: string;
  analysis_type_categories: string[];
}

export interface ArtefactRecord {
  kind: ArtefactKind;
  id: string;
  transaction_id: string;
  number: string;
  contact_id: string;
  date: string;
  due_date?: string;
  reference?: string;
  vendor_reference?: string;
  notes?: string;
  currency_id: string;
  exchange_rate: number;
  lines: StoredLine[];
  net_amount: number;
  tax_amount: number;
  total_amount: number;
  outstanding_amount: number;
  created_at: number;
  updated_at: number;
  deleted_at?: number;
  createdByClientId: string;
}

export interface OtherPaymentLine {
  id: string;
  ledger_account_id: string;
  details?: string;
  tax_rate_id?: string;
  net_amount: number;
  tax_amount: number;
  total_amount: number;
  analysis_type_categories: string[];
}

export interface OtherPaymentRecord {
  id: string;
  transaction_id: string;
  transaction_type_id: 'OTHER_PAYMENT' | 'OTHER_RECEIPT';
  date: string;
  bank_account_id: string;
  contact_id?: string;
  payment_method_id?: string;
  reference?: string;
  lines: OtherPaymentLine[];
  net_amount: number;
  tax_amount: number;
  total_amount: number;
  created_at: number;
  updated_at: number;
  deleted_at?: number;
  createdByClientId: string;
}

export interface ContactPaymentRecord {
  id: string;
  transaction_id: string;
  transaction_type_id: 'VENDOR_PAYMENT' | 'CUSTOMER_RECEIPT' | 'VENDOR_RECEIPT' | 'CUSTOMER_REFUND';
  contact_id: string;
  bank_account_id: string;
  date: string;
  payment_method_id?: string;
  reference?: string;
  total_amount: number;
  allocations: { id: string; artefact_id: string; amount: number; discount: number }[];
  created_at: number;
  updated_at: number;
  deleted_at?: number;
  createdByClientId: string;
}

export interface AttachmentRecord {
  id: string;
  file_name: string;
  mime_type: string;
  file_extension?: string;
  file_size: number;
  description?: string;
  is_public: boolean;
  context_type_id?: string;
  context_id?: string;
  transaction_id?: string;
  data: Buffer;
  created_at: number;
  updated_at: number;
  deleted_at?: number;
}

export interface BusinessState {
  data: BusinessData;
  artefacts: Map<string, ArtefactRecord>;
  otherPayments: Map<string, OtherPaymentRecord>;
  contactPayments: Map<string, ContactPaymentRecord>;
  attachments: Map<string, AttachmentRecord>;
  counters: Record<ArtefactKind, number>;
  minute: SlidingWindow;
  day: SlidingWindow;
}

export interface SandboxStats {
  calls: Record<string, number>;
  sent429: number;
  sent5xx: number;
  timeouts: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  revocations: number;
  /** Each call as "METHOD /path" (no query), in order; for tests that count lookups. */
  log: string[];
}

export interface SandboxState extends OAuthStores<PendingSignIn, AuthorizationCode, Grant, TokenRecord, TokenRecord> {
  options: SageSandboxOptions;
  now: () => number;
  timeScale: number;
  limits: RateLimits;
  attachmentMaxBytes: number;
  clients: Map<string, SandboxClient>;
  users: SandboxUser[];
  businesses: Map<string, BusinessState>;
  faults: { all: Faults; businesses: Map<string, Faults> };
  ids: Random;
  dice: Random;
  stats: SandboxStats;
}

const fullAccess = (): Record<Area, Access> => Object.fromEntries(areas.map((a) => [a, 'full'])) as Record<Area, Access>;

export function businessState(data: BusinessData, timeScale: number): BusinessState {
  return {
    data,
    artefacts: new Map(),
    otherPayments: new Map(),
    contactPayments: new Map(),
    attachments: new Map(),
    counters: { purchase_invoice: 0, sales_invoice: 0, purchase_credit_note: 0, sales_credit_note: 0 },
    minute: new SlidingWindow(60_000 / timeScale),
    day: new SlidingWindow(86_400_000 / timeScale),
  };
}

export function createState(options: SageSandboxOptions): SandboxState {
  const seed = options.seed ?? 1;
  const timeScale = options.timeScale ?? 1;
  const limits = { ...sageLimits, ...options.limits };
  const now = options.now ? () => (options.now as () => Date)().getTime() : () => Date.now();
  // Given businesses are copied so a reset brings back the originals after mutations.
  const data = options.businesses ? structuredClone(options.businesses) : defaultBusinesses(seed);
  const businesses = new Map(data.map((b) => [b.id, businessState(b, timeScale)]));
  const people = createRandom(deriveSeed(seed, 'users'));
  const ids = data.map((b) => b.id);
  const users: SandboxUser[] = [
    {
      id: people.id(),
      email: 'demo@example.com',
      first_name: 'Demo',
      last_name: 'User',
      memberships: ids.map((businessId) => ({ businessId, access: fullAccess() })),
    },
    {
      id: people.id(),
      email: 'accountant@example.com',
      first_name: 'Alex',
      last_name: 'Accountant',
      memberships: ids.slice(0, 1).map((businessId) => ({ businessId, access: fullAccess() })),
    },
  ];
  const clients = [...(options.clients ?? []), ...(options.client ? [options.client] : [])];
  return {
    options,
    now,
    timeScale,
    limits,
    attachmentMaxBytes: options.attachmentMaxBytes ?? 10 * 1024 * 1024,
    clients: new Map(clients.map((c) => [c.id, c])),
    users,
    businesses,
    ...emptyOAuthStores(),
    faults: { all: {}, businesses: new Map() },
    ids: createRandom(deriveSeed(seed, 'ids')),
    dice: createRandom(deriveSeed(seed, 'faults')),
    stats: { calls: {}, sent429: 0, sent5xx: 0, timeouts: 0, tokenExchanges: 0, tokenRefreshes: 0, revocations: 0, log: [] },
  };
}
