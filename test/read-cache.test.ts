/**
 * The read cache keeps sessions, roles and list pages only while the database is unchanged.
 * Changes made by another process (here: a second SQLite connection on the same file, as the
 * admin command or a second server would make) must show on the very next request.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from './support/test-server.js';
import { cachedTables, changesCachedReads, ReadCache } from '../server/db/read-cache.js';
import { migrate, openDatabase } from '../server/db/database.js';

describe('ReadCache', () => {
  it('answers from memory while the version holds, and reads again when it moves', async () => {
    let version = 1;
    let loads = 0;
    const cache = new ReadCache(() => version, () => 0);
    const load = async () => ({ n: ++loads });
    expect(await cache.get('k', load)).toEqual({ n: 1 });
    expect(await cache.get('k', load)).toEqual({ n: 1 });
    version++;
    expect(await cache.get('k', load)).toEqual({ n: 2 });
  });

  it('keeps nothing for a miss, and re-reads a value loaded while a write happened', async () => {
    let version = 1;
    const cache = new ReadCache(() => version, () => 0);
    let loads = 0;
    expect(await cache.get('gone', async () => (loads++, undefined))).toBeUndefined();
    expect(await cache.get('gone', async () => (loads++, undefined))).toBeUndefined();
    expect(loads).toBe(2);
    const during = await cache.get('k', async () => {
      version++; // a write lands while the read is in flight
      return 'old';
    });
    expect(during).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });
});

describe('which writes retire cached reads', () => {
  let sqlite: SQLite.Database;
  beforeAll(async () => {
    const opened = openDatabase(':memory:');
    await migrate(opened);
    sqlite = opened.sqlite;
  });

  it('a write to a table cached reads read does; a write elsewhere, a read or a transaction boundary does not', () => {
    const judge = (sql: string) => changesCachedReads(sqlite.prepare(sql));
    expect(judge('UPDATE "sessions" SET last_used_at = ? WHERE id = ?')).toBe(true);
    expect(judge('delete from "memberships" where "user_id" = ?')).toBe(true);
    expect(judge('insert into "list_entries" ("connection_id", "kind", "external_id", "name", "status", "updated_at") values (?, ?, ?, ?, ?, ?)')).toBe(true);
    expect(judge('INSERT OR IGNORE INTO connections (id) VALUES (?)')).toBe(true);
    // Not plainly naming its table: counted, to be safe.
    expect(judge('WITH gone AS (SELECT id FROM users WHERE email = ?) DELETE FROM sessions WHERE user_id IN (SELECT id FROM gone)')).toBe(true);
    expect(judge('insert into "items" ("id", "business_id") values (?, ?)')).toBe(false);
    expect(judge('insert into "publish_attempts" ("id", "item_id") values (?, ?) returning "id"')).toBe(false);
    expect(judge('update "jobs" set "locked_until" = ? where "id" = ? returning *')).toBe(false);
    expect(judge('select * from "sessions" where "id" = ?')).toBe(false);
    expect(judge('begin')).toBe(false);
    expect(judge('commit')).toBe(false);
  });

  it('no cascade or trigger reaches a cached table from a table outside them', () => {
    const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]);
    for (const t of cachedTables) expect(tables).toContain(t);
    for (const table of cachedTables) {
      const keys = sqlite.prepare(`SELECT "table", on_delete, on_update FROM pragma_foreign_key_list(?)`).all(table) as { table: string; on_delete: string; on_update: string }[];
      for (const key of keys) {
        const acts = [key.on_delete, key.on_update].some((a) => !['NO ACTION', 'RESTRICT'].includes(a));
        if (acts) expect({ table, parent: key.table, cached: cachedTables.has(key.table) }).toEqual({ table, parent: key.table, cached: true });
      }
    }
    const triggers = sqlite.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; tbl_name: string }[];
    for (const trigger of triggers) expect({ ...trigger, cached: cachedTables.has(trigger.tbl_name) }).toEqual({ ...trigger, cached: true });
  });
});

describe('a second process changing the database', () => {
  let server: TestServer;
  let other: SQLite.Database;
  let token: string;
  let businessId: string;
  let userId: string;
  let base: string;
  let connectionId: string;

  beforeAll(async () => {
    server = await createTestServer();
    const user = await server.user({ role: 'business_admin' });
    ({ businessId, userId } = user);
    token = await server.signIn(user.email, user.password);
    const connection = await server.xeroConnection(businessId, userId, 'Cache Ltd');
    connectionId = connection.id;
    base = `/api/businesses/${businessId}/connections/${connectionId}`;
    other = new SQLite(path.join(server.dir, 'bookbridge.db'));
    other.pragma('busy_timeout = 5000');
  });
  afterAll(async () => {
    other.close();
    await server.close();
  });

  const addEntry = (name: string) =>
    other
      .prepare("INSERT INTO list_entries (connection_id, kind, external_id, name, status, updated_at) VALUES (?, 'contacts', ?, ?, 'active', 0)")
      .run(connectionId, randomUUID(), name);

  it('shows list entries another process imported', async () => {
    addEntry('First Supplier');
    const first = await (await server.request('GET', `${base}/lists/contacts`, { token })).json();
    expect(first.total).toBe(1);
    expect(await (await server.request('GET', `${base}/lists/contacts`, { token })).json()).toEqual(first);
    addEntry('Second Supplier');
    const second = await (await server.request('GET', `${base}/lists/contacts`, { token })).json();
    expect(second.entries.map((e: { name: string }) => e.name)).toEqual(['First Supplier', 'Second Supplier']);
    expect(second.total).toBe(2);
  });

  it('stops a member removed by another process at once', async () => {
    expect((await server.request('GET', `${base}/lists/contacts`, { token })).status).toBe(200);
    other.prepare('DELETE FROM memberships WHERE user_id = ? AND business_id = ?').run(userId, businessId);
    expect((await server.request('GET', `${base}/lists/contacts`, { token })).status).toBe(404);
    other.prepare("INSERT INTO memberships (user_id, business_id, role, created_at) VALUES (?, ?, 'business_admin', 0)").run(userId, businessId);
    expect((await server.request('GET', `${base}/lists/contacts`, { token })).status).toBe(200);
  });

  it('ends a session signed out by another process at once', async () => {
    expect((await server.request('GET', '/api/me', { token })).status).toBe(200);
    other.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
    const res = await server.request('GET', '/api/me', { token });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('session_expired');
  });

  it('ends a session signed out in this process at once', async () => {
    const user = await server.user({ role: 'business_admin', businessId });
    const mine = await server.signIn(user.email, user.password);
    expect((await server.request('GET', '/api/me', { token: mine })).status).toBe(200);
    expect((await server.request('POST', '/api/auth/logout', { token: mine })).status).toBeLessThan(300);
    expect((await server.request('GET', '/api/me', { token: mine })).status).toBe(401);
  });
});
