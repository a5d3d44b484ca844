import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app.js';
import { roleIn } from '../auth/middleware.js';
import { ApiError, notFound, validationError } from '../errors.js';
import { bearerSecurity, createRouter, errorResponses, jsonBody as json, jsonResponse as ok } from '../http/router.js';
import {
  CsvImportRequest,
  CsvImportResponse,
  Item,
  ItemInput,
  ItemListQuery,
  ItemListResponse,
  ItemPatch,
  itemStates,
  type CsvRowError,
} from '../../shared/items.js';
import { BusinessParams, memberOnly, requirePublisher, sessionFor } from './access.js';
import { issuesToRows, parseItemsCsv } from './csv.js';
import { loadLedger, refreshItem, type Ledger } from './evaluate.js';
import type { ItemType } from '../../shared/catalogue.js';
import { createItem, itemView, patchItem } from './service.js';
import { queueItems, wakePublisher } from '../publishing/outbox.js';
import { audit } from '../audit.js';

const ItemParams = BusinessParams.extend({ itemId: z.string().uuid('must be an item id') });
const tags = ['Items'];

const routes = {
  create: createRoute({
    method: 'post', path: '/api/businesses/{businessId}/items', tags, security: bearerSecurity,
    summary: 'Add an item (any member): totals are checked against the lines, references resolved against the ledger’s lists',
    request: { params: BusinessParams, body: json(ItemInput) },
    responses: { 201: ok('The item, with rules and defaults applied and the pre-publish check.', Item), ...errorResponses(400, 401, 404, 413) },
  }),
  import: createRoute({
    method: 'post', path: '/api/businesses/{businessId}/items/import', tags, security: bearerSecurity,
    summary: 'Import items from CSV (one row per line; rows sharing `group` form one item), with a per-row error report',
    request: { params: BusinessParams, body: json(CsvImportRequest) },
    responses: { 200: ok('What was created, and each row that was not, with why.', CsvImportResponse), ...errorResponses(400, 401, 404, 413) },
  }),
  list: createRoute({
    method: 'get', path: '/api/businesses/{businessId}/items', tags, security: bearerSecurity,
    summary: 'Items, newest first, optionally in one state',
    request: { params: BusinessParams, query: ItemListQuery },
    responses: { 200: ok('A page of items and the count in each state.', ItemListResponse), ...errorResponses(400, 401, 404) },
  }),
  get: createRoute({
    method: 'get', path: '/api/businesses/{businessId}/items/{itemId}', tags, security: bearerSecurity,
    summary: 'One item: who set what, the check, and where publishing stands',
    request: { params: ItemParams },
    responses: { 200: ok('The item.', Item), ...errorResponses(400, 401, 404) },
  }),
  patch: createRoute({
    method: 'patch', path: '/api/businesses/{businessId}/items/{itemId}', tags, security: bearerSecurity,
    summary: 'Edit an item by hand (a manual edit outranks rules and defaults; null hands a field back to them)',
    request: { params: ItemParams, body: json(ItemPatch) },
    responses: { 200: ok('The edited item, checked again.', Item), ...errorResponses(400, 401, 404, 409) },
  }),
  publish: createRoute({
    method: 'post', path: '/api/businesses/{businessId}/items/{itemId}/publish', tags, security: bearerSecurity,
    summary: 'Publish: check against the current lists, then queue it (sent once, whatever retries or double clicks happen)',
    request: { params: ItemParams },
    responses: {
      202: ok('Queued (or already on its way).', Item),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  republish: createRoute({
    method: 'post', path: '/api/businesses/{businessId}/items/{itemId}/republish', tags, security: bearerSecurity,
    summary: 'Re-publish a failed item, or retry a failed attachment of a published one (the document is never sent twice)',
    request: { params: ItemParams },
    responses: { 202: ok('Queued again.', Item), ...errorResponses(400, 401, 403, 404, 409, 422) },
  }),
  file: createRoute({
    method: 'get', path: '/api/businesses/{businessId}/items/{itemId}/file', tags, security: bearerSecurity,
    summary: 'The item’s attached file',
    request: { params: ItemParams },
    responses: { 200: { description: 'The file.' }, ...errorResponses(400, 401, 404) },
  }),
};

export function itemRoutes(deps: AppDeps) {
  const router = createRouter();
  const session = sessionFor(deps);
  const member = memberOnly(deps);
  // One pattern: Hono's `/items/*` also matches `/items` itself (listing both ran the session and
  // membership checks twice on every POST and GET of /items).
  router.use('/api/businesses/:businessId/items/*', session, member);

  const findItem = async (businessId: string, itemId: string) => {
    const row = await deps.db.selectFrom('items').selectAll().where('id', '=', itemId).where('business_id', '=', businessId).executeTakeFirst();
    if (!row) throw notFound('That item');
    return row;
  };

  router.openapi(routes.create, async (c) => {
    const { businessId } = c.req.valid('param');
    const user = c.get('user');
    const created = (await createItem(deps, c.req.valid('json'), { businessId, userId: user.id }))!;
    return c.json(await itemView(deps.db, created.row, { item: created.item, lists: created.lists, file: created.file, submitter: user }), 201);
  });

  router.openapi(routes.import, async (c) => {
    const { businessId } = c.req.valid('param');
    const { csv, dryRun } = c.req.valid('json');
    const userId = c.get('user').id;
    const parsed = parseItemsCsv(csv);
    const errors: CsvRowError[] = [...parsed.errors];
    const created: { row: number; itemId: string | null }[] = [];
    // One look-up per item type (a type may publish beside the ledger, e.g. bills to Bill.com).
    const ledgers = new Map<ItemType, Ledger | null>();
    for (const item of parsed.items) {
      try {
        if (!ledgers.has(item.input.type)) ledgers.set(item.input.type, await loadLedger(deps.db, businessId, item.input.type));
        const model = await createItem(deps, item.input, { businessId, userId, dryRun, ledger: ledgers.get(item.input.type) });
        created.push({ row: item.rows[0]!, itemId: model?.item.id ?? null });
      } catch (error) {
        if (error instanceof ApiError && error.issues) errors.push(...issuesToRows(error.issues, item.rows));
        else throw error;
      }
    }
    errors.sort((a, b) => a.row - b.row);
    if (!dryRun && created.length > 0) {
      await audit(deps.db, { businessId, userId, action: 'item.import', detail: { created: created.length, failedRows: new Set(errors.map((e) => e.row)).size }, at: deps.clock.now().getTime() });
    }
    return c.json({ created, errors, dryRun }, 200);
  });

  router.openapi(routes.list, async (c) => {
    const { businessId } = c.req.valid('param');
    const { state, type, limit, cursor } = c.req.valid('query');
    let after: { at: number; id: string } | undefined;
    if (cursor) {
      const [at, id] = Buffer.from(cursor, 'base64url').toString().split(':');
      if (!at || !id || Number.isNaN(Number(at))) throw validationError([{ path: 'query.cursor', message: 'is not a cursor from a previous page' }]);
      after = { at: Number(at), id };
    }
    const rows = await deps.db
      .selectFrom('items')
      .selectAll()
      .where('business_id', '=', businessId)
      .$if(state !== undefined, (q) => q.where('state', '=', state!))
      .$if(type !== undefined, (q) => q.where('type', '=', type!))
      .$if(after !== undefined, (q) =>
        q.where((eb) => eb.or([eb('created_at', '<', after!.at), eb.and([eb('created_at', '=', after!.at), eb('id', '<', after!.id)])])),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const countRows = await deps.db
      .selectFrom('items')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('business_id', '=', businessId)
      .groupBy('state')
      .execute();
    const counts = Object.fromEntries(itemStates.map((s) => [s, Number(countRows.find((r) => r.state === s)?.n ?? 0)])) as Record<(typeof itemStates)[number], number>;
    const last = page.at(-1);
    return c.json(
      {
        items: await Promise.all(page.map((r) => itemView(deps.db, r))),
        counts,
        nextCursor: rows.length > limit && last ? Buffer.from(`${last.created_at}:${last.id}`).toString('base64url') : null,
      },
      200,
    );
  });

  router.openapi(routes.get, async (c) => {
    const { businessId, itemId } = c.req.valid('param');
    return c.json(await itemView(deps.db, await findItem(businessId, itemId)), 200);
  });

  router.openapi(routes.patch, async (c) => {
    const { businessId, itemId } = c.req.valid('param');
    const row = await findItem(businessId, itemId);
    await patchItem(deps, row, c.req.valid('json'), { userId: c.get('user').id });
    return c.json(await itemView(deps.db, await findItem(businessId, itemId)), 200);
  });

  /** Runs the check now; queues when it passes, or answers 422 with what to fix. */
  const publishNow = async (businessId: string, itemId: string, userId: string, type: ItemType) => {
    const ledger = await loadLedger(deps.db, businessId, type);
    if (!ledger) {
      throw new ApiError(422, 'no_connection', 'Connect your accounting software first (Business settings > Connections), then publish.', [
        { path: 'connection', message: 'no accounting software is connected' },
      ]);
    }
    const model = await refreshItem(deps, itemId, ledger);
    if (model && model.state !== 'queued' && model.issues.length > 0) {
      throw new ApiError(
        422,
        'check_failed',
        `Fix ${model.issues.length === 1 ? 'this' : `these ${model.issues.length} things`} before publishing: ${model.issues.map((i) => i.message).join(' ')}`,
        model.issues.map((i) => ({ path: i.path, message: i.message })),
      );
    }
    if (!model || model.state !== 'queued') await queueItems(deps, ledger.connection, [itemId], { userId, auto: false });
  };

  router.openapi(routes.publish, async (c) => {
    const { businessId, itemId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requirePublisher(deps, userId, businessId);
    const row = await findItem(businessId, itemId);
    if (row.state === 'published') {
      throw new ApiError(409, 'already_published', `This item is already published${row.document_url ? ` (${row.document_url})` : ''}. It is never sent twice.`);
    }
    // Queued, publishing or waiting for a reconnect: already on its way (a double click lands here).
    if (row.state === 'ready' || row.state === 'needs_attention' || row.state === 'failed') await publishNow(businessId, itemId, userId, row.type);
    return c.json(await itemView(deps.db, await findItem(businessId, itemId)), 202);
  });

  router.openapi(routes.republish, async (c) => {
    const { businessId, itemId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requirePublisher(deps, userId, businessId);
    const row = await findItem(businessId, itemId);
    if (row.state === 'published') {
      if (row.attachment_state !== 'failed' && row.attachment_state !== 'pending') {
        throw new ApiError(409, 'already_published', `This item is already published${row.document_url ? ` (${row.document_url})` : ''}; re-publishing would create a second document, so Bookbridge will not.`);
      }
      // Only the file: the document exists and is never sent again.
      const now = deps.clock.now().getTime();
      await deps.db.updateTable('items').set({ attachment_state: 'pending', attachment_error: null, updated_at: now }).where('id', '=', itemId).execute();
      await audit(deps.db, { businessId, userId, action: 'item.republish_attachment', detail: { itemId }, at: now });
      if (row.connection_id) await wakePublisher(deps, { id: row.connection_id, business_id: businessId });
    } else if (row.state === 'failed') {
      await publishNow(businessId, itemId, userId, row.type);
    } else if (row.state === 'ready' || row.state === 'needs_attention') {
      throw new ApiError(409, 'not_published_yet', 'This item has not been published yet: use Publish.');
    }
    return c.json(await itemView(deps.db, await findItem(businessId, itemId)), 202);
  });

  router.openapi(routes.file, async (c) => {
    const { businessId, itemId } = c.req.valid('param');
    await roleIn(deps.db, c.get('user').id, businessId);
    await findItem(businessId, itemId);
    const file = await deps.db.selectFrom('item_files').selectAll().where('item_id', '=', itemId).executeTakeFirst();
    if (!file) throw notFound('A file for that item');
    return c.body(new Uint8Array(file.data), 200, {
      'content-type': file.content_type,
      'content-disposition': `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`,
    });
  });

  return router;
}
