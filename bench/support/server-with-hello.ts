/**
 * The companion as server/index.ts starts it, plus two bare routes on the same app: `GET
 * /_bench/hello` (the baseline for throughput) and `POST /_bench/insert`, which writes one items
 * row as item creation does (the same statement and commit) and nothing else: the floor under
 * any item creation that keeps the item before answering. A business is seeded with a
 * connection whose contacts list holds 10,000 entries.
 * Prints `READY <url> <token> <businessId> <connectionId>`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createRuntime } from '../../server/runtime.js';
import { addMembership, createBusiness, createUser } from '../../server/auth/users.js';
import { createSession } from '../../server/auth/sessions.js';
import { insertConnection } from '../../server/connections/store.js';
import { compiledOnce } from '../../server/db/compiled.js';
import type { ItemsTable } from '../../server/db/schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bookbridge-bench-http-'));
const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dir, LOG_LEVEL: 'silent', SANDBOX: 'off', PUBLIC_URL: 'https://bench.invalid', ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') });
const runtime = await createRuntime(config, { logger: createLogger({ level: 'silent', format: 'json' }) });
const { db, secrets } = runtime.deps;
const now = Date.now();
const userId = await createUser(db, { email: 'load@example.com', name: 'Load', password: 'load test password', now, cost: { N: 2 ** 10, r: 8, p: 1 } });
const businessId = await createBusiness(db, { name: 'Load Ltd', now });
await addMembership(db, { userId, businessId, role: 'business_admin', now });
const { token } = await createSession(db, userId, now, 86_400_000);
const connection = await insertConnection({ db, secrets, now: () => new Date() }, {
  businessId,
  provider: 'xero',
  organisation: { id: randomUUID(), name: 'Load Org' },
  credentials: { kind: 'oauth2', tokens: { accessToken: 'x', refreshToken: 'y', accessTokenExpiresAt: now + 3_600_000 } },
  createdBy: userId,
});
for (let from = 0; from < 10_000; from += 500) {
  await db
    .insertInto('list_entries')
    .values(
      Array.from({ length: 500 }, (_, i) => ({
        connection_id: connection.id,
        kind: 'contacts',
        external_id: randomUUID(),
        code: null,
        name: `Contact ${String(from + i).padStart(5, '0')}`,
        status: 'active' as const,
        type: 'supplier',
        tax_rate: null,
        currency: 'GBP',
        extra: null,
        archived_reason: null,
        seen_by_job: null,
        updated_at: now,
      })),
    )
    .execute();
}

runtime.app.get('/_bench/hello', (c) => c.text('hello'));
// The row a one-line cost item becomes (server/items/service.ts), written by the same statement.
const insertItem = compiledOnce((database, row: ItemsTable) => database.insertInto('items').values(row));
const row: Omit<ItemsTable, 'id' | 'idempotency_key' | 'number' | 'created_at' | 'updated_at'> = {
  business_id: businessId, type: 'cost', state: 'needs_attention', source: 'api', contact_name: 'Contact 00042', contact_external_id: null,
  document_date: '2026-11-01', due_date: null, reference: null, currency: 'GBP', currency_rate: null, tax_mode: 'exclusive',
  lines: JSON.stringify([{ description: 'Paper', amount: '10.00', taxAmount: '2.00', total: '12.00', category: null, taxRate: null, project: null }]),
  total: '12.00', total_tax: '2.00', paid: 0, payment_date: null, payment_account: null, destination: null, status: null, description: null,
  sources: '{}', issues: '[]', auto_publish: 0, error: null, key_generation: 0, stale_retries: 0, connection_id: null, last_attempt_id: null,
  attempt_count: 0, document_id: null, document_url: null, payment_id: null, published_at: null, attachment_state: 'none', attachment_error: null,
  submitted_by: userId,
};
let inserted = 0;
runtime.app.post('/_bench/insert', async (c) => {
  const at = Date.now();
  await insertItem.run(db, { ...row, id: randomUUID(), idempotency_key: randomUUID(), number: `FLOOR-${++inserted}`, created_at: at, updated_at: at });
  return c.text('created', 201);
});
const server = serve({ fetch: runtime.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stdout.write(`READY http://127.0.0.1:${info.port} ${token} ${businessId} ${connection.id}\n`);
});
process.on('SIGTERM', () => {
  server.close(async () => {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  // Idle keep-alive connections (autocannon's) would hold close() open.
  if ('closeAllConnections' in server) server.closeAllConnections();
});
