/**
 * Drives the sandbox's sign-in, consent and organisation-choice pages the way a browser would
 * (GET the page, read its hidden fields, POST the form). Used by tests and the demo seeding.
 */
import { checkboxesOnPage, signInAndConsent, type Fetcher, type SignInAndConsentOptions } from '../common/testing.js';

export type { Fetcher };

export type AuthorizeWithFormsOptions = SignInAndConsentOptions;

export interface FormOrganisation {
  tenantId: string;
  name: string;
}

/** Organisations offered on the consent page. */
export function organisationsOnPage(html: string): FormOrganisation[] {
  return checkboxesOnPage(html, 'tenant').map((o) => ({ tenantId: o.value, name: o.name }));
}

/** Returns the redirect the authorize flow ends with (redirect_uri?code=…&state=…). */
export function authorizeWithForms(fetcher: Fetcher, authorizeUrl: string, options: AuthorizeWithFormsOptions = {}): Promise<URL> {
  return signInAndConsent(fetcher, authorizeUrl, 'tenant', options);
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
