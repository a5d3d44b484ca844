/**
 * Talking to FreeAgent's API for one connection: bearer token from the session, one renewal
 * on a 401 (FreeAgent says to refresh "on the next use after expiry"), Link-header paging,
 * and every non-2xx answer turned into a ProviderError. Nothing here logs; tokens never go
 * into messages.
 */
import type { z } from 'zod';
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import type { Credentials, ProviderContext, ProviderSession } from '../types.js';
import { documentError, errorMessages, permissionError } from './classify.js';

/** FreeAgent requires a User-Agent that names the app (dev.freeagent.com/docs/introduction). */
export const USER_AGENT = 'Bookbridge (self-hosted accounting connector)';

export interface ApiRequest {
  method?: string;
  /** A path under /v2 (`/bills`) or a full URL (a resource's own URL, a Link `next`). */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** In the user's words, for a 403: "publish bills", "import bank accounts". */
  action: string;
  /** For a 422: "bill", "invoice"... */
  what?: string;
}

export async function bodyMessages(response: Response): Promise<string[]> {
  const text = await response.text().catch(() => '');
  try {
    return errorMessages(JSON.parse(text));
  } catch {
    return text.trim() ? [text.trim().slice(0, 300)] : [];
  }
}

export function createClient(ctx: ProviderContext) {
  const api = ctx.hosts.api!.replace(/\/$/, '');

  const urlOf = (path: string, query?: ApiRequest['query']) => {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${api}/v2${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  };

  async function bearer(accessToken: string, req: Omit<ApiRequest, 'action'>, signal?: AbortSignal): Promise<Response> {
    return providerFetch(ctx, {
      method: req.method ?? 'GET',
      url: urlOf(req.path, req.query),
      headers: { authorization: `Bearer ${accessToken}`, 'user-agent': USER_AGENT },
      json: req.json,
      signal,
    });
  }

  function tokenOf(creds: Credentials): string {
    if (creds.kind !== 'oauth2') throw new ProviderError('expired', 'This FreeAgent connection has no sign-in: reconnect FreeAgent.');
    return creds.tokens.accessToken;
  }

  /** One call; a 401 renews the token once, then means the grant is gone. Non-2xx is thrown. */
  async function request(session: ProviderSession, req: ApiRequest): Promise<Response> {
    const used = await session.credentials();
    let response = await bearer(tokenOf(used), req, session.signal);
    if (response.status === 401) {
      await response.body?.cancel();
      response = await bearer(tokenOf(await session.renew(used)), req, session.signal);
    }
    if (response.ok) return response;
    throw await failure(response, req);
  }

  async function failure(response: Response, req: Pick<ApiRequest, 'action' | 'what' | 'method'>): Promise<ProviderError> {
    const messages = await bodyMessages(response);
    const providerMessage = messages.join('; ') || `HTTP ${response.status}`;
    switch (response.status) {
      case 401:
        return new ProviderError('expired', 'FreeAgent no longer accepts Bookbridge for this company (the app may have been removed in FreeAgent, or the sign-in ended): reconnect FreeAgent.', {
          status: 401,
          providerMessage,
        });
      case 403:
        return permissionError(messages, 403, req.action);
      case 404:
        return (req.method ?? 'GET') === 'GET'
          ? new ProviderError('validation', `FreeAgent could not find what Bookbridge asked for while trying to ${req.action}.`, { status: 404, providerMessage })
          : new ProviderError('stale_reference', `The FreeAgent ${req.what ?? 'document'} is not there any more (it may have been deleted in FreeAgent).`, { status: 404, providerMessage });
      case 422:
        return documentError(messages, 422, req.what ?? 'request');
      default:
        return new ProviderError('validation', `FreeAgent refused to ${req.action}: ${providerMessage}`, { status: response.status, providerMessage });
    }
  }

  async function json<S extends z.ZodType>(session: ProviderSession, req: ApiRequest, schema: S): Promise<{ body: z.infer<S>; response: Response }> {
    const response = await request(session, req);
    const parsed = schema.safeParse(await readJson(ctx, response));
    if (!parsed.success) {
      throw new ProviderError('transient', `FreeAgent answered in a shape Bookbridge did not expect while trying to ${req.action}.`, {
        status: response.status,
        providerMessage: parsed.error.message.slice(0, 500),
      });
    }
    return { body: parsed.data, response };
  }

  return { api, urlOf, request, json, failure, bearer };
}

export type FreeagentClient = ReturnType<typeof createClient>;

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (m && m[2]!.split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}
