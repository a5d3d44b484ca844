import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticateClient, clientCredentials, pkceS256Matches, redirectUriAllowed, refreshTokenAlive } from './oauth.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('sandbox OAuth pieces', () => {
  const clients = new Map([['app', { id: 'app', secret: 's3cret word' }]]);

  it('authenticates a client by Basic (form-urlencoded parts) or by form fields', () => {
    expect(authenticateClient(clients, clientCredentials(basic('app', 's3cret+word')))).toBeDefined();
    expect(authenticateClient(clients, clientCredentials(undefined, { client_id: 'app', client_secret: 's3cret word' }))).toBeDefined();
    expect(authenticateClient(clients, clientCredentials(basic('app', 'wrong')))).toBeUndefined();
    expect(authenticateClient(clients, clientCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`, { client_id: 'app', client_secret: 's3cret word' }))).toBeUndefined();
  });

  it('refuses a Basic header whose parts do not form-decode instead of throwing', () => {
    expect(clientCredentials(basic('app', '100%'))).toBeUndefined();
  });

  it('takes Basic only when no form is given', () => {
    expect(authenticateClient(clients, clientCredentials(undefined))).toBeUndefined();
  });

  it('checks a PKCE S256 verifier against its challenge', () => {
    const verifier = 'a'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    expect(pkceS256Matches(verifier, challenge)).toBe(true);
    expect(pkceS256Matches('b'.repeat(43), challenge)).toBe(false);
    const short = 'a'.repeat(42);
    expect(pkceS256Matches(short, createHash('sha256').update(short).digest('base64url'))).toBe(false);
  });

  it('honours a rotated refresh token only for the grace period', () => {
    const policy = { graceMs: 1000, idleMs: 5000 };
    expect(refreshTokenAlive({ issuedAt: 0 }, 4999, policy)).toBe(true);
    expect(refreshTokenAlive({ issuedAt: 0 }, 5000, policy)).toBe(false);
    expect(refreshTokenAlive({ issuedAt: 0, rotatedAt: 100 }, 1099, policy)).toBe(true);
    expect(refreshTokenAlive({ issuedAt: 0, rotatedAt: 100 }, 1100, policy)).toBe(false);
  });

  it('accepts only registered redirect URIs, or any http(s) one when none are registered', () => {
    expect(redirectUriAllowed({ redirectUris: ['https://a/cb'] }, 'https://a/cb')).toBe(true);
    expect(redirectUriAllowed({ redirectUris: ['https://a/cb'] }, 'https://a/other')).toBe(false);
    expect(redirectUriAllowed({}, 'javascript:alert(1)')).toBe(false);
  });
});
