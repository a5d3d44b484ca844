/**
 * The parts of an OAuth 2.0 authorization server that every sandbox runs the same way: redirect
 * URI checks, the form a token endpoint reads, client authentication (RFC 6749 §2.3.1), PKCE S256
 * (RFC 7636 §4.6) and refresh-token rotation with a grace period. What differs per provider (error
 * bodies, token shapes and lifetimes, which client authentication it takes) stays in each
 * sandbox's oauth.ts and reaches these functions as arguments.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

/** Constant-time string comparison for secrets and PKCE challenges. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An unguessable token from the OS (never the seeded stream), base64url. */
export function opaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** An app registered with the sandbox's authorization server. */
export interface OAuthClient {
  id: string;
  secret: string;
  /** Exact redirect URIs (compared character for character); undefined accepts any http(s) URI. */
  redirectUris?: string[];
  /** The app's name on the sign-in and consent pages (default Bookbridge). */
  name?: string;
}

/** A client registered with redirect URIs takes only those; one without takes any http(s) URI. */
export function redirectUriAllowed(client: { redirectUris?: string[] }, uri: string): boolean {
  if (client.redirectUris) return client.redirectUris.includes(uri);
  try {
    const u = new URL(uri);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** 302 to the client's redirect URI with the given query parameters (undefined ones left out). */
export function redirectWith(c: Context, redirectUri: string, params: Record<string, string | undefined>) {
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.set(k, v);
  return c.redirect(target.toString(), 302);
}

/** A provider's error page and its words for an unknown client and an unregistered redirect URI. */
export interface AuthorizeErrorPages {
  unknownClient: string;
  badRedirect: string;
  errorPage: (c: Context, message: string) => Response | Promise<Response>;
}

/**
 * The first checks of an authorize request, the same at every provider: a known client_id and
 * one of its registered redirect URIs (otherwise the provider's error page, as there is nowhere
 * safe to send the user), then response_type=code (otherwise the error goes to the redirect URI).
 * The provider's own words for the first two come in `pages`.
 */
export function checkAuthorizeRequest<C extends { redirectUris?: string[] }>(
  c: Context,
  clients: Map<string, C>,
  pages: AuthorizeErrorPages,
): { ok: true; q: Record<string, string | undefined>; client: C; redirectUri: string } | { ok: false; response: Response | Promise<Response> } {
  const q: Record<string, string | undefined> = c.req.query();
  const client = q.client_id ? clients.get(q.client_id) : undefined;
  if (!client) return { ok: false, response: pages.errorPage(c, pages.unknownClient) };
  if (!q.redirect_uri || !redirectUriAllowed(client, q.redirect_uri)) return { ok: false, response: pages.errorPage(c, pages.badRedirect) };
  if (q.response_type !== 'code') return { ok: false, response: redirectWith(c, q.redirect_uri, { error: 'unsupported_response_type', state: q.state }) };
  return { ok: true, q, client, redirectUri: q.redirect_uri };
}

/** A form-encoded body as one string per field (the last one when a field is repeated). */
export async function readForm(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const value = Array.isArray(v) ? v.at(-1) : v;
    if (typeof value === 'string') out[k] = value;
  }
  return out;
}

/** Every string value of a repeated field (ticked checkboxes on a consent page). */
export function formValues(body: Record<string, unknown>, name: string): string[] {
  const raw = body[name];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string');
}

export interface ClientCredentials {
  id?: string;
  secret?: string;
}

/**
 * The client id and secret a token request carries: HTTP Basic when present (RFC 6749 §2.3.1:
 * both form-urlencoded before Basic encoding), otherwise `client_id`/`client_secret` in `form`.
 * Pass no form for a provider that takes Basic only. A Basic header without a colon, or one that
 * does not form-decode, is refused.
 */
export function clientCredentials(header: string | undefined, form?: Record<string, string>): ClientCredentials | undefined {
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    try {
      return {
        id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
        secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
      };
    } catch {
      // A stray '%' (not form-encoded): a client we cannot authenticate, not a server error.
      return undefined;
    }
  }
  return form ? { id: form.client_id, secret: form.client_secret } : undefined;
}

/** The registered client whose secret matches, or undefined. */
export function authenticateClient<C extends { secret: string }>(
  clients: ReadonlyMap<string, C>,
  credentials: ClientCredentials | undefined,
): C | undefined {
  const client = credentials?.id ? clients.get(credentials.id) : undefined;
  if (!client || credentials?.secret === undefined || !safeEqual(credentials.secret, client.secret)) return undefined;
  return client;
}

/** PKCE S256: the verifier is 43 to 128 characters and hashes to the challenge. */
export function pkceS256Matches(verifier: string, challenge: string): boolean {
  const expected = createHash('sha256').update(verifier).digest('base64url');
  return verifier.length >= 43 && verifier.length <= 128 && safeEqual(expected, challenge);
}

/** An authorization code still good for this client: not used, not expired. */
export function codeUsable(code: { used: boolean; expiresAt: number; clientId: string } | undefined, clientId: string, now: number): boolean {
  return !!code && !code.used && code.expiresAt > now && code.clientId === clientId;
}

/**
 * Redeems an authorization code at the token endpoint: it must be usable by this client, sent
 * with the redirect URI it was issued for and, when the authorize request carried a PKCE
 * challenge, the matching verifier. The code is then used up; undefined means invalid_grant.
 */
export function redeemCode<T extends { used: boolean; expiresAt: number; clientId: string; redirectUri: string; codeChallenge?: string }>(
  codes: Map<string, T>,
  form: Record<string, string>,
  clientId: string,
  now: number,
): T | undefined {
  const code = codes.get(form.code ?? '');
  if (!code || !codeUsable(code, clientId, now) || form.redirect_uri !== code.redirectUri) return undefined;
  if (code.codeChallenge && !pkceS256Matches(form.code_verifier ?? '', code.codeChallenge)) return undefined;
  code.used = true;
  return code;
}

/** The token and revocation endpoints' RFC 6749 §5.2 error: 400 with `error` (and a description when given). */
export function tokenError(c: Context, error: string, description?: string) {
  return c.json(description ? { error, error_description: description } : { error }, 400);
}

/** The client a token or revocation request authenticates as: HTTP Basic, or client_id (+secret) in the form. */
export function requestClient<C extends { secret: string }>(c: Context, clients: Map<string, C>, form?: Record<string, string>): C | undefined {
  return authenticateClient(clients, clientCredentials(c.req.header('authorization'), form));
}

/** An access token the sandbox issued: which grant it speaks for, and until when. */
export interface AccessTokenRecord {
  grantId: string;
  expiresAt: number;
}

export interface RotatingRefreshToken {
  issuedAt: number;
  /** When it was first exchanged for a new one; from then on only the grace period keeps it alive. */
  rotatedAt?: number;
}

/**
 * A rotating refresh token still works: before its first use, for `idleMs` after issue; after it,
 * for `graceMs` (so a client that lost the answer can retry). Mark it with `rotatedAt ??= now`
 * once the refresh is granted.
 */
export function refreshTokenAlive(record: RotatingRefreshToken, now: number, policy: { graceMs: number; idleMs?: number }): boolean {
  return record.rotatedAt === undefined ? now - record.issuedAt < (policy.idleMs ?? Infinity) : now - record.rotatedAt < policy.graceMs;
}

/**
 * The refresh token's record and grant when the grant is live and belongs to this client;
 * undefined (invalid_grant) otherwise. Each provider then applies its own expiry and reuse rules.
 */
export function refreshTokenGrant<R extends { grantId: string }, G extends { clientId: string; revoked: boolean }>(
  refreshTokens: ReadonlyMap<string, R>,
  grants: ReadonlyMap<string, G>,
  token: string | undefined,
  clientId: string,
): { record: R; grant: G } | undefined {
  const record = refreshTokens.get(token ?? '');
  const grant = record ? grants.get(record.grantId) : undefined;
  if (!record || !grant || grant.revoked || grant.clientId !== clientId) return undefined;
  return { record, grant };
}

/** What a sandbox's authorization server keeps between requests (a reset starts them empty). */
export interface OAuthStores<Pending, Code, Grant, Refresh, Access = AccessTokenRecord> {
  /** Sign-ins in progress, by the id in the pages' hidden `tx` field. */
  pending: Map<string, Pending>;
  codes: Map<string, Code>;
  grants: Map<string, Grant>;
  accessTokens: Map<string, Access>;
  refreshTokens: Map<string, Refresh>;
}

export function emptyOAuthStores<Pending, Code, Grant, Refresh, Access = AccessTokenRecord>(): OAuthStores<Pending, Code, Grant, Refresh, Access> {
  return { pending: new Map(), codes: new Map(), grants: new Map(), accessTokens: new Map(), refreshTokens: new Map() };
}

/**
 * The access token a request carries and what it maps to. Expiry, revocation and the error
 * answer are each provider's own. `scheme` is how the provider matches "Bearer " (most take it
 * as written; RFC 6750 allows any case).
 */
export function bearerLookup<G>(
  stores: { accessTokens: ReadonlyMap<string, AccessTokenRecord>; grants: ReadonlyMap<string, G> },
  header: string | undefined,
  scheme: RegExp = /^Bearer /,
): { token?: string; record?: AccessTokenRecord; grant?: G } {
  const token = header && scheme.test(header) ? header.slice(7).trim() : undefined;
  const record = token ? stores.accessTokens.get(token) : undefined;
  const grant = record ? stores.grants.get(record.grantId) : undefined;
  return { token, record, grant };
}
