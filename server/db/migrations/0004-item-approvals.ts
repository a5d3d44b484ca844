import type { Migration } from 'kysely';
import { run } from './sql.js';

/**
 * The approval state of published items, as the approval connection beside the ledger
 * (ApprovalMax) reports it (issue 7). One row per item, rewritten by each approvals refresh.
 */
export const itemApprovals: Migration = {
  up: run(`
    CREATE TABLE item_approvals (
      item_id TEXT NOT NULL PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
      business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
      connection_id TEXT NOT NULL,
      provider TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('awaiting_approval', 'approved', 'rejected', 'not_found')),
      request_status TEXT,
      request_id TEXT,
      decided_by TEXT,
      decided_at TEXT,
      comment TEXT,
      checked_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX item_approvals_business ON item_approvals(business_id, state);
  `),
};
