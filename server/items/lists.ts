/**
 * Items and rules point at the ledger's lists by (kind, external id) of the connection's
 * `list_entries`. Here: resolving what a user or a CSV gives (an id, a code or a name) to an
 * entry, and loading the entries an item refers to for the pre-publish check.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ListEntriesTable } from '../db/schema.js';
import type { ListKind } from '../../shared/catalogue.js';
import { compiledOnce } from '../db/compiled.js';
import { readThrough } from '../db/read-cache.js';

export type Entry = Pick<ListEntriesTable, 'kind' | 'external_id' | 'code' | 'name' | 'status' | 'type' | 'tax_rate' | 'currency' | 'extra' | 'archived_reason'>;

const columns = ['kind', 'external_id', 'code', 'name', 'status', 'type', 'tax_rate', 'currency', 'extra', 'archived_reason'] as const;

export const kindNoun: Record<ListKind, string> = {
  categories: 'category',
  contacts: 'supplier or customer',
  tax_rates: 'tax rate',
  products: 'product or service',
  projects: 'project',
  bank_accounts: 'bank account',
};

const entryBy = (db: Db) => db.selectFrom('list_entries').select(columns);
type EntryKey = { connectionId: string; kind: ListKind; ref: string };
const byId = compiledOnce((db, v: EntryKey) => entryBy(db).where('connection_id', '=', v.connectionId).where('kind', '=', v.kind).where('external_id', '=', v.ref));
const byCode = compiledOnce((db, v: EntryKey) =>
  entryBy(db).where('connection_id', '=', v.connectionId).where('kind', '=', v.kind).where('code', '=', v.ref).orderBy(sql`status = 'active'`, 'desc'),
);
const byName = compiledOnce((db, v: EntryKey) =>
  entryBy(db).where('connection_id', '=', v.connectionId).where('kind', '=', v.kind).where(sql`name COLLATE NOCASE`, '=', v.ref).orderBy(sql`status = 'active'`, 'desc'),
);

/**
 * An id, then a code, then a name (case-insensitive). Active entries win over archived ones, so
 * a name reused after archiving finds the live entry. Undefined when nothing matches.
 * Three keyed reads, not one UNION ALL: SQLite answers each in a few µs, and the union took as
 * long to build and compile (~28 µs) as all three (~22 µs), so a name gained nothing and an id,
 * found by the first read, would pay for all three branches.
 * Kept in the read cache until the lists change (an item names the same few suppliers again and
 * again; a contact by name was three reads, ~35 µs of each item created, issue 8). A ref that
 * finds nothing is read again each time. The entry is shared: read it, never change it.
 */
export async function resolveRef(db: Db, connectionId: string, kind: ListKind, ref: string): Promise<Entry | undefined> {
  return readThrough(db, `ref:${connectionId}:${kind}:${ref}`, async () => {
    const key = { connectionId, kind, ref };
    return (await byId.first(db, key)) ?? (await byCode.first(db, key)) ?? (await byName.first(db, key));
  });
}

/** Entries by kind and id, for the pre-publish check and views. */
export class ListSnapshot {
  // By kind, then id: no `kind:id` string made per look-up (the check and the document builder
  // look up every reference of every item published, issue 8).
  private readonly byKind = new Map<string, Map<string, Entry>>();
  constructor(
    entries: Entry[],
    /** Currencies the ledger takes; null when the lists say nothing about currencies. */
    readonly currencies: ReadonlySet<string> | null,
  ) {
    for (const e of entries) {
      let ids = this.byKind.get(e.kind);
      if (!ids) this.byKind.set(e.kind, (ids = new Map()));
      ids.set(e.external_id, e);
    }
  }

  get(kind: ListKind, externalId: string | null | undefined): Entry | undefined {
    return externalId ? this.byKind.get(kind)?.get(externalId) : undefined;
  }

  static empty(): ListSnapshot {
    return new ListSnapshot([], null);
  }
}

export type Refs = Partial<Record<ListKind, Iterable<string | null | undefined>>>;

export async function loadSnapshot(db: Db, connectionId: string, refs: Refs): Promise<ListSnapshot> {
  return new ListSnapshot(await loadEntries(db, connectionId, refs), await ledgerCurrencies(db, connectionId));
}

/** The entries `refs` names that exist (one query per kind and 500 ids). */
export async function loadEntries(db: Db, connectionId: string, refs: Refs): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const [kind, ids] of Object.entries(refs) as [ListKind, Iterable<string | null | undefined>][]) {
    const wanted = [...new Set([...ids].filter((v): v is string => !!v))];
    for (let i = 0; i < wanted.length; i += 500) {
      entries.push(
        ...(await db
          .selectFrom('list_entries')
          .select(columns)
          .where('connection_id', '=', connectionId)
          .where('kind', '=', kind)
          .where('external_id', 'in', wanted.slice(i, i + 500))
          .execute()),
      );
    }
  }
  return entries;
}

/**
 * The currencies the ledger takes, from a `currencies` list where the import keeps one. Null
 * otherwise: currencies used by contacts or bank accounts are not the ones enabled (a Xero
 * organisation may take EUR with no EUR contact yet), so the check does not guess, and the
 * provider's own refusal ("not subscribed to currency") is translated instead.
 */
const activeCurrencies = compiledOnce((db, v: { connectionId: string }) =>
  db.selectFrom('list_entries').select(['code', 'external_id']).where('connection_id', '=', v.connectionId).where('kind', '=', 'currencies').where('status', '=', 'active'),
);

export async function ledgerCurrencies(db: Db, connectionId: string): Promise<ReadonlySet<string> | null> {
  // Kept until the lists change, wrapped so that "no currencies list" is kept too.
  const found = await readThrough(db, `currencies:${connectionId}`, async () => {
    const listed = await activeCurrencies.all(db, { connectionId });
    return { currencies: listed.length > 0 ? new Set(listed.map((r) => (r.code ?? r.external_id).toUpperCase())) : null };
  });
  return found!.currencies;
}

export function refView(entry: Entry | undefined, externalId: string | null): { externalId: string; name: string | null; code: string | null } | null {
  if (!externalId) return null;
  return { externalId, name: entry?.name ?? null, code: entry?.code ?? null };
}

/**
 * An entry's `extra` as an object (read-only: one parse per entry is shared by every item of a
 * publishing batch that looks at it, issue 8).
 */
export function extraOf(entry: Entry | undefined): Readonly<Record<string, unknown>> {
  if (!entry?.extra) return {};
  const kept = parsedExtra.get(entry);
  if (kept && kept.text === entry.extra) return kept.value;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(entry.extra) as Record<string, unknown>;
  } catch {
    value = {};
  }
  parsedExtra.set(entry, { text: entry.extra, value });
  return value;
}
const parsedExtra = new WeakMap<Entry, { text: string; value: Record<string, unknown> }>();
