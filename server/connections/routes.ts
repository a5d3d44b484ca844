import { createRoute, z } from '@hono/zod-openapi';
import { html } from 'hono/html';
import { sql } from 'kysely';
import { streamSSE } from 'hono/streaming';
import type { AppDeps } from '../app.js';
import { requireAdmin, roleIn, sessionFor } from '../auth/middleware.js';
import { ApiError, notFound, validationError } from '../errors.js';
import { bearerSecurity, createRouter, errorResponses, jsonBody as json, jsonResponse as ok, jsonText, BusinessParams } from '../http/router.js';
import type { ConnectionsTable } from '../db/schema.js';
import { audit } from '../audit.js';
import { view as jobView } from '../jobs/runner.js';
import { catalogue, type ProviderId } from '../../shared/catalogue.js';
import {
  AuditEntry,
  AuthorizationStatus,
  AuthorizeRequest,
  AuthorizeResponse,
  CompleteRequest,
  ConnectionView,
  ConnectionsResponse,
  DisconnectRequest,
  FinishRequest,
  FinishResponse,
  GrantResponse,
  JobView,
  KeyConnectRequest,
  ListKindSchema,
  ListQuery,
  ListResponse,
  MergeProposal,
  MergeRequest,
  MergeResult,
} from '../../shared/connections.js';
import { applyMerge, suggestMerge, undoMerge } from './merge.js';
import { healthOf } from './expiry.js';
import {
  authorizationStatus,
  completeAuthorization,
  connectWithKey,
  disconnect,
  finishConnection,
  startAuthorization,
} from './lifecycle.js';
import { enqueueImport, IMPORT_JOB } from './import-lists.js';
import { getConnection } from './store.js';
import { readThrough } from '../db/read-cache.js';
import { compiledOnce } from '../db/compiled.js';
import type { Db } from '../db/database.js';

const ConnectionParams = BusinessParams.extend({ connectionId: z.string().uuid('must be a connection id') });

const routes = {
  list: createRoute({ method: 'get', path: '/api/businesses/{businessId}/connections', tags: ['Connections'], summary: 'The business’s connections with their health', security: bearerSecurity, request: { params: BusinessParams }, responses: { 200: ok('Connections.', ConnectionsResponse), ...errorResponses(400, 401, 404) } }),
  authorize: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/authorize', tags: ['Connections'], summary: 'Connect, reconnect or change (OAuth): get the provider’s sign-in URL', security: bearerSecurity, request: { params: BusinessParams, body: json(AuthorizeRequest) }, responses: { 200: ok('Open this URL.', AuthorizeResponse), ...errorResponses(400, 401, 403, 404, 409, 422) } }),
  complete: createRoute({ method: 'post', path: '/api/oauth/complete', tags: ['Connections'], summary: 'Hand over the code the provider returned (extension flow)', security: bearerSecurity, request: { body: json(CompleteRequest) }, responses: { 200: ok('The organisations to choose from.', GrantResponse), ...errorResponses(400, 401, 502) } }),
  status: createRoute({ method: 'get', path: '/api/oauth/states/{state}', tags: ['Connections'], summary: 'Where a callback-page authorisation stands', security: bearerSecurity, request: { params: z.object({ state: z.string().min(1).max(200) }) }, responses: { 200: ok('Status.', AuthorizationStatus), ...errorResponses(401, 404) } }),
  key: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/key', tags: ['Connections'], summary: 'Connect with credentials (KashFlow, Bill.com): verified with a real call before anything is stored', security: bearerSecurity, request: { params: BusinessParams, body: json(KeyConnectRequest) }, responses: { 200: ok('Verified; choose the organisation.', GrantResponse), ...errorResponses(400, 401, 403, 404, 409, 422, 502) } }),
  finish: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/finish', tags: ['Connections'], summary: 'Choose the organisation and Finish: the lists import in the background', security: bearerSecurity, request: { params: BusinessParams, body: json(FinishRequest) }, responses: { 201: ok('Connected.', FinishResponse), ...errorResponses(400, 401, 403, 404, 409) } }),
  refresh: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/{connectionId}/refresh', tags: ['Connections'], summary: 'Refresh integration data: re-import the lists (no data is lost)', security: bearerSecurity, request: { params: ConnectionParams }, responses: { 202: ok('Refresh started.', z.object({ jobId: z.string() })), ...errorResponses(400, 401, 403, 404, 409) } }),
  disconnect: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/{connectionId}/disconnect', tags: ['Connections'], summary: 'Disconnect: revoke at the provider, wipe credentials, keep items and rules', security: bearerSecurity, request: { params: ConnectionParams, body: json(DisconnectRequest) }, responses: { 200: ok('Disconnected.', z.object({ revoked: z.boolean() })), ...errorResponses(400, 401, 403, 404) } }),
  job: createRoute({ method: 'get', path: '/api/businesses/{businessId}/jobs/{jobId}', tags: ['Connections'], summary: 'A background job (import, refresh, publishing) and its progress', security: bearerSecurity, request: { params: BusinessParams.extend({ jobId: z.string().uuid('must be a job id') }) }, responses: { 200: ok('The job.', JobView), ...errorResponses(400, 401, 404) } }),
  lists: createRoute({ method: 'get', path: '/api/businesses/{businessId}/connections/{connectionId}/lists/{kind}', tags: ['Lists'], summary: 'Browse an imported list (searchable; archived entries marked)', security: bearerSecurity, request: { params: ConnectionParams.extend({ kind: ListKindSchema }), query: ListQuery }, responses: { 200: ok('Entries.', ListResponse), ...errorResponses(400, 401, 404) } }),
  mergeProposal: createRoute({ method: 'get', path: '/api/businesses/{businessId}/connections/{connectionId}/merge', tags: ['Lists'], summary: 'List Merge Tool: proposed mapping from the replaced connection’s lists to this one’s', security: bearerSecurity, request: { params: ConnectionParams }, responses: { 200: ok('Suggestions (by code, then name, then tax rate).', MergeProposal), ...errorResponses(400, 401, 403, 404, 409) } }),
  merge: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/{connectionId}/merge', tags: ['Lists'], summary: 'List Merge Tool: dry run (default) or apply the confirmed mapping', security: bearerSecurity, request: { params: ConnectionParams, body: json(MergeRequest) }, responses: { 200: ok('What changed (or would change).', MergeResult), ...errorResponses(400, 401, 403, 404, 409) } }),
  mergeUndo: createRoute({ method: 'post', path: '/api/businesses/{businessId}/connections/{connectionId}/merge/undo', tags: ['Lists'], summary: 'List Merge Tool: undo the last apply', security: bearerSecurity, request: { params: ConnectionParams }, responses: { 200: ok('Restored.', z.object({ restored: z.number() })), ...errorResponses(400, 401, 403, 404, 409) } }),
  audit: createRoute({ method: 'get', path: '/api/businesses/{businessId}/audit', tags: ['Connections'], summary: 'The audit log (admins)', security: bearerSecurity, request: { params: BusinessParams, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) }, responses: { 200: ok('Newest first.', z.object({ entries: z.array(AuditEntry) })), ...errorResponses(400, 401, 403, 404) } }),
};

export function toConnectionView(row: ConnectionsTable, now: number, runningJobId: string | null): z.infer<typeof ConnectionView> {
  const { health, daysLeft } = healthOf(row, now);
  return {
    id: row.id,
    provider: row.provider as ProviderId,
    providerName: catalogue[row.provider as ProviderId]?.name ?? row.provider,
    role: row.role,
    status: row.status,
    health: runningJobId && health === 'active' ? 'refreshing' : health,
    daysLeft,
    expiresAt: new Date(row.expires_at).toISOString(),
    expiredReason: health === 'expired' ? (row.expired_reason ?? 'The yearly authorisation has ended: reconnect to keep publishing.') : null,
    organisation: { id: row.organisation_id, name: row.organisation_name },
    authorisedAt: new Date(row.authorised_at).toISOString(),
    lastRefreshAt: row.last_refresh_at ? new Date(row.last_refresh_at).toISOString() : null,
    runningJobId,
    replacedBy: row.replaced_by,
  };
}

export function connectionRoutes(deps: AppDeps) {
  const router = createRouter();
  const now = () => deps.clock.now().getTime();
  const session = sessionFor(deps);
  router.use('/api/businesses/:businessId/connections/*', session);
  router.use('/api/businesses/:businessId/connections', session);
  router.use('/api/businesses/:businessId/jobs/*', session);
  router.use('/api/businesses/:businessId/audit', session);
  router.use('/api/oauth/*', session);

  const runningJob = async (connectionId: string) =>
    (
      await deps.db
        .selectFrom('jobs')
        .select('id')
        .where('connection_id', '=', connectionId)
        .where('kind', '=', IMPORT_JOB)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst()
    )?.id ?? null;

  router.openapi(routes.list, async (c) => {
    const { businessId } = c.req.valid('param');
    await roleIn(deps.db, c.get('user').id, businessId);
    const rows = await deps.db
      .selectFrom('connections')
      .selectAll()
      .where('business_id', '=', businessId)
      .where('status', '!=', 'disconnected')
      .orderBy('created_at', 'desc')
      .execute();
    const connections = await Promise.all(rows.map(async (r) => toConnectionView(r, now(), await runningJob(r.id))));
    return c.json({ connections }, 200);
  });

  router.openapi(routes.authorize, async (c) => {
    const { businessId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    return c.json(await startAuthorization(deps, { userId, businessId }, c.req.valid('json')), 200);
  });

  router.openapi(routes.complete, async (c) => {
    const body = c.req.valid('json');
    return c.json(await completeAuthorization(deps, { ...body, userId: c.get('user').id }), 200);
  });

  router.openapi(routes.status, async (c) => c.json(await authorizationStatus(deps, c.req.valid('param').state, c.get('user').id), 200));

  router.openapi(routes.key, async (c) => {
    const { businessId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    return c.json(await connectWithKey(deps, { userId, businessId }, c.req.valid('json')), 200);
  });

  router.openapi(routes.finish, async (c) => {
    const { businessId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    const { connection, jobId } = await finishConnection(deps, { userId, businessId }, c.req.valid('json'));
    return c.json({ connection: toConnectionView(connection, now(), jobId), jobId }, 201);
  });

  router.openapi(routes.refresh, async (c) => {
    const { businessId, connectionId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    const connection = await getConnection(deps.db, businessId, connectionId);
    if (!connection || connection.status === 'disconnected' || connection.status === 'replaced') throw notFound('That connection');
    const { health } = healthOf(connection, now());
    if (health === 'expired') throw new ApiError(409, 'connection_expired', 'This connection has expired: Reconnect it first, then refresh.');
    const jobId = await enqueueImport(deps, connection, { mode: 'refresh', createdBy: userId });
    await audit(deps.db, { businessId, userId, action: 'connection.refresh', detail: { connectionId, jobId }, at: now() });
    return c.json({ jobId }, 202);
  });

  router.openapi(routes.disconnect, async (c) => {
    const { businessId, connectionId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    return c.json(await disconnect(deps, { userId, businessId }, connectionId, c.req.valid('json')), 200);
  });

  router.openapi(routes.job, async (c) => {
    const { businessId, jobId } = c.req.valid('param');
    await roleIn(deps.db, c.get('user').id, businessId);
    const row = await deps.db.selectFrom('jobs').selectAll().where('id', '=', jobId).where('business_id', '=', businessId).executeTakeFirst();
    if (!row) throw notFound('That job');
    return c.json(jobView(row), 200);
  });

  // Live progress as server-sent events: `progress` events until the job is done or failed.
  router.get('/api/businesses/:businessId/jobs/:jobId/events', async (c) => {
    const businessId = c.req.param('businessId');
    const jobId = c.req.param('jobId');
    await roleIn(deps.db, c.get('user').id, businessId);
    const first = await deps.db.selectFrom('jobs').select('id').where('id', '=', jobId).where('business_id', '=', businessId).executeTakeFirst();
    if (!first) throw notFound('That job');
    return streamSSE(c, async (stream) => {
      let last = '';
      const deadline = Date.now() + 30 * 60 * 1000;
      while (!stream.aborted && Date.now() < deadline) {
        const row = await deps.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
        if (!row) break;
        const data = JSON.stringify(jobView(row));
        if (data !== last) {
          last = data;
          await stream.writeSSE({ event: 'progress', data });
        }
        if (row.status === 'done' || row.status === 'failed') break;
        await stream.sleep(200);
      }
    });
  });

  router.openapi(routes.lists, async (c) => {
    const { businessId, connectionId, kind } = c.req.valid('param');
    const query = c.req.valid('query');
    await roleIn(deps.db, c.get('user').id, businessId);
    // The same pages are read again and again (each popup, each dashboard visit) while a list
    // changes only on import or refresh: kept until the database changes.
    // Kept as JSON text: serialising a page is most of the cost of answering it from memory.
    const page = await readThrough(deps.db, `list:${businessId}:${connectionId}:${kind}:${JSON.stringify(query)}`, async () =>
      (await getConnection(deps.db, businessId, connectionId)) ? JSON.stringify(await listPage(deps.db, connectionId, kind, query)) : undefined,
    );
    if (!page) throw notFound('That connection');
    return jsonText<z.infer<typeof ListResponse>>(c, page);
  });

  router.openapi(routes.mergeProposal, async (c) => {
    const { businessId, connectionId } = c.req.valid('param');
    await requireAdmin(deps.db, c.get('user').id, businessId);
    return c.json(await suggestMerge(deps, businessId, connectionId), 200);
  });

  router.openapi(routes.merge, async (c) => {
    const { businessId, connectionId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    const { mappings, dryRun } = c.req.valid('json');
    return c.json(await applyMerge(deps, { userId, businessId }, connectionId, mappings, { dryRun }), 200);
  });

  router.openapi(routes.mergeUndo, async (c) => {
    const { businessId, connectionId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireAdmin(deps.db, userId, businessId);
    return c.json(await undoMerge(deps, { userId, businessId }, connectionId), 200);
  });

  router.openapi(routes.audit, async (c) => {
    const { businessId } = c.req.valid('param');
    await requireAdmin(deps.db, c.get('user').id, businessId);
    const rows = await deps.db.selectFrom('audit_log').selectAll().where('business_id', '=', businessId).orderBy('id', 'desc').limit(c.req.valid('query').limit).execute();
    return c.json({ entries: rows.map((r) => ({ id: r.id, userId: r.user_id, action: r.action, detail: JSON.parse(r.detail), at: new Date(r.created_at).toISOString() })) }, 200);
  });

  // The provider sends the browser here (when the extension did not use identity.launchWebAuthFlow).
  router.get('/oauth/callback', async (c) => {
    const state = c.req.query('state');
    const page = (title: string, message: string, status: 200 | 400) =>
      c.html(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Bookbridge</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d2433}</style></head>
<body><h1>${title}</h1><p>${message}</p></body></html>`, status);
    if (!state) return page('Nothing to finish', 'This page finishes a connection started in Bookbridge. Start from Connect in the extension.', 400);
    const params = Object.fromEntries(Object.entries(c.req.query()).filter(([k]) => !['state', 'code', 'error', 'error_description'].includes(k)));
    try {
      await completeAuthorization(deps, { state, code: c.req.query('code'), error: c.req.query('error'), params });
      return page('Authorised', 'Bookbridge has the authorisation. Return to the Bookbridge tab to choose the organisation and Finish. You can close this tab.', 200);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : 'Something went wrong. Start again from Connect.';
      return page('Not connected', message, 400);
    }
  });

  return router;
}

type EntryStatus = Exclude<z.infer<typeof ListQuery>['status'], 'all'>;

/**
 * The entries of a list page, in case-insensitive name order from the cursor (the last name and
 * id of the previous page). Which values are given decides the statement; each is compiled once.
 */
const pageRows = compiledOnce(
  (db, v: { connectionId: string; kind: string; limit: number; status?: EntryStatus; like?: string; afterName?: string; afterId?: string }) => {
    let query = filtered(db, v)
      .select(['external_id', 'code', 'name', 'status', 'archived_reason', 'type', 'tax_rate', 'currency'])
      .orderBy(sql`name COLLATE NOCASE`)
      .orderBy('external_id')
      .limit(v.limit);
    if ('afterName' in v) {
      // Written so SQLite seeks to the cursor on the index (a row-value comparison would scan).
      query = query.where(sql<boolean>`name COLLATE NOCASE >= ${v.afterName} AND (name COLLATE NOCASE > ${v.afterName} OR external_id > ${v.afterId})`);
    }
    return query;
  },
);
/** Entries matching a search. */
const searchCount = compiledOnce((db, v: { connectionId: string; kind: string; status?: EntryStatus; like: string }) =>
  filtered(db, v).select((eb) => eb.fn.countAll<number>().as('n')),
);
/** Entries in the list: kept exact by triggers (migration 0005), no COUNT(*) over 100,000. */
const listCount = compiledOnce((db, v: { connectionId: string; kind: string; status?: EntryStatus }) => {
  const query = db.selectFrom('list_counts').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('n'), eb.lit(0)).as('n')).where('connection_id', '=', v.connectionId).where('kind', '=', v.kind);
  return 'status' in v ? query.where('status', '=', v.status!) : query;
});

function filtered(db: Db, v: { connectionId: string; kind: string; status?: EntryStatus; like?: string }) {
  let query = db.selectFrom('list_entries').where('connection_id', '=', v.connectionId).where('kind', '=', v.kind);
  if ('status' in v) query = query.where('status', '=', v.status!);
  if ('like' in v) query = query.where(sql<boolean>`(name LIKE ${v.like} ESCAPE '\\' OR code LIKE ${v.like} ESCAPE '\\')`);
  return query;
}

/** A page of a list in case-insensitive name order; the cursor is the last (name, id). */
async function listPage(db: Db, connectionId: string, kind: string, { q, status, limit, after }: z.infer<typeof ListQuery>): Promise<z.infer<typeof ListResponse>> {
  const where = { connectionId, kind, ...(status !== 'all' && { status }) };
  const like = q ? `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : undefined;
  const total = Number((like ? await searchCount.first(db, { ...where, like }) : await listCount.first(db, where))?.n ?? 0);
  const cursor = after ? readListCursor(after) : undefined;
  const rows = await pageRows.all(db, { ...where, ...(like && { like }), limit: limit + 1, ...(cursor && { afterName: cursor[0], afterId: cursor[1] }) });
  const more = rows.length > limit;
  const entries = rows.slice(0, limit);
  const lastRow = entries.at(-1);
  return {
    entries: entries.map((r) => ({ externalId: r.external_id, code: r.code, name: r.name, status: r.status, archivedReason: r.archived_reason, type: r.type, taxRate: r.tax_rate, currency: r.currency })),
    next: more && lastRow ? Buffer.from(JSON.stringify([lastRow.name, lastRow.external_id])).toString('base64url') : null,
    total,
  };
}

/** The `after` cursor of a list page (base64url JSON [name, externalId]); anything else is a 400. */
function readListCursor(after: string): [string, string] {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    cursor = undefined;
  }
  if (!Array.isArray(cursor) || cursor.length !== 2 || typeof cursor[0] !== 'string' || typeof cursor[1] !== 'string') {
    throw validationError([{ path: 'query.after', message: 'is not a cursor from a previous page' }]);
  }
  return cursor as [string, string];
}
