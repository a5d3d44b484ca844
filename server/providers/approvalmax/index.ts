/**
 * The ApprovalMax adapter. ApprovalMax is an approval layer over the business's ledger and its
 * Public API is read-only (approvalmax.md §0): it has no lists to import and takes no documents.
 * So Bookbridge publishes bills to the ledger in the status ApprovalMax picks up (Xero: SUBMITTED,
 * "Awaiting approval"), and this adapter connects (OAuth, organisation choice: each ApprovalMax
 * organisation is linked to one ledger organisation) and reads back the approval state of the
 * request that follows each published bill: `approvalStatus` / `approvalStatuses`.
 */
import PQueue from 'p-queue';
import type { ProviderId } from '../../../shared/catalogue.js';
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import type { Credentials, Organisation, ProviderAdapter, ProviderContext, ProviderSession } from '../types.js';
import { responseError } from './classify.js';
import { authorizationUrl, exchangeCode, refreshTokens, revokeRefreshToken } from './oauth.js';
import { organisationOf } from './organisations.js';
import { follows, toApprovalStatus, type ApprovalQuery, type ApprovalStatus } from './status.js';

export type { ApprovalQuery, ApprovalStatus, ApprovalStateName } from './status.js';
export { ledgerMatch, organisationOf, type LinkedLedger } from './organisations.js';

type Json = Record<string, unknown>;

export const READ_ONLY_MESSAGE = "ApprovalMax's API is read-only: publish to your ledger; ApprovalMax picks the bill up from there";

/** Most requests one list call returns (approvalmax.md §2). */
export const PAGE_LIMIT = 100;
/** Pages one status scan may read: 500 × 100 requests, far beyond a real backlog. */
const MAX_PAGES = 500;
/** A request is created after the bill it follows; allow for clocks that disagree. */
const SINCE_MARGIN_MS = 60 * 60_000;

/** Path segment of a company's documents by ledger. `qbooks` for QuickBooks Online is unconfirmed [?]. */
export type LedgerSegment = 'xero' | 'qbooks';
const segments: Partial<Record<ProviderId, LedgerSegment>> = { xero: 'xero', 'quickbooks-online': 'qbooks' };

export interface RequestFilters {
  /** Document kind under the ledger segment: bills (default), purchase-orders... */
  kind?: string;
  requestStatus?: string;
  documentNumber?: string;
  reference?: string;
  createdAtOrAfter?: Date;
  modifiedAtOrAfter?: Date;
  decidedAtOrAfter?: Date;
  orderBy?: 'createdAt' | 'modifiedAt' | 'decidedAt';
  orderDirection?: 'asc' | 'desc';
  limit?: number;
  continuationToken?: string;
}

export interface RequestPage {
  requests: Json[];
  continuationToken: string | null;
}

export interface ApprovalmaxAdapter extends ProviderAdapter {
  /** The approval state of the request that follows one published ledger document. */
  approvalStatus(session: ProviderSession, query: ApprovalQuery): Promise<ApprovalStatus>;
  /** The same for many documents, reading the request list once; results in query order. */
  approvalStatuses(session: ProviderSession, queries: ApprovalQuery[]): Promise<ApprovalStatus[]>;
  /** Pages of one request list, following `continuationToken` until it is null. */
  listRequests(session: ProviderSession, filters?: RequestFilters): AsyncIterable<RequestPage>;
}

function bearer(credentials: Credentials): string {
  if (credentials.kind !== 'oauth2') throw new ProviderError('credentials', 'An ApprovalMax connection needs OAuth tokens.');
  return credentials.tokens.accessToken;
}

function companiesOf(body: unknown): Json[] {
  // The answer is documented as a list of organisations; accept the paged wrapper too.
  const list = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as Json).payload) ? ((body as Json).payload as unknown[]) : null;
  if (!list) throw new ProviderError('transient', 'ApprovalMax sent its organisations in a shape we did not expect.');
  return list.filter((x): x is Json => !!x && typeof x === 'object');
}

function pageOf(body: unknown): RequestPage {
  const json = (body && typeof body === 'object' ? body : {}) as Json;
  if (!Array.isArray(json.payload)) throw new ProviderError('transient', 'ApprovalMax sent a request list in a shape we did not expect.');
  const token = json.continuationToken;
  return {
    requests: json.payload.filter((x): x is Json => !!x && typeof x === 'object'),
    continuationToken: typeof token === 'string' && token !== '' ? token : null,
  };
}

export function createApprovalmaxAdapter(ctx: ProviderContext): ApprovalmaxAdapter {
  // Several status reads at once for one organisation queue here instead of racing the limit.
  const queues = new Map<string, PQueue>();
  const queueFor = (companyId: string) => {
    let queue = queues.get(companyId);
    if (!queue) {
      queue = new PQueue({ concurrency: ctx.entry.rateLimit.concurrent });
      queues.set(companyId, queue);
    }
    return queue;
  };
  const ledgerSegments = new Map<string, LedgerSegment>();

  const url = (path: string, query?: Record<string, string | undefined>) => {
    const u = new URL(`${ctx.hosts.api}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  };

  const getJson = async (token: string, target: URL, signal?: AbortSignal): Promise<{ status: number; body: unknown; challenge: string | null }> => {
    const response = await providerFetch(ctx, { url: target, headers: { authorization: `Bearer ${token}` }, signal });
    if (response.status === 401) {
      await response.body?.cancel();
      return { status: 401, body: null, challenge: response.headers.get('www-authenticate') };
    }
    return { status: response.status, body: await readJson(ctx, response), challenge: response.headers.get('www-authenticate') };
  };

  /** One read for a connection: after a 401 the session renews once and the read is repeated. */
  const read = async (session: ProviderSession, path: string, query?: Record<string, string | undefined>): Promise<unknown> => {
    let credentials = await session.credentials();
    for (let attempt = 0; ; attempt++) {
      const token = bearer(credentials);
      const answer = await queueFor(session.organisationId).add(() => getJson(token, url(path, query), session.signal));
      if (answer.status === 401 && attempt === 0) {
        credentials = await session.renew(credentials);
        continue;
      }
      if (answer.status < 200 || answer.status >= 300) throw responseError(answer.status, answer.body, answer.challenge);
      return answer.body;
    }
  };

  const companies = async (credentials: Credentials): Promise<Json[]> => {
    const answer = await getJson(bearer(credentials), url('/api/v1/companies'));
    if (answer.status !== 200) throw responseError(answer.status, answer.body, answer.challenge);
    return companiesOf(answer.body);
  };

  /** Which ledger the connected organisation is linked to (read once per organisation). */
  const segmentOf = async (session: ProviderSession): Promise<LedgerSegment> => {
    const known = ledgerSegments.get(session.organisationId);
    if (known) return known;
    const list = companiesOf(await read(session, '/api/v1/companies'));
    const company = list.find((c) => String(c.companyId).toLowerCase() === session.organisationId.toLowerCase());
    if (!company) {
      throw new ProviderError('expired', 'ApprovalMax has not given Bookbridge access to this organisation. Reconnect and tick it on ApprovalMax’s consent page.');
    }
    const provider = organisationOf(company).extra?.ledgerProvider;
    if (provider === 'none') {
      throw new ProviderError('forbidden', `${String(company.name)} is a standalone ApprovalMax organisation: it is not linked to Xero or QuickBooks Online, so it cannot approve what Bookbridge publishes.`);
    }
    // Without a stated link, Xero: ApprovalMax's main ledger and the one its documents name.
    const segment = segments[provider as ProviderId] ?? 'xero';
    ledgerSegments.set(session.organisationId, segment);
    return segment;
  };

  async function* listRequests(session: ProviderSession, filters: RequestFilters = {}): AsyncIterable<RequestPage> {
    const segment = await segmentOf(session);
    const kind = filters.kind ?? 'bills';
    const path = `/api/v1/companies/${encodeURIComponent(session.organisationId)}/${segment}/${encodeURIComponent(kind)}`;
    const iso = (d?: Date) => d?.toISOString();
    let token = filters.continuationToken;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await read(session, path, {
        requestStatus: filters.requestStatus,
        documentNumber: filters.documentNumber,
        reference: filters.reference,
        createdAtOrAfter: iso(filters.createdAtOrAfter),
        modifiedAtOrAfter: iso(filters.modifiedAtOrAfter),
        decidedAtOrAfter: iso(filters.decidedAtOrAfter),
        orderBy: filters.orderBy,
        orderDirection: filters.orderDirection,
        limit: String(filters.limit ?? PAGE_LIMIT),
        continuationToken: token,
      });
      const result = pageOf(body);
      yield result;
      if (!result.continuationToken) return;
      token = result.continuationToken;
    }
  }

  /**
   * Finds the request following each document: first by document number (ApprovalMax filters
   * for it), then one scan, newest first, from the earliest publish time, stopping as soon as
   * every document is found. Unfound documents are `not_found` (not pulled into ApprovalMax yet).
   */
  const approvalStatuses = async (session: ProviderSession, queries: ApprovalQuery[]): Promise<ApprovalStatus[]> => {
    const results: (ApprovalStatus | undefined)[] = Array.from({ length: queries.length }, () => undefined);
    const open = () => queries.map((q, i) => ({ q, i })).filter(({ i }) => !results[i]);
    const settle = (requests: Json[]) => {
      for (const request of requests) {
        for (const { q, i } of open()) if (follows(request, q)) results[i] = toApprovalStatus(request);
      }
    };
    for (const { q, i } of open().filter(({ q }) => q.documentNumber)) {
      for await (const page of listRequests(session, { documentNumber: q.documentNumber, orderBy: 'createdAt', orderDirection: 'desc' })) {
        // Newest first: the first request that follows the document is its current one.
        const found = page.requests.find((r) => follows(r, q));
        if (found) {
          results[i] = toApprovalStatus(found);
          break;
        }
      }
    }
    const rest = open();
    if (rest.length > 0) {
      const earliest = rest.every(({ q }) => q.since) ? Math.min(...rest.map(({ q }) => (q.since as Date).getTime())) : undefined;
      const createdAtOrAfter = earliest === undefined ? undefined : new Date(earliest - SINCE_MARGIN_MS);
      for await (const page of listRequests(session, { createdAtOrAfter, orderBy: 'createdAt', orderDirection: 'desc' })) {
        settle(page.requests);
        if (open().length === 0) break;
      }
    }
    return results.map((r) => r ?? { state: 'not_found' });
  };

  return {
    id: 'approvalmax',
    authorizationUrl: (p) => authorizationUrl(ctx, p),
    exchangeCode: (p) => exchangeCode(ctx, p),
    refreshTokens: (tokens) => refreshTokens(ctx, tokens),

    async listOrganisations(credentials: Credentials): Promise<Organisation[]> {
      return (await companies(credentials)).map(organisationOf);
    },

    async revoke(credentials: Credentials): Promise<void> {
      // Ends the refresh chain; the access token runs out within the hour.
      if (credentials.kind === 'oauth2' && credentials.tokens.refreshToken) await revokeRefreshToken(ctx, credentials.tokens.refreshToken);
    },

    // No lists: accounts, suppliers, tax rates... belong to the ledger (catalogue lists: []).
    async *importList() {},

    async publish() {
      throw new ProviderError('forbidden', READ_ONLY_MESSAGE);
    },

    listRequests,
    approvalStatuses,
    approvalStatus: async (session, query) => (await approvalStatuses(session, [query]))[0] as ApprovalStatus,
  };
}
