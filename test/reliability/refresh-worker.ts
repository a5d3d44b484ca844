/**
 * A second companion process for the token-refresh property: the server's own runtime (database,
 * secrets, provider registry) on a data directory another process also uses. Told the items,
 * it builds their documents, says "ready", waits for "go" on stdin, then publishes them all at
 * once, each through its own provider session (as concurrent jobs would), and prints the outcomes.
 */
import { createInterface } from 'node:readline';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createRuntime } from '../../server/runtime.js';
import { createProviderSession } from '../../server/connections/provider-session.js';
import { documentsFor } from './documents.js';

const { businessId, itemIds } = JSON.parse(process.argv[2] ?? '{}') as { businessId: string; itemIds: string[] };
const runtime = await createRuntime(loadConfig(process.env), { logger: createLogger({ level: 'silent', format: 'json' }) });
const { db, secrets, providers } = runtime.deps;
const connection = await db.selectFrom('connections').selectAll().where('business_id', '=', businessId).where('status', '=', 'active').executeTakeFirstOrThrow();
const adapter = providers.adapter('quickbooks-online');
const documents = await documentsFor(db, businessId, itemIds);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'go') {
      lines.close();
      resolve();
    }
  });
});
const results = await Promise.all(
  documents.map(async (document) => {
    const session = createProviderSession({ db, secrets, now: () => new Date() }, adapter, { id: connection.id, organisationId: connection.organisation_id });
    try {
      const [outcome] = await adapter.publish(session, [document]);
      return outcome!.ok ? { ok: true, number: document.number } : { ok: false, number: document.number, error: `${outcome!.error.kind}: ${outcome!.error.message}` };
    } catch (error) {
      return { ok: false, number: document.number, error: error instanceof Error ? error.message : String(error) };
    }
  }),
);
await runtime.close();
// stdin and pooled provider sockets would keep the process alive.
process.stdout.write(`${JSON.stringify({ results })}\n`, () => process.exit(0));
