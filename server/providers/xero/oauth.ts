/**
 * Xero's OAuth 2.0 through the shared client (../oauth-client.ts): client secret over Basic plus
 * PKCE, 30-minute access tokens, and the authentication event id and user id read from Xero's
 * JWT access token. The endpoints come from ctx.hosts, so the same code talks to Xero or to the
 * sandbox. Tokens never reach a log or an error message.
 */
import * as oauth from 'oauth4webapi';
import { createOAuthClient } from '../oauth-client.js';
import type { ProviderContext } from '../types.js';

function authorizationServer(ctx: ProviderContext): oauth.AuthorizationServer {
  return {
    // Xero's id_token issuer is https://identity.xero.com, the identity host itself.
    issuer: ctx.hosts.identity as string,
    authorization_endpoint: `${ctx.hosts.login}/identity/connect/authorize`,
    token_endpoint: `${ctx.hosts.identity}/connect/token`,
    revocation_endpoint: `${ctx.hosts.identity}/connect/revocation`,
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

export const { authorizationUrl, exchangeCode, refreshTokens, revokeRefreshToken, classifyOAuthError } = createOAuthClient({
  name: 'Xero',
  clientIdWords: 'client id',
  authorizationServer,
  clientAuth: (secret) => oauth.ClientSecretBasic(secret),
  // Xero sends an id_token; its times are checked against the adapter's clock (ctx.now).
  useContextClock: true,
  defaultExpiresInSeconds: 1800,
  extra: (result, previous) => {
    const claims = accessTokenClaims(result.access_token);
    const extra: Record<string, string> = { ...previous?.extra };
    if (typeof claims.authentication_event_id === 'string') extra.authenticationEventId = claims.authentication_event_id;
    if (typeof claims.xero_userid === 'string') extra.xeroUserId = claims.xero_userid;
    return extra;
  },
  unusable5xxIsOutage: false,
});
