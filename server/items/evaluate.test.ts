/**
 * A publishing batch is checked in one go (`evaluateMany`, issue 8): it must come to exactly what
 * checking each item on its own does: rules, category default tax, contacts found by name,
 * duplicate numbers (by contact id and by name, of the same type only) and unknown references.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, listEntry, type TestServer } from '../../test/support/test-server.js';
import type { ListEntriesTable } from '../db/schema.js';
import { evaluate, evaluateMany, loadLedger } from './evaluate.js';
import { toModel } from './model.js';

let server: TestServer;
let token: string;
let businessId: string;
const call = async (method: string, path: string, json?: unknown) => {
  const res = await server.request(method, `/api/businesses/${businessId}${path}`, { token, json });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const item = (over: Record<string, unknown> = {}) => ({
  type: 'cost',
  contact: 'Acme Ltd',
  date: '2026-06-01',
  currency: 'GBP',
  lines: [{ description: 'Paper', amount: '10.00' }],
  total: '10.00',
  ...over,
});

beforeAll(async () => {
  server = await createTestServer();
  const admin = await server.user({ role: 'business_admin', name: 'Ada Admin' });
  businessId = admin.businessId;
  token = await server.signIn(admin.email, admin.password);
  const { db } = server.deps;
  const connection = await server.xeroConnection(businessId, admin.userId, 'Ada Org');
  const entry = (kind: string, externalId: string, name: string, more: Partial<ListEntriesTable> = {}) => listEntry(connection.id, kind, externalId, name, more);
  await db
    .insertInto('list_entries')
    .values([
      entry('contacts', 'c-acme', 'Acme Ltd', { code: 'SUP1' }),
      entry('contacts', 'c-beta', 'Beta Supplies'),
      entry('categories', 'a-400', 'Advertising', { code: '400', tax_rate: 'INPUT2' }),
      entry('categories', 'a-429', 'General', { code: '429', status: 'archived' }),
      entry('tax_rates', 't-input2', '20% (VAT on Expenses)', { code: 'INPUT2' }),
      entry('bank_accounts', 'b-1', 'Business Account', { code: '090' }),
      entry('currencies', 'GBP', 'Pound', { code: 'GBP' }),
    ])
    .execute();
  expect((await call('POST', '/rules', { contact: 'SUP1', category: '400', paymentAccount: 'Business Account', paid: true })).status).toBe(201);
}, 30_000);
afterAll(() => server.close());

describe('evaluateMany', () => {
  it('checks a batch exactly as it checks each item alone', async () => {
    const created = [
      item({ number: 'INV-1' }),
      item({ number: 'INV-1' }), // duplicate of the first once that one is queued
      item({ number: 'INV-1', contact: 'Beta Supplies' }), // same number, other contact
      item({ number: 'INV-1', type: 'sales', contact: 'Acme Ltd' }), // same number, other type
      item({ number: 'N-2', contact: 'Nobody Known' }), // by name, not in the lists
      item({ number: 'N-2', contact: 'Nobody Known' }),
      item({ number: 'N-3', contact: 'Beta Supplies', lines: [{ description: 'x', amount: '10.00', category: '429' }] }),
      item({}),
    ];
    const ids: string[] = [];
    for (const body of created) {
      const r = await call('POST', '/items', body);
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const { db } = server.deps;
    // The first of each pair is on its way: its twin is a duplicate.
    await db.updateTable('items').set({ state: 'queued' }).where('id', 'in', [ids[0]!, ids[4]!]).execute();
    // The contact arrived in the lists after the item: found by name.
    const rows = await db.selectFrom('items').selectAll().where('id', 'in', ids).execute();
    rows.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
    await db.updateTable('items').set({ contact_external_id: null }).where('id', '=', ids[2]!).execute();
    rows[2] = { ...rows[2]!, contact_external_id: null };

    const ledger = await loadLedger(db, businessId, 'cost');
    const alone = [];
    for (const row of rows) alone.push(await evaluate(db, toModel(row), await loadLedger(db, businessId, row.type)));
    const costs = rows.filter((r) => r.type === 'cost');
    const together = await evaluateMany(db, costs.map(toModel), ledger);
    const expected = alone.filter((_, i) => rows[i]!.type === 'cost');
    expect(together.map((t) => t.item)).toEqual(expected.map((e) => e.item));
    for (let i = 0; i < costs.length; i++) {
      for (const [kind, id] of [['contacts', together[i]!.item.contactId], ['categories', together[i]!.item.lines[0]!.category], ['tax_rates', together[i]!.item.lines[0]!.taxRate]] as const) {
        expect(together[i]!.lists.get(kind, id)).toEqual(expected[i]!.lists.get(kind, id));
      }
    }
    // What the batch found is what a user sees: the twin flagged, the others not.
    const codes = together.map((t) => t.item.issues.map((x) => x.code));
    expect(codes[1]).toContain('duplicate_number');
    expect(codes[0]).not.toContain('duplicate_number');
    expect(codes[2]).not.toContain('duplicate_number');
    expect(codes[4]).toContain('duplicate_number'); // by name (the sales item is not in the batch)
    expect(together[2]!.item.contactId).toBe('c-beta');
    expect(together[0]!.item.lines[0]!.category).toBe('a-400'); // the rule
    expect(together[0]!.item.lines[0]!.taxRate).toBe('t-input2'); // the category's default tax
  });
});
