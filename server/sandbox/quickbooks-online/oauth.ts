/**
 * Intuit's OAuth side (quickbooks-online.md §1): the sign-in and company-choice/consent pages on
 * appcenter.intuit.com (`/connect/oauth2`; the company the user picks comes back as `realmId`
 * on the callback), the token endpoint on oauth.platform.intuit.com (Basic client auth, access
 * tokens for 3600 s, rolling ~100-day refresh tokens whose value rotates about daily), and the
 * revoke endpoint on developer.api.intuit.com (JSON body).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { authenticateClient, bearerLookup, checkAuthorizeRequest, type AuthorizeErrorPages, clientCredentials, readForm, redirectWith, refreshTokenGrant } from '../common/oauth.js';
import { escapeHtml, themedPage, type PageTheme } from '../common/page.js';
import type { Grant, SandboxClient, SandboxState } from './state.js';

export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 8_726_400;
const CODE_LIFETIME_MS = 5 * 60_000;
const PAGE_LIFETIME_MS = 30 * 60_000;
export const ISSUER_PATH = '/op/v1';

export const knownScopes = new Set([
  'com.intuit.quickbooks.accounting',
  'com.intuit.quickbooks.payment',
  'openid',
  'profile',
  'email',
  'phone',
  'address',
]);

let signingKey: { privateKey: KeyObject; kid: string } | undefined;
function key() {
  if (!signingKey) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = { privateKey, kid: randomBytes(8).toString('hex') };
  }
  return signingKey;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function jwt(claims: Record<string, unknown>): string {
  const { privateKey, kid } = key();
  const header = b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  return `${header}.${payload}.${b64url(sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey))}`;
}

/** The base URL of an emulated host as the caller sees it (works under any mount path). */
export function hostBase(c: Context, host: 'appcenter' | 'oauth' | 'developer' | 'api'): string {
  const url = new URL(c.req.url);
  const marker = `/${host}/`;
  const at = url.pathname.indexOf(marker);
  return `${url.origin}${at >= 0 ? url.pathname.slice(0, at + marker.length - 1) : ''}`;
}


const theme: PageTheme = {
  brand: 'Intuit',
  background: '#f4f5f8',
  text: '#393a3d',
  width: 440,
  inputBorder: '#bbb',
  button: '#2ca01c',
  secondaryButton: '#e4e4e6',
  hint: { background: '#eef7ff', border: '#9cc8f0' },
  error: '#d52b1e',
  extraCss: '.company{display:block;font-weight:400;margin:8px 0}',
};
const page = (title: string, body: string) => themedPage(theme, title, body);

function signInPage(pendingId: string, appName: string, error?: string): string {
  return page(
    'Sign in',
    `<h1>Sign in to QuickBooks</h1>
<p>One account for everything Intuit, to connect <strong>${escapeHtml(appName)}</strong>.</p>
<p class="hint">Sandbox: sign in as <strong>demo@example.com</strong> (two companies) or bookkeeper@example.com (one) with any password.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="" id="sign-in">
<input type="hidden" name="step" value="signin">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<label for="email">Email or user ID</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in-button">Sign in</button>
</form>`,
  );
}

function consentPage(pendingId: string, appName: string, companies: { realmId: string; name: string }[], error?: string): string {
  const options = companies
    .map(
      (co, i) =>
        `<label class="company" for="company-${escapeHtml(co.realmId)}"><input type="radio" id="company-${escapeHtml(co.realmId)}" name="realmId" value="${escapeHtml(co.realmId)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(co.name)}</label>`,
    )
    .join('');
  return page(
    'Connect',
    `<h1>Connect ${escapeHtml(appName)} to QuickBooks</h1>
<p>${escapeHtml(appName)} will be able to view and change your company's accounting data.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="" id="consent">
<input type="hidden" name="step" value="consent">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<fieldset><legend>Select a company</legend>${options}</fieldset>
<button type="submit" name="action" value="connect" id="connect">Connect</button>
<button type="submit" name="action" value="cancel" class="secondary" id="cancel">Cancel</button>
</form>`,
  );
}

function errorPage(c: Context, message: string) {
  return c.html(page('Error', `<h1>Something went wrong</h1><p class="error" role="alert">${escapeHtml(message)}</p>`), 400);
}

const authorizeErrors: AuthorizeErrorPages = {
  unknownClient: 'The app you are connecting is not recognised (invalid client_id).',
  badRedirect: 'The redirect_uri query parameter value is invalid. Make sure it is listed in the Redirect URIs section on your app\'s keys tab.',
  errorPage,
};

/** Basic client authentication only (Intuit's token and revoke endpoints take no client_id in the body). */
function clientOf(state: SandboxState, c: Context): SandboxClient | undefined {
  return authenticateClient(state.clients, clientCredentials(c.req.header('authorization')));
}

const tokenError = (c: Context, error: string, status: 400 | 401 = 400) => c.json({ error }, status);

function newRefreshToken(state: SandboxState, grantId: string): string {
  const now = state.now();
  // Intuit refresh tokens look like AB11 + digits + random characters.
  const token = `AB11${Math.floor(now / 1000)}${randomBytes(24).toString('base64url')}`;
  state.refreshTokens.set(token, { grantId, issuedAt: now, expiresAt: now + REFRESH_TOKEN_SECONDS * 1000 });
  return token;
}

function issueAccessToken(state: SandboxState, grant: Grant): string {
  const token = `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${randomBytes(48).toString('base64url')}`;
  state.accessTokens.set(token, { grantId: grant.id, expiresAt: state.now() + ACCESS_TOKEN_SECONDS * 1000 });
  return token;
}

function idToken(c: Context, state: SandboxState, grant: Grant): string | undefined {
  if (!grant.scope.includes('openid')) return undefined;
  const user = state.users.find((u) => u.userId === grant.userId);
  const now = Math.floor(state.now() / 1000);
  return jwt({
    iss: `${hostBase(c, 'oauth')}${ISSUER_PATH}`,
    aud: [grant.clientId],
    sub: `${grant.userId}-sandbox`,
    realmid: grant.realmId,
    auth_time: Math.floor(grant.createdAt / 1000),
    iat: now,
    exp: now + 3600,
    ...(user && grant.scope.includes('email') ? { email: user.email, email_verified: true } : {}),
  });
}

/** Disconnects the app from the company: every token of the grant stops working. */
export function revokeGrant(state: SandboxState, grantId: string): void {
  const grant = state.grants.get(grantId);
  if (grant) grant.revoked = true;
}

export type BearerCheck = { ok: true; grant: Grant } | { ok: false; detail: string };

export function checkBearer(state: SandboxState, header: string | undefined): BearerCheck {
  const { token, record, grant } = bearerLookup(state, header);
  if (!record || !grant || grant.revoked) return { ok: false, detail: 'Token revoked or invalid' };
  if (record.expiresAt <= state.now()) return { ok: false, detail: `Token expired: ${token!.slice(-12)}` };
  return { ok: true, grant };
}

export function registerOAuthRoutes(app: Hono, state: SandboxState): void {
  const appName = (client: SandboxClient) => client.name ?? 'Bookbridge';

  app.get('/appcenter/connect/oauth2', (c) => {
    const checked = checkAuthorizeRequest(c, state.clients, authorizeErrors);
    if (!checked.ok) return checked.response;
    const { q, client, redirectUri } = checked;
    // Intuit insists on state (CSRF protection).
    if (!q.state) return redirectWith(c, redirectUri, { error: 'invalid_request', error_description: 'state is required' });
    const scope = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
    if (scope.length === 0 || scope.some((s) => !knownScopes.has(s)) || !scope.some((s) => s.startsWith('com.intuit.quickbooks'))) {
      return redirectWith(c, redirectUri, { error: 'invalid_scope', state: q.state });
    }
    const id = randomBytes(16).toString('hex');
    state.pending.set(id, { id, clientId: client.id, redirectUri, scope, state: q.state, expiresAt: state.now() + PAGE_LIFETIME_MS });
    return c.html(signInPage(id, appName(client)));
  });

  app.post('/appcenter/connect/oauth2', async (c) => {
    const form = await readForm(c);
    const pending = state.pending.get(form.tx ?? '');
    if (!pending || pending.expiresAt <= state.now()) return errorPage(c, 'This sign-in has expired. Go back to the app and connect again.');
    const client = state.clients.get(pending.clientId) as SandboxClient;
    if (form.step === 'signin') {
      const user = state.users.find((u) => u.email === (form.email ?? '').trim().toLowerCase());
      if (!user || !form.password) return c.html(signInPage(pending.id, appName(client), 'Incorrect user ID or password. Try again.'));
      pending.userId = user.userId;
      return c.html(consentPage(pending.id, appName(client), companiesOf(state, user.realmIds)));
    }
    const user = state.users.find((u) => u.userId === pending.userId);
    if (form.step !== 'consent' || !user) return errorPage(c, 'Please sign in first.');
    if (form.action === 'cancel') {
      state.pending.delete(pending.id);
      return redirectWith(c, pending.redirectUri, { error: 'access_denied', state: pending.state });
    }
    const realmId = form.realmId ?? '';
    if (!user.realmIds.includes(realmId)) {
      return c.html(consentPage(pending.id, appName(client), companiesOf(state, user.realmIds), 'Select the company to connect.'));
    }
    state.pending.delete(pending.id);
    const code = `AB1${randomBytes(24).toString('base64url')}`;
    state.codes.set(code, { clientId: client.id, redirectUri: pending.redirectUri, userId: user.userId, realmId, scope: pending.scope, expiresAt: state.now() + CODE_LIFETIME_MS, used: false });
    return redirectWith(c, pending.redirectUri, { code, state: pending.state, realmId });
  });

  app.post('/oauth/oauth2/v1/tokens/bearer', async (c) => {
    const client = clientOf(state, c);
    if (!client) return tokenError(c, 'invalid_client', 401);
    const form = await readForm(c);
    const now = state.now();
    if (form.grant_type === 'authorization_code') {
      const code = state.codes.get(form.code ?? '');
      if (!code || code.expiresAt <= now || code.clientId !== client.id || form.redirect_uri !== code.redirectUri) return tokenError(c, 'invalid_grant');
      if (code.used) {
        // A code sent twice: Intuit may invalidate what it issued (quickbooks-online.md §1).
        for (const g of state.grants.values()) if (g.userId === code.userId && g.realmId === code.realmId && g.clientId === client.id && g.createdAt >= code.expiresAt - CODE_LIFETIME_MS) g.revoked = true;
        return tokenError(c, 'invalid_grant');
      }
      code.used = true;
      const grant: Grant = { id: randomBytes(12).toString('hex'), userId: code.userId, clientId: client.id, realmId: code.realmId, scope: code.scope, createdAt: now, revoked: false };
      state.grants.set(grant.id, grant);
      state.stats.tokenExchanges++;
      const refresh = newRefreshToken(state, grant.id);
      const id = idToken(c, state, grant);
      return c.json({
        token_type: 'bearer',
        access_token: issueAccessToken(state, grant),
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh,
        x_refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
        ...(id ? { id_token: id } : {}),
      });
    }
    if (form.grant_type === 'refresh_token') {
      const found = refreshTokenGrant(state.refreshTokens, state.grants, form.refresh_token, client.id);
      if (!found) return tokenError(c, 'invalid_grant');
      const { record, grant } = found;
      if (record.expiresAt <= now) return tokenError(c, 'invalid_grant');
      if (record.supersededAt !== undefined && now - record.supersededAt >= state.refreshOverlapMs) return tokenError(c, 'invalid_grant');
      state.stats.tokenRefreshes++;
      let refresh = form.refresh_token as string;
      if (record.supersededAt === undefined && now - record.issuedAt >= state.refreshRotationMs) {
        record.supersededAt = now;
        refresh = newRefreshToken(state, grant.id);
      } else if (record.supersededAt !== undefined) {
        // Inside the overlap: hand back the newest token of the grant.
        refresh = [...state.refreshTokens.entries()].filter(([, r]) => r.grantId === grant.id && r.supersededAt === undefined).at(-1)?.[0] ?? refresh;
      } else {
        record.expiresAt = now + REFRESH_TOKEN_SECONDS * 1000;
      }
      const live = state.refreshTokens.get(refresh)!;
      return c.json({
        token_type: 'bearer',
        access_token: issueAccessToken(state, grant),
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh,
        x_refresh_token_expires_in: Math.floor((live.expiresAt - now) / 1000),
      });
    }
    return tokenError(c, 'unsupported_grant_type');
  });

  app.post('/developer/v2/oauth2/tokens/revoke', async (c) => {
    const client = clientOf(state, c);
    if (!client) return tokenError(c, 'invalid_client', 401);
    const body = (await c.req.json().catch(() => ({}))) as { token?: unknown };
    const token = typeof body.token === 'string' ? body.token : '';
    const grantId = state.refreshTokens.get(token)?.grantId ?? state.accessTokens.get(token)?.grantId;
    const grant = grantId ? state.grants.get(grantId) : undefined;
    if (!token) return c.json({ error: 'invalid_request' }, 400);
    if (grant && grant.clientId === client.id) revokeGrant(state, grant.id);
    return c.body(null, 200);
  });

  app.get('/developer/.well-known/openid_configuration', (c) => {
    const root = hostBase(c, 'developer').replace(/\/developer$/, '');
    return c.json({
      issuer: `${root}/oauth${ISSUER_PATH}`,
      authorization_endpoint: `${root}/appcenter/connect/oauth2`,
      token_endpoint: `${root}/oauth/oauth2/v1/tokens/bearer`,
      revocation_endpoint: `${root}/developer/v2/oauth2/tokens/revoke`,
      response_types_supported: ['code'],
      scopes_supported: [...knownScopes],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    });
  });
}

function companiesOf(state: SandboxState, realmIds: string[]) {
  return realmIds.map((realmId) => ({ realmId, name: state.companies.get(realmId)?.data.name ?? realmId }));
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
