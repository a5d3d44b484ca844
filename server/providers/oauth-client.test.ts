import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors.js';
import { createOAuthClient, type OAuthClientSpec } from './oauth-client.js';
import type { ProviderContext } from './types.js';

const spec = (over: Partial<OAuthClientSpec> = {}): OAuthClientSpec => ({
  name: 'Acme',
  clientIdWords: 'client key',
  authorizationServer: (ctx) => ({ issuer: ctx.hosts.identity as string, authorization_endpoint: `${ctx.hosts.identity}/authorize`, token_endpoint: `${ctx.hosts.identity}/token` }),
  clientAuth: (secret) => oauth.ClientSecretPost(secret),
  useContextClock: false,
  defaultExpiresInSeconds: 3600,
  extra: (_r, previous) => previous?.extra,
  unusable5xxIsOutage: false,
  ...over,
});

const ctx = (client?: { id: string; secret: string }) =>
  ({ client, hosts: { identity: 'https://id.example' }, entry: { name: 'Acme', scopes: ['read', 'offline_access'] }, now: () => new Date(0), timeoutMs: 1000 }) as unknown as ProviderContext;

describe('shared OAuth client', () => {
  it('builds the authorize URL with PKCE S256 and the catalogue scopes', () => {
    const url = createOAuthClient(spec()).authorizationUrl(ctx({ id: 'app', secret: 's' }), { state: 'st', codeChallenge: 'ch', redirectUri: 'https://b/cb' });
    expect(url.origin + url.pathname).toBe('https://id.example/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'app', scope: 'read offline_access', code_challenge: 'ch', code_challenge_method: 'S256', state: 'st' });
  });

  it('says which app setting is missing, in the provider’s words', () => {
    const client = createOAuthClient(spec());
    expect(() => client.authorizationUrl(ctx(), { state: 's', codeChallenge: 'c', redirectUri: 'https://b/cb' })).toThrow('No Acme app (client key and secret) is configured on this server.');
  });

  it('asks for a reconnect when there is no refresh token, without calling out', async () => {
    await expect(createOAuthClient(spec()).refreshTokens(ctx({ id: 'a', secret: 's' }), { accessToken: 'x', accessTokenExpiresAt: 0 })).rejects.toMatchObject({ kind: 'expired' });
  });

  it('classifies a timeout as transient and passes a ProviderError through', () => {
    const { classifyOAuthError } = createOAuthClient(spec());
    const timeout = Object.assign(new Error('t'), { name: 'TimeoutError' });
    expect(classifyOAuthError(ctx(), timeout, 'refresh')).toMatchObject({ kind: 'transient', message: 'Acme did not answer in time.' });
    const own = new ProviderError('forbidden', 'no');
    expect(classifyOAuthError(ctx(), own, 'exchange')).toBe(own);
  });
});
