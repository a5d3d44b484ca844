import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from './app.js';
import { createRouter } from './http/router.js';
import { HealthResponse } from '../shared/api.js';

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

export function healthRoutes(deps: AppDeps) {
  const router = createRouter();
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
