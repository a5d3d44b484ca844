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

export interface Database {
  users: UsersTable;
  businesses: BusinessesTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  meta: MetaTable;
  audit_log: AuditLogTable;
}
