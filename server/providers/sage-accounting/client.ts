/**
 * Talking to Sage Accounting: OAuth through oauth4webapi (authorization code without PKCE,
 * which Sage does not document; client id and secret in the form body), and v3.1 calls with
 * `Authorization: Bearer` plus `X-Business` on every call (sage-accounting.md §1).
 *
 * Access tokens last 5 minutes and refresh tokens work once: the connection layer refreshes one
 * at a time per connection; here a 401 asks it for one renewal, then gives up as 'expired'.
 * Calls for one business go through a queue at the catalogue's rate (100 a minute, 5 at once);
 * a 429 with a short Retry-After is waited out, a GET that hits a 5xx is tried once more, and a
 * POST never is (its outcome is unclear: the caller looks the document up instead).
 * Nothing here logs; tokens never go into error messages.
 */
import * as oauth from 'oauth4webapi';
import PQueue from 'p-queue';
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import type { Credentials, ProviderContext, ProviderSession, TokenSet } from '../types.js';
import { authError, noSubscription, readDiagnoses, type SageDiagnosis } from './classify.js';

/** Longest Retry-After we wait out inside one call; longer ones go back to the caller. */
const MAX_INLINE_WAIT_MS = 30_000;

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under /v3.1 (e.g. `/contacts`), or a `$next` path as Sage returns it. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export function createSageClient(ctx: ProviderContext) {
  const apiBase = `${ctx.hosts.api!.replace(/\/$/, '')}/v3.1`;
  const oauthBase = ctx.hosts.oauth!.replace(/\/$/, '');
  const as: oauth.AuthorizationServer = {
    issuer: oauthBase,
    authorization_endpoint: `${ctx.hosts.www!.replace(/\/$/, '')}/oauth2/auth/central`,
    token_endpoint: `${oauthBase}/token`,
    revocation_endpoint: `${oauthBase}/revoke`,
  };
  const queues = new Map<string, PQueue>();

  const appClient = () => {
    if (!ctx.client) throw new ProviderError('credentials', 'This server has no Sage Accounting app configured (client id and secret).');
    return { client: { client_id: ctx.client.id } as oauth.Client, auth: oauth.ClientSecretPost(ctx.client.secret) };
  };

  const oauthOptions = () => ({
    [oauth.customFetch]: (url: string, init: RequestInit) => ctx.fetch(url, init),
    [oauth.allowInsecureRequests]: oauthBase.startsWith('http:'),
    signal: AbortSignal.timeout(ctx.timeoutMs),
  });

  function tokenSet(response: oauth.TokenEndpointResponse, extra: Record<string, string> = {}): TokenSet {
    const now = ctx.now().getTime();
    const refreshIn = Number(response.refresh_token_expires_in);
    return {
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
      // Sage says 300 seconds; count from before the call so we never hold a dead token.
      accessTokenExpiresAt: now + (response.expires_in ?? 300) * 1000,
      scope: response.scope,
      extra: {
        ...extra,
        ...(Number.isFinite(refreshIn) ? { refreshTokenExpiresAt: String(now + refreshIn * 1000) } : {}),
        ...(typeof response.requested_by_id === 'string' ? { requestedById: response.requested_by_id } : {}),
      },
    };
  }

  /** oauth4webapi's failures as ProviderErrors: invalid_grant means the grant is gone. */
  function tokenError(error: unknown, phase: 'exchange' | 'refresh' | 'revoke'): ProviderError {
    if (error instanceof ProviderError) return error;
    if (error instanceof oauth.ResponseBodyError) {
      const details = { status: error.status, providerMessage: [error.error, error.error_description].filter(Boolean).join(': ') };
      if (error.error === 'invalid_grant') {
        return new ProviderError(
          'expired',
          phase === 'exchange'
            ? 'Sage did not accept the sign-in code (it lasts 60 seconds and works once): connect Sage Accounting again.'
            : 'Sage Accounting no longer accepts this connection (its sign-in expired after 31 days unused, or was revoked): reconnect Sage Accounting.',
          details,
        );
      }
      if (error.error === 'invalid_client') {
        return new ProviderError('credentials', "Sage did not accept this server's Sage app credentials (client id and secret): check the server's configuration.", details);
      }
      if (error.status >= 500) return new ProviderError('transient', `Sage's sign-in service had a problem (${error.status}).`, details);
      return new ProviderError('expired', `Sage refused the sign-in (${error.error}): connect Sage Accounting again.`, details);
    }
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      return new ProviderError('credentials', "Sage did not accept this server's Sage app credentials.", { status: error.status });
    }
    return new ProviderError('transient', 'Sage’s sign-in service did not answer properly. Try again in a moment.', { cause: error });
  }

  async function exchangeCode(code: string, redirectUri: string, params: Record<string, string>): Promise<TokenSet> {
    const { client, auth } = appClient();
    try {
      const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ ...params, code }), oauth.skipStateCheck);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, redirectUri, oauth.nopkce, oauthOptions());
      const result = await oauth.processAuthorizationCodeResponse(as, client, response);
      return tokenSet(result, params.country ? { country: params.country } : {});
    } catch (error) {
      throw tokenError(error, 'exchange');
    }
  }

  async function refresh(tokens: TokenSet): Promise<TokenSet> {
    if (!tokens.refreshToken) throw new ProviderError('expired', 'This Sage Accounting connection has no refresh token: reconnect Sage Accounting.');
    const { client, auth } = appClient();
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, oauthOptions());
      const result = await oauth.processRefreshTokenResponse(as, client, response);
      const country = tokens.extra?.country;
      return tokenSet(result, country ? { country } : {});
    } catch (error) {
      throw tokenError(error, 'refresh');
    }
  }

  async function revoke(tokens: TokenSet): Promise<void> {
    const { client, auth } = appClient();
    try {
      const response = await oauth.revocationRequest(as, client, auth, tokens.refreshToken ?? tokens.accessToken, oauthOptions());
      await oauth.processRevocationResponse(response);
    } catch (error) {
      throw tokenError(error, 'revoke');
    }
  }

  function urlOf(req: ApiRequest): URL {
    // `$next` comes back as "/contacts?page=2&…" (relative to /v3.1); accept "/v3.1/…" too.
    const path = req.path.replace(/^\/v3\.1(?=\/)/, '');
    const url = new URL(`${apiBase}${path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  function queueFor(businessId: string): PQueue {
    let queue = queues.get(businessId);
    if (!queue) {
      const { perMinute, concurrent } = ctx.entry.rateLimit;
      queue = new PQueue({ concurrency: concurrent, intervalCap: perMinute, interval: 60_000 });
      queues.set(businessId, queue);
    }
    return queue;
  }

  const wait = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });

  async function tokenOf(credentials: Credentials): Promise<string> {
    if (credentials.kind !== 'oauth2') throw new ProviderError('expired', 'The saved Sage Accounting connection has no sign-in: reconnect Sage Accounting.');
    return credentials.tokens.accessToken;
  }

  /** One call with the token and business; sign-in problems become ProviderErrors, other answers come back. */
  async function send(token: string, businessId: string | undefined, req: ApiRequest, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (businessId) headers['x-business'] = businessId;
    return providerFetch(ctx, { method: req.method ?? 'GET', url: urlOf(req), headers, json: req.json, signal });
  }

  async function bodyOf(response: Response): Promise<unknown> {
    return response.status === 204 ? null : readJson(ctx, response);
  }

  /**
   * A v3.1 call for one connection's business. Returns any answer that is not a sign-in problem;
   * 401 is renewed once, 429 waited out when short, a GET's 5xx retried once.
   */
  async function request(session: ProviderSession, req: ApiRequest): Promise<ApiResponse> {
    const signal = session.signal;
    const method = req.method ?? 'GET';
    return queueFor(session.organisationId).add(
      async () => {
        let credentials = await session.credentials();
        let renewed = false;
        let waits = 0;
        let retried = false;
        for (;;) {
          let response: Response;
          try {
            response = await send(await tokenOf(credentials), session.organisationId, req, signal);
          } catch (error) {
            if (error instanceof ProviderError && error.kind === 'rate_limited' && waits < 3 && (error.retryAfterMs ?? Infinity) <= MAX_INLINE_WAIT_MS) {
              waits++;
              await wait(error.retryAfterMs ?? 1000, signal);
              continue;
            }
            if (error instanceof ProviderError && error.kind === 'transient' && method === 'GET' && !retried) {
              retried = true;
              await wait(250, signal);
              continue;
            }
            throw error;
          }
          if (response.status === 401) {
            const diagnoses = readDiagnoses(await bodyOf(response).catch(() => null));
            if (!renewed && !noSubscription(diagnoses)) {
              renewed = true;
              credentials = await session.renew(credentials);
              continue;
            }
            throw authError(diagnoses, 401);
          }
          return { status: response.status, body: await bodyOf(response) };
        }
      },
      { signal },
    ) as Promise<ApiResponse>;
  }

  /** Businesses the token's user can open (no X-Business: the call is about the user). */
  async function userRequest(credentials: Credentials, req: ApiRequest): Promise<ApiResponse> {
    const response = await send(await tokenOf(credentials), undefined, req);
    const body = await bodyOf(response);
    if (response.status === 401) throw authError(readDiagnoses(body), 401);
    return { status: response.status, body };
  }

  return { exchangeCode, refresh, revoke, request, userRequest, authorizationEndpoint: as.authorization_endpoint as string };
}

export type SageClient = ReturnType<typeof createSageClient>;
export type { SageDiagnosis };
