import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type OpenedDatabase } from '../db/database.js';
import { ledgerCurrencies, resolveRef } from './lists.js';
import { listEntry } from '../../test/support/test-server.js';

let opened: OpenedDatabase;
beforeAll(async () => {
  opened = openDatabase(':memory:');
  await migrate(opened);
  opened.sqlite.pragma('foreign_keys = OFF'); // entries without a connection row: only the look-up is under test
  const entry = (externalId: string, name: string, code: string | null, status: 'active' | 'archived' = 'active') => listEntry('conn', 'contacts', externalId, name, { code, status });
  await opened.db
    .insertInto('list_entries')
    .values([
      entry('c-1', 'Acme Ltd', 'ACME'),
      entry('c-2', 'c-1', null), // a name that is another entry's id: the id wins
      entry('c-3', 'Old Co', 'OLD', 'archived'),
      entry('c-4', 'old co', 'OLD'),
      entry('ACME', 'Shadow', null, 'archived'),
    ])
    .execute();
});
afterAll(() => opened.close());

const find = async (ref: string) => (await resolveRef(opened.db, 'conn', 'contacts', ref))?.external_id;

describe('resolveRef', () => {
  it('takes an id, then a code, then a name, whatever its case', async () => {
    expect(await find('c-1')).toBe('c-1');
    expect(await find('ACME')).toBe('ACME'); // an id before a code
    expect(await find('acme ltd')).toBe('c-1');
    expect(await find('ACME LTD')).toBe('c-1');
    expect(await find('nobody')).toBeUndefined();
  });

  it('prefers the active entry when a code or name is shared with an archived one', async () => {
    expect(await find('OLD')).toBe('c-4');
    expect(await find('OLD CO')).toBe('c-4');
  });

  it('looks only in the given connection and list', async () => {
    expect(await resolveRef(opened.db, 'other', 'contacts', 'c-1')).toBeUndefined();
    expect(await resolveRef(opened.db, 'conn', 'categories', 'Acme Ltd')).toBeUndefined();
  });

  it('follows the lists as they change (a kept answer is not served after a rename or a new currency)', async () => {
    expect(await find('Renamed Ltd')).toBeUndefined();
    expect(await find('acme ltd')).toBe('c-1');
    await opened.db.updateTable('list_entries').set({ name: 'Renamed Ltd' }).where('external_id', '=', 'c-1').execute();
    expect(await find('acme ltd')).toBeUndefined();
    expect(await find('renamed ltd')).toBe('c-1');
    await opened.db.updateTable('list_entries').set({ name: 'Acme Ltd' }).where('external_id', '=', 'c-1').execute();

    expect(await ledgerCurrencies(opened.db, 'conn')).toBeNull();
    await opened.db.insertInto('list_entries').values(listEntry('conn', 'currencies', 'EUR', 'Euro', { code: 'eur' })).execute();
    expect([...(await ledgerCurrencies(opened.db, 'conn'))!]).toEqual(['EUR']);
    await opened.db.deleteFrom('list_entries').where('kind', '=', 'currencies').execute();
    expect(await ledgerCurrencies(opened.db, 'conn')).toBeNull();
  });
});
