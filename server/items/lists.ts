/**
 * Items and rules point at the ledger's lists by (kind, external id) of the connection's
 * `list_entries`. Here: resolving what a user or a CSV gives (an id, a code or a name) to an
 * entry, and loading the entries an item refers to for the pre-publish check.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ListEntriesTable } from '../db/schema.js';
import type { ListKind } from '../../shared/catalogue.js';

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

/**
 * An id, then a code, then a name (case-insensitive). Active entries win over archived ones, so
 * a name reused after archiving finds the live entry. Undefined when nothing matches.
 */
export async function resolveRef(db: Db, connectionId: string, kind: ListKind, ref: string): Promise<Entry | undefined> {
  const base = () => db.selectFrom('list_entries').select(columns).where('connection_id', '=', connectionId).where('kind', '=', kind);
  const byId = await base().where('external_id', '=', ref).executeTakeFirst();
  if (byId) return byId;
  const byCode = await base().where('code', '=', ref).orderBy(sql`status = 'active'`, 'desc').executeTakeFirst();
  if (byCode) return byCode;
  return base()
    .where(sql`name COLLATE NOCASE`, '=', ref)
    .orderBy(sql`status = 'active'`, 'desc')
    .executeTakeFirst();
}

/** Entries by kind and id, for the pre-publish check and views. */
export class ListSnapshot {
  private readonly byKey = new Map<string, Entry>();
  constructor(
    entries: Entry[],
    /** Currencies the ledger takes; null when the lists say nothing about currencies. */
    readonly currencies: ReadonlySet<string> | null,
  ) {
    for (const e of entries) this.byKey.set(`${e.kind}:${e.external_id}`, e);
  }

  get(kind: ListKind, externalId: string | null | undefined): Entry | undefined {
    return externalId ? this.byKey.get(`${kind}:${externalId}`) : undefined;
  }

  static empty(): ListSnapshot {
    return new ListSnapshot([], null);
  }
}

export type Refs = Partial<Record<ListKind, Iterable<string | null | undefined>>>;

export async function loadSnapshot(db: Db, connectionId: string, refs: Refs): Promise<ListSnapshot> {
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
  return new ListSnapshot(entries, await ledgerCurrencies(db, connectionId));
}

/**
 * The currencies the ledger takes, from a `currencies` list where the import keeps one. Null
 * otherwise: currencies used by contacts or bank accounts are not the ones enabled (a Xero
 * organisation may take EUR with no EUR contact yet), so the check does not guess, and the
 * provider's own refusal ("not subscribed to currency") is translated instead.
 */
async function ledgerCurrencies(db: Db, connectionId: string): Promise<ReadonlySet<string> | null> {
  const listed = await db
    .selectFrom('list_entries')
    .select(['code', 'external_id'])
    .where('connection_id', '=', connectionId)
    .where('kind', '=', 'currencies')
    .where('status', '=', 'active')
    .execute();
  return listed.length > 0 ? new Set(listed.map((r) => (r.code ?? r.external_id).toUpperCase())) : null;
}

export function refView(entry: Entry | undefined, externalId: string | null): { externalId: string; name: string | null; code: string | null } | null {
  if (!externalId) return null;
  return { externalId, name: entry?.name ?? null, code: entry?.code ?? null };
}

export function extraOf(entry: Entry | undefined): Record<string, unknown> {
  if (!entry?.extra) return {};
  try {
    return JSON.parse(entry.extra) as Record<string, unknown>;
  } catch {
    return {};
  }
}
