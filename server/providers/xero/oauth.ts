/**
 * Xero's OAuth 2.0 through oauth4webapi: authorize URL, code exchange (client secret + PKCE),
 * refresh and revocation. The endpoints come from ctx.hosts, so the same code talks to Xero or
 * to the sandbox. Tokens never reach a log or an error message.
 */
import * as oauth from 'oauth4webapi';
import { ProviderError } from '../errors.js';
import type { ProviderContext, TokenSet } from '../types.js';

function authorizationServer(ctx: ProviderContext): oauth.AuthorizationServer {
  return {
    // Xero's id_token issuer is https://identity.xero.com, the identity host itself.
    issuer: ctx.hosts.identity as string,
    authorization_endpoint: `${ctx.hosts.login}/identity/connect/authorize`,
    token_endpoint: `${ctx.hosts.identity}/connect/token`,
    revocation_endpoint: `${ctx.hosts.identity}/connect/revocation`,
  };
}

function clientOf(ctx: ProviderContext): { client: oauth.Client; auth: oauth.ClientAuth } {
  if (!ctx.client) throw new ProviderError('credentials', 'No Xero app (client id and secret) is configured on this server.');
  return {
    client: {
      client_id: ctx.client.id,
      // The adapter's clock is ctx.now; oauth4webapi checks id_token times against Date.now().
      [oauth.clockSkew]: Math.round((ctx.now().getTime() - Date.now()) / 1000),
    },
    auth: oauth.ClientSecretBasic(ctx.client.secret),
  };
}

function requestOptions(ctx: ProviderContext) {
  const insecure = (ctx.hosts.identity ?? '').startsWith('http://');
  return {
    [oauth.customFetch]: (url: string, init: RequestInit) => ctx.fetch(url, init),
    // Only the local sandbox is served over plain http.
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
    signal: AbortSignal.timeout(ctx.timeoutMs),
  };
}

/** Claims of Xero's JWT access token (read, not verified: the adapter only needs the event id). */
export function accessTokenClaims(accessToken: string): Record<string, unknown> {
  try {
    const payload = accessToken.split('.')[1];
    return payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toTokenSet(ctx: ProviderContext, result: oauth.TokenEndpointResponse, previous?: TokenSet): TokenSet {
  const claims = accessTokenClaims(result.access_token);
  const extra: Record<string, string> = { ...previous?.extra };
  if (typeof claims.authentication_event_id === 'string') extra.authenticationEventId = claims.authentication_event_id;
  if (typeof claims.xero_userid === 'string') extra.xeroUserId = claims.xero_userid;
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? previous?.refreshToken,
    accessTokenExpiresAt: ctx.now().getTime() + (result.expires_in ?? 1800) * 1000,
    scope: result.scope ?? previous?.scope,
    extra,
  };
}

/** Turns whatever oauth4webapi or fetch threw into a ProviderError (never echoing tokens). */
export function classifyOAuthError(ctx: ProviderContext, error: unknown, during: 'exchange' | 'refresh' | 'revoke'): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const status = error.status;
    if (error.error === 'invalid_grant') {
      return new ProviderError(
        'expired',
        during === 'exchange'
          ? 'Xero did not accept the sign-in (the code expired or was already used). Please connect again.'
          : 'Xero no longer accepts this connection. Reconnect it to carry on.',
        { status, providerMessage: error.error },
      );
    }
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
      return new ProviderError('credentials', "Xero did not accept this server's app credentials (client id or secret).", {
        status,
        providerMessage: error.error,
      });
    }
    if (status === 429) return new ProviderError('rate_limited', 'Xero asked us to slow down.', { status, retryAfterMs: 60_000 });
    if (status >= 500) return new ProviderError('transient', `Xero had a problem on its side (${status}).`, { status });
    return new ProviderError('validation', `Xero refused the request (${error.error}).`, { status, providerMessage: error.error });
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return new ProviderError('credentials', 'The Xero sign-in was cancelled or refused.', { providerMessage: error.error });
  }
  if (error instanceof oauth.OperationProcessingError) {
    const response = error.cause instanceof Response ? error.cause : undefined;
    const status = response?.status;
    if (status === 429) return new ProviderError('rate_limited', 'Xero asked us to slow down.', { status, retryAfterMs: 60_000 });
    return new ProviderError('transient', `Xero's sign-in service sent an answer we could not use${status ? ` (${status})` : ''}.`, {
      status,
      providerMessage: error.code,
    });
  }
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new ProviderError('transient', `${ctx.entry.name} did not answer${timedOut ? ' in time' : ''}.`, { cause: error });
}

export function authorizationUrl(ctx: ProviderContext, p: { state: string; codeChallenge: string; redirectUri: string }): URL {
  const { client } = clientOf(ctx);
  const url = new URL(`${ctx.hosts.login}/identity/connect/authorize`);
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

export async function exchangeCode(
  ctx: ProviderContext,
  p: { code: string; codeVerifier: string; redirectUri: string; params: Record<string, string> },
): Promise<TokenSet> {
  const as = authorizationServer(ctx);
  const { client, auth } = clientOf(ctx);
  try {
    const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ ...p.params, code: p.code }), oauth.skipStateCheck);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, p.redirectUri, p.codeVerifier, requestOptions(ctx));
    const result = await oauth.processAuthorizationCodeResponse(as, client, response);
    return toTokenSet(ctx, result);
  } catch (error) {
    throw classifyOAuthError(ctx, error, 'exchange');
  }
}

export async function refreshTokens(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
  if (!tokens.refreshToken) throw new ProviderError('expired', 'This Xero connection has no refresh token: reconnect it.');
  const as = authorizationServer(ctx);
  const { client, auth } = clientOf(ctx);
  try {
    const response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, requestOptions(ctx));
    const result = await oauth.processRefreshTokenResponse(as, client, response);
    return toTokenSet(ctx, result, tokens);
  } catch (error) {
    throw classifyOAuthError(ctx, error, 'refresh');
  }
}

export async function revokeRefreshToken(ctx: ProviderContext, refreshToken: string): Promise<void> {
  const as = authorizationServer(ctx);
  const { client, auth } = clientOf(ctx);
  try {
    const response = await oauth.revocationRequest(as, client, auth, refreshToken, requestOptions(ctx));
    await oauth.processRevocationResponse(response);
  } catch (error) {
    throw classifyOAuthError(ctx, error, 'revoke');
  }
}
