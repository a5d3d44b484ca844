/** Starts the companion: the only module that listens. */
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';
import { createRuntime } from './runtime.js';
import { issueSetupCode } from './auth/setup.js';
import { SchemaTooNewError } from './db/database.js';

async function main() {
  loadDotEnv();
  let config;
  try {
    config = loadConfig(process.env, { isTty: process.stdout.isTTY });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.log);
  let runtime;
  try {
    runtime = await createRuntime(config, { logger });
  } catch (error) {
    if (error instanceof SchemaTooNewError) {
      console.error(`Bookbridge cannot start: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }

  const server = serve({ fetch: runtime.app.fetch, hostname: config.host, port: config.port }, (info) => {
    logger.info({ url: `http://${config.host}:${info.port}`, sandbox: [...config.sandboxProviders] }, 'Bookbridge companion listening');
  });

  runtime.deps.jobs.start();

  const setupCode = await issueSetupCode(runtime.deps.db);
  if (setupCode) {
    // Printed once, on the console only: whoever can read the server's console is its admin.
    process.stdout.write(
      `\nNo admin exists yet. Create the first one in the extension (or POST /api/setup) with this one-time code:\n` +
        `Bookbridge setup code: ${setupCode}\n\n`,
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing running jobs at their next checkpoint');
    // Stop taking requests and work; running jobs stop at a checkpoint and resume on next start.
    server.close();
    runtime
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
