/**
 * Forward-only migrations, applied in order on start. Never edit one that has shipped: add the
 * next, in its own file. Written-out SQL with STRICT tables (after Lucia's examples) so the schema
 * reads as SQL.
 */
import type { Migration } from 'kysely';
import { foundation } from './0001-foundation.js';
import { connections } from './0002-connections.js';
import { items } from './0003-items.js';
import { itemApprovals } from './0004-item-approvals.js';
import { listCounts } from './0005-list-counts.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_connections': connections,
  '0003_items': items,
  '0004_item_approvals': itemApprovals,
  '0005_list_counts': listCounts,
};
