import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, SchemaTooNewError } from './database.js';
import { migrations } from './migrations/index.js';
import { scratchDir } from '../../test/support/scratch.js';

const fresh = () => path.join(scratchDir('bb-db-'), 'bookbridge.db');

describe('migrations', () => {
  it('apply once on a new database in WAL mode, and again is a no-op', async () => {
    const file = fresh();
    const db = openDatabase(file);
    const first = await migrate(db, { file });
    expect(first.applied).toEqual(Object.keys(migrations));
    expect(first.backup).toBeUndefined();
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((await migrate(db, { file })).applied).toEqual([]);
    await db.close();
  });

  it('back the database up before migrating an existing one', async () => {
    const file = fresh();
    const db = openDatabase(file);
    const [first] = Object.keys(migrations);
    await migrate(db, { file, upTo: first });
    const result = await migrate(db, { file, now: () => new Date('2026-11-23T10:00:00Z') });
    expect(result.applied).toEqual(Object.keys(migrations).slice(1));
    expect(result.backup).toMatch(/bookbridge\.db\.before-.*\.bak$/);
    expect(existsSync(result.backup!)).toBe(true);
    await db.close();
  });

  it('refuses a database written by a newer version', async () => {
    const file = fresh();
    const db = openDatabase(file);
    await migrate(db, { file });
    db.sqlite.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', '2030-01-01')").run();
    await expect(migrate(db, { file })).rejects.toThrow(SchemaTooNewError);
    await db.close();
  });
});
