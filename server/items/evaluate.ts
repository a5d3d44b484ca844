/**
 * Brings an item up to date with its ledger: finds its contact in the lists, applies the contact's
 * rule and the connection's defaults (never over a manual edit), and runs the pre-publish check.
 * Runs when an item arrives, on every edit, when a rule or the settings change, and right before
 * publishing. An item that passes and whose supplier has auto-publish on is queued at once.
 */
import type { AppDeps } from '../app.js';
import type { ConnectionsTable } from '../db/schema.js';
import { getLedgerConnection } from '../connections/store.js';
import { catalogue, type ItemType, type ListKind, type ProviderEntry, type ProviderId } from '../../shared/catalogue.js';
import type { PublishingSettings } from '../../shared/items.js';
import { checkItem } from '../publishing/check.js';
import { applyRuleAndDefaults } from '../rules/apply.js';
import { ruleForContact, ruleValues } from '../rules/store.js';
import { defaultsFor, loadSettings } from '../settings/store.js';
import { ListSnapshot, loadSnapshot, resolveRef } from './lists.js';
import { editableStates, toModel, contentColumns, type ItemModel } from './model.js';
import type { Db } from '../db/database.js';
import { queueItems } from '../publishing/outbox.js';
import { applyApprovalStatus, getApprovalConnection, type ApprovalConnection } from '../approvals/beside.js';

export interface Ledger {
  connection: ConnectionsTable;
  entry: ProviderEntry;
  settings: PublishingSettings;
  /** ApprovalMax beside the ledger: its pick-up status replaces the default status (issue 7). */
  approvals?: ApprovalConnection | null;
}

/**
 * The connection items of `type` publish to: a connection beside the ledger that takes that type
 * (Bill.com takes cost items, expense claims and purchase credits, and syncs them to the ledger
 * itself), otherwise the ledger. Without a type: the ledger.
 */
export async function publishingConnection(db: Db, businessId: string, type?: ItemType): Promise<ConnectionsTable | undefined> {
  if (type) {
    const beside = await db
      .selectFrom('connections')
      .selectAll()
      .where('business_id', '=', businessId)
      .where('role', '=', 'secondary')
      .where('status', 'in', ['active', 'expired'])
      .orderBy('created_at')
      .execute();
    const taker = beside.find((c) => (catalogue[c.provider as ProviderId]?.destinations[type].length ?? 0) > 0);
    if (taker) return taker;
  }
  return getLedgerConnection(db, businessId);
}

export async function loadLedger(db: Db, businessId: string, type?: ItemType): Promise<Ledger | null> {
  const connection = await publishingConnection(db, businessId, type);
  if (!connection) return null;
  const entry = catalogue[connection.provider as ProviderId];
  if (!entry) return null;
  const { settings } = await loadSettings(db, connection.id, entry);
  return { connection, entry, settings, approvals: connection.role === 'ledger' ? await getApprovalConnection(db, businessId) : null };
}

export function itemRefs(item: ItemModel): Partial<Record<ListKind, (string | null)[]>> {
  return {
    contacts: [item.contactId],
    categories: item.lines.map((l) => l.category),
    tax_rates: item.lines.map((l) => l.taxRate),
    projects: item.lines.map((l) => l.project),
    bank_accounts: [item.paymentAccount],
  };
}

/** Rules, defaults and the check, in memory; the caller saves. */
export async function evaluate(db: Db, item: ItemModel, ledger: Ledger | null): Promise<{ item: ItemModel; lists: ListSnapshot }> {
  if (!ledger) {
    const issues = checkItem(item, { entry: null, lists: ListSnapshot.empty(), bankMatch: false, duplicateOf: null });
    return { item: { ...item, issues, autoPublish: false }, lists: ListSnapshot.empty() };
  }
  const connectionId = ledger.connection.id;
  let next = item;
  if (!next.contactId) {
    // Items can arrive before the lists are imported: find the contact by name once they are.
    const found = await resolveRef(db, connectionId, 'contacts', next.contactName);
    if (found) next = { ...next, contactId: found.external_id, contactName: found.name };
  }
  const ruleRow = await ruleForContact(db, connectionId, next.contactId);
  const rule = ruleRow ? ruleValues(ruleRow) : null;

  // Category default tax: the account's default tax code, matched to the tax rate list.
  const categoryIds = [...next.lines.map((l) => l.category), rule?.category ?? null];
  const categories = await loadSnapshot(db, connectionId, { categories: categoryIds });
  const categoryTax = new Map<string, string | null>();
  for (const id of new Set(categoryIds.filter((v): v is string => !!v))) {
    const code = categories.get('categories', id)?.tax_rate;
    const tax = code ? await resolveRef(db, connectionId, 'tax_rates', code) : undefined;
    categoryTax.set(id, tax?.external_id ?? null);
  }

  next = applyRuleAndDefaults(next, rule, defaultsFor(ledger.entry, ledger.settings, next.type, (id) => categoryTax.get(id) ?? null));
  next = applyApprovalStatus(next, ledger.entry, ledger.approvals);
  const lists = await loadSnapshot(db, connectionId, itemRefs(next));
  const duplicate = next.number
    ? await db
        .selectFrom('items')
        .select(['id', 'state'])
        .where('business_id', '=', next.businessId)
        .where('id', '!=', next.id)
        .where('number', '=', next.number)
        .where('type', '=', next.type)
        .where((eb) => (next.contactId ? eb('contact_external_id', '=', next.contactId) : eb('contact_name', '=', next.contactName)))
        .where('state', 'in', ['queued', 'publishing', 'published', 'waiting_for_reconnect'])
        .executeTakeFirst()
    : undefined;
  const issues = checkItem(next, { entry: ledger.entry, lists, bankMatch: ledger.settings.bankMatch, duplicateOf: duplicate ?? null });
  return { item: { ...next, issues }, lists };
}

/**
 * Re-evaluates a stored item that may still change, saves it, and queues it if its supplier
 * auto-publishes and it passes. Returns the saved model (or undefined if it could not change).
 */
export async function refreshItem(deps: AppDeps, itemId: string, ledger?: Ledger | null): Promise<ItemModel | undefined> {
  const row = await deps.db.selectFrom('items').selectAll().where('id', '=', itemId).executeTakeFirst();
  if (!row || !editableStates.includes(row.state)) return undefined;
  const current = ledger === undefined ? await loadLedger(deps.db, row.business_id, row.type) : ledger;
  const { item } = await evaluate(deps.db, toModel(row), current);
  // Failed and held items keep their state (a user re-publishes them); the others follow the check.
  const state: ItemModel['state'] = row.state === 'ready' || row.state === 'needs_attention' ? (item.issues.length === 0 ? 'ready' : 'needs_attention') : row.state;
  const saved = await deps.db
    .updateTable('items')
    .set({ ...contentColumns(item), state, updated_at: deps.clock.now().getTime() })
    .where('id', '=', itemId)
    .where('state', '=', row.state)
    .where('updated_at', '=', row.updated_at)
    .executeTakeFirst();
  if (Number(saved.numUpdatedRows) !== 1) return undefined; // changed meanwhile: that change re-evaluates
  const model = { ...item, state };
  if (state === 'ready' && item.autoPublish && current) {
    await queueItems(deps, current.connection, [itemId], { userId: null, auto: true });
    model.state = 'queued';
  }
  return model;
}

/** After a rule or the settings change: every item that may still change, for that contact or all. */
export async function refreshItemsFor(deps: AppDeps, businessId: string, contactId?: string): Promise<number> {
  const ledgers = new Map<ItemType, Ledger | null>();
  const rows = await deps.db
    .selectFrom('items')
    .select(['id', 'type'])
    .where('business_id', '=', businessId)
    .where('state', 'in', [...editableStates])
    .$if(contactId !== undefined, (q) => q.where('contact_external_id', '=', contactId!))
    .execute();
  for (const r of rows) {
    if (!ledgers.has(r.type)) ledgers.set(r.type, await loadLedger(deps.db, businessId, r.type));
    await refreshItem(deps, r.id, ledgers.get(r.type));
  }
  return rows.length;
}
