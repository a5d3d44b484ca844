/**
 * What the admin command does, as functions over an open database (so tests call them directly).
 */
import { existsSync, renameSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import type { OpenedDatabase } from './db/database.js';
import { SecretBox } from './crypto/secret-box.js';
import { sealedColumns } from './crypto/sealed-columns.js';
import { healthOf } from './connections/expiry.js';

/** Online backup through SQLite's backup API: consistent even while the server writes. */
export async function backupDatabase(opened: OpenedDatabase, destination: string): Promise<{ pages: number; bytes: number }> {
  if (existsSync(destination)) throw new Error(`${destination} already exists: choose a new file name.`);
  const result = await opened.sqlite.backup(destination);
  return { pages: result.totalPages, bytes: statSync(destination).size };
}

/** Checks a backup file is a readable Bookbridge database before anything is overwritten. */
export function inspectBackup(file: string): { migrations: string[]; users: number } {
  if (!existsSync(file)) throw new Error(`${file} does not exist.`);
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`${file} is damaged (integrity check: ${String(integrity)}).`);
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get();
    if (!hasTable) throw new Error(`${file} is not a Bookbridge database.`);
    const migrations = (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((r) => r.name);
    const users = (db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    return { migrations, users };
  } finally {
    db.close();
  }
}

/**
 * Restores a backup into the database file with SQLite's backup API (it takes the locks it
 * needs). Stop the server first: a running server would keep serving what it had cached.
 */
export async function restoreDatabase(backupFile: string, databasePath: string): Promise<void> {
  inspectBackup(backupFile);
  const source = new SQLite(backupFile, { readonly: true, fileMustExist: true });
  try {
    await source.backup(databasePath);
  } finally {
    source.close();
  }
}

/**
 * Re-encrypts every sealed secret under `next`. Each value records which key sealed it, so an
 * interrupted run is resumed by running it again: values already under `next` are skipped.
 * Works in batches, each in its own transaction.
 */
export function rotateSecrets(opened: OpenedDatabase, current: SecretBox, next: SecretBox, options: { batch?: number; stopAfter?: number } = {}): { rotated: number; already: number } {
  const batch = options.batch ?? 200;
  let rotated = 0;
  let already = 0;
  for (const col of sealedColumns) {
    const select = opened.sqlite.prepare(`SELECT ${col.key} AS k, ${col.column} AS v FROM ${col.table} WHERE ${col.column} IS NOT NULL AND ${col.key} > ? ORDER BY ${col.key} LIMIT ?`);
    const update = opened.sqlite.prepare(`UPDATE ${col.table} SET ${col.column} = ? WHERE ${col.key} = ?`);
    let after = '';
    for (;;) {
      const rows = select.all(after, batch) as { k: string; v: Buffer }[];
      if (rows.length === 0) break;
      opened.sqlite.transaction(() => {
        for (const row of rows) {
          if (next.sealedByThisKey(row.v)) {
            already++;
            continue;
          }
          const context = col.context(row.k);
          update.run(next.seal(current.open(row.v, context), context), row.k);
          rotated++;
          if (options.stopAfter !== undefined && rotated >= options.stopAfter) throw new Interrupted();
        }
      })();
      after = rows.at(-1)!.k;
    }
  }
  return { rotated, already };
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Finishes a key-file rotation: the next key becomes the key, the old one is kept beside it. */
export function promoteKeyFile(keyFile: string, nextFile: string, stamp: string): string {
  const old = `${keyFile}.retired-${stamp}`;
  renameSync(keyFile, old);
  renameSync(nextFile, keyFile);
  return old;
}

export async function listBusinessHealth(opened: OpenedDatabase, now: number) {
  const businesses = await opened.db.selectFrom('businesses').select(['id', 'name']).orderBy('name').execute();
  const out = [];
  for (const b of businesses) {
    const connections = await opened.db
      .selectFrom('connections')
      .selectAll()
      .where('business_id', '=', b.id)
      .where('status', 'in', ['active', 'expired'])
      .execute();
    const members = await opened.db.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('business_id', '=', b.id).executeTakeFirstOrThrow();
    out.push({
      id: b.id,
      name: b.name,
      members: Number(members.n),
      connections: connections.map((c) => ({ provider: c.provider, organisation: c.organisation_name, ...healthOf(c, now) })),
    });
  }
  return out;
}
