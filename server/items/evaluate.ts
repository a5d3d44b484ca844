/**
 * Brings an item up to date with its ledger: finds its contact in the lists, applies the contact's
 * rule and the connection's defaults (never over a manual edit), and runs the pre-publish check.
 * Runs when an item arrives, on every edit, when a rule or the settings change, and right before
 * publishing. An item that passes and whose supplier has auto-publish on is queued at once.
 */
import type { AppDeps } from '../app.js';
import type { ConnectionsTable, ItemsTable } from '../db/schema.js';
import { catalogue, type ItemType, type ListKind, type ProviderEntry, type ProviderId } from '../../shared/catalogue.js';
import type { ItemState, PublishingSettings } from '../../shared/items.js';
import { checkItem } from '../publishing/check.js';
import { applyRuleAndDefaults, type Defaults, type RuleValues } from '../rules/apply.js';
import { ruleForContact, ruleValues } from '../rules/store.js';
import { defaultsFor, loadSettings } from '../settings/store.js';
import { compiledOnce, compiledWithList } from '../db/compiled.js';
import { readThrough } from '../db/read-cache.js';
import { ledgerCurrencies, ListSnapshot, resolveRef, type Entry, type Refs } from './lists.js';
import { editableStates, toModel, contentColumns, type ItemModel } from './model.js';
import type { Db } from '../db/database.js';
import { queueItems } from '../publishing/outbox.js';
import { applyApprovalStatus, type ApprovalConnection } from '../approvals/beside.js';

export interface Ledger {
  connection: ConnectionsTable;
  entry: ProviderEntry;
  settings: PublishingSettings;
  /** ApprovalMax beside the ledger: its pick-up status replaces the default status (issue 7). */
  approvals?: ApprovalConnection | null;
}

/**
 * The business's connections that can take work (active, or expired and waiting for a reconnect),
 * oldest first. One read on `connections_business`, filtered here: a business has a handful of
 * connections, and binding role or status as parameters would make SQLite re-plan the statement
 * on every run (they decide whether the partial indexes apply).
 */
async function liveConnections(db: Db, businessId: string): Promise<ConnectionsTable[]> {
  // Kept until a connection changes (read on every item created; issue 8). Shared: never changed.
  const rows = await readThrough(db, `connections:${businessId}`, () => connectionsOf.all(db, { businessId }));
  return rows!.filter((c) => c.status === 'active' || c.status === 'expired');
}

const connectionsOf = compiledOnce((db, v: { businessId: string }) => db.selectFrom('connections').selectAll().where('business_id', '=', v.businessId).orderBy('created_at'));

/**
 * The connection items of `type` publish to, among `live`: a connection beside the ledger that
 * takes that type (Bill.com takes cost items, expense claims and purchase credits, and syncs them
 * to the ledger itself), otherwise the ledger. Without a type: the ledger.
 */
function pickPublishing(live: ConnectionsTable[], type?: ItemType): ConnectionsTable | undefined {
  const taker = type ? live.find((c) => c.role === 'secondary' && (catalogue[c.provider as ProviderId]?.destinations[type].length ?? 0) > 0) : undefined;
  return taker ?? live.find((c) => c.role === 'ledger');
}

/** The business's ApprovalMax connection, newest first, as `getApprovalConnection` (approvals/beside.ts) reads it. */
function pickApprovals(live: ConnectionsTable[]): ApprovalConnection | null {
  const row = live.findLast((c) => c.provider === 'approvalmax');
  return row ? { connectionId: row.id, provider: row.provider as ProviderId, status: row.status as ApprovalConnection['status'] } : null;
}

export async function publishingConnection(db: Db, businessId: string, type?: ItemType): Promise<ConnectionsTable | undefined> {
  return pickPublishing(await liveConnections(db, businessId), type);
}

export async function loadLedger(db: Db, businessId: string, type?: ItemType): Promise<Ledger | null> {
  const live = await liveConnections(db, businessId);
  const connection = pickPublishing(live, type);
  if (!connection) return null;
  const entry = catalogue[connection.provider as ProviderId];
  if (!entry) return null;
  const { settings } = await loadSettings(db, connection.id, entry);
  return { connection, entry, settings, approvals: connection.role === 'ledger' ? pickApprovals(live) : null };
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

export interface Evaluated {
  item: ItemModel;
  lists: ListSnapshot;
}

/**
 * Rules, defaults and the check, in memory; the caller saves. `known.contact` is the contact the
 * caller already resolved (null: not in the lists), so it is neither looked up nor read again.
 * Each list entry is read at most once per evaluation.
 */
export async function evaluate(db: Db, item: ItemModel, ledger: Ledger | null, known: { contact?: Entry | null } = {}): Promise<Evaluated> {
  return (await evaluateMany(db, [item], ledger, [known.contact]))[0]!;
}

/**
 * `evaluate` for many items of one ledger at once (a publishing batch): each read is made once
 * for all of them (rules, list entries, currencies, duplicate numbers), not once per item. The
 * reads see the same database as one-by-one evaluations would: nothing is written in between.
 * `known[i]` is item i's contact as `evaluate`'s `known.contact`.
 */
export async function evaluateMany(db: Db, items: readonly ItemModel[], ledger: Ledger | null, known: readonly (Entry | null | undefined)[] = []): Promise<Evaluated[]> {
  if (!ledger) {
    return items.map((item) => {
      const issues = checkItem(item, { entry: null, lists: ListSnapshot.empty(), bankMatch: false, duplicateOf: null });
      return { item: { ...item, issues, autoPublish: false }, lists: ListSnapshot.empty() };
    });
  }
  const connectionId = ledger.connection.id;
  // `kind:id` → the entry, or undefined once looked up and not there.
  const read = new Map<string, Entry | undefined>();
  const remember = (entry: Entry) => read.set(`${entry.kind}:${entry.external_id}`, entry);
  const load = async (refs: Refs) => {
    const missing: Partial<Record<ListKind, string[]>> = {};
    for (const [kind, ids] of Object.entries(refs) as [ListKind, Iterable<string | null | undefined>][]) {
      for (const id of ids) {
        if (!id || read.has(`${kind}:${id}`)) continue;
        read.set(`${kind}:${id}`, undefined);
        (missing[kind] ??= []).push(id);
      }
    }
    for (const [kind, ids] of Object.entries(missing) as [ListKind, string[]][]) {
      for (let i = 0; i < ids.length; i += 500) for (const entry of await entriesIn(db, { connectionId, kind }, ids.slice(i, i + 500))) remember(entry);
    }
  };
  for (const contact of known) if (contact) remember(contact);

  const next = items.slice();
  const byName = new Map<string, Entry | undefined>();
  for (let i = 0; i < next.length; i++) {
    const item = next[i]!;
    if (item.contactId) continue;
    // Items can arrive before the lists are imported: find the contact by name once they are.
    let found = known[i];
    if (found === undefined) {
      if (!byName.has(item.contactName)) byName.set(item.contactName, await resolveRef(db, connectionId, 'contacts', item.contactName));
      found = byName.get(item.contactName);
    }
    if (found) {
      remember(found);
      next[i] = { ...item, contactId: found.external_id, contactName: found.name };
    }
  }
  const rules = await rulesFor(db, connectionId, next);

  // Category default tax: the account's default tax code, matched to the tax rate list.
  const categoryIds = new Set<string>();
  for (const item of next) {
    for (const line of item.lines) if (line.category) categoryIds.add(line.category);
    const category = item.contactId ? rules.get(item.contactId)?.category : null;
    if (category) categoryIds.add(category);
  }
  await load({ categories: categoryIds });
  const categoryTax = new Map<string, string | null>();
  const taxByCode = new Map<string, Entry | undefined>();
  for (const id of categoryIds) {
    const code = read.get(`categories:${id}`)?.tax_rate;
    if (code && !taxByCode.has(code)) taxByCode.set(code, await resolveRef(db, connectionId, 'tax_rates', code));
    const tax = code ? taxByCode.get(code) : undefined;
    if (tax) remember(tax);
    categoryTax.set(id, tax?.external_id ?? null);
  }

  const defaults = new Map<ItemType, Defaults>();
  const allRefs: Partial<Record<ListKind, (string | null)[]>> = {};
  const itemRefsOf: ReturnType<typeof itemRefs>[] = [];
  for (let i = 0; i < next.length; i++) {
    const item = next[i]!;
    let d = defaults.get(item.type);
    if (!d) defaults.set(item.type, (d = defaultsFor(ledger.entry, ledger.settings, item.type, (id) => categoryTax.get(id) ?? null)));
    const rule = item.contactId ? rules.get(item.contactId) : undefined;
    const applied = applyApprovalStatus(applyRuleAndDefaults(item, rule ?? null, d), ledger.entry, ledger.approvals);
    next[i] = applied;
    const refs = itemRefs(applied);
    itemRefsOf.push(refs);
    for (const [kind, ids] of Object.entries(refs) as [ListKind, (string | null)[]][]) (allRefs[kind] ??= []).push(...ids);
  }
  await load(allRefs);
  const currencies = await ledgerCurrencies(db, connectionId);
  const duplicates = await duplicatesOf(db, next);
  return next.map((item, i) => {
    const entries: Entry[] = [];
    for (const [kind, ids] of Object.entries(itemRefsOf[i]!) as [ListKind, (string | null)[]][]) {
      for (const id of ids) {
        const entry = id ? read.get(`${kind}:${id}`) : undefined;
        if (entry) entries.push(entry);
      }
    }
    const lists = new ListSnapshot(entries, currencies);
    const issues = checkItem(item, { entry: ledger.entry, lists, bankMatch: ledger.settings.bankMatch, duplicateOf: duplicates[i] ?? null });
    return { item: { ...item, issues }, lists };
  });
}

/** The rule of each item's contact, in one read (one keyed read for one contact). */
async function rulesFor(db: Db, connectionId: string, items: readonly ItemModel[]): Promise<Map<string, RuleValues>> {
  const contacts = [...new Set(items.map((i) => i.contactId).filter((id): id is string => !!id))];
  const rules = new Map<string, RuleValues>();
  if (contacts.length === 1) {
    const row = await ruleForContact(db, connectionId, contacts[0]!);
    if (row) rules.set(row.contact_external_id, ruleValues(row));
    return rules;
  }
  for (let i = 0; i < contacts.length; i += 500) {
    const rows = await db.selectFrom('contact_rules').selectAll().where('connection_id', '=', connectionId).where('contact_external_id', 'in', contacts.slice(i, i + 500)).execute();
    for (const row of rows) rules.set(row.contact_external_id, ruleValues(row));
  }
  return rules;
}

/** The entries of one kind with these ids (lists.ts `loadEntries`, compiled once per list length: it runs per publishing batch). */
const entriesIn = compiledWithList((db, v: { connectionId: string; kind: ListKind }, ids: unknown[]) =>
  db
    .selectFrom('list_entries')
    .select(['kind', 'external_id', 'code', 'name', 'status', 'type', 'tax_rate', 'currency', 'extra', 'archived_reason'])
    .where('connection_id', '=', v.connectionId)
    .where('kind', '=', v.kind)
    .where('external_id', 'in', ids as string[]),
) as (db: Db, v: { connectionId: string; kind: ListKind }, ids: readonly string[]) => Promise<Entry[]>;

type Duplicate = { id: string; state: string };

/**
 * Per item: another item of the business with the same number and contact, published or on its
 * way (its contact by id where it has one, else by name). One keyed read for one item; for many,
 * one read of the business's items with those numbers, matched here as SQLite's `=` would.
 */
async function duplicatesOf(db: Db, items: readonly ItemModel[]): Promise<(Duplicate | undefined)[]> {
  if (items.length === 1) {
    const item = items[0]!;
    if (!item.number) return [undefined];
    const v = { businessId: item.businessId, itemId: item.id, number: item.number, type: item.type };
    return [item.contactId ? await duplicateById.first(db, { ...v, contact: item.contactId }) : await duplicateByName.first(db, { ...v, contact: item.contactName })];
  }
  const numbers = new Map<string, Set<string>>();
  for (const item of items) if (item.number) (numbers.get(item.businessId) ?? numbers.set(item.businessId, new Set()).get(item.businessId)!).add(item.number);
  const found = new Map<string, DuplicateRow[]>();
  for (const [businessId, set] of numbers) {
    const wanted = [...set];
    for (let i = 0; i < wanted.length; i += 500) {
      for (const row of await duplicateCandidates(db, businessId, wanted.slice(i, i + 500))) {
        const key = `${businessId}\n${row.number}`;
        (found.get(key) ?? found.set(key, []).get(key)!).push(row);
      }
    }
  }
  return items.map((item) => {
    if (!item.number) return undefined;
    const row = found
      .get(`${item.businessId}\n${item.number}`)
      ?.find((r) => r.id !== item.id && r.type === item.type && (item.contactId ? r.contact_external_id === item.contactId : r.contact_name === item.contactName));
    return row ? { id: row.id, state: row.state } : undefined;
  });
}

type DuplicateRow = Pick<ItemsTable, 'id' | 'state' | 'number' | 'type' | 'contact_external_id' | 'contact_name'>;
const duplicateStates: ItemState[] = ['queued', 'publishing', 'published', 'waiting_for_reconnect'];
const duplicatesIn = compiledWithList((db, v: { businessId: string }, numbers: unknown[]) =>
  db
    .selectFrom('items')
    .select(['id', 'state', 'number', 'type', 'contact_external_id', 'contact_name'])
    .where('business_id', '=', v.businessId)
    .where('number', 'in', numbers as string[])
    .where('state', 'in', duplicateStates),
);
const duplicateCandidates = (db: Db, businessId: string, numbers: string[]): Promise<DuplicateRow[]> => duplicatesIn(db, { businessId }, numbers);

/** Another item of the business with the same number and contact, published or on its way. */
const duplicateOf = (contactColumn: 'contact_external_id' | 'contact_name') =>
  compiledOnce((db, v: { businessId: string; itemId: string; number: string; type: ItemType; contact: string }) =>
    db
      .selectFrom('items')
      .select(['id', 'state'])
      .where('business_id', '=', v.businessId)
      .where('id', '!=', v.itemId)
      .where('number', '=', v.number)
      .where('type', '=', v.type)
      .where(contactColumn, '=', v.contact)
      .where('state', 'in', duplicateStates),
  );
const duplicateById = duplicateOf('contact_external_id');
const duplicateByName = duplicateOf('contact_name');

/** Failed and held items keep their state (a user re-publishes them); the others follow the check. */
export function stateAfterCheck(current: ItemState, issues: readonly unknown[]): ItemState {
  return current === 'ready' || current === 'needs_attention' ? (issues.length === 0 ? 'ready' : 'needs_attention') : current;
}

/** Queues an item that just passed its check if its supplier auto-publishes; returns its state then. */
export async function autoPublish(deps: AppDeps, item: ItemModel, state: ItemState, ledger: Ledger | null): Promise<ItemState> {
  if (state !== 'ready' || !item.autoPublish || !ledger) return state;
  await queueItems(deps, ledger.connection, [item.id], { userId: null, auto: true });
  return 'queued';
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
  const state = stateAfterCheck(row.state, item.issues);
  const saved = await deps.db
    .updateTable('items')
    .set({ ...contentColumns(item), state, updated_at: deps.clock.now().getTime() })
    .where('id', '=', itemId)
    .where('state', '=', row.state)
    .where('updated_at', '=', row.updated_at)
    .executeTakeFirst();
  if (Number(saved.numUpdatedRows) !== 1) return undefined; // changed meanwhile: that change re-evaluates
  return { ...item, state: await autoPublish(deps, item, state, current) };
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
