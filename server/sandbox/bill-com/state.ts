/**
 * BILL sandbox state: users, organisations and their records (kept in BILL's own JSON shape, so
 * the API serves them as they are), API sessions, web sessions, limits, faults and counters.
 * All in memory; `createState` with the same options always gives the same data.
 */
import { createRng, type Rng } from './random.js';
import { buildWorld } from './seed.js';

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  stateOrProvince: string;
  zipOrPostalCode: string;
  country: string;
  countryName: string;
}

interface Timestamps {
  createdTime: string;
  updatedTime: string;
}

export interface ChartOfAccount extends Timestamps {
  id: string;
  archived: boolean;
  name: string;
  description?: string;
  parentId?: string;
  account: { type: string; number?: string };
}

export interface Vendor extends Timestamps {
  archived: boolean;
  id: string;
  name: string;
  shortName?: string;
  accountNumber?: string;
  accountType: 'BUSINESS' | 'PERSON' | 'NONE';
  email?: string;
  phone?: string;
  address: Address;
  billCurrency: string;
  balance: { amount: number; lastUpdatedDate?: string };
  paymentInformation: { payeeName: string; payByType: string };
}

export interface Customer extends Timestamps {
  archived: boolean;
  id: string;
  name: string;
  companyName?: string;
  email?: string;
  phone?: string;
  contact?: { firstName: string; lastName: string };
  accountType: 'BUSINESS' | 'PERSON' | 'NONE';
  accountNumber?: string;
  invoiceCurrency: string;
  billingAddress: Address;
  balance: { amount: number };
}

/** Jobs, departments, locations and accounting classes share this shape. */
export interface Classification extends Timestamps {
  id: string;
  name: string;
  shortName?: string;
  description?: string;
  parentId?: string;
  archived: boolean;
}

export interface Employee extends Timestamps {
  id: string;
  firstName: string;
  lastName: string;
  shortName?: string;
  archived: boolean;
}

export interface Item extends Timestamps {
  id: string;
  type: string;
  name: string;
  shortName?: string;
  description?: string;
  archived: boolean;
  price?: number;
  chartOfAccountId?: string;
  expenseChartOfAccountId?: string;
  purchaseCost?: number;
  purchaseDescription?: string;
  taxable: boolean;
}

export interface BankAccount extends Timestamps {
  archived: boolean;
  id: string;
  status: 'VERIFIED' | 'NOT_VERIFIED' | 'PENDING';
  createdBy: string;
  routingNumber: string;
  accountNumber: string;
  nameOnAccount: string;
  type: 'CHECKING' | 'SAVINGS';
  ownerType: 'BUSINESS' | 'PERSONAL';
  bankName: string;
  accessToAdmins: boolean;
  default: { payables: boolean; receivables: boolean };
  chartOfAccountId?: string;
}

export interface LineClassifications {
  chartOfAccountId?: string;
  accountingClassId?: string;
  departmentId?: string;
  employeeId?: string;
  jobId?: string;
  locationId?: string;
  itemId?: string;
  customerId?: string;
}

export interface BillLine {
  id: string;
  amount: number;
  quantity?: number;
  price?: number;
  description?: string;
  classifications?: LineClassifications;
}

export interface Bill extends Timestamps {
  id: string;
  archived: boolean;
  vendorId: string;
  vendorName: string;
  amount: number;
  paidAmount: number;
  dueAmount: number;
  scheduledAmount: number;
  creditAmount: number;
  fundingAmount: number;
  exchangeRate: number;
  description?: string;
  dueDate: string;
  invoice: { invoiceNumber: string; invoiceDate: string };
  billLineItems: BillLine[];
  payFromChartOfAccountId?: string;
  purchaseOrderNumber?: string;
  paymentStatus: 'UNPAID' | 'PARTIAL' | 'PAID' | 'SCHEDULED';
  approvalStatus: 'UNASSIGNED' | 'ASSIGNED' | 'APPROVED' | 'DENIED';
}

export interface VendorCredit extends Timestamps {
  id: string;
  vendorId: string;
  referenceNumber: string;
  creditDate: string;
  description?: string;
  archived: boolean;
  amount: number;
  appliedAmount: number;
  status: 'NOT_APPLIED' | 'PARTIALLY_APPLIED' | 'FULLY_APPLIED';
  vendorCreditLineItems: Array<{ id: string; amount: number; description?: string; classifications?: LineClassifications }>;
}

export interface Payment extends Timestamps {
  id: string;
  vendorId: string;
  billPayments: Array<{ id: string; billId: string; amount: number }>;
  description?: string;
  processDate: string;
  amount: number;
  transactionNumber: string;
  confirmationNumber: string;
  status: 'PAID' | 'SCHEDULED';
  onlinePayment: boolean;
  disbursementType: 'OFFLINE' | 'ACH' | 'CHECK';
  toPrintCheck: boolean;
  createdBy: string;
  classifications?: { chartOfAccountId?: string };
  syncReference?: string;
}

/** A file sent to `POST /v3/documents/bills/{billId}`: in progress (0du…) until processed (00h…). */
export interface Upload {
  uploadId: string;
  billId: string;
  name: string;
  contentType: string;
  bytes: Uint8Array;
  createdAt: number;
  /** Set when processing ends (on the first read after `uploadProcessingMs`). */
  documentId?: string;
  failed?: boolean;
  createdTime: string;
}

export interface OrganizationData {
  id: string;
  name: string;
  address: Address;
  phone: string;
  industry: string;
  createdTime: string;
  updatedTime: string;
  chartOfAccounts: ChartOfAccount[];
  vendors: Vendor[];
  customers: Customer[];
  jobs: Classification[];
  departments: Classification[];
  locations: Classification[];
  accountingClasses: Classification[];
  employees: Employee[];
  items: Item[];
  bankAccounts: BankAccount[];
  bills: Bill[];
  vendorCredits: VendorCredit[];
  payments: Payment[];
  uploads: Upload[];
  /** Developer keys generated on Settings > Sync & Integrations > Manage Developer Keys (max 4). */
  developerKeys: Array<{ key: string; createdTime: string; createdBy: string }>;
}

export interface User {
  id: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  organizationIds: string[];
  /** A device remembered after MFA (login with it gives an MFA-trusted session). */
  rememberMeId: string;
}

export interface ApiSession {
  sessionId: string;
  devKey: string;
  organizationId: string;
  userId: string;
  trusted: boolean;
  lastUsedAt: number;
}

export interface WebSession {
  userId: string;
  organizationId?: string;
  expiresAt: number;
}

export interface Limits {
  /** Calls per developer key per clock hour (BILL: 20,000; BDC_1144). */
  perHour: number;
  /** `POST /v3/login` per developer key per clock hour (BILL: 200). */
  loginsPerHour: number;
  /** Calls in progress per developer key per organisation (BILL: 3; BDC_1322). */
  concurrent: number;
}

export const billLimits: Limits = { perHour: 20_000, loginsPerHour: 200, concurrent: 3 };

export interface Faults {
  /** Only calls to this path prefix on the API host (e.g. `/v3/bills/record-payment`). */
  path?: string;
  /** Only calls with this method. */
  method?: string;
  /** A gateway 429 with Retry-After, `count` times. */
  rate429?: { count: number; retryAfterSeconds: number };
  /** BDC_1144 (hourly limit) for the next `count` calls. */
  hourlyLimit?: { count: number };
  /** BDC_1322 (too many calls at once) for the next `count` calls. */
  concurrencyLimit?: { count: number };
  error5xxRate?: number;
  /** The call is carried out, then no answer comes (the client times out). */
  timeoutRate?: number;
  slowMs?: number;
  /** The next `count` uploads end FAILED instead of UPLOADED. */
  failUploads?: number;
}

export interface Stats {
  requests: number;
  logins: number;
  failedLogins: number;
  sessionsCreated: number;
  routes: Record<string, number>;
  /** Refusals by BDC code (BDC_1109, BDC_1144, BDC_1322...). */
  refused: Record<string, number>;
  /** Most calls ever in progress at once, per organisation. */
  peakConcurrent: Record<string, number>;
  faultsInjected: number;
  uploadStatusPolls: number;
}

export interface SandboxState {
  users: User[];
  organizations: Map<string, OrganizationData>;
  sessions: Map<string, ApiSession>;
  webSessions: Map<string, WebSession>;
  limits: Limits;
  faults: { all: Faults; organizations: Map<string, Faults> };
  /** Calls this clock hour per developer key, and logins. */
  hourly: { hour: number; calls: Map<string, number>; logins: Map<string, number> };
  inFlight: Map<string, number>;
  stats: Stats;
  /** Added to the clock: `/_control/time` moves the sandbox forward (35 idle minutes in a test). */
  clockOffsetMs: number;
  rng: Rng;
  /** Separate source for fault dice, so faults do not shift seeded ids. */
  dice: Rng;
}

export interface BillComSandboxOptions {
  /** The companion's developer key (SandboxFactory's client: `client.id` is the key). */
  client?: { id: string; secret?: string };
  /** More developer keys the API accepts, e.g. for tests. */
  developerKeys?: string[];
  now?: () => Date;
  seed?: number | string;
  /** Idle time before a session ends: BILL says 35 minutes. */
  sessionIdleMs?: number;
  limits?: Partial<Limits>;
  /** How long an uploaded document stays IN_PROGRESS (BILL: "a few minutes"). Default 2 s. */
  uploadProcessingMs?: number;
  /** HTTP status sent with BDC_1144/BDC_1322; BILL sends a 4xx with the code in the body [?]. */
  limitStatus?: 400 | 429;
}

export function createState(options: BillComSandboxOptions): SandboxState {
  const rng = createRng(options.seed ?? 'bill-com');
  const now = (options.now ?? (() => new Date()))();
  const world = buildWorld(rng, now);
  return {
    users: world.users,
    organizations: new Map(world.organizations.map((o) => [o.id, o])),
    sessions: new Map(),
    webSessions: new Map(),
    limits: { ...billLimits, ...options.limits },
    faults: { all: {}, organizations: new Map() },
    hourly: { hour: -1, calls: new Map(), logins: new Map() },
    inFlight: new Map(),
    stats: emptyStats(),
    clockOffsetMs: 0,
    rng,
    dice: createRng(`${String(options.seed ?? 'bill-com')}:dice`),
  };
}

export function emptyStats(): Stats {
  return { requests: 0, logins: 0, failedLogins: 0, sessionsCreated: 0, routes: {}, refused: {}, peakConcurrent: {}, faultsInjected: 0, uploadStatusPolls: 0 };
}

export function findUser(state: SandboxState, email: string): User | undefined {
  const wanted = email.trim().toLowerCase();
  return state.users.find((u) => u.email.toLowerCase() === wanted);
}

export function countRefusal(state: SandboxState, code: string): void {
  state.stats.refused[code] = (state.stats.refused[code] ?? 0) + 1;
}
