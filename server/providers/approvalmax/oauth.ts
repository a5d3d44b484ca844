/**
 * ApprovalMax's OAuth 2.0 (an IdentityServer at identity.approvalmax.com) through the shared
 * client (../oauth-client.ts). The client id/secret go in the form body (client_secret_post), as
 * ApprovalMax's own Power BI connector sends them; PKCE is sent too. Refresh tokens are treated
 * as one-time use: the newest one is always kept (approvalmax.md §1). Tokens never reach a log
 * or an error message.
 */
import * as oauth from 'oauth4webapi';
import { createOAuthClient } from '../oauth-client.js';
import type { ProviderContext } from '../types.js';

function authorizationServer(ctx: ProviderContext): oauth.AuthorizationServer {
  const identity = ctx.hosts.identity as string;
  return {
    issuer: identity,
    authorization_endpoint: `${identity}/connect/authorize`,
    token_endpoint: `${identity}/connect/token`,
    revocation_endpoint: `${identity}/connect/revocation`,
  };
}

export const { authorizationUrl, exchangeCode, refreshTokens, revokeRefreshToken, classifyOAuthError } = createOAuthClient({
  name: 'ApprovalMax',
  clientIdWords: 'client app key',
  authorizationServer,
  clientAuth: (secret) => oauth.ClientSecretPost(secret),
  useContextClock: false,
  /** ApprovalMax's access tokens last an hour. */
  defaultExpiresInSeconds: 3600,
  extra: (_result, previous) => previous?.extra,
  unusable5xxIsOutage: true,
});
