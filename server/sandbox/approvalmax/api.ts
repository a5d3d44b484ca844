/**
 * public-api.approvalmax.com: `/ping`, `/api/v1/companies`, and the per-ledger request lists
 * `/api/v1/companies/{companyId}/{xero|qbooks}/{kind}` (+ `/{requestId}`), read-only
 * (approvalmax.md §2). One middleware does what every data call meets: the bearer token (401),
 * the read scope and the organisations the token embeds (403), the 100-per-minute limit per
 * client and company (429), injected faults, and the Premium/trial gate (400 "is disabled").
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { activeFaults as faultsFor, HANG_MS, rolls, sleep, takeRate429 } from '../common/faults.js';
import { retryAfterHeader, MinuteLimiter } from './limits.js';
import { checkBearer, hasReadScope } from './oauth.js';
import { invalidInput, presentCompany, presentRequest, problem, type ProblemParameter } from './present.js';
import { documentKinds, requestStatuses, segmentOf, type CompanyRecord, type Faults, type Grant, type RequestRecord, type SandboxState } from './state.js';

type Env = { Variables: { grant: Grant; company: CompanyRecord } };

export const MAX_LIMIT = 100;
const orderFields = { createdAt: 'createdAt', modifiedAt: 'modifiedAt', decidedAt: 'decisionDate' } as const;
type OrderBy = keyof typeof orderFields;

function activeFaults(state: SandboxState, companyId: string): { faults: Faults; owner: Faults } {
  return faultsFor(state.faults.all, state.faults.companies.get(companyId));
}

function unauthorized(c: Context, challenge: string) {
  c.header('WWW-Authenticate', challenge);
  return c.body(null, 401);
}

interface ListQuery {
  requestStatus?: string;
  reference?: string;
  documentNumber?: string;
  createdAtOrAfter?: number;
  createdAtOrBefore?: number;
  modifiedAtOrAfter?: number;
  decidedAtOrAfter?: number;
  orderBy: OrderBy;
  orderDirection: 'asc' | 'desc';
  limit: number;
  after?: { key: number; id: string };
}

function parseDate(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const t = Date.parse(/[T ]/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isNaN(t) ? undefined : t;
}

function fingerprint(q: Omit<ListQuery, 'limit' | 'after'>, scope: string): string {
  return createHash('sha256').update(JSON.stringify({ ...q, scope })).digest('base64url').slice(0, 16);
}

export function encodeToken(key: number, id: string, print: string): string {
  return Buffer.from(JSON.stringify({ k: key, i: id, f: print })).toString('base64url');
}

function decodeToken(token: string): { k: number; i: string; f: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; i?: unknown; f?: unknown };
    if (typeof value.k === 'number' && typeof value.i === 'string' && typeof value.f === 'string') return value as { k: number; i: string; f: string };
  } catch {
    // falls through: not a token we issued
  }
  return undefined;
}

/** Reads and checks the list's query; strict like ASP.NET model binding (unknown enum values refused). */
function parseListQuery(query: Record<string, string>, scope: string): { ok: true; q: ListQuery } | { ok: false; parameters: ProblemParameter[] } {
  const errors: ProblemParameter[] = [];
  const bad = (name: string, value: unknown, errorMessage: string) => errors.push({ path: name, name, value, errorMessage });

  const requestStatus = query.requestStatus || undefined;
  if (requestStatus && !(requestStatuses as readonly string[]).includes(requestStatus)) {
    bad('requestStatus', requestStatus, `unrecognized value '${requestStatus}' for 'RequestStatus'`);
  }
  let limit = MAX_LIMIT;
  if (query.limit !== undefined) {
    const n = Number(query.limit);
    if (!/^\d+$/.test(query.limit) || n < 1 || n > MAX_LIMIT) bad('limit', query.limit, `The field limit must be between 1 and ${MAX_LIMIT}.`);
    else limit = n;
  }
  const dates: Partial<Record<'createdAtOrAfter' | 'createdAtOrBefore' | 'modifiedAtOrAfter' | 'decidedAtOrAfter', number>> = {};
  for (const name of ['createdAtOrAfter', 'createdAtOrBefore', 'modifiedAtOrAfter', 'decidedAtOrAfter'] as const) {
    const raw = query[name];
    if (raw === undefined || raw === '') continue;
    const t = parseDate(raw);
    if (t === undefined) bad(name, raw, `The value '${raw}' is not valid for ${name}.`);
    else dates[name] = t;
  }
  const orderByRaw = query.orderBy;
  const orderBy = (Object.keys(orderFields) as OrderBy[]).find((k) => k.toLowerCase() === (orderByRaw ?? 'createdAt').toLowerCase());
  if (!orderBy) bad('orderBy', orderByRaw, `unrecognized value '${orderByRaw}' for 'OrderBy'`);
  const directionRaw = (query.orderDirection ?? 'asc').toLowerCase();
  if (directionRaw !== 'asc' && directionRaw !== 'desc') bad('orderDirection', query.orderDirection, `unrecognized value '${query.orderDirection}' for 'OrderDirection'`);

  const base = {
    requestStatus,
    reference: query.reference || undefined,
    documentNumber: query.documentNumber || undefined,
    ...dates,
    orderBy: orderBy ?? 'createdAt',
    orderDirection: directionRaw as 'asc' | 'desc',
  };
  let after: ListQuery['after'];
  if (query.continuationToken) {
    const token = decodeToken(query.continuationToken);
    if (!token || token.f !== fingerprint(base, scope)) {
      bad('continuationToken', query.continuationToken, 'The continuation token is not valid for this query.');
    } else {
      after = { key: token.k, id: token.i };
    }
  }
  if (errors.length > 0) return { ok: false, parameters: errors };
  return { ok: true, q: { ...base, limit, after } };
}

function sortKey(r: RequestRecord, orderBy: OrderBy): number {
  const field = orderFields[orderBy];
  return (r[field] as number | undefined) ?? 0;
}

function compare(a: { key: number; id: string }, b: { key: number; id: string }): number {
  return a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function createPublicApi(state: SandboxState): Hono<Env> {
  const api = new Hono<Env>();

  api.get('/ping', (c) => c.text('pong'));

  api.get('/api/v1/companies', (c) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    if (!auth.ok) return unauthorized(c, auth.wwwAuthenticate);
    const companies = auth.grant.companyIds.map((id) => state.companies.get(id)).filter((x): x is CompanyRecord => !!x);
    return c.json(companies.map(presentCompany));
  });

  api.use('/api/v1/companies/:companyId/*', async (c, next) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    if (!auth.ok) return unauthorized(c, auth.wwwAuthenticate);
    if (!hasReadScope(auth.grant)) {
      c.header('WWW-Authenticate', 'Bearer error="insufficient_scope"');
      return c.body(null, 403);
    }
    const companyId = (c.req.param('companyId') ?? '').toLowerCase();
    const company = state.companies.get(companyId);
    if (!company || !auth.grant.companyIds.includes(companyId)) {
      return problem(c, 403, 'forbidden', 'Forbidden.', `Access to the company ${c.req.param('companyId')} is not granted.`);
    }
    const { faults, owner } = activeFaults(state, companyId);
    const key = `${auth.grant.clientId}|${companyId}`;
    const tooMany = (retryAfter: string) => {
      state.stats.sent429++;
      c.header('Retry-After', retryAfter);
      return problem(c, 429, 'tooManyRequests', 'Too many requests.', 'The rate limit of 100 requests per minute for this client and company has been exceeded.');
    };
    const burst = takeRate429(owner.rate429);
    if (burst) return tooMany(String(burst.retryAfterSeconds));
    let limiter = state.limiters.get(key);
    if (!limiter) {
      limiter = new MinuteLimiter(state.perMinute, state.timeScale);
      state.limiters.set(key, limiter);
    }
    const admission = limiter.admit(state.now());
    if (!admission.ok) return tooMany(retryAfterHeader(admission.retryAfterMs, state.timeScale));
    state.stats.calls[companyId] = (state.stats.calls[companyId] ?? 0) + 1;

    if (faults.slowMs) await sleep(faults.slowMs, c.req.raw.signal);
    if (rolls(state.dice, faults.error5xxRate)) {
      state.stats.sent5xx++;
      return problem(c, 500, 'internalServerError', 'Internal server error.', 'An unexpected error occurred.');
    }
    // Premium or an (All Features) trial only; /companies works on any plan.
    if (company.plan !== 'premium' && company.plan !== 'trial') {
      return problem(c, 400, 'companyIsDisabled', 'Bad request.', `The ${company.companyId} is disabled.`);
    }
    c.set('grant', auth.grant);
    c.set('company', company);
    const hang = rolls(state.dice, faults.timeoutRate);
    await next();
    if (hang) {
      state.stats.timeouts++;
      await sleep(HANG_MS, c.req.raw.signal);
    }
  });

  /** The segment and kind in the path, checked against the company's ledger. */
  const route = (c: Context<Env>): { ok: true; segment: string; kind: string } | { ok: false; response: Response } => {
    const company = c.get('company');
    const segment = c.req.param('segment') ?? '';
    const kind = c.req.param('kind') ?? '';
    const own = segmentOf(company);
    const kinds = (documentKinds as Record<string, readonly string[]>)[segment];
    if (!kinds || !kinds.includes(kind)) return { ok: false, response: problem(c, 404, 'notFound', 'Not found.', 'The resource was not found.') };
    if (segment !== own) {
      return {
        ok: false,
        response: problem(c, 400, 'invalidInput', 'Invalid input.', `The company ${company.companyId} is not connected to ${segment === 'xero' ? 'Xero' : 'QuickBooks Online'}.`),
      };
    }
    return { ok: true, segment, kind };
  };

  api.get('/api/v1/companies/:companyId/:segment/:kind', (c) => {
    const where = route(c);
    if (!where.ok) return where.response;
    const company = c.get('company');
    const scope = `${company.companyId}/${where.segment}/${where.kind}`;
    const parsed = parseListQuery(c.req.query(), scope);
    if (!parsed.ok) return invalidInput(c, parsed.parameters);
    const q = parsed.q;
    const same = (a?: string, b?: string) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
    const direction = q.orderDirection === 'asc' ? 1 : -1;
    const rows = [...company.requests.values()]
      .filter((r) => r.kind === where.kind)
      .filter((r) => !q.requestStatus || r.requestStatus === q.requestStatus)
      .filter((r) => !q.documentNumber || same(r.documentNumber, q.documentNumber))
      .filter((r) => !q.reference || same(r.reference, q.reference))
      .filter((r) => q.createdAtOrAfter === undefined || r.createdAt >= q.createdAtOrAfter)
      .filter((r) => q.createdAtOrBefore === undefined || r.createdAt <= q.createdAtOrBefore)
      .filter((r) => q.modifiedAtOrAfter === undefined || r.modifiedAt >= q.modifiedAtOrAfter)
      .filter((r) => q.decidedAtOrAfter === undefined || (r.decisionDate !== undefined && r.decisionDate >= q.decidedAtOrAfter))
      .map((r) => ({ r, at: { key: sortKey(r, q.orderBy), id: r.requestId } }))
      .sort((a, b) => direction * compare(a.at, b.at))
      .filter((x) => !q.after || direction * compare(x.at, q.after) > 0);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const more = rows.length > q.limit && last;
    const { limit: _limit, after: _after, ...filters } = q;
    return c.json({
      payload: page.map((x) => presentRequest(x.r)),
      continuationToken: more ? encodeToken(last.at.key, last.at.id, fingerprint(filters, scope)) : null,
    });
  });

  api.get('/api/v1/companies/:companyId/:segment/:kind/:requestId', (c) => {
    const where = route(c);
    if (!where.ok) return where.response;
    const request = c.get('company').requests.get((c.req.param('requestId') ?? '').toLowerCase());
    if (!request || request.kind !== where.kind) {
      return problem(c, 404, 'notFound', 'Not found.', `The request ${c.req.param('requestId')} was not found.`);
    }
    return c.json(presentRequest(request));
  });

  api.all('*', (c) => problem(c, 404, 'notFound', 'Not found.', 'The resource was not found.'));
  return api;
}
