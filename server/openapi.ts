/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas, and a readable docs page.
 * The page uses Swagger UI from the `swagger-ui-dist` package, served by this server, so the
 * docs work on a self-hosted machine with no internet.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from './app.js';
import { createRouter, type AppEnv } from './http/router.js';
import { notFound } from './errors.js';

const require = createRequire(import.meta.url);
const swaggerDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

export function docsRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const router = createRouter();
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'The token from POST /api/auth/login.',
  });
  let document: unknown;

  router.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Bookbridge companion API',
        version: deps.version,
        description: 'Connect a business to its accounting software. Every error answers `{ "error": { "code", "message", "issues"? } }`.',
      },
      servers: [{ url: deps.config.publicUrl }],
    });
    return c.json(document);
  });

  router.get('/docs', (c) =>
    c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bookbridge API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs' });</script>
</body></html>`),
  );

  router.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = assets[file];
    if (!type) throw notFound('That file');
    c.header('content-type', type);
    c.header('cache-control', 'public, max-age=86400');
    return c.body(await readFile(path.join(swaggerDir, file)));
  });
  return router;
}
