import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type OpenedDatabase } from '../db/database.js';
import { Prepared } from './prepared.js';

let opened: OpenedDatabase;
beforeEach(async () => {
  opened = openDatabase(':memory:');
  await migrate(opened);
});
afterEach(async () => {
  await opened.close();
});

const at = new Prepared<{ action: string; at: number; detail: string }>((db, v) =>
  db.insertInto('audit_log').values({ business_id: null, user_id: null, action: v.action, detail: v.detail, created_at: v.at }),
);
const rename = new Prepared<{ from: string; to: string; at: number }>((db, v) =>
  db.updateTable('audit_log').set({ action: v.to, created_at: v.at }).where('action', '=', v.from).where('created_at', '<', v.at),
);

describe('Prepared', () => {
  it('runs one compiled statement with each run’s values, in a transaction too', async () => {
    const { db } = opened;
    await at.run(db, { action: 'a', at: 1, detail: '{}' });
    await db.transaction().execute(async (trx) => {
      await at.run(trx, { action: 'b', at: 2, detail: '{"x":1}' });
      await at.run(trx, { action: 'a', at: 3, detail: '{}' });
    });
    // A value used twice is bound twice; the count of changed rows comes back.
    const result = await rename.run(db, { from: 'a', to: 'c', at: 3 });
    expect(Number(result.numAffectedRows)).toBe(1);
    const rows = await db.selectFrom('audit_log').select(['action', 'detail', 'created_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { action: 'c', detail: '{}', created_at: 3 },
      { action: 'b', detail: '{"x":1}', created_at: 2 },
      { action: 'a', detail: '{}', created_at: 3 },
    ]);
  });

  it('refuses a statement where a value is not bound as a parameter (it would keep its marker)', async () => {
    const inlined = new Prepared<{ action: string }>((db, v) => db.selectFrom('audit_log').select('id').where('action', '=', sql.lit(v.action)));
    expect(() => inlined.run(opened.db, { action: 'a' })).toThrow(/action not bound/);
  });
});
