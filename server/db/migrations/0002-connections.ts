import type { Migration } from 'kysely';
import { run } from './sql.js';

export const connections: Migration = {
  up: run(`
    CREATE TABLE connections (
      id TEXT NOT NULL PRIMARY KEY,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      provider TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('ledger', 'secondary')),
      status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'replaced', 'disconnected')),
      organisation_id TEXT NOT NULL,
      organisation_name TEXT NOT NULL,
      credentials BLOB,
      authorised_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      expired_reason TEXT,
      last_refresh_at INTEGER,
      replaced_by TEXT,
      refresh_lock_owner TEXT,
      refresh_lock_until INTEGER,
      created_by TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX connections_one_ledger ON connections(business_id)
      WHERE role = 'ledger' AND status IN ('active', 'expired');
    CREATE UNIQUE INDEX connections_one_secondary ON connections(business_id, provider)
      WHERE role = 'secondary' AND status IN ('active', 'expired');
    CREATE INDEX connections_business ON connections(business_id);
    CREATE TABLE oauth_states (
      state_hash TEXT NOT NULL PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      provider TEXT NOT NULL,
      purpose TEXT NOT NULL CHECK (purpose IN ('connect', 'reconnect', 'change')),
      connection_id TEXT,
      code_verifier BLOB NOT NULL,
      redirect_uri TEXT NOT NULL,
      preselect_organisation TEXT,
      grant_id TEXT,
      error TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    ) STRICT;
    CREATE TABLE grants (
      id TEXT NOT NULL PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      provider TEXT NOT NULL,
      purpose TEXT NOT NULL CHECK (purpose IN ('connect', 'reconnect', 'change')),
      connection_id TEXT,
      credentials BLOB NOT NULL,
      organisations TEXT NOT NULL,
      preselect_organisation TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE list_entries (
      connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      external_id TEXT NOT NULL,
      code TEXT,
      name TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'archived')),
      type TEXT,
      tax_rate TEXT,
      currency TEXT,
      extra TEXT,
      archived_reason TEXT,
      seen_by_job TEXT,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (connection_id, kind, external_id)
    ) STRICT;
    CREATE INDEX list_entries_name ON list_entries(connection_id, kind, name, external_id);
    CREATE INDEX list_entries_code ON list_entries(connection_id, kind, code);
    CREATE INDEX list_entries_lower_name ON list_entries(connection_id, kind, lower(name));
    CREATE TABLE jobs (
      id TEXT NOT NULL PRIMARY KEY,
      kind TEXT NOT NULL,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      connection_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
      input TEXT NOT NULL DEFAULT '{}',
      progress TEXT NOT NULL DEFAULT '{}',
      checkpoint TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      run_after INTEGER NOT NULL,
      locked_by TEXT,
      locked_until INTEGER,
      created_by TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      finished_at INTEGER
    ) STRICT;
    CREATE INDEX jobs_ready ON jobs(status, run_after);
    CREATE INDEX jobs_connection ON jobs(connection_id, kind, status);
  `),
};
