import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type OpenedDatabase } from '../db/database.js';
import type { UsersTable } from '../db/schema.js';
import { compiledOnce, compiledWithList } from './compiled.js';

let opened: OpenedDatabase;
beforeAll(async () => {
  opened = openDatabase(':memory:');
  await migrate(opened);
  const now = Date.now();
  await opened.db
    .insertInto('users')
    .values(['ann', 'bob', 'cy'].map((id, i) => ({ id, email: `${id}@example.com`, name: id.toUpperCase(), password_hash: 'x', is_server_admin: i === 2 ? 1 : 0, created_at: now })))
    .execute();
});
afterAll(() => opened.close());

describe('compiledOnce', () => {
  const byEmail = compiledOnce((db, v: { email: string }) =>
    db.selectFrom('users').select(['id', 'name']).where('email', '=', v.email).where('is_server_admin', 'in', [0, 1]),
  );

  it('answers each run with that run’s values, and keeps the constants the query holds', async () => {
    expect(await byEmail.first(opened.db, { email: 'ann@example.com' })).toEqual({ id: 'ann', name: 'ANN' });
    expect(await byEmail.first(opened.db, { email: 'cy@example.com' })).toEqual({ id: 'cy', name: 'CY' });
    expect(await byEmail.all(opened.db, { email: 'nobody@example.com' })).toEqual([]);
  });

  it('writes with the row it is given, column by column', async () => {
    const rename = compiledOnce((db, v: { id: string; name: string }) => db.updateTable('users').set({ name: v.name }).where('id', '=', v.id));
    expect(await rename.run(opened.db, { id: 'bob', name: 'Robert' })).toBe(1n);
    expect(await rename.run(opened.db, { id: 'nobody', name: 'X' })).toBe(0n);
    expect(await byEmail.first(opened.db, { email: 'bob@example.com' })).toEqual({ id: 'bob', name: 'Robert' });
  });

  it('compiles again for a different set of value names (an insert of other columns)', async () => {
    // is_server_admin left out of the first row: the table's default (0) applies.
    const insert = compiledOnce((db, row: Omit<UsersTable, 'is_server_admin'> & { is_server_admin?: number }) => db.insertInto('users').values(row as UsersTable));
    await insert.run(opened.db, { id: 'dee', email: 'dee@example.com', name: 'DEE', password_hash: 'x', created_at: 1 });
    await insert.run(opened.db, { id: 'eve', email: 'eve@example.com', name: 'EVE', password_hash: 'x', created_at: 1, is_server_admin: 1 });
    const rows = await opened.db.selectFrom('users').select(['id', 'is_server_admin']).where('id', 'in', ['dee', 'eve']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'dee', is_server_admin: 0 },
      { id: 'eve', is_server_admin: 1 },
    ]);
  });

  it('runs in a transaction with each run’s values, a value used twice bound twice', async () => {
    const log = compiledOnce((db, v: { action: string; at: number; detail: string }) =>
      db.insertInto('audit_log').values({ business_id: null, user_id: null, action: v.action, detail: v.detail, created_at: v.at }),
    );
    const rename = compiledOnce((db, v: { from: string; to: string; at: number }) =>
      db.updateTable('audit_log').set({ action: v.to, created_at: v.at }).where('action', '=', v.from).where('created_at', '<', v.at),
    );
    await log.run(opened.db, { action: 'a', at: 1, detail: '{}' });
    await opened.db.transaction().execute(async (trx) => {
      await log.run(trx, { action: 'b', at: 2, detail: '{"x":1}' });
      await log.run(trx, { action: 'a', at: 3, detail: '{}' });
    });
    expect(await rename.run(opened.db, { from: 'a', to: 'c', at: 3 })).toBe(1n);
    const rows = await opened.db.selectFrom('audit_log').select(['action', 'detail', 'created_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { action: 'c', detail: '{}', created_at: 3 },
      { action: 'b', detail: '{"x":1}', created_at: 2 },
      { action: 'a', detail: '{}', created_at: 3 },
    ]);
  });

  it('refuses a query that leaves a value out (the caller meant it to count)', async () => {
    const forgetful = compiledOnce((db, v: { action: string; before: number }) => db.selectFrom('audit_log').select('id').where('action', '=', v.action));
    await expect(forgetful.first(opened.db, { action: 'a', before: 1 })).rejects.toThrow(/before not bound/);
  });
});

describe('compiledWithList', () => {
  const named = compiledWithList((db, v: { admin: number }, ids: unknown[]) =>
    db.selectFrom('users').select('id').where('id', 'in', ids as string[]).where('is_server_admin', '=', v.admin).orderBy('id'),
  );

  it('reads the rows of each list given, whatever its length (padded to a compiled length)', async () => {
    const ids = async (admin: number, list: string[]) => (await named(opened.db, { admin }, list)).map((r) => r.id);
    expect(await ids(0, ['bob'])).toEqual(['bob']);
    expect(await ids(0, ['ann', 'bob', 'cy'])).toEqual(['ann', 'bob']);
    expect(await ids(1, ['ann', 'bob', 'cy'])).toEqual(['cy']);
    expect(await ids(0, ['cy', 'nobody', 'ann', 'x', 'y'])).toEqual(['ann']);
    expect(await ids(0, [])).toEqual([]);
  });

  it('refuses a list used outside the in it was given for', async () => {
    const bad = compiledWithList((db, _v: object, ids: unknown[]) => db.selectFrom('users').select('id').where('id', 'in', ids.slice(0, 1) as string[]));
    await expect(bad(opened.db, {}, ['ann', 'bob'])).rejects.toThrow('not bound');
  });
});
