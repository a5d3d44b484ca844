/**
 * quickbooks.api.intuit.com `/v3/company/{realmId}/...` (quickbooks-online.md §2–§5): bearer and
 * realm checks, limits and injected faults in one middleware; then reads by Id, the query
 * endpoint, change data capture, company info, writes with `requestid` replay, batch and upload.
 */
import { Hono, type Context } from 'hono';
import { activeFaults as faultsFor, HANG_MS, rolls, sleep, takeRate429 } from '../common/faults.js';
import { writeEntity, writableEntities, entityBySegment, type WritableEntity } from './documents.js';
import { faultBody, gatewayBody, objectNotFound, QboFault, validation, type FaultError } from './faults.js';
import { checkBearer, hostBase } from './oauth.js';
import { fieldValue, matches, parseQuery, sortRecords } from './query.js';
import { companyInfo, nameListEntities, preferences, qboTime, type EntityName, type Json } from './seed.js';
import { nextId, type CompanyState, type Faults, type Grant, type SandboxState } from './state.js';

type Env = { Variables: { company: CompanyState; grant: Grant } };
type Ctx = Context<Env>;

const CDC_WINDOW_MS = 30 * 86_400_000;
/** CDC does not cover these (quickbooks-online.md §2). */
const notInCdc = new Set(['taxcode', 'taxrate', 'taxagency', 'journalcode', 'timeactivity']);
const allowedUploadTypes = new Set([
  'application/postscript', 'text/csv', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'image/gif', 'image/jpeg', 'image/jpg', 'application/vnd.oasis.opendocument.spreadsheet', 'application/pdf', 'image/png', 'application/rtf',
  'text/rtf', 'image/tiff', 'text/plain', 'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/xml', 'text/xml',
]);
const nameLists = new Set<string>(nameListEntities);

function activeFaults(state: SandboxState, realmId: string): { faults: Faults; owner: Faults } {
  return faultsFor(state.faults.all, state.faults.realms.get(realmId));
}

function canonicalEntity(company: CompanyState, name: string): EntityName | 'CompanyInfo' | 'Preferences' | undefined {
  const lower = name.toLowerCase();
  if (lower === 'companyinfo') return 'CompanyInfo';
  if (lower === 'preferences') return 'Preferences';
  const known = entityBySegment[lower];
  if (known) return known;
  return [...company.entities.keys()].find((e) => e.toLowerCase() === lower);
}

function records(company: CompanyState, entity: EntityName | 'CompanyInfo' | 'Preferences'): Json[] {
  if (entity === 'CompanyInfo') return [companyInfo(company.data)];
  if (entity === 'Preferences') return [preferences(company.data)];
  return [...(company.entities.get(entity)?.values() ?? [])];
}

/** Runs one query statement against a company (also used by batch items). */
export function runQuery(state: SandboxState, company: CompanyState, statement: string): Json {
  const q = parseQuery(statement);
  const entity = canonicalEntity(company, q.entity);
  if (!entity) throw validation('4001', 'Invalid query', `QueryValidationError: Invalid entity name: ${q.entity}`);
  state.stats.queries++;
  const namesActive = q.where.some((w) => w.field.toLowerCase() === 'active');
  let rows = records(company, entity).filter((r) => q.where.every((w) => matches(r, w)));
  if (nameLists.has(entity) && !namesActive) rows = rows.filter((r) => r.Active !== false);
  if (q.count) return { totalCount: rows.length };
  const page = sortRecords(rows, q.orderBy).slice(q.startPosition - 1, q.startPosition - 1 + q.maxResults);
  if (page.length === 0) return {};
  return { [entity]: page, startPosition: q.startPosition, maxResults: page.length };
}

function sendFault(c: Ctx, state: SandboxState, fault: QboFault) {
  return c.json(faultBody(fault.type, fault.errors, state.now()), fault.status as 400);
}

export function createApi(state: SandboxState): Hono<Env> {
  const api = new Hono<Env>();

  api.onError((error, c) => {
    if (error instanceof QboFault) return sendFault(c as Ctx, state, error);
    // A sandbox bug shows as QuickBooks' SystemFault, with the cause in Detail for whoever debugs it.
    return c.json(faultBody('SystemFault', [{ Message: 'An application error has occurred while processing your request', Detail: `System Failure Error: ${error instanceof Error ? error.message : String(error)}`, code: '10000' }], state.now()), 500);
  });

  // --- auth, realm, limits, faults ---
  api.use('/:realmId/*', async (c, next) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    const now = state.now();
    c.header('intuit_tid', `1-${now.toString(16)}-${Math.floor(state.dice.next() * 1e9).toString(16)}`);
    if (!auth.ok) {
      c.header('WWW-Authenticate', 'Bearer realm="Intuit", error="invalid_token"');
      return c.json(gatewayBody(401, 'message=AuthenticationFailed; errorCode=003200; statusCode=401', auth.detail, '3200', 'AUTHENTICATION', now), 401);
    }
    const realmId = c.req.param('realmId');
    const company = state.companies.get(realmId);
    if (!company || auth.grant.realmId !== realmId) {
      return c.json(gatewayBody(403, 'message=AuthorizationFailed; errorCode=003100; statusCode=403', 'The app is not authorised for this company.', '3100', 'AUTHORIZATION', now), 403);
    }
    const { faults, owner } = activeFaults(state, realmId);
    const tooMany = (retryAfter?: number) => {
      state.stats.sent429++;
      // Intuit sends no Retry-After (quickbooks-online.md §4); an injected fault may ask for one.
      if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
      return c.json(faultBody('SERVICE', [{ Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429', Detail: 'The request limit was reached.', code: '003001' }], now), 429);
    };
    const burst = takeRate429(owner.rate429);
    if (burst) return tooMany(burst.retryAfterSeconds);
    const admission = company.limiter.admit(now, c.req.path.endsWith('/batch'));
    if (!admission.ok) return tooMany();
    state.stats.calls[realmId] = (state.stats.calls[realmId] ?? 0) + 1;
    c.set('company', company);
    c.set('grant', auth.grant);
    company.limiter.inFlight++;
    let hang = false;
    try {
      if (faults.slowMs) await sleep(faults.slowMs, c.req.raw.signal);
      if (rolls(state.dice, faults.error5xxRate)) {
        state.stats.sent5xx++;
        return c.json(faultBody('SystemFault', [{ Message: 'An application error has occurred while processing your request', Detail: 'System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.', code: '10000' }], now), 500);
      }
      // A timeout is the worst case for a client: the call is carried out, then no answer comes.
      hang = rolls(state.dice, faults.timeoutRate);
      await next();
    } finally {
      company.limiter.inFlight--;
    }
    if (hang) {
      state.stats.timeouts++;
      await sleep(HANG_MS, c.req.raw.signal);
    }
  });

  /** `requestid` (≤ 50 chars; ≤ 36 for batch): the first response is kept and replayed. */
  const withRequestId = async (c: Ctx, maxLength: number, run: () => Promise<{ status: number; body: unknown }>) => {
    const company = c.get('company');
    const requestId = c.req.query('requestid');
    if (requestId !== undefined && (requestId.length === 0 || requestId.length > maxLength)) {
      throw validation('2010', 'Request has invalid or unsupported property', `requestid must be 1 to ${maxLength} characters`, 'requestid');
    }
    if (requestId) {
      const stored = company.requests.get(requestId);
      if (stored) {
        state.stats.requestIdReplays++;
        return c.body(stored.body, stored.status as 200, { 'content-type': 'application/json' });
      }
    }
    let result: { status: number; body: unknown };
    try {
      result = await run();
    } catch (error) {
      if (!(error instanceof QboFault)) throw error;
      result = { status: error.status, body: faultBody(error.type, error.errors, state.now()) };
    }
    const text = JSON.stringify(result.body);
    if (requestId) company.requests.set(requestId, { status: result.status, body: text });
    return c.body(text, result.status as 200, { 'content-type': 'application/json' });
  };

  api.get('/:realmId/companyinfo/:id', (c) => {
    const company = c.get('company');
    if (c.req.param('id') !== company.data.realmId) throw objectNotFound();
    return c.json({ CompanyInfo: companyInfo(company.data), time: qboTime(state.now()) });
  });

  api.get('/:realmId/preferences', (c) => c.json({ Preferences: preferences(c.get('company').data), time: qboTime(state.now()) }));

  const query = (c: Ctx, statement: string | undefined) => {
    if (!statement) throw validation('4000', 'Error parsing query', 'QueryParserError: Encountered " <EOF> " at line 1, column 1.');
    return c.json({ QueryResponse: runQuery(state, c.get('company'), statement), time: qboTime(state.now()) });
  };
  api.get('/:realmId/query', (c) => query(c, c.req.query('query')));
  api.post('/:realmId/query', async (c) => query(c, (await c.req.text()) || c.req.query('query')));

  api.get('/:realmId/cdc', (c) => {
    const company = c.get('company');
    state.stats.cdcCalls++;
    const names = (c.req.query('entities') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const sinceText = c.req.query('changedSince') ?? '';
    const since = Date.parse(sinceText);
    if (names.length === 0) throw validation('4001', 'Invalid query', 'entities is required');
    if (Number.isNaN(since)) throw validation('4001', 'Invalid query', `changedSince ${sinceText} is not a valid date-time`);
    if (state.now() - since > CDC_WINDOW_MS) {
      throw validation('4001', 'Invalid query', 'changedSince is too far in the past: change data capture looks back at most 30 days.');
    }
    let budget = state.cdcMaxObjects;
    const responses = names.map((name) => {
      if (notInCdc.has(name.toLowerCase())) throw validation('4001', 'Invalid query', `Change data capture does not support ${name}`);
      const entity = canonicalEntity(company, name);
      if (!entity || entity === 'CompanyInfo' || entity === 'Preferences') throw validation('4001', 'Invalid query', `Invalid entity name: ${name}`);
      const changed = records(company, entity).filter((r) => Date.parse(String(fieldValue(r, 'MetaData.LastUpdatedTime'))) >= since);
      const deleted = company.tombstones
        .filter((t) => t.entity === entity && t.at >= since)
        .map((t) => ({ domain: 'QBO', status: 'Deleted', Id: t.Id, MetaData: { LastUpdatedTime: qboTime(t.at) } }));
      const all = [...sortRecords(changed, [{ field: 'MetaData.LastUpdatedTime', desc: false }]), ...deleted].slice(0, Math.max(0, budget));
      budget -= all.length;
      return all.length ? { [entity]: all, startPosition: 1, maxResults: all.length, totalCount: all.length } : {};
    });
    return c.json({ CDCResponse: [{ QueryResponse: responses }], time: qboTime(state.now()) });
  });

  api.post('/:realmId/batch', (c) =>
    withRequestId(c, 36, async () => {
      state.stats.batchCalls++;
      const company = c.get('company');
      const body = (await c.req.json().catch(() => null)) as { BatchItemRequest?: unknown } | null;
      const items = Array.isArray(body?.BatchItemRequest) ? (body!.BatchItemRequest as Json[]) : undefined;
      if (!items || items.length === 0) throw validation('2020', 'Required param missing, need to supply the required value for the API', 'Required parameter BatchItemRequest is missing in the request');
      if (items.length > 30) throw validation('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: A batch can hold at most 30 items; this one has ${items.length}.`);
      const responses = items.map((item) => {
        const bId = String(item.bId ?? '');
        try {
          if (!bId || bId.length > 10) throw validation('2010', 'Request has invalid or unsupported property', 'bId must be 1 to 10 characters', 'bId');
          if (typeof item.Query === 'string') return { bId, QueryResponse: runQuery(state, company, item.Query) };
          const entity = writableEntities.find((e) => e in item);
          if (!entity) throw validation('2010', 'Request has invalid or unsupported property', 'The batch item names no supported entity', 'BatchItemRequest');
          const operation = String(item.operation ?? 'create');
          const saved = writeEntity({ state, company }, entity, item[entity], operation === 'create' ? undefined : operation);
          return { bId, [entity]: saved };
        } catch (error) {
          if (!(error instanceof QboFault)) throw error;
          return { bId, Fault: { Error: error.errors.map((e: FaultError) => ({ ...e, element: e.element ?? '' })), type: error.type } };
        }
      });
      return { status: 200, body: { BatchItemResponse: responses, time: qboTime(state.now()) } };
    }),
  );

  api.post('/:realmId/upload', (c) =>
    withRequestId(c, 50, async () => {
      const company = c.get('company');
      const length = Number(c.req.header('content-length') ?? 0);
      if (length > state.uploadMaxBytes) throw validation('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: The upload is larger than the ${Math.round(state.uploadMaxBytes / 1048576)} MB limit.`);
      if (!(c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
        throw validation('2010', 'Request has invalid or unsupported property', 'Content-Type must be multipart/form-data');
      }
      const form = await c.req.raw.formData();
      const suffixes = [...form.keys()].filter((k) => k.startsWith('file_content_')).map((k) => k.slice('file_content_'.length));
      if (suffixes.length === 0) throw validation('2020', 'Required param missing, need to supply the required value for the API', 'Required parameter file_content_<n> is missing in the request');
      const out = [];
      for (const suffix of suffixes) {
        const content = form.get(`file_content_${suffix}`);
        const metaPart = form.get(`file_metadata_${suffix}`);
        if (!(content instanceof Blob)) throw validation('2020', 'Required param missing, need to supply the required value for the API', `file_content_${suffix} must be a file`);
        let meta: Json = {};
        if (metaPart !== null) {
          try {
            meta = JSON.parse(typeof metaPart === 'string' ? metaPart : await metaPart.text()) as Json;
          } catch {
            throw validation('2010', 'Request has invalid or unsupported property', `file_metadata_${suffix} is not JSON`);
          }
        }
        const contentType = String(meta.ContentType ?? content.type ?? '').split(';')[0]!.trim().toLowerCase();
        const fileName = String(meta.FileName ?? (content instanceof File ? content.name : 'attachment'));
        if (!allowedUploadTypes.has(contentType)) {
          throw validation('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: The file type ${contentType || '(none)'} of ${fileName} is not supported.`, 'ContentType');
        }
        const refs = Array.isArray(meta.AttachableRef) ? (meta.AttachableRef as Json[]) : [];
        const attachRefs = refs.map((r) => {
          const entityRef = (r.EntityRef ?? {}) as Json;
          const entity = canonicalEntity(company, String(entityRef.type ?? ''));
          const target = entity && entity !== 'CompanyInfo' && entity !== 'Preferences' ? company.entities.get(entity)?.get(String(entityRef.value)) : undefined;
          if (!target) throw validation('2500', 'Invalid Reference Id', `Invalid Reference Id : ${String(entityRef.type)} element id ${String(entityRef.value)} not found`, 'AttachableRef.EntityRef');
          return { EntityRef: { type: entity, value: String(entityRef.value) }, IncludeOnSend: Boolean(r.IncludeOnSend ?? false) };
        });
        const data = new Uint8Array(await content.arrayBuffer());
        const id = nextId(company);
        const now = state.now();
        const record: Json = {
          Id: id,
          SyncToken: '0',
          domain: 'QBO',
          sparse: false,
          FileName: fileName,
          FileAccessUri: `/v3/company/${company.data.realmId}/download/${id}`,
          TempDownloadUri: `${hostBase(c, 'api')}/v3/company/${company.data.realmId}/download/${id}?expires=${now + 15 * 60_000}`,
          Size: data.byteLength,
          ContentType: contentType,
          ...(meta.Note ? { Note: String(meta.Note) } : {}),
          AttachableRef: attachRefs,
          MetaData: { CreateTime: qboTime(now), LastUpdatedTime: qboTime(now) },
        };
        let store = company.entities.get('Attachable');
        if (!store) company.entities.set('Attachable', (store = new Map()));
        store.set(id, record);
        company.files.set(id, { attachableId: id, data });
        out.push({ Attachable: record });
      }
      return { status: 200, body: { AttachableResponse: out, time: qboTime(state.now()) } };
    }),
  );

  api.get('/:realmId/download/:id', (c) => {
    const company = c.get('company');
    const file = company.files.get(c.req.param('id'));
    if (!file) throw objectNotFound();
    const record = company.entities.get('Attachable')?.get(file.attachableId);
    return c.text(String(record?.TempDownloadUri ?? ''));
  });

  api.get('/:realmId/:entity/:id', (c) => {
    const company = c.get('company');
    const entity = entityBySegment[c.req.param('entity').toLowerCase()];
    if (!entity) throw validation('4001', 'Unsupported Operation', `Operation ${c.req.param('entity')} is not supported.`);
    const record = company.entities.get(entity)?.get(c.req.param('id'));
    if (!record) throw objectNotFound();
    return c.json({ [entity]: record, time: qboTime(state.now()) });
  });

  api.post('/:realmId/:entity', (c) => {
    const segment = c.req.param('entity').toLowerCase();
    const entity = writableEntities.find((e) => e.toLowerCase() === segment) as WritableEntity | undefined;
    if (!entity) throw validation('4001', 'Unsupported Operation', `Operation ${c.req.param('entity')} is not supported by this sandbox.`);
    if (!(c.req.header('content-type') ?? '').includes('application/json')) {
      throw validation('2010', 'Request has invalid or unsupported property', 'Content-Type must be application/json');
    }
    return withRequestId(c, 50, async () => {
      const body = await c.req.json().catch(() => undefined);
      const saved = writeEntity({ state, company: c.get('company') }, entity, body, c.req.query('operation'));
      return { status: 200, body: { [entity]: saved, time: qboTime(state.now()) } };
    });
  });

  return api;
}
