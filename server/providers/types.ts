/**
 * The adapter contract: the only behaviour the rest of the server asks of a provider.
 * An adapter builds every URL from `ctx.hosts` and never knows whether it is talking to the
 * real provider or to its sandbox.
 */
import type { ItemType, ListKind, ProviderEntry, ProviderId } from '../../shared/catalogue.js';

export interface ProviderContext {
  entry: ProviderEntry;
  /** Host name → base URL (real, or `<server>/sandbox/<id>/<host>` in sandbox mode). */
  hosts: Readonly<Record<string, string>>;
  /** OAuth client, or developer key for Bill.com; absent when not configured. */
  client?: { id: string; secret: string };
  fetch: typeof fetch;
  now: () => Date;
  /** Per-request timeout in ms for provider calls. */
  timeoutMs: number;
}

/** OAuth tokens as the connection layer stores them (encrypted). */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Unix ms when the access token stops working. */
  accessTokenExpiresAt: number;
  scope?: string;
  /** Provider-specific extras (e.g. Xero authentication_event_id, QuickBooks realmId). */
  extra?: Record<string, string>;
}

/** Credentials for key/session providers (KashFlow, Bill.com), stored encrypted. */
export type KeyCredentials = Record<string, string>;

export type Credentials =
  | { kind: 'oauth2'; tokens: TokenSet }
  | { kind: 'api_key' | 'session'; values: KeyCredentials };

export interface Organisation {
  /** The provider's id for it: Xero tenantId, QuickBooks realmId, Sage business id... */
  id: string;
  name: string;
  /** e.g. base currency, country; shown in the chooser. */
  detail?: string;
  /** Provider-specific facts kept with the choice (e.g. ApprovalMax: the ledger organisation it is linked to). */
  extra?: Record<string, string>;
}

/**
 * What an adapter needs to call the provider for one connection. The connection layer owns
 * token refresh (one at a time per connection) and hands the adapter valid credentials.
 */
export interface ProviderSession {
  organisationId: string;
  credentials(): Promise<Credentials>;
  /**
   * Called by the adapter after a 401 that may only mean "access token expired": refresh once.
   * Pass the credentials the refused call used: if another call refreshed since, those fresher
   * tokens come back without a second refresh (a rotating refresh token is spent once).
   */
  renew(rejected?: Credentials): Promise<Credentials>;
  signal?: AbortSignal;
}

/** One list entry, normalised across providers. Amounts and rates are decimal strings. */
export interface ListEntry {
  externalId: string;
  code?: string;
  name: string;
  status: 'active' | 'archived';
  /** categories: account type; contacts: 'supplier' | 'customer' | 'both'; tax_rates: tax type. */
  type?: string;
  /** tax_rates: the percentage, e.g. "20.00"; categories/products: default tax rate code. */
  taxRate?: string;
  currency?: string;
  /** Anything else worth keeping (kept as JSON). */
  extra?: Record<string, unknown>;
}

export interface ListPage {
  entries: ListEntry[];
  /** External ids the provider reports as deleted since the last import (where it says). */
  deleted?: string[];
  /** Opaque cursor to resume after this page; null when the list is complete. */
  checkpoint: string | null;
  /** Total entries if the provider says, for progress bars. */
  total?: number;
}

export interface ImportOptions {
  /** Resume after this checkpoint (from an earlier ListPage). */
  checkpoint?: string | null;
  /** Only entries changed since then, where the provider supports it (see incrementalLists). */
  changedSince?: Date;
}

export interface PublishLine {
  description: string;
  quantity: string;
  /** Unit amount, decimal string, in the item's tax mode. */
  unitAmount: string;
  /** Line net/gross per tax mode, decimal string. */
  lineAmount: string;
  taxAmount?: string;
  /** Category as the provider knows it: code where it has one (Xero AccountCode, KashFlow nominal). */
  category: { externalId: string; code?: string };
  tax?: { externalId: string; code?: string; rate?: string };
  project?: { externalId: string; code?: string; name?: string };
  product?: { externalId: string; code?: string };
}

export interface PublishDocument {
  itemId: string;
  /** Stable for the item's whole life: replaying it must never create a second document. */
  idempotencyKey: string;
  itemType: ItemType;
  destination: string;
  status?: string;
  contact: { externalId: string; code?: string; name: string };
  date: string; // YYYY-MM-DD
  dueDate?: string;
  reference?: string;
  number?: string;
  currency: string;
  currencyRate?: string;
  taxMode: 'exclusive' | 'inclusive' | 'no_tax';
  lines: PublishLine[];
  total: string;
  totalTax: string;
  paid?: { date: string; amount: string; bankAccount: { externalId: string; code?: string } };
}

export interface PublishResult {
  /** The provider's id of the document. */
  documentId: string;
  /** A link that opens the document in the provider's web app. */
  url: string;
  /** Id of the payment created with it (bank match), if any. */
  paymentId?: string;
}

export interface Attachment {
  fileName: string;
  contentType: string;
  data: Uint8Array;
}

export interface ProviderAdapter {
  id: ProviderId;

  // --- connect -------------------------------------------------------------------------
  /** OAuth: the provider's authorize URL. */
  authorizationUrl?(p: { state: string; codeChallenge: string; redirectUri: string }): URL;
  /** OAuth: swap the code for tokens. `params` are the callback's query (QuickBooks realmId...). */
  exchangeCode?(p: {
    code: string;
    codeVerifier: string;
    redirectUri: string;
    params: Record<string, string>;
  }): Promise<TokenSet>;
  /** OAuth: use the refresh token. Must throw ProviderError('expired') on invalid_grant. */
  refreshTokens?(tokens: TokenSet): Promise<TokenSet>;
  /** Key/session providers: check the credentials with a real call; may return updated values. */
  verifyCredentials?(values: KeyCredentials): Promise<{ values: KeyCredentials; organisations: Organisation[] }>;
  /** The organisations the grant covers. */
  listOrganisations(credentials: Credentials): Promise<Organisation[]>;
  /** Revoke at the provider, where it supports it. */
  revoke?(credentials: Credentials, organisationId: string): Promise<void>;

  // --- lists ---------------------------------------------------------------------------
  importList(session: ProviderSession, kind: ListKind, options: ImportOptions): AsyncIterable<ListPage>;

  // --- publishing ----------------------------------------------------------------------
  /** Publish up to `entry.capabilities.batchSize` documents; one result per document, in order. */
  publish(session: ProviderSession, documents: PublishDocument[]): Promise<PublishOutcome[]>;
  /** Find an already-published document for this item (reference lookup after an unclear failure). */
  findPublished?(session: ProviderSession, document: PublishDocument): Promise<PublishResult | null>;
  uploadAttachment?(session: ProviderSession, published: PublishResult, document: PublishDocument, file: Attachment): Promise<void>;
}

export type PublishOutcome = { ok: true; result: PublishResult } | { ok: false; error: import('./errors.js').ProviderError };
