/**
 * The OAuth 2.0 client glue adapters share, through oauth4webapi: authorize URL, code exchange
 * (client secret + PKCE), refresh and revocation against the endpoints in ctx.hosts (so the same
 * code talks to the provider or to its sandbox), and one mapping of what can go wrong onto
 * ProviderError. A provider describes itself with an OAuthClientSpec (endpoints, how the client
 * authenticates, token lifetime, words for its credentials); tokens never reach a log or an error.
 */
import * as oauth from 'oauth4webapi';
import { ProviderError } from './errors.js';
import type { ProviderContext, TokenSet } from './types.js';

export interface OAuthClientSpec {
  /** The provider's name as users read it in messages ("Xero"). */
  name: string;
  /** What the provider calls the client id, in messages ("client id", "client app key"). */
  clientIdWords: string;
  authorizationServer(ctx: ProviderContext): oauth.AuthorizationServer;
  /** client_secret_basic or client_secret_post, as the provider takes it. */
  clientAuth(secret: string): oauth.ClientAuth;
  /**
   * Check id_token times against ctx.now rather than Date.now() (for providers that send an
   * id_token, so a test clock does not make every token look expired or not yet valid).
   */
  useContextClock: boolean;
  /** expires_in to assume when the token answer has none. */
  defaultExpiresInSeconds: number;
  /** The TokenSet's `extra`, from the answer and the previous set; undefined leaves it out. */
  extra(result: oauth.TokenEndpointResponse, previous: TokenSet | undefined): Record<string, string> | undefined;
  /**
   * An unparsable token-endpoint answer with a 5xx status reads as the provider's outage ("had a
   * problem on its side") rather than as an answer we could not use. Both are transient; only the
   * words differ, and each adapter keeps the words it has always shown.
   */
  unusable5xxIsOutage: boolean;
}

export type OAuthPhase = 'exchange' | 'refresh' | 'revoke';

export function createOAuthClient(spec: OAuthClientSpec) {
  const { name } = spec;

  function clientOf(ctx: ProviderContext): { client: oauth.Client; auth: oauth.ClientAuth } {
    if (!ctx.client) throw new ProviderError('credentials', `No ${name} app (${spec.clientIdWords} and secret) is configured on this server.`);
    const client: oauth.Client = { client_id: ctx.client.id };
    if (spec.useContextClock) client[oauth.clockSkew] = Math.round((ctx.now().getTime() - Date.now()) / 1000);
    return { client, auth: spec.clientAuth(ctx.client.secret) };
  }

  function requestOptions(as: oauth.AuthorizationServer, ctx: ProviderContext) {
    const insecure = (as.token_endpoint ?? '').startsWith('http://');
    return {
      [oauth.customFetch]: (url: string, init: RequestInit) => ctx.fetch(url, init),
      // Only the local sandbox is served over plain http.
      ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
      signal: AbortSignal.timeout(ctx.timeoutMs),
    };
  }

  function toTokenSet(ctx: ProviderContext, result: oauth.TokenEndpointResponse, previous?: TokenSet): TokenSet {
    const extra = spec.extra(result, previous);
    return {
      accessToken: result.access_token,
      refreshToken: result.refresh_token ?? previous?.refreshToken,
      accessTokenExpiresAt: ctx.now().getTime() + (result.expires_in ?? spec.defaultExpiresInSeconds) * 1000,
      scope: result.scope ?? previous?.scope,
      ...(extra ? { extra } : {}),
    };
  }

  /** Turns whatever oauth4webapi or fetch threw into a ProviderError (never echoing tokens). */
  function classifyOAuthError(ctx: ProviderContext, error: unknown, during: OAuthPhase): ProviderError {
    if (error instanceof ProviderError) return error;
    if (error instanceof oauth.ResponseBodyError) {
      const status = error.status;
      if (error.error === 'invalid_grant') {
        return new ProviderError(
          'expired',
          during === 'exchange'
            ? `${name} did not accept the sign-in (the code expired or was already used). Please connect again.`
            : `${name} no longer accepts this connection. Reconnect it to carry on.`,
          { status, providerMessage: error.error },
        );
      }
      if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
        return new ProviderError('credentials', `${name} did not accept this server's app credentials (${spec.clientIdWords} or secret).`, {
          status,
          providerMessage: error.error,
        });
      }
      if (status === 429) return new ProviderError('rate_limited', `${name} asked us to slow down.`, { status, retryAfterMs: 60_000 });
      if (status >= 500) return new ProviderError('transient', `${name} had a problem on its side (${status}).`, { status });
      return new ProviderError('validation', `${name} refused the request (${error.error}).`, { status, providerMessage: error.error });
    }
    if (error instanceof oauth.AuthorizationResponseError) {
      return new ProviderError('credentials', `The ${name} sign-in was cancelled or refused.`, { providerMessage: error.error });
    }
    if (error instanceof oauth.OperationProcessingError) {
      const response = error.cause instanceof Response ? error.cause : undefined;
      const status = response?.status;
      if (status === 429) return new ProviderError('rate_limited', `${name} asked us to slow down.`, { status, retryAfterMs: 60_000 });
      if (spec.unusable5xxIsOutage && status !== undefined && status >= 500) {
        return new ProviderError('transient', `${name} had a problem on its side (${status}).`, { status });
      }
      return new ProviderError('transient', `${name}'s sign-in service sent an answer we could not use${status ? ` (${status})` : ''}.`, {
        status,
        providerMessage: error.code,
      });
    }
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return new ProviderError('transient', `${ctx.entry.name} did not answer${timedOut ? ' in time' : ''}.`, { cause: error });
  }

  function authorizationUrl(ctx: ProviderContext, p: { state: string; codeChallenge: string; redirectUri: string }): URL {
    const { client } = clientOf(ctx);
    const url = new URL(spec.authorizationServer(ctx).authorization_endpoint as string);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: p.redirectUri,
      scope: ctx.entry.scopes.join(' '),
      state: p.state,
      code_challenge: p.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url;
  }

  async function exchangeCode(
    ctx: ProviderContext,
    p: { code: string; codeVerifier: string; redirectUri: string; params: Record<string, string> },
  ): Promise<TokenSet> {
    const as = spec.authorizationServer(ctx);
    const { client, auth } = clientOf(ctx);
    try {
      const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ ...p.params, code: p.code }), oauth.skipStateCheck);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, p.redirectUri, p.codeVerifier, requestOptions(as, ctx));
      return toTokenSet(ctx, await oauth.processAuthorizationCodeResponse(as, client, response));
    } catch (error) {
      throw classifyOAuthError(ctx, error, 'exchange');
    }
  }

  async function refreshTokens(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
    if (!tokens.refreshToken) throw new ProviderError('expired', `This ${name} connection has no refresh token: reconnect it.`);
    const as = spec.authorizationServer(ctx);
    const { client, auth } = clientOf(ctx);
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, requestOptions(as, ctx));
      return toTokenSet(ctx, await oauth.processRefreshTokenResponse(as, client, response), tokens);
    } catch (error) {
      throw classifyOAuthError(ctx, error, 'refresh');
    }
  }

  async function revokeRefreshToken(ctx: ProviderContext, refreshToken: string): Promise<void> {
    const as = spec.authorizationServer(ctx);
    const { client, auth } = clientOf(ctx);
    try {
      const response = await oauth.revocationRequest(as, client, auth, refreshToken, requestOptions(as, ctx));
      await oauth.processRevocationResponse(response);
    } catch (error) {
      throw classifyOAuthError(ctx, error, 'revoke');
    }
  }

  return { authorizationUrl, exchangeCode, refreshTokens, revokeRefreshToken, classifyOAuthError };
}
