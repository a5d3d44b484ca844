/**
 * Table types for Kysely. Times are unix milliseconds (INTEGER); booleans are 0/1; JSON is TEXT.
 * Secrets are BLOBs sealed by server/crypto/secret-box.ts, never plain text.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_server_admin: number;
  created_at: number;
}

export interface BusinessesTable {
  id: string;
  name: string;
  /** Standard users may publish when 1 (issue 5: "only if the business allows it"). */
  standard_users_can_publish: number;
  created_at: number;
}

export interface MembershipsTable {
  user_id: string;
  business_id: string;
  role: 'business_admin' | 'user_admin' | 'accountant' | 'standard';
  created_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** SHA-256 of the token's secret part. */
  secret_hash: Uint8Array;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface LoginAttemptsTable {
  /** `account:<email>` or `ip:<address>` */
  key: string;
  window_start: number;
  failures: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  business_id: string | null;
  user_id: string | null;
  action: string;
  /** JSON with what was acted on; never secrets. */
  detail: string;
  created_at: number;
}

export type ConnectionStatus = 'active' | 'expired' | 'replaced' | 'disconnected';
export type ConnectPurpose = 'connect' | 'reconnect' | 'change';

export interface ConnectionsTable {
  id: string;
  business_id: string;
  provider: string;
  role: 'ledger' | 'secondary';
  /** `replaced`: kept read-only after Change connection, for the List Merge Tool. */
  status: ConnectionStatus;
  organisation_id: string;
  organisation_name: string;
  /** Sealed Credentials JSON; null once disconnected (wiped). */
  credentials: Uint8Array | null;
  authorised_at: number;
  /** One year after authorisation (Dext's yearly expiry), unless the provider ends it sooner. */
  expires_at: number;
  expired_reason: string | null;
  last_refresh_at: number | null;
  replaced_by: string | null;
  /** Cross-process single-flight for token refresh (rotating refresh tokens are single use). */
  refresh_lock_owner: string | null;
  refresh_lock_until: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface OAuthStatesTable {
  /** SHA-256 of the state: a leaked database does not let anyone finish someone's flow. */
  state_hash: string;
  user_id: string;
  business_id: string;
  provider: string;
  purpose: ConnectPurpose;
  connection_id: string | null;
  code_verifier: Uint8Array;
  redirect_uri: string;
  preselect_organisation: string | null;
  /** Set once the code was exchanged (callback page flow): the extension picks it up. */
  grant_id: string | null;
  error: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Credentials obtained but not yet tied to an organisation (the chooser step). */
export interface GrantsTable {
  id: string;
  user_id: string;
  business_id: string;
  provider: string;
  purpose: ConnectPurpose;
  connection_id: string | null;
  credentials: Uint8Array;
  /** JSON Organisation[] */
  organisations: string;
  preselect_organisation: string | null;
  created_at: number;
  expires_at: number;
}

export interface ListEntriesTable {
  connection_id: string;
  kind: string;
  external_id: string;
  code: string | null;
  name: string;
  status: 'active' | 'archived';
  type: string | null;
  tax_rate: string | null;
  currency: string | null;
  extra: string | null;
  /** Why it was archived: 'upstream_archived' | 'upstream_deleted'. */
  archived_reason: string | null;
  /** The import/refresh job that last saw it in a full pass (to find vanished entries). */
  seen_by_job: string | null;
  updated_at: number;
}

/** Entries per list and status, kept by triggers on list_entries (migration 0005). */
export interface ListCountsTable {
  connection_id: string;
  kind: string;
  status: 'active' | 'archived';
  n: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobsTable {
  id: string;
  kind: string;
  business_id: string;
  connection_id: string | null;
  status: JobStatus;
  input: string;
  progress: string;
  checkpoint: string | null;
  attempts: number;
  error: string | null;
  run_after: number;
  locked_by: string | null;
  locked_until: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export type ItemStateColumn = 'needs_attention' | 'ready' | 'queued' | 'publishing' | 'published' | 'failed' | 'waiting_for_reconnect';

/** Issue 5: an item to publish. Amounts are decimal strings; `lines`, `sources`, `issues`, `error` are JSON. */
export interface ItemsTable {
  id: string;
  business_id: string;
  type: 'cost' | 'sales' | 'expense_claim' | 'purchase_credit_note' | 'sales_credit_note';
  state: ItemStateColumn;
  source: string;
  contact_name: string;
  contact_external_id: string | null;
  document_date: string;
  due_date: string | null;
  number: string | null;
  reference: string | null;
  currency: string;
  currency_rate: string | null;
  tax_mode: 'exclusive' | 'inclusive' | 'no_tax';
  lines: string;
  total: string;
  total_tax: string | null;
  paid: number;
  payment_date: string | null;
  payment_account: string | null;
  destination: string | null;
  status: string | null;
  description: string | null;
  sources: string;
  issues: string;
  /** 1 when its supplier rule (and the settings) say publish as soon as the check passes. */
  auto_publish: number;
  error: string | null;
  /** One key for the item's whole life; the provider sees `<key>` or `<key>.<generation>`. */
  idempotency_key: string;
  /** Bumped only after a definite refusal (nothing was created), so a corrected resend is a new request. */
  key_generation: number;
  stale_retries: number;
  connection_id: string | null;
  last_attempt_id: string | null;
  attempt_count: number;
  document_id: string | null;
  document_url: string | null;
  payment_id: string | null;
  published_at: number | null;
  attachment_state: 'none' | 'pending' | 'uploaded' | 'failed' | 'unsupported';
  attachment_error: string | null;
  submitted_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface ItemFilesTable {
  item_id: string;
  name: string;
  content_type: string;
  size: number;
  data: Uint8Array;
}

export type AttemptStatus = 'started' | 'succeeded' | 'failed' | 'unknown' | 'not_found';

/** The outbox: one row per call that may have created a document, written before the call. */
export interface PublishAttemptsTable {
  id: string;
  item_id: string;
  connection_id: string;
  /** The job that owns it; another job takes it over only when this one is no longer running. */
  job_id: string | null;
  provider_key: string;
  /** The PublishDocument sent (JSON): a replay sends exactly this. */
  document: string;
  status: AttemptStatus;
  result: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

/**
 * A supplier or customer rule. References are external ids of `connection_id`'s list_entries
 * (the List Merge Tool rewrites them, and `connection_id`, after Change connection).
 */
export interface ContactRulesTable {
  id: string;
  business_id: string;
  connection_id: string;
  contact_external_id: string;
  category: string | null;
  tax_rate: string | null;
  project: string | null;
  payment_account: string | null;
  paid: number | null;
  destination: string | null;
  description: string | null;
  auto_publish: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface PublishingSettingsTable {
  connection_id: string;
  business_id: string;
  /** JSON PublishingSettings (shared/items.ts). */
  settings: string;
  updated_by: string | null;
  updated_at: number;
}

/** Issue 7: what the approval connection beside the ledger (ApprovalMax) says of a published item. */
export interface ItemApprovalsTable {
  item_id: string;
  business_id: string;
  /** The approval connection that reported it. */
  connection_id: string;
  provider: string;
  state: 'awaiting_approval' | 'approved' | 'rejected' | 'not_found';
  /** The provider's own word (onApproval, onHold, cancelled...). */
  request_status: string | null;
  request_id: string | null;
  decided_by: string | null;
  /** ISO date-time, as the provider gave it. */
  decided_at: string | null;
  comment: string | null;
  checked_at: number;
}

export interface Database {
  users: UsersTable;
  businesses: BusinessesTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  meta: MetaTable;
  audit_log: AuditLogTable;
  connections: ConnectionsTable;
  oauth_states: OAuthStatesTable;
  grants: GrantsTable;
  list_entries: ListEntriesTable;
  list_counts: ListCountsTable;
  jobs: JobsTable;
  items: ItemsTable;
  item_files: ItemFilesTable;
  publish_attempts: PublishAttemptsTable;
  contact_rules: ContactRulesTable;
  publishing_settings: PublishingSettingsTable;
  item_approvals: ItemApprovalsTable;
}
