/**
 * The companion as server/index.ts starts it, plus one bare `GET /_bench/hello` route on the
 * same app (the baseline for throughput), and a business seeded with a connection whose
 * contacts list holds 10,000 entries. Prints `READY <url> <token> <businessId> <connectionId>`.
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
const server = serve({ fetch: runtime.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stdout.write(`READY http://127.0.0.1:${info.port} ${token} ${businessId} ${connection.id}\n`);
});
process.on('SIGTERM', () =>
  server.close(async () => {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }),
);
