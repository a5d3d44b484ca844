/**
 * Xero's identity side: the sign-in, consent and organisation-choice pages on login.xero.com,
 * the token and revocation endpoints on identity.xero.com, and the connections list on
 * api.xero.com. Lifetimes follow developer.xero.com/faq/oauth2: access tokens 30 minutes,
 * refresh tokens rotate on use with the previous one honoured for 30 minutes, and die after
 * 60 days unused.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Context, Hono } from 'hono';
import {
  bearerLookup,
  checkAuthorizeRequest,
  type AuthorizeErrorPages,
  formValues,
  readForm,
  redeemCode,
  redirectWith,
  refreshTokenAlive,
  refreshTokenGrant,
  requestClient,
  tokenError,
} from '../common/oauth.js';
import { escapeHtml, themedPage, type PageTheme } from '../common/page.js';
import { connectionDate } from './dates.js';
import type { Connection, Grant, SandboxClient, SandboxState } from './state.js';

export const ACCESS_TOKEN_SECONDS = 30 * 60;
export const REFRESH_GRACE_MS = 30 * 60_000;
export const REFRESH_IDLE_MS = 60 * 86_400_000;
const CODE_LIFETIME_MS = 5 * 60_000;
const PAGE_LIFETIME_MS = 30 * 60_000;

/** Scopes Xero accepts: OIDC, the broad accounting scopes and the 2026 granular ones. */
export const knownScopes = new Set([
  'openid', 'profile', 'email', 'offline_access',
  'accounting.settings', 'accounting.settings.read',
  'accounting.contacts', 'accounting.contacts.read',
  'accounting.transactions', 'accounting.transactions.read',
  'accounting.attachments', 'accounting.attachments.read',
  'accounting.reports.read', 'accounting.journals.read', 'accounting.budgets.read',
  'accounting.invoices', 'accounting.invoices.read',
  'accounting.payments', 'accounting.payments.read',
  'accounting.banktransactions', 'accounting.banktransactions.read',
  'accounting.manualjournals', 'accounting.manualjournals.read',
]);

// --- signing -------------------------------------------------------------------------------

let signingKey: { privateKey: KeyObject; publicJwk: Record<string, unknown>; kid: string } | undefined;

/** One RSA key per process (made on first use): tokens are JWTs signed RS256, as Xero's are. */
function key() {
  if (!signingKey) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const kid = createHash('sha256').update(JSON.stringify(publicJwk)).digest('hex').slice(0, 32).toUpperCase();
    signingKey = { privateKey, publicJwk: { ...publicJwk, kid, use: 'sig', alg: 'RS256' }, kid };
  }
  return signingKey;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function jwt(claims: Record<string, unknown>): string {
  const { privateKey, kid } = key();
  const header = b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

function opaque(): string {
  return randomBytes(32).toString('hex').toUpperCase();
}

// --- helpers -------------------------------------------------------------------------------

/** The base URL of one of the emulated hosts as the caller sees it (works under any mount path). */
export function hostBase(c: Context, host: 'login' | 'identity' | 'api'): string {
  const url = new URL(c.req.url);
  const marker = `/${host}/`;
  const at = url.pathname.indexOf(marker);
  // Behind a TLS-terminating proxy the issuer must still read as the public URL the adapter uses.
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  const forwardedHost = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
  const origin = `${proto ? `${proto}:` : url.protocol}//${forwardedHost ?? url.host}`;
  return `${origin}${at >= 0 ? url.pathname.slice(0, at + marker.length - 1) : ''}`;
}


const theme: PageTheme = {
  brand: 'Xero',
  background: '#f4f6f8',
  text: '#1e3140',
  width: 420,
  inputBorder: '#ccd',
  button: '#13b5ea',
  secondaryButton: '#e6e9ec',
  hint: { background: '#fff8e1', border: '#f3d36b' },
  error: '#b00020',
  extraCss: 'ul.scopes{padding-left:20px} .org{display:block;font-weight:400;margin:6px 0}',
};
const page = (title: string, body: string) => themedPage(theme, title, body);

function signInPage(pendingId: string, appName: string, error?: string): string {
  return page(
    'Log in',
    `<h1>Log in to Xero</h1>
<p>to continue to <strong>${escapeHtml(appName)}</strong></p>
<p class="hint">Sandbox: sign in as <strong>demo@example.com</strong> (or accountant@example.com) with any password.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="">
<input type="hidden" name="step" value="signin">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>`,
  );
}

const scopeWords: Record<string, string> = {
  openid: 'Verify your identity',
  profile: 'View your name',
  email: 'View your email address',
  offline_access: 'Keep access when you are not using the app',
  'accounting.settings': 'View and manage your organisation settings',
  'accounting.settings.read': 'View your organisation settings',
  'accounting.contacts': 'View and manage your contacts',
  'accounting.contacts.read': 'View your contacts',
  'accounting.transactions': 'View and manage your business transactions',
  'accounting.transactions.read': 'View your business transactions',
  'accounting.attachments': 'View and manage your attachments',
  'accounting.attachments.read': 'View your attachments',
};

function consentPage(
  pendingId: string,
  appName: string,
  scope: string[],
  organisations: { tenantId: string; name: string }[],
  error?: string,
): string {
  const scopes = scope.map((s) => `<li>${escapeHtml(scopeWords[s] ?? s)} <code>${escapeHtml(s)}</code></li>`).join('');
  const orgs = organisations
    .map(
      (o, i) =>
        `<label class="org"><input type="checkbox" name="tenant" value="${escapeHtml(o.tenantId)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(o.name)}</label>`,
    )
    .join('');
  return page(
    'Allow access',
    `<h1>${escapeHtml(appName)} wants to access your Xero data</h1>
<p>This app will be able to:</p><ul class="scopes">${scopes}</ul>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="">
<input type="hidden" name="step" value="consent">
<input type="hidden" name="tx" value="${escapeHtml(pendingId)}">
<fieldset><legend>Choose the organisations to connect</legend>${orgs}</fieldset>
<button type="submit" name="action" value="allow">Allow access</button>
<button type="submit" name="action" value="deny" class="secondary">Cancel</button>
</form>`,
  );
}

function errorPage(c: Context, message: string) {
  return c.html(page('Error', `<h1>Sorry, something went wrong</h1><p class="error" role="alert">${escapeHtml(message)}</p>`), 400);
}

const authorizeErrors: AuthorizeErrorPages = {
  unknownClient: 'Invalid client_id: unauthorized_client.',
  badRedirect: 'Invalid redirect_uri: it does not match one registered for this app.',
  errorPage,
};

function issueTokens(c: Context, state: SandboxState, grant: Grant, withIdToken: boolean, nonce?: string) {
  const now = state.now();
  const nowSeconds = Math.floor(now / 1000);
  const issuer = hostBase(c, 'identity');
  const user = state.users.find((u) => u.userId === grant.userId);
  const accessToken = jwt({
    nbf: nowSeconds,
    exp: nowSeconds + ACCESS_TOKEN_SECONDS,
    iss: issuer,
    aud: `${issuer}/resources`,
    client_id: grant.clientId,
    sub: grant.userId.replace(/-/g, ''),
    auth_time: Math.floor(grant.authTime / 1000),
    xero_userid: grant.userId,
    global_session_id: grant.sessionId,
    sid: grant.sessionId,
    jti: opaque().slice(0, 32),
    authentication_event_id: grant.authEventId,
    scope: grant.scope,
  });
  state.accessTokens.set(accessToken, { grantId: grant.id, expiresAt: now + ACCESS_TOKEN_SECONDS * 1000 });
  const body: Record<string, unknown> = {
    access_token: accessToken,
    expires_in: ACCESS_TOKEN_SECONDS,
    token_type: 'Bearer',
    scope: grant.scope.join(' '),
  };
  if (grant.scope.includes('offline_access')) {
    const refreshToken = opaque();
    state.refreshTokens.set(refreshToken, { grantId: grant.id, issuedAt: now });
    body.refresh_token = refreshToken;
  }
  if (withIdToken && grant.scope.includes('openid') && user) {
    body.id_token = jwt({
      nbf: nowSeconds,
      exp: nowSeconds + 300,
      iss: issuer,
      aud: grant.clientId,
      iat: nowSeconds,
      at_hash: b64url(createHash('sha256').update(accessToken).digest().subarray(0, 16)),
      sid: grant.sessionId,
      sub: grant.userId.replace(/-/g, ''),
      auth_time: Math.floor(grant.authTime / 1000),
      xero_userid: grant.userId,
      global_session_id: grant.sessionId,
      ...(nonce ? { nonce } : {}),
      ...(grant.scope.includes('email') ? { email: user.email } : {}),
      ...(grant.scope.includes('profile')
        ? { given_name: user.firstName, family_name: user.lastName, preferred_username: user.email }
        : {}),
    });
  }
  return body;
}

/** Revokes every grant the user gave this client and removes their connections (Xero's revocation). */
export function revokeUserGrants(state: SandboxState, userId: string, clientId: string): void {
  for (const grant of state.grants.values()) {
    if (grant.userId === userId && grant.clientId === clientId) grant.revoked = true;
  }
  for (const [id, connection] of state.connections) {
    if (connection.userId === userId && connection.clientId === clientId) state.connections.delete(id);
  }
}

// --- bearer authentication for api.xero.com -------------------------------------------------

export type BearerCheck =
  | { ok: true; grant: Grant }
  | { ok: false; status: 401; detail: string; wwwAuthenticate: string };

/** Xero's problem-details error body for 401/403. */
export function problem(status: 401 | 403, detail: string) {
  return {
    Type: null,
    Title: status === 401 ? 'Unauthorized' : 'Forbidden',
    Status: status,
    Detail: detail,
    Instance: crypto.randomUUID(),
    Extensions: {},
  };
}

function formatExpiry(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function checkBearer(state: SandboxState, header: string | undefined): BearerCheck {
  const { record, grant } = bearerLookup(state, header);
  if (!record || !grant || grant.revoked) {
    return {
      ok: false,
      status: 401,
      detail: 'AuthenticationUnsuccessful',
      wwwAuthenticate: 'Bearer error="invalid_token"',
    };
  }
  if (record.expiresAt <= state.now()) {
    const when = formatExpiry(record.expiresAt);
    return {
      ok: false,
      status: 401,
      detail: `TokenExpired: token expired at ${when}`,
      wwwAuthenticate: `Bearer error="invalid_token", error_description="The token expired at '${when}'"`,
    };
  }
  return { ok: true, grant };
}

export function connectionFor(state: SandboxState, grant: Grant, tenantId: string): Connection | undefined {
  for (const connection of state.connections.values()) {
    if (connection.userId === grant.userId && connection.clientId === grant.clientId && connection.tenantId === tenantId) {
      return connection;
    }
  }
  return undefined;
}

// --- routes ----------------------------------------------------------------------------------

export function registerIdentityRoutes(app: Hono, state: SandboxState): void {
  const appName = (client: SandboxClient) => client.name ?? 'Bookbridge';

  app.get('/login/identity/connect/authorize', (c) => {
    const checked = checkAuthorizeRequest(c, state.clients, authorizeErrors);
    if (!checked.ok) return checked.response;
    const { q, client, redirectUri } = checked;
    const scope = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
    const unknown = scope.find((s) => !knownScopes.has(s));
    if (scope.length === 0 || unknown) {
      return redirectWith(c, redirectUri, { error: 'invalid_scope', state: q.state });
    }
    if (q.code_challenge && q.code_challenge_method !== 'S256') {
      return redirectWith(c, redirectUri, {
        error: 'invalid_request',
        error_description: 'code_challenge_method must be S256',
        state: q.state,
      });
    }
    const id = opaque();
    state.pending.set(id, {
      id,
      clientId: client.id,
      redirectUri,
      scope,
      state: q.state,
      nonce: q.nonce,
      codeChallenge: q.code_challenge,
      codeChallengeMethod: q.code_challenge ? 'S256' : undefined,
      expiresAt: state.now() + PAGE_LIFETIME_MS,
    });
    return c.html(signInPage(id, appName(client)));
  });

  app.post('/login/identity/connect/authorize', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const field = (name: string) => {
      const v = form[name];
      return typeof v === 'string' ? v : undefined;
    };
    const pending = state.pending.get(field('tx') ?? '');
    if (!pending || pending.expiresAt <= state.now()) {
      return errorPage(c, 'This sign-in has expired. Go back to the app and start again.');
    }
    const client = state.clients.get(pending.clientId) as SandboxClient;
    if (field('step') === 'signin') {
      const email = (field('email') ?? '').trim().toLowerCase();
      const user = state.users.find((u) => u.email === email);
      if (!user || !field('password')) {
        return c.html(signInPage(pending.id, appName(client), 'Your email or password is incorrect.'), 200);
      }
      pending.userId = user.userId;
      return c.html(consentPage(pending.id, appName(client), pending.scope, organisationsOf(state, user.tenantIds)));
    }
    if (field('step') !== 'consent' || !pending.userId) return errorPage(c, 'Please sign in first.');
    const user = state.users.find((u) => u.userId === pending.userId);
    if (!user) return errorPage(c, 'Please sign in first.');
    if (field('action') === 'deny') {
      state.pending.delete(pending.id);
      return redirectWith(c, pending.redirectUri, { error: 'access_denied', state: pending.state });
    }
    const chosen = formValues(form, 'tenant').filter((t) => user.tenantIds.includes(t));
    if (chosen.length === 0) {
      return c.html(
        consentPage(pending.id, appName(client), pending.scope, organisationsOf(state, user.tenantIds), 'Choose at least one organisation.'),
        200,
      );
    }
    state.pending.delete(pending.id);
    const now = state.now();
    const authEventId = state.ids.uuid();
    for (const tenantId of chosen) {
      const existing = [...state.connections.values()].find(
        (x) => x.userId === user.userId && x.clientId === client.id && x.tenantId === tenantId,
      );
      if (existing) {
        existing.authEventId = authEventId;
        existing.updatedAt = now;
      } else {
        const id = state.ids.uuid();
        state.connections.set(id, { id, userId: user.userId, clientId: client.id, tenantId, authEventId, createdAt: now, updatedAt: now });
      }
    }
    const code = opaque().slice(0, 43);
    state.codes.set(code, {
      clientId: client.id,
      redirectUri: pending.redirectUri,
      userId: user.userId,
      scope: pending.scope,
      authEventId,
      nonce: pending.nonce,
      codeChallenge: pending.codeChallenge,
      codeChallengeMethod: pending.codeChallengeMethod,
      expiresAt: now + CODE_LIFETIME_MS,
      used: false,
    });
    return redirectWith(c, pending.redirectUri, {
      code,
      scope: pending.scope.join(' '),
      state: pending.state,
      session_state: opaque().slice(0, 24),
    });
  });

  app.post('/identity/connect/token', async (c) => {
    const form = await readForm(c);
    const client = requestClient(c, state.clients, form);
    if (!client) return tokenError(c, 'invalid_client');
    const now = state.now();
    if (form.grant_type === 'authorization_code') {
      const code = redeemCode(state.codes, form, client.id, now);
      if (!code) return tokenError(c, 'invalid_grant');
      const grant: Grant = {
        id: opaque(),
        userId: code.userId,
        clientId: client.id,
        scope: code.scope,
        authEventId: code.authEventId,
        sessionId: opaque().slice(0, 32).toLowerCase(),
        authTime: now,
        revoked: false,
      };
      state.grants.set(grant.id, grant);
      state.stats.tokenExchanges++;
      return c.json(issueTokens(c, state, grant, true, code.nonce));
    }
    if (form.grant_type === 'refresh_token') {
      const live = refreshTokenGrant(state.refreshTokens, state.grants, form.refresh_token, client.id);
      if (!live) return tokenError(c, 'invalid_grant');
      const { record, grant } = live;
      if (!refreshTokenAlive(record, now, { graceMs: REFRESH_GRACE_MS, idleMs: REFRESH_IDLE_MS })) return tokenError(c, 'invalid_grant');
      record.rotatedAt ??= now;
      state.stats.tokenRefreshes++;
      return c.json(issueTokens(c, state, grant, true));
    }
    return tokenError(c, 'unsupported_grant_type');
  });

  app.post('/identity/connect/revocation', async (c) => {
    const form = await readForm(c);
    const client = requestClient(c, state.clients, form);
    if (!client) return tokenError(c, 'invalid_client');
    const record = state.refreshTokens.get(form.token ?? '');
    const grant = record ? state.grants.get(record.grantId) : undefined;
    if (grant && grant.clientId === client.id) revokeUserGrants(state, grant.userId, client.id);
    return c.body(null, 200);
  });

  app.get('/identity/.well-known/openid-configuration', (c) => {
    const issuer = hostBase(c, 'identity');
    return c.json({
      issuer,
      authorization_endpoint: `${hostBase(c, 'identity').replace(/\/identity$/, '/login')}/identity/connect/authorize`,
      token_endpoint: `${issuer}/connect/token`,
      revocation_endpoint: `${issuer}/connect/revocation`,
      jwks_uri: `${issuer}/.well-known/openid-configuration/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: [...knownScopes],
    });
  });
  app.get('/identity/.well-known/openid-configuration/jwks', (c) => c.json({ keys: [key().publicJwk] }));

  // --- connections (api.xero.com/connections) ---
  const listConnections = (c: Context) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    if (!auth.ok) {
      c.header('WWW-Authenticate', auth.wwwAuthenticate);
      return c.json(problem(401, auth.detail), 401);
    }
    const filter = c.req.query('authEventId');
    const rows = [...state.connections.values()]
      .filter((x) => x.userId === auth.grant.userId && x.clientId === auth.grant.clientId)
      .filter((x) => !filter || x.authEventId === filter)
      .map((x) => ({
        id: x.id,
        authEventId: x.authEventId,
        tenantId: x.tenantId,
        tenantType: 'ORGANISATION',
        tenantName: state.organisations.get(x.tenantId)?.data.name ?? '',
        createdDateUtc: connectionDate(x.createdAt),
        updatedDateUtc: connectionDate(x.updatedAt),
      }));
    return c.json(rows);
  };
  const deleteConnection = (c: Context) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    if (!auth.ok) {
      c.header('WWW-Authenticate', auth.wwwAuthenticate);
      return c.json(problem(401, auth.detail), 401);
    }
    const connection = state.connections.get(c.req.param('id') ?? '');
    if (!connection || connection.userId !== auth.grant.userId || connection.clientId !== auth.grant.clientId) {
      return c.body(null, 404);
    }
    state.connections.delete(connection.id);
    return c.body(null, 204);
  };
  for (const path of ['/api/connections', '/api/Connections']) {
    app.get(path, listConnections);
    app.delete(`${path}/:id`, deleteConnection);
  }
}

function organisationsOf(state: SandboxState, tenantIds: string[]) {
  return tenantIds.map((tenantId) => ({ tenantId, name: state.organisations.get(tenantId)?.data.name ?? tenantId }));
}
