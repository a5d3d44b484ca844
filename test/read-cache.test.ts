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
import { ReadCache } from '../server/db/read-cache.js';

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
