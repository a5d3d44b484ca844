/**
 * FreeAgent's OAuth 2.0 (draft 22, dev.freeagent.com/docs/oauth) on the api host:
 * `GET /v2/approve_app` shows sign-in, then the approve page for the user's one company (no
 * organisation choice: a FreeAgent login is one company), and redirects with a code valid for
 * 15 minutes; `POST /v2/token_endpoint` takes HTTP Basic (or client_id/client_secret as
 * parameters), gives 1-hour access tokens and a refresh token that is replaced on each refresh.
 * Token refreshes are limited to 15 a minute per user.
 */
import type { Context, Hono } from 'hono';
import { checkAuthorizeRequest, type AuthorizeErrorPages, codeUsable, opaqueToken, redirectWith, refreshTokenAlive, refreshTokenGrant, requestClient, tokenError } from '../common/oauth.js';
import { admit, type Grant, type SandboxClient, type SandboxState } from './state.js';

const CODE_LIFETIME_MS = 15 * 60_000;
const PAGE_LIFETIME_MS = 30 * 60_000;
/** FreeAgent's figure: about 20 years. */
const REFRESH_TOKEN_SECONDS = 631_151_957;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const token = () => opaqueToken(24);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | FreeAgent (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f2f5f7;margin:0;color:#24323d}
header{background:#1b3a4b;color:#fff;padding:14px 24px;font-weight:700}
main{max-width:440px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 4px #0002}
h1{font-size:22px;margin:0 0 16px} label{display:block;margin:12px 0 4px;font-weight:600}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #c5cfd6;border-radius:4px}
button{margin-top:20px;padding:10px 18px;border:0;border-radius:4px;background:#1a9e5c;color:#fff;font-weight:600;cursor:pointer}
button.secondary{background:#e3e8ec;color:#24323d;margin-left:8px}
.hint{background:#fff8e1;border:1px solid #f3d36b;padding:8px 12px;border-radius:4px;font-size:14px}
.error{color:#b00020;font-weight:600} .company{font-size:18px;font-weight:700}
</style></head><body><header>FreeAgent <small>(sandbox)</small></header><main>${body}</main></body></html>`;
}

function signInPage(pendingId: string, appName: string, error?: string): string {
  return page(
    'Log in',
    `<h1 id="page-title">Log in to FreeAgent</h1>
<p>to approve access for <strong id="app-name">${escapeHtml(appName)}</strong></p>
<p class="hint" id="sandbox-hint">Sandbox: sign in as demo@example.com (full access), bills@example.com (Bills access only) or owner@example.com (a second company), with any password.</p>
${error ? `<p class="error" role="alert" id="sign-in-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="" id="login-form">
<input type="hidden" name="step" value="signin">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Log in</button>
</form>`,
  );
}

function approvePage(pendingId: string, appName: string, companyName: string, userName: string): string {
  return page(
    'Approve app',
    `<h1 id="page-title">Approve ${escapeHtml(appName)}</h1>
<p><strong>${escapeHtml(appName)}</strong> would like to access the FreeAgent account of</p>
<p class="company" id="company-name">${escapeHtml(companyName)}</p>
<p>It will be able to read and change your data with the same access as you (<span id="user-name">${escapeHtml(userName)}</span>) have, until you remove it in Settings &gt; Connected apps.</p>
<form method="post" action="" id="approve-form">
<input type="hidden" name="step" value="approve">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<button type="submit" name="action" value="approve" id="approve">Approve</button>
<button type="submit" name="action" value="cancel" id="cancel" class="secondary">Cancel</button>
</form>`,
  );
}

function errorPage(c: Context, message: string) {
  return c.html(page('Error', `<h1 id="page-title">Sorry, something went wrong</h1><p class="error" role="alert" id="error-message">${escapeHtml(message)}</p>`), 400);
}

const authorizeErrors: AuthorizeErrorPages = {
  unknownClient: 'The app you are trying to approve is not registered with FreeAgent (unknown client_id).',
  badRedirect: 'The redirect_uri does not match one registered for this app.',
  errorPage,
};

async function readForm(c: Context): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    const json = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    for (const [k, v] of Object.entries(json)) if (typeof v === 'string') out[k] = v;
  } else {
    const body = await c.req.parseBody();
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  }
  // FreeAgent's own curl example passes everything in the query string.
  for (const [k, v] of Object.entries(c.req.query())) out[k] ??= v;
  return out;
}

function issueTokens(state: SandboxState, grant: Grant) {
  const now = state.now();
  const accessToken = token();
  const refreshToken = token();
  state.accessTokens.set(accessToken, { grantId: grant.id, expiresAt: now + state.accessTokenSeconds * 1000 });
  state.refreshTokens.set(refreshToken, { grantId: grant.id, issuedAt: now });
  return {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: state.accessTokenSeconds,
    refresh_token: refreshToken,
    refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
  };
}

function findLogin(state: SandboxState, email: string) {
  for (const company of state.companies.values()) {
    const user = company.data.users.find((u) => u.email.toLowerCase() === email);
    if (user) return { company, user };
  }
  return undefined;
}

export function registerOAuthRoutes(app: Hono, state: SandboxState): void {
  const appName = (client: SandboxClient) => client.name ?? 'Bookbridge';

  app.get('/api/v2/approve_app', (c) => {
    const checked = checkAuthorizeRequest(c, state.clients, authorizeErrors);
    if (!checked.ok) return checked.response;
    const { q, client, redirectUri } = checked;
    const id = token();
    state.pending.set(id, { id, clientId: client.id, redirectUri, state: q.state, expiresAt: state.now() + PAGE_LIFETIME_MS });
    return c.html(signInPage(id, appName(client)));
  });

  app.post('/api/v2/approve_app', async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const pending = state.pending.get(field('tx') ?? '');
    if (!pending || pending.expiresAt <= state.now()) return errorPage(c, 'This page has expired. Go back to the app and start again.');
    const client = state.clients.get(pending.clientId) as SandboxClient;
    if (field('step') === 'signin') {
      const login = findLogin(state, (field('email') ?? '').trim().toLowerCase());
      const password = field('password') ?? '';
      if (!login || !password || (login.user.password !== undefined && login.user.password !== password)) {
        return c.html(signInPage(pending.id, appName(client), 'Email or password is incorrect.'));
      }
      pending.login = { companyId: login.company.data.id, userId: login.user.id };
      return c.html(approvePage(pending.id, appName(client), login.company.data.name, `${login.user.firstName} ${login.user.lastName}`));
    }
    if (field('step') !== 'approve' || !pending.login) return errorPage(c, 'Please log in first.');
    state.pending.delete(pending.id);
    if (field('action') !== 'approve') return redirectWith(c, pending.redirectUri, { error: 'access_denied', state: pending.state });
    const code = token();
    state.codes.set(code, { clientId: client.id, redirectUri: pending.redirectUri, ...pending.login, expiresAt: state.now() + CODE_LIFETIME_MS, used: false });
    return redirectWith(c, pending.redirectUri, { code, state: pending.state });
  });

  app.post('/api/v2/token_endpoint', async (c) => {
    const form = await readForm(c);
    const client = requestClient(c, state.clients, form);
    if (!client) {
      // Rails' http_basic_authenticate answer.
      c.header('WWW-Authenticate', 'Basic realm="Application"');
      return c.text('HTTP Basic: Access denied.\n', 401);
    }
    const now = state.now();
    if (form.grant_type === 'authorization_code') {
      const code = state.codes.get(form.code ?? '');
      if (!code || !codeUsable(code, client.id, now)) {
        return tokenError(c, 'invalid_grant', 'The authorization code is invalid, expired or already used');
      }
      if (form.redirect_uri !== undefined && form.redirect_uri !== code.redirectUri) {
        return tokenError(c, 'invalid_grant', 'The redirect_uri does not match the one used in the authorization request');
      }
      code.used = true;
      const grant: Grant = { id: token(), clientId: client.id, companyId: code.companyId, userId: code.userId, revoked: false, createdAt: now };
      state.grants.set(grant.id, grant);
      state.stats.tokenExchanges++;
      return c.json(issueTokens(state, grant));
    }
    if (form.grant_type === 'refresh_token') {
      const live = refreshTokenGrant(state.refreshTokens, state.grants, form.refresh_token, client.id);
      if (!live) return tokenError(c, 'invalid_grant', 'The refresh token is invalid');
      const { record, grant } = live;
      // No idle limit: FreeAgent's refresh tokens last about 20 years; only the grace after rotation ends one.
      if (!refreshTokenAlive(record, now, { graceMs: state.refreshGraceMs })) return tokenError(c, 'invalid_grant', 'The refresh token has already been used');
      const limited = admit(state, [
        { key: `refresh:${grant.companyId}:${grant.userId}`, windowMs: 60_000, limit: state.limits.refreshesPerMinute, words: `${state.limits.refreshesPerMinute} requests per 60 seconds` },
      ]);
      if (!limited.ok) {
        state.stats.sent429++;
        c.header('Retry-After', String(limited.retryAfterSeconds));
        return c.text(`You must not exceed ${limited.words}`, 429);
      }
      record.rotatedAt ??= now;
      state.stats.tokenRefreshes++;
      return c.json(issueTokens(state, grant));
    }
    return tokenError(c, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
  });
}
