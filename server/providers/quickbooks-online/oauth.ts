/**
 * Intuit OAuth 2.0 through oauth4webapi (quickbooks-online.md §1). The company is chosen on
 * Intuit's consent screen and comes back as `realmId` on the callback; we keep it with the
 * tokens. Intuit documents no PKCE for QuickBooks, so the code is exchanged with the client
 * secret alone (the companion is a confidential client). Refresh tokens may come back with a
 * new value (about daily): the caller persists whatever we return.
 */
import * as oauth from 'oauth4webapi';
import { ProviderError } from '../errors.js';
import { providerFetch } from '../http.js';
import type { Credentials, ProviderContext, TokenSet } from '../types.js';

export function authorizationServer(ctx: ProviderContext): oauth.AuthorizationServer {
  const oauthHost = ctx.hosts.oauth!.replace(/\/$/, '');
  return {
    issuer: `${oauthHost}/op/v1`,
    authorization_endpoint: `${ctx.hosts.appcenter!.replace(/\/$/, '')}/connect/oauth2`,
    token_endpoint: `${oauthHost}/oauth2/v1/tokens/bearer`,
    revocation_endpoint: `${ctx.hosts.developer!.replace(/\/$/, '')}/v2/oauth2/tokens/revoke`,
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

function clientOf(ctx: ProviderContext): { client: oauth.Client; auth: oauth.ClientAuth; secret: string } {
  if (!ctx.client) throw new ProviderError('forbidden', 'This server has no QuickBooks app configured (client id and secret).');
  return {
    client: { client_id: ctx.client.id, [oauth.clockSkew]: Math.round((ctx.now().getTime() - Date.now()) / 1000) },
    auth: oauth.ClientSecretBasic(ctx.client.secret),
    secret: ctx.client.secret,
  };
}

function requestOptions(ctx: ProviderContext, url: string) {
  return {
    [oauth.customFetch]: (input: string | URL | Request, init?: RequestInit) => ctx.fetch(input, { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) }),
    // The sandbox runs on plain http on 127.0.0.1; real Intuit hosts are https.
    [oauth.allowInsecureRequests]: url.startsWith('http:'),
  };
}

/** Token endpoint failures: invalid_grant means reconnect; transport trouble is transient. */
function tokenError(error: unknown, phase: 'exchange' | 'refresh'): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    if (error.error === 'invalid_grant') {
      return phase === 'refresh'
        ? new ProviderError('expired', 'QuickBooks no longer accepts the saved sign-in (it expired, was replaced or the app was disconnected): reconnect QuickBooks.', { status: error.status, providerMessage: error.error })
        : new ProviderError('credentials', 'QuickBooks did not accept the sign-in code (it may have been used already or expired). Connect again.', { status: error.status, providerMessage: error.error });
    }
    if (error.error === 'invalid_client') {
      return new ProviderError('forbidden', "QuickBooks did not recognise this server's app keys (client id and secret): check the server's QuickBooks settings.", { status: error.status, providerMessage: error.error });
    }
    return new ProviderError('credentials', `QuickBooks refused the sign-in (${error.error}).`, { status: error.status, providerMessage: error.error_description ?? error.error });
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new ProviderError('transient', 'QuickBooks sent a sign-in answer we could not use.', { providerMessage: error.message, cause: error });
  }
  return new ProviderError('transient', 'QuickBooks did not answer the sign-in request.', { cause: error });
}

async function checkStatus(ctx: ProviderContext, response: Response): Promise<Response> {
  if (response.status === 429) throw new ProviderError('rate_limited', 'QuickBooks asked us to slow down.', { status: 429, retryAfterMs: 60_000 });
  if (response.status >= 500) throw new ProviderError('transient', `QuickBooks had a problem on its side (${response.status}).`, { status: response.status, providerMessage: (await response.text().catch(() => '')).slice(0, 300) });
  return response;
}

function toTokenSet(ctx: ProviderContext, result: oauth.TokenEndpointResponse, realmId: string, previous?: TokenSet): TokenSet {
  const now = ctx.now().getTime();
  const refreshLife = Number((result as Record<string, unknown>).x_refresh_token_expires_in);
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? previous?.refreshToken,
    accessTokenExpiresAt: now + (result.expires_in ?? 3600) * 1000,
    scope: result.scope ?? previous?.scope,
    extra: {
      ...previous?.extra,
      realmId,
      ...(Number.isFinite(refreshLife) ? { refreshTokenExpiresAt: new Date(now + refreshLife * 1000).toISOString() } : {}),
    },
  };
}

export function createQboOAuth(ctx: ProviderContext) {
  const as = authorizationServer(ctx);
  const tokenUrl = as.token_endpoint!;

  return {
    authorizationUrl(p: { state: string; redirectUri: string }): URL {
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set('client_id', ctx.client?.id ?? '');
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', ctx.entry.scopes.join(' '));
      url.searchParams.set('redirect_uri', p.redirectUri);
      url.searchParams.set('state', p.state);
      return url;
    },

    async exchangeCode(p: { code: string; redirectUri: string; params: Record<string, string> }): Promise<TokenSet> {
      const realmId = p.params.realmId;
      if (!realmId || !/^\d+$/.test(realmId)) {
        throw new ProviderError('credentials', 'QuickBooks did not say which company you chose. Connect again and pick a company on the QuickBooks screen.');
      }
      const { client, auth } = clientOf(ctx);
      try {
        const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ code: p.code }), oauth.skipStateCheck);
        // Sent once: Intuit may invalidate tokens when a code is exchanged twice.
        const response = await checkStatus(ctx, await oauth.authorizationCodeGrantRequest(as, client, auth, callback, p.redirectUri, oauth.nopkce, requestOptions(ctx, tokenUrl)));
        const result = await oauth.processAuthorizationCodeResponse(as, client, response);
        return toTokenSet(ctx, result, realmId);
      } catch (error) {
        throw tokenError(error, 'exchange');
      }
    },

    async refreshTokens(tokens: TokenSet): Promise<TokenSet> {
      const realmId = tokens.extra?.realmId;
      if (!tokens.refreshToken || !realmId) throw new ProviderError('expired', 'This QuickBooks connection has no refresh token: reconnect QuickBooks.');
      const { client, auth } = clientOf(ctx);
      try {
        const response = await checkStatus(ctx, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, requestOptions(ctx, tokenUrl)));
        const result = await oauth.processRefreshTokenResponse(as, client, response);
        return toTokenSet(ctx, result, realmId, tokens);
      } catch (error) {
        throw tokenError(error, 'refresh');
      }
    },

    /** Intuit's revoke takes JSON `{token}` (not the RFC 7009 form body), so it is sent by hand. */
    async revoke(credentials: Credentials): Promise<void> {
      if (credentials.kind !== 'oauth2') return;
      const { client, secret } = clientOf(ctx);
      const token = credentials.tokens.refreshToken ?? credentials.tokens.accessToken;
      const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`).toString('base64');
      const response = await providerFetch(ctx, {
        method: 'POST',
        url: as.revocation_endpoint!,
        headers: { authorization: `Basic ${basic}` },
        json: { token },
      });
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        throw new ProviderError(response.status === 401 ? 'forbidden' : 'validation', 'QuickBooks did not confirm the disconnection.', { status: response.status, providerMessage: text.slice(0, 300) });
      }
      await response.body?.cancel();
    },
  };
}
