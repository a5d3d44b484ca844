import type { Migration } from 'kysely';
import { run } from './sql.js';

export const foundation: Migration = {
    up: run(`
      CREATE TABLE users (
        id TEXT NOT NULL PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        is_server_admin INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE businesses (
        id TEXT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        standard_users_can_publish INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE memberships (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('business_admin', 'user_admin', 'accountant', 'standard')),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, business_id)
      ) STRICT;
      CREATE INDEX memberships_business ON memberships(business_id);
      CREATE TABLE sessions (
        id TEXT NOT NULL PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        secret_hash BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE TABLE login_attempts (
        key TEXT NOT NULL PRIMARY KEY,
        window_start INTEGER NOT NULL,
        failures INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE meta (
        key TEXT NOT NULL PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        business_id TEXT,
        user_id TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_business ON audit_log(business_id, created_at);
    `),
  };
