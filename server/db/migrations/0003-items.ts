import type { Migration } from 'kysely';
import { run } from './sql.js';

/**
 * Items, their files and publish attempts (the outbox), supplier/customer rules and publishing
 * settings (issue 5). A publish attempt is written before the provider is called, so after a
 * crash an attempt still `started` means "outcome unknown": resolve by lookup or replay.
 */
export const items: Migration = {
  up: run(`
    CREATE TABLE items (
      id TEXT NOT NULL PRIMARY KEY,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      type TEXT NOT NULL CHECK (type IN ('cost', 'sales', 'expense_claim', 'purchase_credit_note', 'sales_credit_note')),
      state TEXT NOT NULL CHECK (state IN ('needs_attention', 'ready', 'queued', 'publishing', 'published', 'failed', 'waiting_for_reconnect')),
      source TEXT NOT NULL,
      contact_name TEXT NOT NULL,
      contact_external_id TEXT,
      document_date TEXT NOT NULL,
      due_date TEXT,
      number TEXT,
      reference TEXT,
      currency TEXT NOT NULL,
      currency_rate TEXT,
      tax_mode TEXT NOT NULL CHECK (tax_mode IN ('exclusive', 'inclusive', 'no_tax')),
      lines TEXT NOT NULL,
      total TEXT NOT NULL,
      total_tax TEXT,
      paid INTEGER NOT NULL DEFAULT 0,
      payment_date TEXT,
      payment_account TEXT,
      destination TEXT,
      status TEXT,
      description TEXT,
      sources TEXT NOT NULL DEFAULT '{}',
      issues TEXT NOT NULL DEFAULT '[]',
      auto_publish INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      idempotency_key TEXT NOT NULL UNIQUE,
      key_generation INTEGER NOT NULL DEFAULT 0,
      stale_retries INTEGER NOT NULL DEFAULT 0,
      connection_id TEXT,
      last_attempt_id TEXT,
      attempt_count INTEGER NOT NULL DEFAULT 0,
      document_id TEXT,
      document_url TEXT,
      payment_id TEXT,
      published_at INTEGER,
      attachment_state TEXT NOT NULL DEFAULT 'none' CHECK (attachment_state IN ('none', 'pending', 'uploaded', 'failed', 'unsupported')),
      attachment_error TEXT,
      submitted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX items_business_state ON items(business_id, state, created_at);
    CREATE INDEX items_business_created ON items(business_id, created_at);
    CREATE INDEX items_connection_state ON items(connection_id, state);
    CREATE INDEX items_contact ON items(business_id, contact_external_id);
    CREATE INDEX items_number ON items(business_id, number);
    CREATE TABLE item_files (
      item_id TEXT NOT NULL PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      content_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      data BLOB NOT NULL
    ) STRICT;
    CREATE TABLE publish_attempts (
      id TEXT NOT NULL PRIMARY KEY,
      item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
      connection_id TEXT NOT NULL,
      job_id TEXT,
      provider_key TEXT NOT NULL,
      document TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'unknown', 'not_found')),
      result TEXT,
      error TEXT,
      started_at INTEGER NOT NULL,
      finished_at INTEGER
    ) STRICT;
    CREATE INDEX publish_attempts_item ON publish_attempts(item_id, started_at);
    CREATE TABLE contact_rules (
      id TEXT NOT NULL PRIMARY KEY,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      connection_id TEXT NOT NULL,
      contact_external_id TEXT NOT NULL,
      category TEXT,
      tax_rate TEXT,
      project TEXT,
      payment_account TEXT,
      paid INTEGER,
      destination TEXT,
      description TEXT,
      auto_publish INTEGER NOT NULL DEFAULT 0,
      created_by TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX contact_rules_contact ON contact_rules(connection_id, contact_external_id);
    CREATE INDEX contact_rules_business ON contact_rules(business_id);
    CREATE TABLE publishing_settings (
      connection_id TEXT NOT NULL PRIMARY KEY,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      settings TEXT NOT NULL,
      updated_by TEXT,
      updated_at INTEGER NOT NULL
    ) STRICT;
  `),
};
