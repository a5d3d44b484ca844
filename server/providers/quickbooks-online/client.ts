/**
 * Calls to quickbooks.api.intuit.com `/v3/company/{realmId}/...` (quickbooks-online.md §2–§5):
 * JSON in and out, `minorversion=75` on every call, the session's access token, one renewal
 * after a 401 (the token may just have expired), and refusals classified once.
 */
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import type { Credentials, ProviderContext, ProviderSession } from '../types.js';
import { callError, documentError, readFault } from './classify.js';

/** Intuit ended support for minor versions 1–74 on 1 Aug 2025. */
export const MINOR_VERSION = '75';

export interface ApiCall {
  method?: 'GET' | 'POST';
  /** After `/v3/company/{realmId}/`, e.g. `query`, `bill`, `companyinfo/123`. */
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  body?: BodyInit;
  /** Label for document refusals ("bill", "expense"...); without it a 400 is a call error. */
  document?: string;
}

export function realmOf(credentials: Credentials, fallback?: string): string {
  const realm = credentials.kind === 'oauth2' ? credentials.tokens.extra?.realmId : undefined;
  const id = realm ?? fallback;
  if (!id) throw new ProviderError('expired', 'This QuickBooks connection does not say which company it is for: reconnect QuickBooks.');
  return id;
}

function accessToken(credentials: Credentials): string {
  if (credentials.kind !== 'oauth2') throw new ProviderError('expired', 'This QuickBooks connection has no sign-in: reconnect QuickBooks.');
  return credentials.tokens.accessToken;
}

export function createQboClient(ctx: ProviderContext) {
  const url = (realmId: string, call: ApiCall) => {
    const u = new URL(`${ctx.hosts.api!.replace(/\/$/, '')}/v3/company/${encodeURIComponent(realmId)}/${call.path}`);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    u.searchParams.set('minorversion', MINOR_VERSION);
    return u;
  };

  /** One call with a given token; returns the parsed body, throws classified errors. */
  async function once(token: string, realmId: string, call: ApiCall, signal?: AbortSignal): Promise<{ status: number; body: unknown; tid: string | null }> {
    const response = await providerFetch(ctx, {
      method: call.method ?? 'GET',
      url: url(realmId, call),
      headers: { authorization: `Bearer ${token}` },
      json: call.json,
      body: call.body,
      signal,
    });
    const tid = response.headers.get('intuit_tid');
    const body = await readJson(ctx, response);
    return { status: response.status, body, tid };
  }

  function check(result: { status: number; body: unknown; tid: string | null }, call: ApiCall): unknown {
    if (result.status >= 200 && result.status < 300) return result.body;
    if (result.status === 400 && call.document) {
      const { errors } = readFault(result.body);
      if (errors.length) {
        const error = documentError(errors, 400, call.document);
        throw error;
      }
    }
    throw callError(result.status, result.body, result.tid);
  }

  return {
    /** A call for a connection: renews the access token once after a 401. */
    async call(session: ProviderSession, call: ApiCall): Promise<unknown> {
      const credentials = await session.credentials();
      const realmId = realmOf(credentials, session.organisationId);
      let result = await once(accessToken(credentials), realmId, call, session.signal);
      if (result.status === 401) {
        const renewed = await session.renew(credentials);
        result = await once(accessToken(renewed), realmId, call, session.signal);
      }
      return check(result, call);
    },
    /** A call with bare credentials (while connecting: nothing to renew yet). */
    async callWith(credentials: Credentials, call: ApiCall): Promise<unknown> {
      const realmId = realmOf(credentials);
      return check(await once(accessToken(credentials), realmId, call), call);
    },
  };
}

export type QboClient = ReturnType<typeof createQboClient>;
