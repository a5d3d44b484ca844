/**
 * The List Merge Tool (seeds 002/003): after Change connection, map the old connection's list
 * entries to the new one's so supplier rules and waiting items keep working.
 *
 * Suggestions come from code, then name, then (tax rates) the rate value; the user corrects them;
 * a dry run shows which rules and items each mapping touches; apply rewrites them in one
 * transaction and keeps their previous state, so the last apply can be undone.
 *
 * What holds references: supplier/customer rules (their contact, category, tax rate, project and
 * payment account; a rule moves to the new connection once its contact is mapped) and items not
 * yet published (contact, payment account, and each line's category, tax rate and project).
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app.js';
import { audit } from '../audit.js';
import { ApiError, notFound } from '../errors.js';
import type { ContactRulesTable, ItemsTable } from '../db/schema.js';
import type { ListKind } from '../../shared/catalogue.js';
import type { ItemLine } from '../items/model.js';
import { refreshItem } from '../items/evaluate.js';
import { getConnection } from './store.js';

export interface Mapping {
  kind: ListKind;
  from: string;
  /** null: leave this reference as it is (no counterpart). */
  to: string | null;
}

export interface Suggestion {
  kind: ListKind;
  from: { externalId: string; code: string | null; name: string; taxRate: string | null };
  to: { externalId: string; code: string | null; name: string } | null;
  matchedBy: 'code' | 'name' | 'tax_rate' | null;
  affects: { rules: number; items: number };
}

/** Rule columns and the list each points into. */
const ruleColumns = [
  ['contact_external_id', 'contacts'],
  ['category', 'categories'],
  ['tax_rate', 'tax_rates'],
  ['project', 'projects'],
  ['payment_account', 'bank_accounts'],
] as const satisfies readonly (readonly [keyof ContactRulesTable, ListKind])[];

const lineFields = [
  ['category', 'categories'],
  ['taxRate', 'tax_rates'],
  ['project', 'projects'],
] as const satisfies readonly (readonly [keyof ItemLine, ListKind])[];

const normalise = (s: string) => s.toLowerCase().replace(/[^a-z0-9%.]+/g, ' ').trim();
const refKey = (kind: ListKind, id: string) => `${kind}:${id}`;

async function pair(deps: AppDeps, businessId: string, connectionId: string) {
  const target = await getConnection(deps.db, businessId, connectionId);
  if (!target || target.status !== 'active') throw notFound('That connection');
  const previous = await deps.db
    .selectFrom('connections')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('replaced_by', '=', connectionId)
    .executeTakeFirst();
  if (!previous) throw new ApiError(409, 'nothing_to_merge', 'There is no earlier connection to merge lists from. Merge lists is for after Change connection.');
  return { target, previous };
}

/** What still points at the old connection's lists. */
async function holders(deps: AppDeps, businessId: string, oldConnectionId: string) {
  const rules = await deps.db.selectFrom('contact_rules').selectAll().where('business_id', '=', businessId).where('connection_id', '=', oldConnectionId).execute();
  const items = await deps.db
    .selectFrom('items')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('state', 'not in', ['published', 'publishing'])
    .where((eb) => eb.or([eb('connection_id', '=', oldConnectionId), eb('connection_id', 'is', null)]))
    .execute();
  const counts = new Map<string, { rules: number; items: number }>();
  const bump = (kind: ListKind, id: string | null, label: 'rules' | 'items') => {
    if (!id) return;
    const c = counts.get(refKey(kind, id)) ?? { rules: 0, items: 0 };
    c[label]++;
    counts.set(refKey(kind, id), c);
  };
  for (const r of rules) for (const [col, kind] of ruleColumns) bump(kind, r[col] as string | null, 'rules');
  for (const i of items) {
    bump('contacts', i.contact_external_id, 'items');
    bump('bank_accounts', i.payment_account, 'items');
    const seen = new Set<string>();
    for (const line of JSON.parse(i.lines) as ItemLine[]) {
      for (const [field, kind] of lineFields) {
        const id = line[field] as string | null;
        if (id && !seen.has(refKey(kind, id))) {
          seen.add(refKey(kind, id));
          bump(kind, id, 'items');
        }
      }
    }
  }
  return { rules, items, counts };
}

/** Proposed mapping for every old entry that something still points at. */
export async function suggestMerge(deps: AppDeps, businessId: string, connectionId: string): Promise<{ from: { id: string; organisation: string; provider: string }; suggestions: Suggestion[] }> {
  const { target, previous } = await pair(deps, businessId, connectionId);
  const { counts } = await holders(deps, businessId, previous.id);
  const byKind = new Map<ListKind, string[]>();
  for (const key of counts.keys()) {
    const i = key.indexOf(':');
    const kind = key.slice(0, i) as ListKind;
    byKind.set(kind, [...(byKind.get(kind) ?? []), key.slice(i + 1)]);
  }
  const suggestions: Suggestion[] = [];
  for (const [kind, ids] of byKind) {
    const old = await deps.db.selectFrom('list_entries').selectAll().where('connection_id', '=', previous.id).where('kind', '=', kind).where('external_id', 'in', ids).orderBy('name').execute();
    if (old.length === 0) continue;
    const candidates = await deps.db.selectFrom('list_entries').selectAll().where('connection_id', '=', target.id).where('kind', '=', kind).where('status', '=', 'active').execute();
    const byCode = new Map(candidates.filter((c) => c.code).map((c) => [normalise(c.code!), c]));
    const byName = new Map(candidates.map((c) => [normalise(c.name), c]));
    const byRate = new Map(candidates.filter((c) => c.tax_rate !== null).map((c) => [Number(c.tax_rate), c]));
    for (const o of old) {
      let match = o.code ? byCode.get(normalise(o.code)) : undefined;
      let matchedBy: Suggestion['matchedBy'] = match ? 'code' : null;
      if (!match) {
        match = byName.get(normalise(o.name));
        if (match) matchedBy = 'name';
      }
      if (!match && kind === 'tax_rates' && o.tax_rate !== null) {
        match = byRate.get(Number(o.tax_rate));
        if (match) matchedBy = 'tax_rate';
      }
      suggestions.push({
        kind,
        from: { externalId: o.external_id, code: o.code, name: o.name, taxRate: o.tax_rate },
        to: match ? { externalId: match.external_id, code: match.code, name: match.name } : null,
        matchedBy,
        affects: counts.get(refKey(kind, o.external_id)) ?? { rules: 0, items: 0 },
      });
    }
  }
  return { from: { id: previous.id, organisation: previous.organisation_name, provider: previous.provider }, suggestions };
}

interface UndoRecord {
  rules: ContactRulesTable[];
  items: Pick<ItemsTable, 'id' | 'contact_external_id' | 'payment_account' | 'lines' | 'connection_id'>[];
}

async function validateMappings(deps: AppDeps, targetId: string, mappings: Mapping[]) {
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const [i, m] of mappings.entries()) {
    if (seen.has(refKey(m.kind, m.from))) issues.push({ path: `mappings.${i}.from`, message: 'is mapped twice' });
    seen.add(refKey(m.kind, m.from));
    if (m.to === null) continue;
    const exists = await deps.db.selectFrom('list_entries').select('status').where('connection_id', '=', targetId).where('kind', '=', m.kind).where('external_id', '=', m.to).executeTakeFirst();
    if (!exists) issues.push({ path: `mappings.${i}.to`, message: `is not an entry of the new ${m.kind.replace('_', ' ')} list` });
    else if (exists.status === 'archived') issues.push({ path: `mappings.${i}.to`, message: 'is archived in the new list' });
  }
  if (issues.length) throw new ApiError(400, 'validation_failed', `${issues.length} mapping(s) cannot be used.`, issues);
}

export interface MergeResult {
  dryRun: boolean;
  changed: { rules: number; items: number };
  mergeId: string | null;
  byMapping: (Mapping & { rules: number; items: number })[];
  /** Rules left on the old connection because their contact has no mapping, or the new connection already has a rule for it. */
  rulesLeft: { ruleId: string; reason: string }[];
}

/** Dry run or apply: rewrites references and records how to undo. */
export async function applyMerge(
  deps: AppDeps,
  actor: { userId: string; businessId: string },
  connectionId: string,
  mappings: Mapping[],
  options: { dryRun: boolean },
): Promise<MergeResult> {
  const { target, previous } = await pair(deps, actor.businessId, connectionId);
  await validateMappings(deps, target.id, mappings);
  const map = new Map(mappings.filter((m) => m.to !== null).map((m) => [refKey(m.kind, m.from), m.to!]));
  const mapped = (kind: ListKind, id: string | null) => (id === null ? null : (map.get(refKey(kind, id)) ?? id));
  const counted = new Map(mappings.map((m) => [refKey(m.kind, m.from), { ...m, rules: 0, items: 0 }]));
  const touch = (kind: ListKind, id: string | null, label: 'rules' | 'items') => {
    const c = id ? counted.get(refKey(kind, id)) : undefined;
    if (c && c.to !== null) c[label]++;
  };

  const { rules, items } = await holders(deps, actor.businessId, previous.id);
  const existing = new Set(
    (await deps.db.selectFrom('contact_rules').select('contact_external_id').where('connection_id', '=', target.id).execute()).map((r) => r.contact_external_id),
  );
  const undo: UndoRecord = { rules: [], items: [] };
  const ruleUpdates: { id: string; set: Partial<ContactRulesTable> }[] = [];
  const rulesLeft: MergeResult['rulesLeft'] = [];
  for (const r of rules) {
    const contact = map.get(refKey('contacts', r.contact_external_id));
    if (!contact) {
      rulesLeft.push({ ruleId: r.id, reason: 'Its supplier or customer has no counterpart in the new lists.' });
      continue;
    }
    if (existing.has(contact)) {
      rulesLeft.push({ ruleId: r.id, reason: 'The new connection already has a rule for this contact.' });
      continue;
    }
    existing.add(contact);
    for (const [col, kind] of ruleColumns) touch(kind, r[col] as string | null, 'rules');
    ruleUpdates.push({
      id: r.id,
      set: {
        connection_id: target.id,
        contact_external_id: contact,
        category: mapped('categories', r.category),
        tax_rate: mapped('tax_rates', r.tax_rate),
        project: mapped('projects', r.project),
        payment_account: mapped('bank_accounts', r.payment_account),
      },
    });
    undo.rules.push(r);
  }
  const itemUpdates: { id: string; set: Partial<ItemsTable> }[] = [];
  for (const i of items) {
    const lines = JSON.parse(i.lines) as ItemLine[];
    let changed = false;
    const touched = new Set<string>();
    const next = lines.map((line) => {
      const out = { ...line };
      for (const [field, kind] of lineFields) {
        const id = line[field] as string | null;
        const to = mapped(kind, id);
        if (to !== id) {
          changed = true;
          (out[field] as string | null) = to;
          if (!touched.has(refKey(kind, id!))) touch(kind, id, 'items');
          touched.add(refKey(kind, id!));
        }
      }
      return out;
    });
    const contact = mapped('contacts', i.contact_external_id);
    const account = mapped('bank_accounts', i.payment_account);
    if (contact !== i.contact_external_id) touch('contacts', i.contact_external_id, 'items');
    if (account !== i.payment_account) touch('bank_accounts', i.payment_account, 'items');
    if (!changed && contact === i.contact_external_id && account === i.payment_account) continue;
    itemUpdates.push({ id: i.id, set: { contact_external_id: contact, payment_account: account, lines: JSON.stringify(next), connection_id: target.id } });
    undo.items.push({ id: i.id, contact_external_id: i.contact_external_id, payment_account: i.payment_account, lines: i.lines, connection_id: i.connection_id });
  }

  let mergeId: string | null = null;
  if (!options.dryRun) {
    mergeId = randomUUID();
    const at = deps.clock.now().getTime();
    await deps.db.transaction().execute(async (trx) => {
      for (const u of ruleUpdates) await trx.updateTable('contact_rules').set({ ...u.set, updated_at: at }).where('id', '=', u.id).execute();
      for (const u of itemUpdates) await trx.updateTable('items').set({ ...u.set, updated_at: at }).where('id', '=', u.id).execute();
      const value = JSON.stringify({ mergeId, at, undo });
      await trx
        .insertInto('meta')
        .values({ key: `merge_undo:${target.id}`, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
      await audit(trx, { businessId: actor.businessId, userId: actor.userId, action: 'lists.merge', detail: { connectionId, mergeId, mappings: map.size, rules: ruleUpdates.length, items: itemUpdates.length }, at });
    });
    // Items are checked again against the new lists (their issues and "ready" state follow).
    for (const u of itemUpdates) await refreshItem(deps, u.id);
  }
  return {
    dryRun: options.dryRun,
    changed: { rules: ruleUpdates.length, items: itemUpdates.length },
    mergeId,
    byMapping: [...counted.values()],
    rulesLeft,
  };
}

/** Undo the last apply on this connection: rules and items go back to how they were. */
export async function undoMerge(deps: AppDeps, actor: { userId: string; businessId: string }, connectionId: string): Promise<{ restored: number }> {
  const { target } = await pair(deps, actor.businessId, connectionId);
  const key = `merge_undo:${target.id}`;
  const row = await deps.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) throw new ApiError(409, 'nothing_to_undo', 'There is no merge to undo.');
  const { undo, mergeId } = JSON.parse(row.value) as { undo: UndoRecord; mergeId: string };
  const at = deps.clock.now().getTime();
  await deps.db.transaction().execute(async (trx) => {
    for (const r of undo.rules) {
      const { id, ...rest } = r;
      await trx.updateTable('contact_rules').set({ ...rest, updated_at: at }).where('id', '=', id).execute();
    }
    for (const i of undo.items) {
      const { id, ...rest } = i;
      await trx.updateTable('items').set({ ...rest, updated_at: at }).where('id', '=', id).execute();
    }
    await trx.deleteFrom('meta').where('key', '=', key).execute();
    await audit(trx, { businessId: actor.businessId, userId: actor.userId, action: 'lists.merge_undo', detail: { connectionId, mergeId }, at });
  });
  for (const i of undo.items) await refreshItem(deps, i.id);
  return { restored: undo.rules.length + undo.items.length };
}
