/**
 * Browsing an imported list: case-insensitive order, cursor paging that visits every entry once,
 * search that takes `%` and `_` literally, and totals that stay exact through every write path
 * (kept by the triggers of migration 0005, not counted per request).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, listEntry, type TestServer } from './support/test-server.js';
import { migrate, openDatabase } from '../server/db/database.js';
import { migrations } from '../server/db/migrations/index.js';
import { scratchDir } from './support/scratch.js';

let server: TestServer;
let token: string;
let base: string;
let connectionId: string;

const names = ['beta supplies', 'Alpha Ltd', 'alpha ltd', 'ACME', 'acme 2', '50% Off Stores', '500 Club', 'Zed_Co', 'Zedco', 'gamma', 'Delta', 'epsilon'];

async function entries(values: { name: string; status?: 'active' | 'archived'; code?: string; id?: string }[]) {
  await server.deps.db
    .insertInto('list_entries')
    .values(
      values.map((v) =>
        listEntry(connectionId, 'contacts', v.id ?? randomUUID(), v.name, {
          code: v.code ?? null,
          status: v.status ?? 'active',
          type: 'supplier',
          currency: 'GBP',
          archived_reason: v.status === 'archived' ? 'upstream_archived' : null,
        }),
      ),
    )
    .onConflict((oc) => oc.columns(['connection_id', 'kind', 'external_id']).doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), status: eb.ref('excluded.status') })))
    .execute();
}

const get = async (query: string) => {
  const res = await server.request('GET', `${base}/lists/contacts${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as { entries: { name: string; externalId: string; status: string }[]; next: string | null; total: number };
};

beforeAll(async () => {
  server = await createTestServer();
  const { email, password, businessId, userId } = await server.user({ role: 'business_admin' });
  token = await server.signIn(email, password);
  const connection = await server.xeroConnection(businessId, userId, 'Lists Ltd');
  connectionId = connection.id;
  base = `/api/businesses/${businessId}/connections/${connectionId}`;
  await entries(names.map((name) => ({ name })));
});
afterAll(() => server.close());

describe('browsing a list', () => {
  it('pages through every entry once, in case-insensitive order', async () => {
    const seen: string[] = [];
    let next: string | null = '';
    let pages = 0;
    while (next !== null && pages < 20) {
      const page = await get(`?limit=5${next ? `&after=${next}` : ''}`);
      expect(page.total).toBe(names.length);
      seen.push(...page.entries.map((e) => e.name));
      next = page.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(names.length);
    expect(seen.map((n) => n.toLowerCase())).toEqual([...names].map((n) => n.toLowerCase()).sort());
  });

  it('searches names with % and _ taken literally, and counts what matched', async () => {
    const percent = await get(`?q=${encodeURIComponent('50%')}`);
    expect(percent.entries.map((e) => e.name)).toEqual(['50% Off Stores']);
    expect(percent.total).toBe(1);
    const underscore = await get(`?q=${encodeURIComponent('zed_')}`);
    expect(underscore.entries.map((e) => e.name)).toEqual(['Zed_Co']);
  });

  it('pages through a search of the active entries, counting what matched', async () => {
    const seen: string[] = [];
    let next: string | null = '';
    while (next !== null && seen.length < 20) {
      const page = await get(`?q=a&status=active&limit=2${next ? `&after=${next}` : ''}`);
      expect(page.total).toBe(7);
      seen.push(...page.entries.map((e) => e.name));
      next = page.next;
    }
    expect(seen.map((n) => n.toLowerCase())).toEqual(['acme', 'acme 2', 'alpha ltd', 'alpha ltd', 'beta supplies', 'delta', 'gamma']);
  });

  it('keeps the totals exact through archive, re-import and removal', async () => {
    const before = await get('?status=active');
    const [first, second] = before.entries;
    await entries([{ name: first!.name, id: first!.externalId, status: 'archived' }]);
    await entries([{ name: second!.name, id: second!.externalId }]); // re-imported unchanged: an upsert, not a new entry
    expect((await get('?status=active')).total).toBe(names.length - 1);
    expect((await get('?status=archived')).total).toBe(1);
    expect((await get('')).total).toBe(names.length);
    await server.deps.db.deleteFrom('list_entries').where('connection_id', '=', connectionId).where('external_id', '=', second!.externalId).execute();
    expect((await get('')).total).toBe(names.length - 1);
    await server.deps.db.deleteFrom('list_entries').where('connection_id', '=', connectionId).execute();
    const empty = await get('');
    expect(empty).toEqual({ entries: [], next: null, total: 0 });
  });

  it('refuses a cursor it did not give, naming the field', async () => {
    const res = await server.request('GET', `${base}/lists/contacts?after=nonsense`, { token });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('query.after');
  });
});

describe('migration 0005', () => {
  it('counts the entries a database already had', async () => {
    const file = path.join(scratchDir('bb-lists-'), 'bookbridge.db');
    const opened = openDatabase(file);
    await migrate(opened, { file, upTo: '0004_item_approvals' });
    const sqlite = opened.sqlite;
    sqlite.prepare("INSERT INTO businesses (id, name, created_at) VALUES ('b', 'B', 0)").run();
    sqlite
      .prepare(
        "INSERT INTO connections (id, business_id, provider, role, status, organisation_id, organisation_name, authorised_at, expires_at, created_at, updated_at) VALUES ('c', 'b', 'xero', 'ledger', 'active', 'o', 'O', 0, 0, 0, 0)",
      )
      .run();
    const insert = sqlite.prepare("INSERT INTO list_entries (connection_id, kind, external_id, name, status, updated_at) VALUES ('c', ?, ?, ?, ?, 0)");
    for (let i = 0; i < 7; i++) insert.run('contacts', `id${i}`, `Name ${i}`, i < 5 ? 'active' : 'archived');
    insert.run('categories', 'x', 'Sales', 'active');
    expect((await migrate(opened, { file })).applied).toEqual(Object.keys(migrations).slice(4));
    expect(sqlite.prepare('SELECT kind, status, n FROM list_counts ORDER BY kind, status').all()).toEqual([
      { kind: 'categories', status: 'active', n: 1 },
      { kind: 'contacts', status: 'active', n: 5 },
      { kind: 'contacts', status: 'archived', n: 2 },
    ]);
    await opened.close();
  });
});
