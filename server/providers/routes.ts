import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from '../app.js';
import { sessionFor } from '../auth/middleware.js';
import { bearerSecurity, createRouter, errorResponses } from '../http/router.js';
import { ProvidersResponse } from '../../shared/api.js';

const listRoute = createRoute({
  method: 'get',
  path: '/api/providers',
  tags: ['Providers'],
  summary: 'The provider catalogue: how each connects, what it can publish, and whether this server can connect it',
  security: bearerSecurity,
  responses: {
    200: { description: 'The seven providers.', content: { 'application/json': { schema: ProvidersResponse } } },
    ...errorResponses(401),
  },
});

export function providerRoutes(deps: AppDeps) {
  const router = createRouter();
  router.use('/api/providers', sessionFor(deps));
  router.openapi(listRoute, (c) => c.json({ providers: deps.providers.summaries() }, 200));
  return router;
}
