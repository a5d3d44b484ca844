/**
 * Drives the sandbox's country, sign-in and allow-access pages the way a browser would (GET the
 * page, read its hidden fields, POST the form). Used by tests and the demo seeding.
 */
import { formPoster, hiddenField, type Fetcher } from '../common/testing.js';

export type { Fetcher };

export interface AuthorizeWithFormsOptions {
  email?: string;
  password?: string;
  /** Picked on the country page when the authorize URL has no `country` (default gb). */
  country?: string;
  action?: 'allow' | 'deny';
}

/** Returns the redirect the flow ends with (redirect_uri?code=…&country=…&state=…, or an error). */
export async function authorizeWithForms(fetcher: Fetcher, authorizeUrl: string, options: AuthorizeWithFormsOptions = {}): Promise<URL> {
  const first = await fetcher(authorizeUrl, { redirect: 'manual' });
  if (first.status !== 200) throw new Error(`Authorize page answered ${first.status}: ${await first.text()}`);
  let html = await first.text();
  const post = formPoster(fetcher, authorizeUrl);
  const redirectOf = async (response: Response) => {
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`Expected a redirect, got ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return new URL(location);
  };
  if (html.includes('name="step" value="country"')) {
    html = await (await post([['tx', hiddenField(html, 'tx')], ['step', 'country'], ['country', options.country ?? 'gb']])).text();
  }
  if (!html.includes('name="step" value="signin"')) throw new Error('The flow did not reach the sign-in page');
  const signedIn = await post([
    ['tx', hiddenField(html, 'tx')],
    ['step', 'signin'],
    ['email', options.email ?? 'demo@example.com'],
    ['password', options.password ?? 'any password'],
  ]);
  if (signedIn.status === 302) return redirectOf(signedIn);
  html = await signedIn.text();
  if (!html.includes('name="step" value="consent"')) throw new Error('Sign-in did not reach the allow-access page');
  return redirectOf(await post([['tx', hiddenField(html, 'tx')], ['step', 'consent'], ['action', options.action ?? 'allow']]));
}
