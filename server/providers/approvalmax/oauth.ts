/**
 * ApprovalMax's OAuth 2.0 (an IdentityServer at identity.approvalmax.com) through oauth4webapi:
 * authorize URL, code exchange, refresh and revocation. The client id/secret go in the form body
 * (client_secret_post), as ApprovalMax's own Power BI connector sends them; PKCE is sent too.
 * Refresh tokens are treated as one-time use: the newest one is always kept (approvalmax.md §1).
 * Tokens never reach a log or an error message.
 */
import * as oauth from 'oauth4webapi';
import { ProviderError } from '../errors.js';
import type { ProviderContext, TokenSet } from '../types.js';

/** ApprovalMax's access tokens last an hour. */
const DEFAULT_EXPIRES_IN = 3600;

function authorizationServer(ctx: ProviderContext): oauth.AuthorizationServer {
  const identity = ctx.hosts.identity as string;
  return {
    issuer: identity,
    authorization_endpoint: `${identity}/connect/authorize`,
    token_endpoint: `${identity}/connect/token`,
    revocation_endpoint: `${identity}/connect/revocation`,
  };
}

function clientOf(ctx: ProviderContext): { client: oauth.Client; auth: oauth.ClientAuth } {
  if (!ctx.client) throw new ProviderError('credentials', 'No ApprovalMax app (client app key and secret) is configured on this server.');
  return { client: { client_id: ctx.client.id }, auth: oauth.ClientSecretPost(ctx.client.secret) };
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

function toTokenSet(ctx: ProviderContext, result: oauth.TokenEndpointResponse, previous?: TokenSet): TokenSet {
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? previous?.refreshToken,
    accessTokenExpiresAt: ctx.now().getTime() + (result.expires_in ?? DEFAULT_EXPIRES_IN) * 1000,
    scope: result.scope ?? previous?.scope,
    ...(previous?.extra ? { extra: previous.extra } : {}),
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
          ? 'ApprovalMax did not accept the sign-in (the code expired or was already used). Please connect again.'
          : 'ApprovalMax no longer accepts this connection. Reconnect it to carry on.',
        { status, providerMessage: error.error },
      );
    }
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
      return new ProviderError('credentials', "ApprovalMax did not accept this server's app credentials (client app key or secret).", {
        status,
        providerMessage: error.error,
      });
    }
    if (status === 429) return new ProviderError('rate_limited', 'ApprovalMax asked us to slow down.', { status, retryAfterMs: 60_000 });
    if (status >= 500) return new ProviderError('transient', `ApprovalMax had a problem on its side (${status}).`, { status });
    return new ProviderError('validation', `ApprovalMax refused the request (${error.error}).`, { status, providerMessage: error.error });
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return new ProviderError('credentials', 'The ApprovalMax sign-in was cancelled or refused.', { providerMessage: error.error });
  }
  if (error instanceof oauth.OperationProcessingError) {
    const response = error.cause instanceof Response ? error.cause : undefined;
    const status = response?.status;
    if (status === 429) return new ProviderError('rate_limited', 'ApprovalMax asked us to slow down.', { status, retryAfterMs: 60_000 });
    if (status !== undefined && status >= 500) return new ProviderError('transient', `ApprovalMax had a problem on its side (${status}).`, { status });
    return new ProviderError('transient', `ApprovalMax's sign-in service sent an answer we could not use${status ? ` (${status})` : ''}.`, {
      status,
      providerMessage: error.code,
    });
  }
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new ProviderError('transient', `${ctx.entry.name} did not answer${timedOut ? ' in time' : ''}.`, { cause: error });
}

export function authorizationUrl(ctx: ProviderContext, p: { state: string; codeChallenge: string; redirectUri: string }): URL {
  const { client } = clientOf(ctx);
  const url = new URL(authorizationServer(ctx).authorization_endpoint as string);
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
    return toTokenSet(ctx, await oauth.processAuthorizationCodeResponse(as, client, response));
  } catch (error) {
    throw classifyOAuthError(ctx, error, 'exchange');
  }
}

export async function refreshTokens(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
  if (!tokens.refreshToken) throw new ProviderError('expired', 'This ApprovalMax connection has no refresh token: reconnect it.');
  const as = authorizationServer(ctx);
  const { client, auth } = clientOf(ctx);
  try {
    const response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, requestOptions(ctx));
    return toTokenSet(ctx, await oauth.processRefreshTokenResponse(as, client, response), tokens);
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
