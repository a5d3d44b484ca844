/**
 * The provider catalogue: what each accounting system is, as data (after Nango's
 * `packages/providers`). Behaviour lives in `server/providers/<id>/`; everything a
 * user can see about a provider (how it connects, what it can publish) lives here, so
 * the server and the extension read the same facts.
 */
export const providerIds = [
  'xero',
  'quickbooks-online',
  'sage-accounting',
  'kashflow',
  'freeagent',
  'approvalmax',
  'bill-com',
] as const;
export type ProviderId = (typeof providerIds)[number];

/** The lists Dext imports, in the user's words (seed 001: "Before you start"). */
export const listKinds = [
  'categories',
  'contacts',
  'tax_rates',
  'products',
  'projects',
  'bank_accounts',
] as const;
export type ListKind = (typeof listKinds)[number];

export const listKindLabels: Record<ListKind, string> = {
  categories: 'Categories',
  contacts: 'Suppliers and customers',
  tax_rates: 'Tax rates',
  products: 'Products and services',
  projects: 'Projects',
  bank_accounts: 'Bank accounts',
};

export const itemTypes = [
  'cost',
  'sales',
  'expense_claim',
  'purchase_credit_note',
  'sales_credit_note',
] as const;
export type ItemType = (typeof itemTypes)[number];

export type AuthKind = 'oauth2' | 'api_key' | 'session';

/** How the organisation is picked once the grant exists. */
export type OrganisationChoice =
  | 'chooser' // the grant covers several; we list them and the user picks (Xero, Sage, ApprovalMax)
  | 'callback' // the provider's consent screen picks it and returns it (QuickBooks realmId)
  | 'single'; // one login is one company (FreeAgent, KashFlow, Bill.com after org choice at login)

export interface Destination {
  /** Stable id stored in settings and rules, e.g. `bill`, `spend_money`. */
  id: string;
  label: string;
  /** Statuses the document can be created in, first is the default. Empty: the provider has none. */
  statuses: readonly string[];
  /** Sends a payment with a paid item (bank match / payment lines). */
  paidOnly?: boolean;
}

export interface ProviderEntry {
  id: ProviderId;
  name: string;
  authKind: AuthKind;
  /** `ledger`: the business's one accounting connection; `secondary`: beside a ledger. */
  role: 'ledger' | 'secondary';
  organisationChoice: OrganisationChoice;
  scopes: readonly string[];
  /**
   * The provider's real hosts by name. Adapters build every URL from these; in sandbox mode
   * each one is replaced by `<server>/sandbox/<id>/<host name>`.
   */
  hosts: Readonly<Record<string, string>>;
  /** Where a user signs in to the provider's own web app (for the extension's content scripts). */
  webAppMatches: readonly string[];
  lists: readonly ListKind[];
  /** Lists the provider can filter by "changed since"; the rest are re-read in full on refresh. */
  incrementalLists: readonly ListKind[];
  /** Publishing destinations per item type; an empty list means the provider cannot take it. */
  destinations: Readonly<Record<ItemType, readonly Destination[]>>;
  capabilities: {
    bankMatch: boolean;
    revoke: boolean;
    /** How a retried publish is kept from creating a second document. */
    idempotency: 'header' | 'request_id' | 'reference_lookup';
    /** Documents one create call may carry. */
    batchSize: number;
    attachments: { maxBytes: number; types: readonly string[] } | null;
  };
  /**
   * The provider's published limits, and what they apply to: calls are queued per value of
   * `scopeHeader` (Xero's tenant header, Sage's business header) or, by default, per
   * Authorization header (one token is one connection).
   */
  rateLimit: { perMinute: number; concurrent: number; perDay?: number; scopeHeader?: string; scopePath?: string };
  /** Plain words for anything the provider cannot do, shown beside Connect. */
  limitations?: string;
}

const pdfAndImages = ['application/pdf', 'image/png', 'image/jpeg', 'image/gif'] as const;
const none: readonly Destination[] = [];

export const catalogue: Readonly<Record<ProviderId, ProviderEntry>> = {
  xero: {
    id: 'xero',
    name: 'Xero',
    authKind: 'oauth2',
    role: 'ledger',
    organisationChoice: 'chooser',
    scopes: [
      'openid',
      'profile',
      'email',
      'offline_access',
      'accounting.settings',
      'accounting.contacts',
      'accounting.transactions',
      'accounting.attachments',
    ],
    hosts: {
      login: 'https://login.xero.com',
      identity: 'https://identity.xero.com',
      api: 'https://api.xero.com',
    },
    webAppMatches: ['https://go.xero.com/*', 'https://*.xero.com/*'],
    lists: ['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts'],
    incrementalLists: ['categories', 'contacts', 'products', 'bank_accounts'],
    destinations: {
      cost: [
        { id: 'bill', label: 'Bill', statuses: ['DRAFT', 'SUBMITTED', 'AUTHORISED'] },
        { id: 'spend_money', label: 'Spend money', statuses: ['AUTHORISED'], paidOnly: true },
      ],
      sales: [
        { id: 'sales_invoice', label: 'Sales invoice', statuses: ['DRAFT', 'SUBMITTED', 'AUTHORISED'] },
        { id: 'receive_money', label: 'Receive money', statuses: ['AUTHORISED'], paidOnly: true },
      ],
      expense_claim: [
        { id: 'bill', label: 'Bill to the claimant', statuses: ['DRAFT', 'SUBMITTED', 'AUTHORISED'] },
      ],
      purchase_credit_note: [
        { id: 'purchase_credit_note', label: 'Purchase credit note', statuses: ['DRAFT', 'SUBMITTED', 'AUTHORISED'] },
      ],
      sales_credit_note: [
        { id: 'sales_credit_note', label: 'Sales credit note', statuses: ['DRAFT', 'SUBMITTED', 'AUTHORISED'] },
      ],
    },
    capabilities: {
      bankMatch: true,
      revoke: true,
      idempotency: 'header',
      batchSize: 50,
      attachments: { maxBytes: 25 * 1024 * 1024, types: pdfAndImages },
    },
    rateLimit: { perMinute: 60, concurrent: 5, perDay: 5000, scopeHeader: 'xero-tenant-id' },
  },
  'quickbooks-online': {
    id: 'quickbooks-online',
    name: 'QuickBooks Online',
    authKind: 'oauth2',
    role: 'ledger',
    organisationChoice: 'callback',
    scopes: ['com.intuit.quickbooks.accounting', 'openid', 'profile', 'email'],
    hosts: {
      appcenter: 'https://appcenter.intuit.com',
      oauth: 'https://oauth.platform.intuit.com',
      developer: 'https://developer.api.intuit.com',
      api: 'https://quickbooks.api.intuit.com',
    },
    webAppMatches: ['https://app.qbo.intuit.com/*', 'https://qbo.intuit.com/*'],
    lists: ['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts'],
    // Change data capture covers these; it does not cover TaxCode/TaxRate (quickbooks-online.md §2).
    incrementalLists: ['categories', 'contacts', 'products', 'projects', 'bank_accounts'],
    destinations: {
      cost: [
        { id: 'bill', label: 'Bill', statuses: [] },
        { id: 'expense', label: 'Expense (cash, cheque or credit card)', statuses: [], paidOnly: true },
      ],
      sales: [{ id: 'invoice', label: 'Invoice', statuses: [] }],
      expense_claim: none,
      purchase_credit_note: [{ id: 'vendor_credit', label: 'Supplier credit', statuses: [] }],
      sales_credit_note: [{ id: 'credit_memo', label: 'Credit note', statuses: [] }],
    },
    capabilities: {
      bankMatch: false,
      revoke: true,
      idempotency: 'request_id',
      batchSize: 30,
      attachments: { maxBytes: 100 * 1024 * 1024, types: pdfAndImages },
    },
    rateLimit: { perMinute: 500, concurrent: 10, scopePath: '/v3/company/([^/]+)/' },
    limitations: 'QuickBooks Online has no expense claim document: publish expense claims as bills or expenses instead.',
  },
  'sage-accounting': {
    id: 'sage-accounting',
    name: 'Sage Accounting',
    authKind: 'oauth2',
    role: 'ledger',
    organisationChoice: 'chooser',
    scopes: ['full_access'],
    hosts: {
      www: 'https://www.sageone.com',
      oauth: 'https://oauth.accounting.sage.com',
      api: 'https://api.accounting.sage.com',
    },
    webAppMatches: ['https://app.accounting.sage.com/*'],
    lists: ['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts'],
    // Only these have `deleted_since` as well as `updated_or_created_since`: ledger accounts and
    // tax rates have no way to report a deletion, so they are re-read in full (sage-accounting.md §2).
    incrementalLists: ['contacts', 'products', 'bank_accounts'],
    destinations: {
      cost: [
        { id: 'purchase_invoice', label: 'Purchase invoice', statuses: [] },
        { id: 'other_payment', label: 'Other payment', statuses: [], paidOnly: true },
      ],
      sales: [
        { id: 'sales_invoice', label: 'Sales invoice', statuses: [] },
        { id: 'other_receipt', label: 'Other receipt', statuses: [], paidOnly: true },
      ],
      expense_claim: [{ id: 'purchase_invoice', label: 'Purchase invoice to the claimant', statuses: [] }],
      purchase_credit_note: [{ id: 'purchase_credit_note', label: 'Purchase credit note', statuses: [] }],
      sales_credit_note: [{ id: 'sales_credit_note', label: 'Sales credit note', statuses: [] }],
    },
    capabilities: {
      bankMatch: true,
      revoke: true,
      idempotency: 'reference_lookup',
      batchSize: 1,
      attachments: { maxBytes: 10 * 1024 * 1024, types: pdfAndImages },
    },
    rateLimit: { perMinute: 100, concurrent: 5, perDay: 2500, scopeHeader: 'x-business' },
  },
  kashflow: {
    id: 'kashflow',
    name: 'KashFlow',
    authKind: 'api_key',
    role: 'ledger',
    organisationChoice: 'single',
    scopes: [],
    hosts: {
      app: 'https://app.kashflow.com',
      api: 'https://api.kashflow.com',
      soap: 'https://securedwebapp.com',
    },
    webAppMatches: ['https://app.kashflow.com/*', 'https://*.kashflow.com/*'],
    lists: ['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts'],
    incrementalLists: [],
    destinations: {
      cost: [
        { id: 'purchase', label: 'Purchase invoice', statuses: [] },
        { id: 'expense', label: 'Bank payment (expense)', statuses: [], paidOnly: true },
      ],
      sales: [{ id: 'invoice', label: 'Sales invoice', statuses: [] }],
      expense_claim: [{ id: 'purchase', label: 'Purchase invoice to the claimant', statuses: [] }],
      purchase_credit_note: [{ id: 'purchase_credit', label: 'Purchase credit (negative purchase)', statuses: [] }],
      sales_credit_note: [{ id: 'invoice_credit', label: 'Sales credit (negative invoice)', statuses: [] }],
    },
    capabilities: {
      bankMatch: false,
      revoke: false,
      idempotency: 'reference_lookup',
      batchSize: 1,
      attachments: { maxBytes: 10 * 1024 * 1024, types: pdfAndImages },
    },
    rateLimit: { perMinute: 60, concurrent: 1 },
    limitations: 'KashFlow has no credit note document in its API: credits are published as negative purchases or invoices.',
  },
  freeagent: {
    id: 'freeagent',
    name: 'FreeAgent',
    authKind: 'oauth2',
    role: 'ledger',
    organisationChoice: 'single',
    scopes: [],
    // One host: the approve page (/v2/approve_app) and token endpoint (/v2/token_endpoint) are on
    // the API host too. FreeAgent's own sandbox is https://api.sandbox.freeagent.com.
    hosts: { api: 'https://api.freeagent.com' },
    webAppMatches: ['https://*.freeagent.com/*'],
    lists: ['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts'],
    // Only contacts of these lists take `updated_since`; projects, bank accounts, price list
    // items and categories are re-read in full (freeagent.md §2).
    incrementalLists: ['contacts'],
    destinations: {
      cost: [
        { id: 'bill', label: 'Bill', statuses: [] },
        { id: 'bank_explanation', label: 'Bank transaction explanation', statuses: [], paidOnly: true },
      ],
      sales: [{ id: 'invoice', label: 'Invoice', statuses: ['Draft', 'Sent'] }],
      expense_claim: [{ id: 'expense', label: 'Expense claim', statuses: [] }],
      purchase_credit_note: [{ id: 'bill_credit', label: 'Bill (negative)', statuses: [] }],
      sales_credit_note: [{ id: 'credit_note', label: 'Credit note', statuses: ['Draft', 'Sent'] }],
    },
    capabilities: {
      bankMatch: false,
      revoke: false,
      idempotency: 'reference_lookup',
      batchSize: 1,
      attachments: { maxBytes: 5 * 1024 * 1024, types: pdfAndImages },
    },
    // Per user: 120 a minute and 3,600 an hour (windows reset on the minute/hour), 15 token
    // refreshes a minute. No concurrency limit is published.
    rateLimit: { perMinute: 120, concurrent: 5 },
    limitations:
      "FreeAgent keeps one file per bill, bank explanation or expense, and none on sales invoices or credit notes through its API. Supplier credit notes are published as negative bills.",
  },
  approvalmax: {
    id: 'approvalmax',
    name: 'ApprovalMax',
    authKind: 'oauth2',
    role: 'secondary',
    organisationChoice: 'chooser',
    // Read only: the Public API has no document writes, so the write scope is not asked for.
    scopes: ['https://www.approvalmax.com/scopes/public_api/read', 'offline_access'],
    hosts: { identity: 'https://identity.approvalmax.com', api: 'https://public-api.approvalmax.com' },
    webAppMatches: ['https://app.approvalmax.com/*'],
    // Accounts, suppliers, tax rates... belong to the ledger; the Public API exposes none of them.
    lists: [],
    incrementalLists: [],
    // Nothing is published to ApprovalMax: cost items and expense claims go to the ledger as bills
    // awaiting approval (the ledger's destinations and statuses), and ApprovalMax pulls them.
    destinations: {
      cost: none,
      sales: none,
      expense_claim: none,
      purchase_credit_note: none,
      sales_credit_note: none,
    },
    capabilities: {
      bankMatch: false,
      // IdentityServer's standard revocation endpoint; not confirmed in ApprovalMax's own pages.
      revoke: true,
      // Nothing is written; approval state is read back by the ledger document's id.
      idempotency: 'reference_lookup',
      batchSize: 1,
      attachments: null,
    },
    // 100 read requests per minute per client id and organisation.
    rateLimit: { perMinute: 100, concurrent: 5 },
    limitations:
      "ApprovalMax works beside Xero or QuickBooks Online only (not KashFlow, Sage Accounting or FreeAgent), and you connect the ApprovalMax organisation linked to your ledger organisation. Its API is read-only: nothing is published to ApprovalMax. While it is connected, cost items and expense claims go to your ledger as bills ApprovalMax picks up (in Xero, status Awaiting Approval unless you set a status by hand; in QuickBooks Online, open bills as usual), and Bookbridge shows ApprovalMax's decision on each item (awaiting approval, approved or rejected, when, by whom as ApprovalMax names them, and the approver's comment), read every 15 minutes or on demand. Only organisations on ApprovalMax's Premium plan or an All Features trial share their approvals with other apps.",
  },
  'bill-com': {
    id: 'bill-com',
    name: 'Bill.com',
    authKind: 'session',
    role: 'secondary',
    organisationChoice: 'single',
    scopes: [],
    hosts: { api: 'https://gateway.prod.bill.com', app: 'https://app02.us.bill.com' },
    webAppMatches: ['https://*.bill.com/*'],
    lists: ['categories', 'contacts', 'projects', 'bank_accounts'],
    // Every v3 list filters on updatedTime (bill-com.md §2); bank accounts are few, read in full.
    incrementalLists: ['categories', 'contacts', 'projects'],
    destinations: {
      cost: [
        { id: 'bill', label: 'Bill', statuses: [] },
        // A purchase paid outside BILL: the bill plus POST /v3/bills/record-payment (bill-com.md §3).
        { id: 'paid_bill', label: 'Bill, recorded as paid', statuses: [], paidOnly: true },
      ],
      sales: none,
      expense_claim: [{ id: 'bill', label: 'Bill to the claimant', statuses: [] }],
      purchase_credit_note: [{ id: 'vendor_credit', label: 'Vendor credit', statuses: [] }],
      sales_credit_note: none,
    },
    capabilities: {
      bankMatch: false,
      revoke: false,
      idempotency: 'reference_lookup',
      batchSize: 100,
      // POST /v3/documents/bills/{billId}: 6 MB per file (bill-com.md §3).
      attachments: { maxBytes: 6 * 1024 * 1024, types: pdfAndImages },
    },
    // 20,000 calls per developer key per hour (~333 a minute); 3 at once per organisation.
    rateLimit: { perMinute: 300, concurrent: 3 },
    limitations: 'Bill.com takes cost items and expense claims only.',
  },
};

export function getProvider(id: string): ProviderEntry | undefined {
  return (catalogue as Record<string, ProviderEntry>)[id];
}

export function isProviderId(id: string): id is ProviderId {
  return (providerIds as readonly string[]).includes(id);
}
