/**
 * Reads that stay right until their tables change: who a session belongs to, a member's role, a
 * page of a list, a business's connections, publishing settings, supplier rules. Each entry carries the database's version when it was read (this process's
 * count of writes to the tables cached reads read, and SQLite's data_version, see openDatabase)
 * and is used only while that version holds, so there is no expiry to tune and no invalidation
 * call to forget: a write to one of those tables by this process, or any write by another
 * process sharing the file, retires every entry, and a request sees every commit made before it
 * started. Writes to the other tables (items, publish attempts, jobs, the audit log…) cannot
 * change a cached read, so creating items or publishing keeps sessions and list pages in memory.
 * What it saves is the work of the hot reads between writes (bench/throughput.ts: a list page
 * without it costs ~10× more).
 */
import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';

interface Entry {
  version: string;
  value: NonNullable<unknown>;
}

const caches = new WeakMap<Kysely<unknown>, ReadCache>();

/**
 * The tables a cached read may read (sessions and their users, memberships, connections and
 * their lists, publishing settings and supplier rules), and the tables whose deletes cascade into
 * them (businesses). A write to any other table leaves every cached read right.
 * test/read-cache.test.ts checks the schema: no cascade or trigger reaches these tables from outside.
 */
export const cachedTables: ReadonlySet<string> = new Set(['users', 'sessions', 'businesses', 'memberships', 'connections', 'list_entries', 'list_counts', 'publishing_settings', 'contact_rules']);

const written = /^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+"?(\w+)"?/i;
const judged = new WeakMap<object, boolean>();

/**
 * Whether running this statement can change what a cached read returns: it writes (SQLite's
 * own judgement, so `insert … returning` counts and BEGIN/COMMIT do not) to a cached table, or
 * to a table its SQL does not plainly name (a CTE, a statement this does not recognise).
 */
export function changesCachedReads(statement: { source: string; readonly: boolean }): boolean {
  let changes = judged.get(statement);
  if (changes === undefined) {
    const table = written.exec(statement.source)?.[1]?.toLowerCase();
    changes = !statement.readonly && (table === undefined || cachedTables.has(table));
    judged.set(statement, changes);
  }
  return changes;
}

export class ReadCache {
  private readonly entries = new LRUCache<string, Entry>({
    max: 20_000,
    // Pages are kept as their JSON text; rows are small. 64 MB at most.
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (entry) => (typeof entry.value === 'string' ? entry.value.length * 2 : 1024),
  });
  private others: number | undefined;

  /**
   * @param writes this process's count of writes that can change a cached read
   * @param dataVersion SQLite's data_version: moves when another connection commits. Read once
   *   per request (see `fresh`) or turn of the event loop, not once per read.
   */
  constructor(
    private readonly writes: () => number,
    private readonly dataVersion: () => number,
  ) {}

  /** A request starts: it must see every commit made before it, by any process. */
  fresh(): void {
    this.others = undefined;
  }

  private version(): string {
    if (this.others === undefined) {
      this.others = this.dataVersion();
      setImmediate(() => this.fresh());
    }
    return `${this.writes()}:${this.others}`;
  }

  /**
   * The value for `key` read at the current version, or `load()`'s. Nothing is kept for a load
   * that returns null/undefined or throws (so unknown session ids cannot fill the cache).
   */
  async get<T extends NonNullable<unknown>>(key: string, load: () => Promise<T | undefined | null>): Promise<T | undefined> {
    // Read before loading: a write during the load leaves the entry stamped older, so it is
    // re-read next time rather than trusted.
    const version = this.version();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit.value as T;
    const value = await load();
    if (value === undefined || value === null) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.set(key, { version, value });
    return value;
  }
}

export function attachReadCache(db: Kysely<any>, cache: ReadCache): void {
  caches.set(db, cache);
}

/** Called as each request starts (server/app.ts). */
export function freshReads(db: Kysely<any>): void {
  caches.get(db)?.fresh();
}

/**
 * `load()`, kept until a cached table changes. `load` must read only `cachedTables`. Without a
 * cache attached to `db`: just `load()`.
 */
export async function readThrough<T extends NonNullable<unknown>>(db: Kysely<any>, key: string, load: () => Promise<T | undefined | null>): Promise<T | undefined> {
  const cache = caches.get(db);
  if (!cache) return (await load()) ?? undefined;
  return cache.get(key, load);
}
