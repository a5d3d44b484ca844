/**
 * The List Merge Tool (seeds 002/003): after Change connection, map the old connection's list
 * entries to the new one's so supplier rules and waiting items keep working.
 *
 * Suggestions come from code, then name, then (tax rates) the rate value; the user corrects them;
 * a dry run shows which rules and items each mapping touches; apply rewrites the references in
 * one transaction and keeps what it changed, so the last apply can be undone.
 *
 * What holds references is described as data (`ReferenceColumn`): a table, the business column,
 * a column with the external id, and which list it points into. Rules and items register theirs.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AppDeps } from '../app.js';
import { audit } from '../audit.js';
import { ApiError, notFound } from '../errors.js';
import type { Database } from '../db/schema.js';
import type { ListKind } from '../../shared/catalogue.js';
import { getConnection } from './store.js';

export interface ReferenceColumn {
  /** Plain words for the dry run, e.g. "supplier rules", "items". */
  label: 'rules' | 'items';
  table: string;
  /** Primary key column of the table. */
  key: string;
  /** Column holding the business id (or an SQL expression joining to it). */
  businessColumn: string;
  column: string;
  kind: ListKind;
  /** Only rows where this SQL condition holds are rewritten (e.g. items not yet published). */
  where?: string;
}

const referenceColumns: ReferenceColumn[] = [];

export function registerReferenceColumns(columns: ReferenceColumn[]): void {
  for (const c of columns) {
    if (!referenceColumns.some((r) => r.table === c.table && r.column === c.column)) referenceColumns.push(c);
  }
}

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

const normalise = (s: string) => s.toLowerCase().replace(/[^a-z0-9%.]+/g, ' ').trim();

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

/** How many rows of each label point at each (kind, external id). */
async function referenceCounts(db: Kysely<Database>, businessId: string): Promise<Map<string, { rules: number; items: number }>> {
  const counts = new Map<string, { rules: number; items: number }>();
  for (const ref of referenceColumns) {
    const rows = await sql<{ id: string; n: number }>`
      SELECT ${sql.ref(ref.column)} AS id, COUNT(*) AS n FROM ${sql.table(ref.table)}
      WHERE ${sql.raw(ref.businessColumn)} = ${businessId} AND ${sql.ref(ref.column)} IS NOT NULL ${sql.raw(ref.where ? `AND (${ref.where})` : '')}
      GROUP BY ${sql.ref(ref.column)}`.execute(db);
    for (const r of rows.rows) {
      const key = `${ref.kind}:${r.id}`;
      const c = counts.get(key) ?? { rules: 0, items: 0 };
      c[ref.label] += Number(r.n);
      counts.set(key, c);
    }
  }
  return counts;
}

/** Proposed mapping for every old entry that something still points at. */
export async function suggestMerge(deps: AppDeps, businessId: string, connectionId: string): Promise<{ from: { id: string; organisation: string; provider: string }; suggestions: Suggestion[] }> {
  const { target, previous } = await pair(deps, businessId, connectionId);
  const counts = await referenceCounts(deps.db, businessId);
  const suggestions: Suggestion[] = [];
  const referenced = [...counts.keys()].map((k) => {
    const i = k.indexOf(':');
    return { kind: k.slice(0, i) as ListKind, id: k.slice(i + 1) };
  });
  const byKind = new Map<ListKind, string[]>();
  for (const r of referenced) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r.id]);

  for (const [kind, ids] of byKind) {
    const old = await deps.db.selectFrom('list_entries').selectAll().where('connection_id', '=', previous.id).where('kind', '=', kind).where('external_id', 'in', ids).execute();
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
        affects: counts.get(`${kind}:${o.external_id}`) ?? { rules: 0, items: 0 },
      });
    }
  }
  return { from: { id: previous.id, organisation: previous.organisation_name, provider: previous.provider }, suggestions };
}

interface UndoRow {
  table: string;
  key: string;
  column: string;
  id: string;
  before: string;
}

async function validateMappings(deps: AppDeps, targetId: string, mappings: Mapping[]) {
  const issues: { path: string; message: string }[] = [];
  for (const [i, m] of mappings.entries()) {
    if (m.to === null) continue;
    const exists = await deps.db.selectFrom('list_entries').select('status').where('connection_id', '=', targetId).where('kind', '=', m.kind).where('external_id', '=', m.to).executeTakeFirst();
    if (!exists) issues.push({ path: `mappings.${i}.to`, message: `is not an entry of the new ${m.kind.replace('_', ' ')} list` });
    else if (exists.status === 'archived') issues.push({ path: `mappings.${i}.to`, message: 'is archived in the new list' });
  }
  if (issues.length) throw new ApiError(400, 'validation_failed', `${issues.length} mapping(s) point at entries that cannot be used.`, issues);
}

/** Dry run (apply=false) or apply: rewrites references and records how to undo. */
export async function applyMerge(
  deps: AppDeps,
  actor: { userId: string; businessId: string },
  connectionId: string,
  mappings: Mapping[],
  options: { dryRun: boolean },
): Promise<{ dryRun: boolean; changed: { rules: number; items: number }; mergeId: string | null; byMapping: (Mapping & { rules: number; items: number })[] }> {
  const { target } = await pair(deps, actor.businessId, connectionId);
  await validateMappings(deps, target.id, mappings);
  const effective = mappings.filter((m) => m.to !== null && m.to !== m.from);

  return deps.db.transaction().execute(async (trx) => {
    const undo: UndoRow[] = [];
    const changed = { rules: 0, items: 0 };
    const byMapping = [];
    for (const m of effective) {
      const counts = { rules: 0, items: 0 };
      for (const ref of referenceColumns.filter((r) => r.kind === m.kind)) {
        const cond = sql`${sql.raw(ref.businessColumn)} = ${actor.businessId} AND ${sql.ref(ref.column)} = ${m.from} ${sql.raw(ref.where ? `AND (${ref.where})` : '')}`;
        const rows = await sql<{ id: string }>`SELECT ${sql.ref(ref.key)} AS id FROM ${sql.table(ref.table)} WHERE ${cond}`.execute(trx);
        counts[ref.label] += rows.rows.length;
        if (!options.dryRun && rows.rows.length > 0) {
          for (const r of rows.rows) undo.push({ table: ref.table, key: ref.key, column: ref.column, id: r.id, before: m.from });
          await sql`UPDATE ${sql.table(ref.table)} SET ${sql.ref(ref.column)} = ${m.to} WHERE ${cond}`.execute(trx);
        }
      }
      changed.rules += counts.rules;
      changed.items += counts.items;
      byMapping.push({ ...m, ...counts });
    }
    let mergeId: string | null = null;
    if (!options.dryRun) {
      mergeId = randomUUID();
      const at = deps.clock.now().getTime();
      await trx
        .insertInto('meta')
        .values({ key: `merge_undo:${target.id}`, value: JSON.stringify({ mergeId, undo, mappings: effective, at }) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify({ mergeId, undo, mappings: effective, at }) }))
        .execute();
      await audit(trx as never, { businessId: actor.businessId, userId: actor.userId, action: 'lists.merge', detail: { connectionId, mergeId, mappings: effective.length, ...changed }, at });
    }
    return { dryRun: options.dryRun, changed, mergeId, byMapping };
  });
}

/** Undo the last apply on this connection. */
export async function undoMerge(deps: AppDeps, actor: { userId: string; businessId: string }, connectionId: string): Promise<{ restored: number }> {
  const { target } = await pair(deps, actor.businessId, connectionId);
  const key = `merge_undo:${target.id}`;
  const row = await deps.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) throw new ApiError(409, 'nothing_to_undo', 'There is no merge to undo.');
  const { undo, mergeId } = JSON.parse(row.value) as { undo: UndoRow[]; mergeId: string };
  await deps.db.transaction().execute(async (trx) => {
    for (const u of undo) {
      const ref = referenceColumns.find((r) => r.table === u.table && r.column === u.column);
      if (!ref) continue; // only columns we registered are ever touched
      await sql`UPDATE ${sql.table(u.table)} SET ${sql.ref(u.column)} = ${u.before} WHERE ${sql.ref(u.key)} = ${u.id}`.execute(trx);
    }
    await trx.deleteFrom('meta').where('key', '=', key).execute();
    await audit(trx as never, { businessId: actor.businessId, userId: actor.userId, action: 'lists.merge_undo', detail: { connectionId, mergeId, restored: undo.length }, at: deps.clock.now().getTime() });
  });
  return { restored: undo.length };
}
