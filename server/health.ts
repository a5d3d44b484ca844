import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from './app.js';
import { createRouter } from './http/router.js';
import { z } from '@hono/zod-openapi';
import { HealthResponse } from '../shared/api.js';

const ReadyResponse = z.object({ ready: z.boolean(), database: z.boolean(), jobs: z.boolean() });

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Operations'],
  summary: 'Liveness: the server answers, with its version and database status',
  responses: {
    200: { description: 'Alive and the database answers.', content: { 'application/json': { schema: HealthResponse } } },
    503: { description: 'Alive, but the database does not answer.', content: { 'application/json': { schema: HealthResponse } } },
  },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['Operations'],
  summary: 'Readiness: the database answers and background jobs are running; 503 while starting or stopping',
  responses: {
    200: { description: 'Ready for traffic.', content: { 'application/json': { schema: ReadyResponse } } },
    503: { description: 'Not ready.', content: { 'application/json': { schema: ReadyResponse } } },
  },
});

export function healthRoutes(deps: AppDeps) {
  const router = createRouter();
  router.openapi(readyRoute, (c) => {
    const database = deps.checkDatabase();
    const jobs = deps.jobs.isRunning;
    const body = { ready: database && jobs, database, jobs };
    return body.ready ? c.json(body, 200) : c.json(body, 503);
  });
  router.get('/metrics', async (c) => {
    c.header('content-type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
  router.openapi(healthRoute, (c) => {
    const dbOk = deps.checkDatabase();
    const body = {
      status: dbOk ? ('ok' as const) : ('degraded' as const),
      version: deps.version,
      database: dbOk ? ('ok' as const) : ('error' as const),
      sandbox: deps.config.sandboxEnabled,
    };
    return dbOk ? c.json(body, 200) : c.json(body, 503);
  });
  return router;
}
