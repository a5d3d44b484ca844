/**
 * ApprovalMax beside the ledger (issue 7). ApprovalMax's Public API is read-only, so Bookbridge
 * publishes cost items and expense claims to the ledger in the state ApprovalMax picks documents
 * up in, and reads the decision back (refresh.ts). This module says, as data, which ledgers
 * ApprovalMax works with and what it picks up there, and applies that status to items.
 */
import type { Db } from '../db/database.js';
import type { ItemModel } from '../items/model.js';
import { catalogue, type ItemType, type ProviderEntry, type ProviderId } from '../../shared/catalogue.js';

/** The approval connection beside a business's ledger, as publishing sees it. */
export interface ApprovalConnection {
  connectionId: string;
  provider: ProviderId;
  status: 'active' | 'expired';
}

interface LedgerRule {
  /** Ledger destinations ApprovalMax approves (bills; never paid-only documents). */
  destinations: readonly string[];
  /** The status it picks a document up in; null where the ledger's bills have none. */
  status: string | null;
}

/**
 * Ledgers ApprovalMax works with (approvalmax.md §0; NetSuite and Cin7 are not Bookbridge
 * ledgers). Xero: bills "Awaiting approval" (SUBMITTED) are pulled about hourly. QuickBooks
 * Online bills have no approval status: ApprovalMax takes open (unpaid) bills, so a bill goes in
 * as usual.
 */
export const approvalLedgers: Partial<Record<ProviderId, LedgerRule>> = {
  xero: { destinations: ['bill'], status: 'SUBMITTED' },
  'quickbooks-online': { destinations: ['bill'], status: null },
};

export const approvalItemTypes: readonly ItemType[] = ['cost', 'expense_claim'];

export const CONNECTION_STATUS_NOTE = 'set by ApprovalMax connection';

export function worksBeside(ledgerProvider: string): boolean {
  return ledgerProvider in approvalLedgers;
}

/**
 * The business's ApprovalMax connection. An expired one still counts for publishing: the
 * business still approves in ApprovalMax, only Bookbridge's read access lapsed, and a bill must
 * not skip approval because of that.
 */
export async function getApprovalConnection(db: Db, businessId: string): Promise<ApprovalConnection | null> {
  const row = await db
    .selectFrom('connections')
    .select(['id', 'provider', 'status'])
    .where('business_id', '=', businessId)
    .where('provider', '=', 'approvalmax')
    .where('status', 'in', ['active', 'expired'])
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row ? { connectionId: row.id, provider: row.provider as ProviderId, status: row.status as ApprovalConnection['status'] } : null;
}

/**
 * With an approval connection, the status ApprovalMax picks the item up in replaces the default
 * (never a status the submitter gave or a manual edit). Pure; runs after rules and defaults, so
 * once ApprovalMax is disconnected the next evaluation hands the status back to the default.
 */
export function applyApprovalStatus(item: ItemModel, entry: ProviderEntry, approvals: ApprovalConnection | null | undefined): ItemModel {
  if (!approvals || !approvalItemTypes.includes(item.type)) return item;
  const rule = approvalLedgers[entry.id];
  const source = item.sources.status;
  if (!rule?.status || source === 'submitted' || source === 'manual') return item;
  if (!item.destination || !rule.destinations.includes(item.destination)) return item;
  const destination = entry.destinations[item.type].find((d) => d.id === item.destination);
  if (!destination?.statuses.includes(rule.status)) return item;
  return { ...item, status: rule.status, sources: { ...item.sources, status: 'connection' } };
}

/** Words beside sources that need them (the item API's `sourceNotes`). */
export function sourceNotes(sources: Record<string, string>): Record<string, string> {
  return sources.status === 'connection' ? { status: CONNECTION_STATUS_NOTE } : {};
}

export const approvalProviderName = (provider: string) => catalogue[provider as ProviderId]?.name ?? provider;
