/**
 * api.xero.com/api.xro/2.0: authentication, tenant and scope checks, limits and injected faults
 * in one middleware, then the list reads, document writes and attachments.
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { activeFaults as faultsFor, HANG_MS, rolls, sleep, takeRate429 } from '../common/faults.js';
import { msDate, parseRequestDate } from './dates.js';
import { writeCollection, validationException, type Collection, type WriteContext } from './documents.js';
import { retryAfterHeader, type Admission } from './limits.js';
import { checkBearer, connectionFor, hostBase, problem } from './oauth.js';
import {
  presentAccount,
  presentAttachment,
  presentBankTransaction,
  presentContact,
  presentCreditNote,
  presentInvoice,
  presentItem,
  presentOrganisation,
  presentPayment,
  presentTaxRate,
  presentTrackingCategory,
  type Json,
} from './present.js';
import type { Faults, Grant, OrganisationState, SandboxState } from './state.js';
import { parseWhere, WhereParseError, type WherePredicate } from './where.js';

type Env = { Variables: { org: OrganisationState; grant: Grant } };
type Ctx = Context<Env>;

/** Scope needed per top-level resource: [broad scope, granular scope (2026 apps)]. */
function scopesFor(path: string): [string, string | undefined] {
  const segments = path.split('/').filter(Boolean);
  const resource = segments[0] ?? '';
  if (segments.includes('Attachments')) return ['accounting.attachments', undefined];
  switch (resource) {
    case 'Contacts':
    case 'ContactGroups':
      return ['accounting.contacts', undefined];
    case 'Invoices':
    case 'CreditNotes':
      return ['accounting.transactions', 'accounting.invoices'];
    case 'Payments':
    case 'BatchPayments':
      return ['accounting.transactions', 'accounting.payments'];
    case 'BankTransactions':
    case 'BankTransfers':
      return ['accounting.transactions', 'accounting.banktransactions'];
    case 'Items':
      return ['accounting.settings', 'accounting.invoices'];
    default:
      return ['accounting.settings', undefined];
  }
}

function hasScope(grant: Grant, path: string, write: boolean): boolean {
  const [broad, granular] = scopesFor(path);
  const accepted = [broad, granular].filter((s): s is string => !!s).flatMap((s) => (write ? [s] : [s, `${s}.read`]));
  return accepted.some((s) => grant.scope.includes(s));
}

function activeFaults(state: SandboxState, tenantId: string): { faults: Faults; owner: Faults } {
  return faultsFor(state.faults.all, state.faults.tenants.get(tenantId));
}

function envelope(state: SandboxState, grant: Grant, body: Json): Json {
  return {
    Id: crypto.randomUUID(),
    Status: 'OK',
    ProviderName: state.clients.get(grant.clientId)?.name ?? 'Bookbridge',
    DateTimeUTC: msDate(state.now()),
    ...body,
  };
}

function ok(c: Ctx, state: SandboxState, body: Json) {
  return c.json(envelope(state, c.get('grant'), body));
}

function notFound(c: Ctx) {
  return c.json({ Title: 'Resource Not Found', Detail: 'The resource you\'re looking for cannot be found', Status: 404 }, 404);
}

function badRequest(c: Ctx, type: string, message: string, errorNumber: number) {
  return c.json({ ErrorNumber: errorNumber, Type: type, Message: message }, 400);
}

function whereOf(c: Ctx): WherePredicate | undefined {
  const where = c.req.query('where');
  return where ? parseWhere(where) : undefined;
}

/** If-Modified-Since accepts an HTTP date or ISO date-time; records changed at or after it come back. */
function modifiedSince(c: Ctx): number | undefined {
  const header = c.req.header('if-modified-since');
  if (!header) return undefined;
  const parsed = parseRequestDate(header);
  return parsed;
}

interface PageInfo {
  page: number;
  pageSize: number;
}

function paging(c: Ctx, defaultSize = 100): PageInfo | undefined {
  const page = c.req.query('page');
  if (page === undefined) return undefined;
  const n = Math.max(1, Number.parseInt(page, 10) || 1);
  const size = Number.parseInt(c.req.query('pageSize') ?? '', 10);
  return { page: n, pageSize: Math.min(1000, Math.max(1, Number.isNaN(size) ? defaultSize : size)) };
}

function pageOf<T>(items: T[], info: PageInfo | undefined): { slice: T[]; pagination?: Json } {
  if (!info) return { slice: items };
  const start = (info.page - 1) * info.pageSize;
  return {
    slice: items.slice(start, start + info.pageSize),
    pagination: {
      page: info.page,
      pageSize: info.pageSize,
      pageCount: Math.ceil(items.length / info.pageSize),
      itemCount: items.length,
    },
  };
}

function listParam(c: Ctx, name: string): string[] | undefined {
  const value = c.req.query(name);
  if (!value) return undefined;
  return value
    .split(',')
    .map((v) => v.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

const attachmentCollections = new Set(['Invoices', 'CreditNotes', 'BankTransactions', 'Contacts', 'Accounts']);
const badFileName = /[<>:"/\\|?*+]/;

export function createAccountingApi(state: SandboxState): Hono<Env> {
  const api = new Hono<Env>();

  api.onError((error, c) => {
    if (error instanceof WhereParseError) return badRequest(c, 'QueryParseException', error.message, 16);
    throw error;
  });

  // --- auth, tenant, scope, limits, faults ---
  api.use('*', async (c, next) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    if (!auth.ok) {
      c.header('WWW-Authenticate', auth.wwwAuthenticate);
      return c.json(problem(401, auth.detail), 401);
    }
    const tenantId = (c.req.header('xero-tenant-id') ?? '').toLowerCase();
    const org = state.organisations.get(tenantId);
    if (!org || !connectionFor(state, auth.grant, tenantId)) {
      return c.json(problem(403, 'AuthenticationUnsuccessful'), 403);
    }
    const path = c.req.path.slice(c.req.path.indexOf('/api.xro/2.0') + '/api.xro/2.0'.length);
    if (!hasScope(auth.grant, path, c.req.method !== 'GET')) {
      return c.json(problem(403, 'AuthorizationUnsuccessful: the token lacks the scope for this endpoint'), 403);
    }
    const now = state.now();
    const setLimitHeaders = () => {
      const remaining = org.limiter.remaining(state.now());
      c.header('X-DayLimit-Remaining', String(remaining.day));
      c.header('X-MinLimit-Remaining', String(remaining.minute));
      c.header('X-AppMinLimit-Remaining', String(state.appLimiter.remaining(state.now())));
    };
    const { faults, owner } = activeFaults(state, tenantId);
    const tooMany = (problemName: string, retryAfter: string) => {
      state.stats.sent429++;
      state.stats.rateLimited[tenantId] = (state.stats.rateLimited[tenantId] ?? 0) + 1;
      setLimitHeaders();
      c.header('Retry-After', retryAfter);
      c.header('X-Rate-Limit-Problem', problemName);
      return c.text('You have exceeded the rate limit', 429);
    };
    const burst = takeRate429(owner.rate429);
    if (burst) return tooMany('minute', String(burst.retryAfterSeconds));
    const tenantAdmission: Admission = org.limiter.admit(now);
    const admission = tenantAdmission.ok ? state.appLimiter.admit(now) : tenantAdmission;
    if (!admission.ok) return tooMany(admission.problem, retryAfterHeader(admission.retryAfterMs, state.timeScale));

    state.stats.calls[tenantId] = (state.stats.calls[tenantId] ?? 0) + 1;
    c.set('org', org);
    c.set('grant', auth.grant);
    org.limiter.inFlight++;
    let hang = false;
    try {
      if (faults.slowMs) await sleep(faults.slowMs, c.req.raw.signal);
      if (rolls(state.dice, faults.error5xxRate)) {
        state.stats.sent5xx++;
        return c.json(
          {
            Title: 'An error occurred',
            Detail: 'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.',
            Status: 500,
          },
          500,
        );
      }
      // A timeout is the worst case for a client: the call is carried out, then no answer comes.
      hang = rolls(state.dice, faults.timeoutRate);
      await next();
      setLimitHeaders();
    } finally {
      org.limiter.inFlight--;
    }
    if (hang) {
      state.stats.timeouts++;
      await sleep(HANG_MS, c.req.raw.signal);
    }
  });

  // --- organisation & settings lists ---
  api.get('/Organisation', (c) => {
    const org = c.get('org');
    return ok(c, state, { Organisations: [presentOrganisation(org.data, Date.UTC(2020, 0, 1))] });
  });

  api.get('/Currencies', (c) => {
    const org = c.get('org');
    const names: Record<string, string> = { GBP: 'British Pound', EUR: 'Euro', USD: 'United States Dollar' };
    return ok(c, state, { Currencies: org.data.currencies.map((Code) => ({ Code, Description: names[Code] ?? Code })) });
  });

  api.get('/Accounts', (c) => {
    const org = c.get('org');
    const since = modifiedSince(c);
    const where = whereOf(c);
    const accounts = org.data.accounts
      .filter((a) => since === undefined || a.updatedAt >= since)
      .map(presentAccount)
      .filter((a) => !where || where(a));
    return ok(c, state, { Accounts: accounts });
  });

  api.get('/Accounts/:id', (c) => {
    const a = c.get('org').data.accounts.find((x) => x.AccountID === c.req.param('id').toLowerCase());
    return a ? ok(c, state, { Accounts: [presentAccount(a)] }) : notFound(c);
  });

  api.get('/Contacts', (c) => {
    const org = c.get('org');
    const since = modifiedSince(c);
    const includeArchived = c.req.query('includeArchived') === 'true';
    const ids = listParam(c, 'IDs')?.map((x) => x.toLowerCase());
    const search = c.req.query('searchTerm')?.toLowerCase();
    const where = whereOf(c);
    const info = paging(c);
    let records = org.data.contacts.filter(
      (x) =>
        (includeArchived || x.ContactStatus === 'ACTIVE' || ids) &&
        (since === undefined || x.updatedAt >= since) &&
        (!ids || ids.includes(x.ContactID)) &&
        (!search ||
          [x.Name, x.FirstName, x.LastName, x.ContactNumber, x.EmailAddress].some((f) => f?.toLowerCase().includes(search))),
    );
    if (where) records = records.filter((x) => where(presentContact(x, !!info)));
    const { slice, pagination } = pageOf(records, info);
    return ok(c, state, { ...(pagination ? { pagination } : {}), Contacts: slice.map((x) => presentContact(x, !!info)) });
  });

  api.get('/Contacts/:id', (c) => {
    const org = c.get('org');
    const key = c.req.param('id');
    const contact = org.contactsById.get(key.toLowerCase()) ?? org.data.contacts.find((x) => x.ContactNumber === key);
    return contact ? ok(c, state, { Contacts: [presentContact(contact, true)] }) : notFound(c);
  });

  api.get('/TaxRates', (c) => {
    const where = whereOf(c);
    const taxType = c.req.query('TaxType');
    const rates = c
      .get('org')
      .data.taxRates.map(presentTaxRate)
      .filter((t) => (!where || where(t)) && (!taxType || t.TaxType === taxType));
    return ok(c, state, { TaxRates: rates });
  });

  api.get('/Items', (c) => {
    const since = modifiedSince(c);
    const where = whereOf(c);
    const items = c
      .get('org')
      .data.items.filter((i) => since === undefined || i.updatedAt >= since)
      .map(presentItem)
      .filter((i) => !where || where(i));
    return ok(c, state, { Items: items });
  });

  api.get('/Items/:id', (c) => {
    const key = c.req.param('id');
    const item = c.get('org').data.items.find((i) => i.ItemID === key.toLowerCase() || i.Code === key);
    return item ? ok(c, state, { Items: [presentItem(item)] }) : notFound(c);
  });

  api.get('/TrackingCategories', (c) => {
    const includeArchived = c.req.query('includeArchived') === 'true';
    const where = whereOf(c);
    const categories = c
      .get('org')
      .data.trackingCategories.filter((t) => t.Status !== 'DELETED' && (includeArchived || t.Status === 'ACTIVE'))
      .map((t) => presentTrackingCategory(t, includeArchived))
      .filter((t) => !where || where(t));
    return ok(c, state, { TrackingCategories: categories });
  });

  api.get('/TrackingCategories/:id', (c) => {
    const t = c.get('org').data.trackingCategories.find((x) => x.TrackingCategoryID === c.req.param('id').toLowerCase());
    return t ? ok(c, state, { TrackingCategories: [presentTrackingCategory(t, true)] }) : notFound(c);
  });

  // --- documents ---
  const documentReads: Record<Exclude<Collection, 'Payments'>, { all: (org: OrganisationState) => Json[]; idField: string }> = {
    Invoices: { all: (org) => [...org.invoices.values()].map((x) => presentInvoice(org, x)), idField: 'InvoiceID' },
    CreditNotes: { all: (org) => [...org.creditNotes.values()].map((x) => presentCreditNote(org, x)), idField: 'CreditNoteID' },
    BankTransactions: {
      all: (org) => [...org.bankTransactions.values()].map((x) => presentBankTransaction(org, x)),
      idField: 'BankTransactionID',
    },
  };
  const updatedAtOf = (json: Json) => Number(/\((\d+)/.exec(String(json.UpdatedDateUTC))?.[1] ?? 0);

  for (const collection of ['Invoices', 'CreditNotes', 'BankTransactions'] as const) {
    const { all, idField } = documentReads[collection];
    api.get(`/${collection}`, (c) => {
      const org = c.get('org');
      const since = modifiedSince(c);
      const where = whereOf(c);
      const ids = listParam(c, 'IDs')?.map((x) => x.toLowerCase());
      const numbers = listParam(c, collection === 'Invoices' ? 'InvoiceNumbers' : 'CreditNoteNumbers');
      const contactIds = listParam(c, 'ContactIDs')?.map((x) => x.toLowerCase());
      const statuses = listParam(c, 'Statuses')?.map((x) => x.toUpperCase());
      const mine = c.req.query('createdByMyApp') === 'true';
      const grant = c.get('grant');
      const createdBy = new Map<string, string>();
      if (mine) {
        const records =
          collection === 'Invoices' ? org.invoices : collection === 'CreditNotes' ? org.creditNotes : org.bankTransactions;
        for (const [id, r] of records) createdBy.set(id, r.createdByClientId);
      }
      const numberField = collection === 'Invoices' ? 'InvoiceNumber' : 'CreditNoteNumber';
      const rows = all(org).filter(
        (x) =>
          (since === undefined || updatedAtOf(x) >= since) &&
          (!ids || ids.includes(String(x[idField]))) &&
          (!numbers || numbers.includes(String(x[numberField]))) &&
          (!contactIds || contactIds.includes(String((x.Contact as Json | undefined)?.ContactID))) &&
          (!statuses || statuses.includes(String(x.Status))) &&
          (!mine || createdBy.get(String(x[idField])) === grant.clientId) &&
          (!where || where(x)),
      );
      const { slice, pagination } = pageOf(rows, paging(c));
      return ok(c, state, { ...(pagination ? { pagination } : {}), [collection]: slice });
    });
    api.get(`/${collection}/:id`, (c) => {
      const id = c.req.param('id').toLowerCase();
      const row = all(c.get('org')).find((x) => x[idField] === id || (collection === 'Invoices' && x.InvoiceNumber === c.req.param('id')));
      return row ? ok(c, state, { [collection]: [row] }) : notFound(c);
    });
  }

  api.get('/Payments', (c) => {
    const org = c.get('org');
    const since = modifiedSince(c);
    const where = whereOf(c);
    const rows = [...org.payments.values()]
      .filter((p) => since === undefined || p.updatedAt >= since)
      .map((p) => presentPayment(org, p))
      .filter((p) => !where || where(p));
    const { slice, pagination } = pageOf(rows, paging(c));
    return ok(c, state, { ...(pagination ? { pagination } : {}), Payments: slice });
  });
  api.get('/Payments/:id', (c) => {
    const org = c.get('org');
    const p = org.payments.get(c.req.param('id').toLowerCase());
    return p ? ok(c, state, { Payments: [presentPayment(org, p)] }) : notFound(c);
  });

  // --- writes (idempotent) ---
  const write = (collection: Collection, method: 'PUT' | 'POST', withId: boolean) => async (c: Ctx) =>
    idempotent(c, state, async (bytes) => {
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return { status: 400, body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: 'Invalid JSON in the request body.' } };
      }
      if (withId && body && typeof body === 'object') {
        const idField = { Invoices: 'InvoiceID', CreditNotes: 'CreditNoteID', BankTransactions: 'BankTransactionID', Payments: 'PaymentID' }[collection];
        const list = (body as Json)[collection];
        const element = Array.isArray(list) ? list[0] : body;
        if (element && typeof element === 'object') (element as Json)[idField] = c.req.param('id');
        body = element;
      }
      const ctx: WriteContext = {
        state,
        org: c.get('org'),
        clientId: c.get('grant').clientId,
        method,
        unitdp: c.req.query('unitdp') === '4' ? 4 : 2,
        now: state.now(),
      };
      // Xero's default is summarizeErrors=true: one bad element fails the whole call.
      const summarize = c.req.query('summarizeErrors') !== 'false';
      const result = writeCollection(ctx, collection, body, summarize);
      const payload = result.status === 200 ? envelope(state, c.get('grant'), result.body) : result.body;
      return { status: result.status, body: payload };
    });

  for (const collection of ['Invoices', 'CreditNotes', 'BankTransactions', 'Payments'] as const) {
    api.put(`/${collection}`, write(collection, 'PUT', false));
    api.post(`/${collection}`, write(collection, 'POST', false));
    if (collection !== 'Payments') api.post(`/${collection}/:id`, write(collection, 'POST', true));
  }

  // --- attachments ---
  const documentFor = (org: OrganisationState, collection: string, id: string) => {
    const key = id.toLowerCase();
    switch (collection) {
      case 'Invoices':
        return org.invoices.get(key);
      case 'CreditNotes':
        return org.creditNotes.get(key);
      case 'BankTransactions':
        return org.bankTransactions.get(key);
      case 'Contacts':
        return org.contactsById.get(key);
      case 'Accounts':
        return org.data.accounts.find((a) => a.AccountID === key);
      default:
        return undefined;
    }
  };
  const attachmentUrl = (c: Ctx, collection: string, id: string, fileName: string) =>
    `${hostBase(c, 'api')}/api.xro/2.0/${collection}/${id}/Attachments/${encodeURIComponent(fileName)}`;

  api.get('/:collection/:id/Attachments', (c) => {
    const { collection = '', id = '' } = c.req.param();
    if (!attachmentCollections.has(collection) || !documentFor(c.get('org'), collection, id)) return notFound(c);
    const list = c.get('org').attachments.get(id.toLowerCase()) ?? [];
    return ok(c, state, { Attachments: list.map((a) => presentAttachment(a, attachmentUrl(c, collection, id, a.FileName))) });
  });

  api.get('/:collection/:id/Attachments/:fileName', (c) => {
    const { collection = '', id = '', fileName = '' } = c.req.param();
    const list = c.get('org').attachments.get(id.toLowerCase()) ?? [];
    const found = list.find((a) => a.FileName === fileName || a.AttachmentID === fileName.toLowerCase());
    if (!attachmentCollections.has(collection) || !found) return notFound(c);
    return c.body(found.data as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': found.MimeType });
  });

  const upload = (method: 'PUT' | 'POST') => async (c: Ctx) => {
    const { collection = '', id = '', fileName = '' } = c.req.param();
    const org = c.get('org');
    const doc = attachmentCollections.has(collection) ? documentFor(org, collection, id) : undefined;
    if (!doc) return notFound(c);
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > state.attachmentMaxBytes) {
      return c.json({ Title: 'Request Entity Too Large', Status: 413, Detail: 'The file is larger than the maximum allowed size.' }, 413);
    }
    return idempotent(c, state, async (bytes) => {
      if (bytes.byteLength > state.attachmentMaxBytes) {
        return { status: 413, body: { Title: 'Request Entity Too Large', Status: 413, Detail: 'The file is larger than the maximum allowed size.' } };
      }
      const element = (message: string) => ({
        status: 400,
        body: validationException([{ FileName: fileName, ValidationErrors: [{ Message: message }] }]),
      });
      if (!fileName || badFileName.test(fileName)) return element('The file name contains characters that are not allowed.');
      if (bytes.byteLength === 0) return element('The attachment is empty.');
      const key = id.toLowerCase();
      const list = org.attachments.get(key) ?? [];
      const sameName = list.findIndex((a) => a.FileName === fileName);
      if (sameName < 0 && list.length >= 10) return element('A document can have at most 10 attachments.');
      const record = {
        AttachmentID: sameName >= 0 && method === 'POST' ? (list[sameName] as { AttachmentID: string }).AttachmentID : state.ids.uuid(),
        FileName: fileName,
        MimeType: c.req.header('content-type')?.split(';')[0] ?? 'application/octet-stream',
        ContentLength: bytes.byteLength,
        IncludeOnline: c.req.query('IncludeOnline') === 'true',
        data: bytes,
      };
      if (sameName >= 0) list[sameName] = record;
      else list.push(record);
      org.attachments.set(key, list);
      if ('HasAttachments' in doc) (doc as { HasAttachments: boolean }).HasAttachments = true;
      return {
        status: 200,
        body: envelope(state, c.get('grant'), {
          Attachments: [presentAttachment(record, attachmentUrl(c, collection, id, fileName))],
        }),
      };
    });
  };
  api.put('/:collection/:id/Attachments/:fileName', upload('PUT'));
  api.post('/:collection/:id/Attachments/:fileName', upload('POST'));

  api.all('*', (c) => notFound(c));
  return api;
}

/**
 * Idempotency-Key: the same key with the same request replays the stored answer without doing
 * the work again; the same key with a different request is refused. Only successful answers are
 * stored, so a request refused for a stale list can be retried once the list is fixed.
 */
async function idempotent(
  c: Ctx,
  state: SandboxState,
  run: (bytes: Uint8Array) => Promise<{ status: number; body: Json }>,
): Promise<Response> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const key = c.req.header('idempotency-key');
  const org = c.get('org');
  const now = state.now();
  let fingerprint = '';
  if (key) {
    if (key.length > 128) {
      return c.json(validationException([{ ValidationErrors: [{ Message: 'The Idempotency-Key header must be 128 characters or fewer.' }] }]), 400);
    }
    const url = new URL(c.req.url);
    fingerprint = createHash('sha256')
      .update(`${c.req.method} ${url.pathname.slice(url.pathname.indexOf('/api.xro/'))}${url.search}\n`)
      .update(bytes)
      .digest('hex');
    const stored = org.idempotency.get(key);
    if (stored && stored.expiresAt > now) {
      if (stored.fingerprint !== fingerprint) {
        return c.json(
          {
            Title: 'Idempotency key reused',
            Status: 400,
            Detail: `The Idempotency-Key '${key}' has already been used with a different request.`,
          },
          400,
        );
      }
      state.stats.idempotentReplays++;
      return new Response(stored.body, { status: stored.status, headers: { 'Content-Type': stored.contentType } });
    }
  }
  const result = await run(bytes);
  const text = JSON.stringify(result.body);
  if (key && result.status >= 200 && result.status < 300) {
    org.idempotency.set(key, {
      fingerprint,
      status: result.status,
      body: text,
      contentType: 'application/json; charset=utf-8',
      expiresAt: now + state.idempotencyTtlMs,
    });
  }
  return new Response(text, { status: result.status, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
}
