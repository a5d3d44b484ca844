/**
 * Sage's sign-in side (sage-accounting.md §1): the authorize pages on www.sageone.com (country
 * picker, sign-in, allow access), and the token and revoke endpoints on
 * oauth.accounting.sage.com. Codes live 60 seconds and work once; access tokens live 5 minutes;
 * refresh tokens live 31 days and work once (each refresh returns a new one).
 */
import type { Context, Hono } from 'hono';
import { authenticateClient, bearerLookup, checkAuthorizeRequest, type AuthorizeErrorPages, clientCredentials, codeUsable, opaqueToken as opaque, readForm, redirectWith, refreshTokenGrant } from '../common/oauth.js';
import type { Grant, SandboxClient, SandboxState, SandboxUser } from './state.js';

export const ACCESS_TOKEN_SECONDS = 300;
export const REFRESH_TOKEN_SECONDS = 2_678_400;
const CODE_LIFETIME_MS = 60_000;
const PAGE_LIFETIME_MS = 30 * 60_000;
const scopes = new Set(['full_access', 'readonly']);
/** The countries v3.1 serves (filter=apiv3.1); the sandbox seeds UK businesses only. */
export const countries: Record<string, string> = { gb: 'United Kingdom', ie: 'Ireland', ca: 'Canada', de: 'Germany', es: 'Spain', fr: 'France', us: 'United States' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | Sage Accounting (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f2f5f6;margin:0;color:#000}
header{background:#000;color:#fff;padding:14px 24px;font-weight:700}header span{color:#00d639}
main{max-width:440px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 4px #0002}
h1{font-size:22px;margin:0 0 16px} label{display:block;margin:12px 0 4px;font-weight:600}
input[type=email],input[type=password],select{width:100%;box-sizing:border-box;padding:8px;border:1px solid #99a;border-radius:4px}
button{margin-top:20px;padding:10px 18px;border:0;border-radius:20px;background:#008a21;color:#fff;font-weight:600;cursor:pointer}
button.secondary{background:#e6ebed;color:#000;margin-left:8px}
.hint{background:#fff8e1;border:1px solid #f3d36b;padding:8px 12px;border-radius:4px;font-size:14px}
.error{color:#c7384f;font-weight:600} table{border-collapse:collapse} td,th{padding:4px 8px;border-bottom:1px solid #dde;text-align:left}
</style></head><body><header><span>Sage</span> Accounting</header><main>${body}</main></body></html>`;
}

function hidden(pendingId: string, step: string): string {
  return `<input type="hidden" name="tx" value="${escapeHtml(pendingId)}"><input type="hidden" name="step" value="${step}">`;
}

function countryPage(pendingId: string): string {
  const options = Object.entries(countries)
    .map(([code, name]) => `<option value="${code}"${code === 'gb' ? ' selected' : ''}>${escapeHtml(name)}</option>`)
    .join('');
  return page(
    'Select your country',
    `<h1>Where is your business based?</h1>
<form method="post" action="">${hidden(pendingId, 'country')}
<label for="country">Country</label><select id="country" name="country">${options}</select>
<button id="continue" type="submit">Continue</button></form>`,
  );
}

function signInPage(pendingId: string, country: string, error?: string): string {
  return page(
    'Sign in',
    `<h1>Sign in to Sage Accounting</h1>
<p>Country: <strong id="signin-country">${escapeHtml(countries[country] ?? country)}</strong></p>
<p class="hint">Sandbox: sign in as <strong>demo@example.com</strong> (three businesses) or accountant@example.com (one), with any password.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="">${hidden(pendingId, 'signin')}
<label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">Sign in</button></form>`,
  );
}

function consentPage(pendingId: string, appName: string, user: SandboxUser, scope: string): string {
  const access = scope === 'readonly' ? 'read your accounting data' : 'read and write your accounting data';
  return page(
    'Allow access',
    `<h1>Allow ${escapeHtml(appName)} to access Sage Accounting?</h1>
<p>Signed in as <strong id="signed-in-user">${escapeHtml(user.email)}</strong>.</p>
<p>${escapeHtml(appName)} will be able to <strong>${access}</strong> for every business you can open (you choose the business in ${escapeHtml(appName)} next).</p>
<form method="post" action="">${hidden(pendingId, 'consent')}
<button id="allow" type="submit" name="action" value="allow">Allow</button>
<button id="deny" class="secondary" type="submit" name="action" value="deny">Deny</button></form>`,
  );
}

function errorPage(c: Context, message: string) {
  return c.html(page('Error', `<h1>Something went wrong</h1><p class="error" role="alert">${escapeHtml(message)}</p>`), 400);
}

const authorizeErrors: AuthorizeErrorPages = {
  unknownClient: 'The application could not be found (client_id).',
  badRedirect: 'The redirect_uri does not match a callback URL registered for this application.',
  errorPage,
};

function tokenError(c: Context, error: string, status: 400 | 401 = 400) {
  return c.json({ error }, status);
}

/** Basic or client_id/client_secret in the body (RFC 6749 §2.3.1). */
function clientFrom(state: SandboxState, form: Record<string, string>, authorization?: string): SandboxClient | undefined {
  return authenticateClient(state.clients, clientCredentials(authorization, form));
}

function issueTokens(state: SandboxState, grant: Grant) {
  const now = state.now();
  const accessToken = opaque(48);
  const refreshToken = opaque(32);
  state.accessTokens.set(accessToken, { grantId: grant.id, expiresAt: now + ACCESS_TOKEN_SECONDS * 1000 });
  state.refreshTokens.set(refreshToken, { grantId: grant.id, expiresAt: now + REFRESH_TOKEN_SECONDS * 1000 });
  return {
    access_token: accessToken,
    expires_in: ACCESS_TOKEN_SECONDS,
    token_type: 'bearer',
    refresh_token: refreshToken,
    refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
    scope: grant.scope,
    requested_by_id: grant.userId,
  };
}

/** Revokes every token of the grant (Sage's revoke ends the app's access for that sign-in). */
export function revokeGrant(state: SandboxState, grantId: string): void {
  const grant = state.grants.get(grantId);
  if (grant) grant.revoked = true;
}

export function registerOAuthRoutes(app: Hono, state: SandboxState): void {
  const appName = (client: SandboxClient) => client.name ?? 'Bookbridge';

  app.get('/www/oauth2/auth/central', (c) => {
    const checked = checkAuthorizeRequest(c, state.clients, authorizeErrors);
    if (!checked.ok) return checked.response;
    const { q, client, redirectUri } = checked;
    const scope = (q.scope ?? '').trim();
    if (!scopes.has(scope)) return redirectWith(c, redirectUri, { error: 'invalid_scope', state: q.state });
    const country = q.country?.toLowerCase();
    if (country && !countries[country]) return redirectWith(c, redirectUri, { error: 'invalid_request', state: q.state });
    const id = opaque(18);
    state.pending.set(id, { id, clientId: client.id, redirectUri, scope, state: q.state, country, expiresAt: state.now() + PAGE_LIFETIME_MS });
    return c.html(country ? signInPage(id, country) : countryPage(id));
  });

  app.post('/www/oauth2/auth/central', async (c) => {
    const form = await readForm(c);
    const pending = state.pending.get(form.tx ?? '');
    if (!pending || pending.expiresAt <= state.now()) return errorPage(c, 'This sign-in has expired. Go back to the app and start again.');
    const client = state.clients.get(pending.clientId) as SandboxClient;
    if (form.step === 'country') {
      const country = (form.country ?? '').toLowerCase();
      if (!countries[country]) return c.html(countryPage(pending.id));
      pending.country = country;
      return c.html(signInPage(pending.id, country));
    }
    if (!pending.country) return c.html(countryPage(pending.id));
    if (form.step === 'signin') {
      const email = (form.email ?? '').trim().toLowerCase();
      const user = state.users.find((u) => u.email === email);
      if (!user || !form.password) return c.html(signInPage(pending.id, pending.country, 'Your email address or password is incorrect.'));
      const inCountry = user.memberships.some((m) => state.businesses.get(m.businessId)?.data.country.toLowerCase() === pending.country);
      if (!inCountry) {
        // What Sage does when the account has no business in the chosen country (frequently raised errors).
        state.pending.delete(pending.id);
        return redirectWith(c, pending.redirectUri, { error: 'Invalid request', reason: 'Email already in use', state: pending.state });
      }
      pending.userId = user.id;
      return c.html(consentPage(pending.id, appName(client), user, pending.scope));
    }
    const user = state.users.find((u) => u.id === pending.userId);
    if (form.step !== 'consent' || !user) return c.html(signInPage(pending.id, pending.country, 'Please sign in first.'));
    state.pending.delete(pending.id);
    if (form.action !== 'allow') return redirectWith(c, pending.redirectUri, { error: 'access_denied', state: pending.state });
    const code = opaque(24);
    state.codes.set(code, { clientId: client.id, redirectUri: pending.redirectUri, userId: user.id, scope: pending.scope, expiresAt: state.now() + CODE_LIFETIME_MS, used: false });
    return redirectWith(c, pending.redirectUri, { code, country: pending.country, state: pending.state });
  });

  app.post('/oauth/token', async (c) => {
    const form = await readForm(c);
    const client = clientFrom(state, form, c.req.header('authorization'));
    if (!client) return tokenError(c, 'invalid_client', 401);
    const now = state.now();
    if (form.grant_type === 'authorization_code') {
      const code = state.codes.get(form.code ?? '');
      if (!code || !codeUsable(code, client.id, now) || form.redirect_uri !== code.redirectUri) {
        // Sage burns a code on any failed exchange, so a second try with it fails too.
        if (code) code.used = true;
        return tokenError(c, 'invalid_grant');
      }
      code.used = true;
      const grant: Grant = { id: opaque(16), userId: code.userId, clientId: client.id, scope: code.scope, revoked: false };
      state.grants.set(grant.id, grant);
      state.stats.tokenExchanges++;
      return c.json(issueTokens(state, grant));
    }
    if (form.grant_type === 'refresh_token') {
      const live = refreshTokenGrant(state.refreshTokens, state.grants, form.refresh_token, client.id);
      if (!live) return tokenError(c, 'invalid_grant');
      const { record, grant } = live;
      if (record.used || record.expiresAt <= now) return tokenError(c, 'invalid_grant');
      // Single use: the old refresh token stops working at once (no grace period).
      record.used = true;
      state.stats.tokenRefreshes++;
      return c.json(issueTokens(state, grant));
    }
    return tokenError(c, 'unsupported_grant_type');
  });

  app.post('/oauth/revoke', async (c) => {
    const form = await readForm(c);
    const client = clientFrom(state, form, c.req.header('authorization'));
    if (!client) return tokenError(c, 'invalid_client', 401);
    const record = state.refreshTokens.get(form.token ?? '') ?? state.accessTokens.get(form.token ?? '');
    const grant = record ? state.grants.get(record.grantId) : undefined;
    if (grant && grant.clientId === client.id) {
      revokeGrant(state, grant.id);
      state.stats.revocations++;
    }
    // RFC 7009: an unknown token is not an error.
    return c.body(null, 200);
  });
}

export type BearerCheck = { ok: true; grant: Grant; user: SandboxUser } | { ok: false; message: string };

export function checkBearer(state: SandboxState, header: string | undefined): BearerCheck {
  // Sage takes the scheme in any case (RFC 6750 §2.1 allows it).
  const { record, grant } = bearerLookup(state, header, /^bearer /i);
  const user = grant ? state.users.find((u) => u.id === grant.userId) : undefined;
  if (!record || !grant || grant.revoked || !user) return { ok: false, message: 'Access denied.' };
  if (record.expiresAt <= state.now()) return { ok: false, message: 'Access token has expired.' };
  return { ok: true, grant, user };
}
