/**
 * Builds the companion's HTTP app from its dependencies. No side effects on import: nothing
 * here opens a database or listens; server/index.ts does that.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { randomUUID } from 'node:crypto';
import type { PasswordCost } from './auth/passwords.js';
import { authRoutes } from './auth/routes.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { SecretBox } from './crypto/secret-box.js';
import { errorResponse, handleError } from './errors.js';
import { freshReads } from './db/read-cache.js';
import { healthRoutes } from './health.js';
import { createRouter } from './http/router.js';
import type { Logger } from './logger.js';
import { docsRoutes } from './openapi.js';
import type { ProviderRegistry } from './providers/registry.js';
import { providerRoutes } from './providers/routes.js';
import { connectionRoutes } from './connections/routes.js';
import { publishingRoutes } from './publishing/index.js';
import { mountSandbox, type SandboxInstance } from './sandbox/index.js';
import type { JobRunner } from './jobs/runner.js';
import type { Metrics } from './metrics.js';
import type { ProviderId } from '../shared/catalogue.js';

export interface Clock {
  now(): Date;
}

export interface AppDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  providers: ProviderRegistry;
  /** Durable background work (imports, refreshes, publishing). Handlers register on it. */
  jobs: JobRunner;
  metrics: Metrics;
  /** Sandboxes to mount under /sandbox/<id> (sandbox mode). */
  sandboxes?: Partial<Record<ProviderId, SandboxInstance>>;
  /** Lower scrypt cost for tests; production uses the default. */
  passwordCost?: PasswordCost;
  version: string;
  /** Database liveness for /health. */
  checkDatabase(): boolean;
}

/** Largest request body: item attachments are the big ones (10 MB file, base64 in JSON). */
export const MAX_BODY_BYTES = 15 * 1024 * 1024;

export function createApp(deps: AppDeps) {
  const app = createRouter();

  app.use('*', async (c, next) => {
    freshReads(deps.db);
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('logger', deps.logger.child({ requestId }));
    c.header('x-request-id', requestId);
    c.set('clientIp', clientIp(c, deps.config.trustProxy));
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // Route patterns, not paths, as labels: ids would make a series per item.
    const handler = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1);
    const route = handler?.path ?? 'unmatched';
    deps.metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.requestSeconds.observe({ method: c.req.method, route }, seconds);
    // Paths only, never queries: OAuth callbacks carry codes in them.
    c.get('logger').info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) }, 'request');
  });

  app.use('*', secureHeaders({ crossOriginResourcePolicy: false, crossOriginOpenerPolicy: false }));
  // The extension's pages call the API from their own origin. Hono's cors() answers preflights;
  // on other requests its headers are set here, before the response exists: set after it (as
  // cors() does with Vary), Hono copies the body into a web stream, a third of a list page's cost.
  const extensionOrigin = (origin: string) => (/^(chrome-extension|moz-extension):\/\/[a-z0-9-]+$/i.test(origin) ? origin : null);
  const preflight = cors({ origin: extensionOrigin, allowHeaders: ['authorization', 'content-type', 'x-request-id'], allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], maxAge: 600 });
  app.use('/api/*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const allowed = extensionOrigin(c.req.header('origin') ?? '');
    if (allowed) c.header('Access-Control-Allow-Origin', allowed);
    c.header('Vary', 'Origin');
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => errorResponse(c, 413, 'payload_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`, [{ path: 'body', message: 'is too large' }]),
  });
  // Only where a body is read. A declared length is checked from the header (Node's parser holds
  // the body to it), as bodyLimit itself does, but without touching the body first: that makes
  // @hono/node-server build a web Request and stream for the request (~240 µs of an item
  // creation). A chunked body, with no length to trust, is counted by bodyLimit as it arrives.
  app.use('/api/*', (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && Number(length) <= MAX_BODY_BYTES) return next();
    return limitBody(c, next);
  });

  app.route('/', healthRoutes(deps));
  app.route('/', authRoutes(deps));
  app.route('/', providerRoutes(deps));
  app.route('/', connectionRoutes(deps));
  app.route('/', publishingRoutes(deps));

  for (const [id, sandbox] of Object.entries(deps.sandboxes ?? {})) {
    if (sandbox) mountSandbox(app, `/sandbox/${id}`, sandbox);
  }

  app.route('/', docsRoutes(app, deps));

  app.notFound((c) => errorResponse(c, 404, 'not_found', `There is no ${c.req.method} ${c.req.path} here.`));
  app.onError(handleError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;

function clientIp(c: Parameters<typeof getConnInfo>[0], trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // in-process requests (tests) have no socket
  }
}
