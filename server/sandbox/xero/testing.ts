/**
 * Drives the sandbox's sign-in, consent and organisation-choice pages the way a browser would
 * (GET the page, read its hidden fields, POST the form). Used by tests and the demo seeding.
 */
import { formPoster, hiddenField, unescapeHtml, type Fetcher } from '../common/testing.js';

export type { Fetcher };

export interface AuthorizeWithFormsOptions {
  email?: string;
  password?: string;
  /** Organisation names to tick; default: the first one offered (pre-ticked). */
  organisations?: string[];
  action?: 'allow' | 'deny';
}

export interface FormOrganisation {
  tenantId: string;
  name: string;
}

/** Organisations offered on the consent page. */
export function organisationsOnPage(html: string): FormOrganisation[] {
  const out: FormOrganisation[] = [];
  const re = /name="tenant" value="([^"]+)"[^>]*> ([^<]+)<\/label>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    out.push({ tenantId: m[1] as string, name: unescapeHtml(m[2] as string) });
  }
  return out;
}

/** Returns the redirect the authorize flow ends with (redirect_uri?code=…&state=…). */
export async function authorizeWithForms(fetcher: Fetcher, authorizeUrl: string, options: AuthorizeWithFormsOptions = {}): Promise<URL> {
  const first = await fetcher(authorizeUrl, { redirect: 'manual' });
  if (first.status !== 200) throw new Error(`Authorize page answered ${first.status}: ${await first.text()}`);
  const signIn = await first.text();
  const tx = hiddenField(signIn, 'tx');
  const post = formPoster(fetcher, authorizeUrl);
  const consentResponse = await post([
    ['step', 'signin'],
    ['tx', tx],
    ['email', options.email ?? 'demo@example.com'],
    ['password', options.password ?? 'any password'],
  ]);
  const consent = await consentResponse.text();
  if (!consent.includes('name="step" value="consent"')) throw new Error('Sign-in did not reach the consent page');
  const offered = organisationsOnPage(consent);
  const chosen = options.organisations
    ? offered.filter((o) => options.organisations?.includes(o.name))
    : offered.slice(0, 1);
  const final = await post([
    ['step', 'consent'],
    ['tx', hiddenField(consent, 'tx')],
    ...chosen.map((o): [string, string] => ['tenant', o.tenantId]),
    ['action', options.action ?? 'allow'],
  ]);
  const location = final.headers.get('location');
  if (final.status !== 302 || !location) throw new Error(`Consent answered ${final.status}: ${await final.text()}`);
  return new URL(location);
}

export interface SandboxTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope: string;
}

/** PKCE pair (RFC 7636 S256). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const { createHash, randomBytes } = await import('node:crypto');
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The whole connect flow without an OAuth library: authorize pages, then the code exchange with
 * Basic client authentication and PKCE. `base` is where the sandbox app is served.
 */
export async function connectSandbox(
  fetcher: Fetcher,
  base: string,
  client: { id: string; secret: string },
  options: AuthorizeWithFormsOptions & { scope?: string; redirectUri?: string } = {},
): Promise<SandboxTokens> {
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1/callback';
  const { verifier, challenge } = await pkcePair();
  const authorize = new URL(`${base}/login/identity/connect/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.id,
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid profile email offline_access accounting.settings accounting.contacts accounting.transactions accounting.attachments',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const back = await authorizeWithForms(fetcher, authorize.toString(), options);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`No code: ${back}`);
  const response = await fetcher(`${base}/identity/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  if (response.status !== 200) throw new Error(`Token exchange answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as SandboxTokens;
}
