/**
 * The one data-access layer: Kysely over better-sqlite3 (WAL). Queries are written against
 * Kysely so the same code can later run on PostgreSQL; SQLite-only features stay in here.
 */
import { mkdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { LRUCache } from 'lru-cache';
import { attachReadCache, changesCachedReads, ReadCache } from './read-cache.js';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  db: Db;
  sqlite: SQLite.Database;
  close(): Promise<void>;
}

export function openDatabase(file: string): OpenedDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // The server checkpoints from a worker thread (checkpointer.ts); the WAL file is cut back to
  // 64 MB after a checkpoint.
  sqlite.pragma('journal_size_limit = 67108864');
  // Two processes may share the file (a second server, the admin command): wait, don't fail.
  sqlite.pragma('busy_timeout = 5000');
  const { connection, writes } = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  // data_version moves when another connection (another process) commits; `writes` counts this
  // process's own write statements. Together: "nothing anywhere has changed" while both stay.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  attachReadCache(db, new ReadCache(writes, () => dataVersion.get() as number));
  return {
    db,
    sqlite: connection,
    close: async () => {
      await db.destroy();
    },
  };
}


export class SchemaTooNewError extends Error {
  constructor(unknown: string[]) {
    super(
      `This database was written by a newer version of Bookbridge (it has migrations ${unknown.join(', ')} that this version does not know). ` +
        'Upgrade Bookbridge, or restore a backup made by this version.',
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Applies pending migrations (idempotent). Refuses a database from a newer version, and takes a
 * backup next to the file before changing an existing database.
 */
export async function migrate(
  opened: OpenedDatabase,
  options: { file?: string; now?: () => Date; /** tests: stop after this migration */ upTo?: string } = {},
): Promise<{ applied: string[]; backup?: string }> {
  const names = Object.keys(migrations);
  const selected = options.upTo ? names.slice(0, names.indexOf(options.upTo) + 1) : names;
  const provider: MigrationProvider = { getMigrations: async () => Object.fromEntries(selected.map((n) => [n, migrations[n]!])) };
  const migrator = new Migrator({ db: opened.db, provider });
  const known = new Set(names);
  const state = await migrator.getMigrations();
  const hasTable = opened.sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'")
    .get();
  const executed: string[] = hasTable
    ? (opened.sqlite.prepare('SELECT name FROM kysely_migration').all() as { name: string }[]).map((r) => r.name)
    : [];
  const unknown = executed.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);

  const pending = state.filter((m) => !m.executedAt);
  if (pending.length === 0) return { applied: [] };

  let backup: string | undefined;
  const file = options.file;
  if (executed.length > 0 && file && file !== ':memory:' && existsSync(file) && statSync(file).size > 0) {
    const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    backup = `${file}.before-${pending[0]!.name}.${stamp}.bak`;
    await opened.sqlite.backup(backup);
  }

  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName), backup };
}

/**
 * Kysely prepares every query it runs; preparing is a large part of a small query's cost in
 * better-sqlite3. Same SQL text → same prepared statement, from a bounded cache. Every statement
 * prepared here that can change a cached read (or SQL run with exec) is counted, for the read
 * cache's version.
 */
function withStatementCache(sqlite: SQLite.Database, size = 500): { connection: SQLite.Database; writes: () => number } {
  const cache = new LRUCache<string, SQLite.Statement>({ max: size });
  let writes = 0;
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = sqlite.prepare(sql)));
    if (changesCachedReads(statement)) writes++;
    return statement;
  };
  const exec = (sql: string) => {
    writes++;
    return sqlite.exec(sql);
  };
  const connection = new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return prepare;
      if (prop === 'exec') return exec;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { connection, writes: () => writes };
}
