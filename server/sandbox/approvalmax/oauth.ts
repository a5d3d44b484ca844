/**
 * identity.approvalmax.com: an IdentityServer with the authorization code flow (approvalmax.md
 * §1). The sign-in page, then the consent page where the user ticks the organisations to grant
 * (only those where they are Account Owner, Account Manager or Administrator); the token endpoint
 * (form-encoded, client id/secret in the body or Basic); access tokens for 1 hour; refresh tokens
 * only with `offline_access`, one-time use (rotated on every refresh) with a 30-day sliding
 * lifetime; and the standard revocation endpoint [? not confirmed for ApprovalMax].
 */
import type { Context, Hono } from 'hono';
import {
  bearerLookup,
  checkAuthorizeRequest,
  type AuthorizeErrorPages,
  formValues,
  opaqueToken as opaque,
  readForm,
  redeemCode,
  redirectWith,
  refreshTokenGrant,
  requestClient,
  tokenError,
} from '../common/oauth.js';
import { escapeHtml, themedPage, type PageTheme } from '../common/page.js';
import type { CompanyRecord, Grant, SandboxClient, SandboxState } from './state.js';

export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_SLIDING_MS = 30 * 86_400_000;
const CODE_LIFETIME_MS = 5 * 60_000;
const PAGE_LIFETIME_MS = 30 * 60_000;

export const READ_SCOPE = 'https://www.approvalmax.com/scopes/public_api/read';
export const WRITE_SCOPE = 'https://www.approvalmax.com/scopes/public_api/write';
/** The older combined scope ApprovalMax's own Power BI connector asks for. */
export const COMBINED_SCOPE = 'https://www.approvalmax.com/scopes/public_api';
export const knownScopes = new Set([READ_SCOPE, WRITE_SCOPE, COMBINED_SCOPE, 'offline_access', 'openid', 'profile', 'email']);


const theme: PageTheme = {
  brand: 'ApprovalMax',
  background: '#f2f4f7',
  text: '#1d2939',
  width: 440,
  inputBorder: '#ccd',
  button: '#4c6ef5',
  secondaryButton: '#e6e9ec',
  hint: { background: '#fff8e1', border: '#f3d36b' },
  error: '#b00020',
  extraCss: 'ul.scopes{padding-left:20px} .org{display:block;font-weight:400;margin:6px 0}\n.org.disabled{color:#98a2b3}',
};
const page = (title: string, body: string) => themedPage(theme, title, body);

function signInPage(pendingId: string, error?: string): string {
  return page(
    'Sign in',
    `<h1>Sign in to ApprovalMax</h1>
<p class="hint">Sandbox: sign in as <strong>demo@example.com</strong> (Account Owner of every organisation) with any password. priya.shah@example.com is only an approver.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="">
<input type="hidden" name="step" value="signin">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

const scopeWords: Record<string, string> = {
  [READ_SCOPE]: 'Read your organisations’ approval requests',
  [WRITE_SCOPE]: 'Change data in your organisations',
  [COMBINED_SCOPE]: 'Use the ApprovalMax Public API',
  offline_access: 'Keep access when you are not using the app',
};

function consentPage(pendingId: string, appName: string, scope: string[], companies: { company: CompanyRecord; allowed: boolean }[], error?: string): string {
  const scopes = scope.map((s) => `<li>${escapeHtml(scopeWords[s] ?? s)}</li>`).join('');
  const firstAllowed = companies.find((c) => c.allowed)?.company.companyId;
  const orgs = companies
    .map(({ company, allowed }) =>
      allowed
        ? `<label class="org"><input type="checkbox" name="company" value="${escapeHtml(company.companyId)}"${company.companyId === firstAllowed ? ' checked' : ''}> ${escapeHtml(company.name)}</label>`
        : `<label class="org disabled"><input type="checkbox" disabled> ${escapeHtml(company.name)} (only an Account Owner, Account Manager or Administrator can grant access)</label>`,
    )
    .join('');
  return page(
    'Grant access',
    `<h1>${escapeHtml(appName)} is requesting access</h1>
<p>The app will be able to:</p><ul class="scopes">${scopes}</ul>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="">
<input type="hidden" name="step" value="consent">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<fieldset><legend>Organisations to grant access to</legend>${orgs}</fieldset>
<button type="submit" name="action" value="allow">Grant access</button>
<button type="submit" name="action" value="deny" class="secondary">Cancel</button>
</form>`,
  );
}

function errorPage(c: Context, message: string) {
  return c.html(page('Error', `<h1>Sorry, there was an error</h1><p class="error" role="alert">${escapeHtml(message)}</p>`), 400);
}

const authorizeErrors: AuthorizeErrorPages = {
  unknownClient: 'unauthorized_client: unknown client.',
  badRedirect: 'invalid_request: invalid redirect_uri.',
  errorPage,
};

function issueTokens(state: SandboxState, grant: Grant) {
  const now = state.now();
  const accessToken = opaque();
  state.accessTokens.set(accessToken, { grantId: grant.id, expiresAt: now + ACCESS_TOKEN_SECONDS * 1000 });
  const body: Record<string, unknown> = {
    access_token: accessToken,
    expires_in: ACCESS_TOKEN_SECONDS,
    token_type: 'Bearer',
    scope: grant.scope.join(' '),
  };
  if (grant.scope.includes('offline_access')) {
    const refreshToken = opaque();
    state.refreshTokens.set(refreshToken, { grantId: grant.id, expiresAt: now + REFRESH_SLIDING_MS, used: false, revoked: false });
    body.refresh_token = refreshToken;
  }
  return body;
}

export type BearerCheck = { ok: true; grant: Grant } | { ok: false; wwwAuthenticate: string };

/** A JwtBearer-style check: 401 with a WWW-Authenticate challenge and no body. */
export function checkBearer(state: SandboxState, header: string | undefined): BearerCheck {
  const { token, record, grant } = bearerLookup(state, header);
  if (!token) return { ok: false, wwwAuthenticate: 'Bearer' };
  if (!record || !grant || grant.revoked) return { ok: false, wwwAuthenticate: 'Bearer error="invalid_token"' };
  if (record.expiresAt <= state.now()) {
    return {
      ok: false,
      wwwAuthenticate: `Bearer error="invalid_token", error_description="The token expired at '${new Date(record.expiresAt).toUTCString()}'"`,
    };
  }
  return { ok: true, grant };
}

export function hasReadScope(grant: Grant): boolean {
  return grant.scope.includes(READ_SCOPE) || grant.scope.includes(COMBINED_SCOPE);
}

export function registerIdentityRoutes(app: Hono, state: SandboxState): void {
  const appName = (client: SandboxClient) => client.name ?? 'Bookbridge';
  const companiesFor = (userId: string) =>
    [...state.companies.values()]
      .filter((c) => c.administrators.includes(userId) || c.approvers.includes(userId))
      .map((company) => ({ company, allowed: company.administrators.includes(userId) }));

  app.get('/identity/connect/authorize', (c) => {
    const checked = checkAuthorizeRequest(c, state.clients, authorizeErrors);
    if (!checked.ok) return checked.response;
    const { q, client, redirectUri } = checked;
    const scope = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
    if (scope.length === 0 || scope.some((s) => !knownScopes.has(s))) return redirectWith(c, redirectUri, { error: 'invalid_scope', state: q.state });
    if (q.code_challenge && q.code_challenge_method !== 'S256') {
      return redirectWith(c, redirectUri, { error: 'invalid_request', error_description: 'Transform algorithm not supported', state: q.state });
    }
    const id = opaque(24);
    state.pending.set(id, {
      id,
      clientId: client.id,
      redirectUri,
      scope,
      state: q.state,
      codeChallenge: q.code_challenge,
      expiresAt: state.now() + PAGE_LIFETIME_MS,
    });
    return c.html(signInPage(id));
  });

  app.post('/identity/connect/authorize', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const pending = state.pending.get(field('tx') ?? '');
    if (!pending || pending.expiresAt <= state.now()) return errorPage(c, 'This sign-in has expired. Go back to the app and start again.');
    const client = state.clients.get(pending.clientId) as SandboxClient;
    if (field('step') === 'signin') {
      const email = (field('email') ?? '').trim().toLowerCase();
      const user = state.users.find((u) => u.email === email);
      if (!user || !field('password')) return c.html(signInPage(pending.id, 'Invalid email or password.'));
      pending.userId = user.userId;
      const companies = companiesFor(user.userId);
      if (!companies.some((x) => x.allowed)) {
        state.pending.delete(pending.id);
        return errorPage(c, 'Only an Account Owner, Account Manager or Administrator of an organisation can grant an app access to it.');
      }
      return c.html(consentPage(pending.id, appName(client), pending.scope, companies));
    }
    const user = state.users.find((u) => u.userId === pending.userId);
    if (field('step') !== 'consent' || !user) return errorPage(c, 'Please sign in first.');
    if (field('action') === 'deny') {
      state.pending.delete(pending.id);
      return redirectWith(c, pending.redirectUri, { error: 'access_denied', state: pending.state });
    }
    const ticked = formValues(form, 'company');
    const allowed = new Set(companiesFor(user.userId).filter((x) => x.allowed).map((x) => x.company.companyId));
    const chosen = ticked.filter((id) => allowed.has(id));
    if (chosen.length === 0) {
      return c.html(consentPage(pending.id, appName(client), pending.scope, companiesFor(user.userId), 'Choose at least one organisation.'));
    }
    state.pending.delete(pending.id);
    const code = opaque();
    state.codes.set(code, {
      clientId: client.id,
      redirectUri: pending.redirectUri,
      userId: user.userId,
      scope: pending.scope,
      companyIds: chosen,
      codeChallenge: pending.codeChallenge,
      expiresAt: state.now() + CODE_LIFETIME_MS,
      used: false,
    });
    return redirectWith(c, pending.redirectUri, { code, scope: pending.scope.join(' '), state: pending.state, session_state: opaque(16) });
  });

  app.post('/identity/connect/token', async (c) => {
    const form = await readForm(c);
    const client = requestClient(c, state.clients, form);
    if (!client) return tokenError(c, 'invalid_client');
    const now = state.now();
    if (form.grant_type === 'authorization_code') {
      const code = redeemCode(state.codes, form, client.id, now);
      if (!code) return tokenError(c, 'invalid_grant');
      const grant: Grant = { id: opaque(16), userId: code.userId, clientId: client.id, scope: code.scope, companyIds: code.companyIds, revoked: false };
      state.grants.set(grant.id, grant);
      state.stats.tokenExchanges++;
      return c.json(issueTokens(state, grant));
    }
    if (form.grant_type === 'refresh_token') {
      const live = refreshTokenGrant(state.refreshTokens, state.grants, form.refresh_token, client.id);
      if (!live) return tokenError(c, 'invalid_grant');
      const { record, grant } = live;
      if (record.revoked || record.used || record.expiresAt <= now) return tokenError(c, 'invalid_grant');
      record.used = true;
      state.stats.tokenRefreshes++;
      return c.json(issueTokens(state, grant));
    }
    return tokenError(c, 'unsupported_grant_type');
  });

  app.post('/identity/connect/revocation', async (c) => {
    const form = await readForm(c);
    const client = requestClient(c, state.clients, form);
    if (!client) return tokenError(c, 'invalid_client');
    const record = state.refreshTokens.get(form.token ?? '');
    const grant = record ? state.grants.get(record.grantId) : undefined;
    if (record && grant?.clientId === client.id) {
      // Revoking a refresh token ends its grant's refresh chain; issued access tokens run out.
      for (const r of state.refreshTokens.values()) if (r.grantId === grant.id) r.revoked = true;
      state.stats.revocations++;
    }
    return c.body(null, 200);
  });

  app.get('/identity/.well-known/openid-configuration', (c) => {
    const url = new URL(c.req.url);
    const issuer = `${url.origin}${url.pathname.slice(0, url.pathname.indexOf('/.well-known'))}`;
    return c.json({
      issuer,
      authorization_endpoint: `${issuer}/connect/authorize`,
      token_endpoint: `${issuer}/connect/token`,
      revocation_endpoint: `${issuer}/connect/revocation`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['plain', 'S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: [...knownScopes],
    });
  });
}
