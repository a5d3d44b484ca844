/**
 * Assembles the real dependencies from a Config: database (migrated), secrets, sandboxes and the
 * provider registry. Used by server/index.ts, the admin command and tests that want a whole
 * server on a temporary directory.
 */
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { createApp, type AppDeps, type Clock } from './app.js';
import { SecretBox, loadOrCreateKeyFile } from './crypto/secret-box.js';
import { migrate, openDatabase, type OpenedDatabase } from './db/database.js';
import { startCheckpointer } from './db/checkpointer.js';
import type { Logger } from './logger.js';
import type { PasswordCost } from './auth/passwords.js';
import { adapterFactories } from './providers/index.js';
import { createProviderRegistry } from './providers/registry.js';
import { createSandboxes, sandboxClient } from './sandbox/index.js';
import type { ProviderId } from '../shared/catalogue.js';
import { JobRunner } from './jobs/runner.js';
import { createMetrics } from './metrics.js';
import { importJobHandler } from './connections/import-lists.js';
import { registerPublishing } from './publishing/index.js';

export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface Runtime {
  deps: AppDeps;
  database: OpenedDatabase;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export function loadSecretBox(config: Pick<Config, 'encryption'>, logger?: Logger): SecretBox {
  if ('key' in config.encryption) return new SecretBox(config.encryption.key);
  const { key, created } = loadOrCreateKeyFile(config.encryption.keyFile);
  if (created) logger?.warn({ file: config.encryption.keyFile }, 'created a new encryption key file (mode 0600): back it up with the database');
  return new SecretBox(key);
}

export async function createRuntime(
  config: Config,
  options: { logger: Logger; clock?: Clock; passwordCost?: PasswordCost; sandboxBaseUrl?: string | (() => string); fetch?: typeof fetch; rateLimitScale?: number },
): Promise<Runtime> {
  const clock = options.clock ?? { now: () => new Date() };
  const database = openDatabase(config.databasePath);
  const { applied, backup } = await migrate(database, { file: config.databasePath, now: clock.now });
  if (applied.length > 0) options.logger.info({ applied, backup }, 'database migrated');
  const checkpointer = config.databasePath === ':memory:' ? undefined : startCheckpointer(database.sqlite, config.databasePath, options.logger);

  const sandboxClients: Partial<Record<ProviderId, { id: string; secret: string }>> = {};
  for (const id of config.sandboxProviders) sandboxClients[id] = sandboxClient(id, config.sandboxClientSecret);
  // With SANDBOX_URL the sandboxes run elsewhere (and outlive this process, as a provider would).
  const sandboxes = config.sandboxUrl
    ? {}
    : createSandboxes(config.sandboxProviders, { clientFor: (id) => sandboxClients[id]!, now: () => clock.now() });

  const metrics = createMetrics(database.db);
  const providers = createProviderRegistry({
    observe: (provider, status) => {
      metrics.providerCalls.inc({ provider, status: String(status) });
      if (status === 429) metrics.providerRateLimited.inc({ provider });
    },
    config,
    factories: adapterFactories,
    sandboxClients,
    sandboxBaseUrl: options.sandboxBaseUrl ?? config.sandboxUrl,
    fetch: options.fetch,
    rateLimitScale: options.rateLimitScale,
    now: () => clock.now(),
  });

  const jobs = new JobRunner({ db: database.db, now: () => clock.now(), logger: options.logger, handlers: [], leaseMs: config.jobLeaseMs });

  const deps: AppDeps = {
    jobs,
    metrics,
    db: database.db,
    config,
    clock,
    logger: options.logger,
    secrets: loadSecretBox(config, options.logger),
    providers,
    sandboxes,
    passwordCost: options.passwordCost,
    version,
    checkDatabase: () => {
      try {
        database.sqlite.prepare('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    },
  };
  jobs.register(importJobHandler(deps));
  registerPublishing(deps);
  const app = createApp(deps);
  return {
    deps,
    database,
    app,
    close: async () => {
      await jobs.stop();
      await checkpointer?.stop();
      await database.close();
    },
  };
}
