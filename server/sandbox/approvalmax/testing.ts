/**
 * Drives the sandbox's sign-in and consent pages the way a browser would (GET the page, read its
 * hidden fields, POST the form). Used by tests and the demo.
 */
import { formPoster, hiddenField, unescapeHtml as unescape, type Fetcher } from '../common/testing.js';

export type { Fetcher };

export interface AuthorizeWithFormsOptions {
  email?: string;
  password?: string;
  /** Organisation names to tick; default: the first one offered (pre-ticked). */
  organisations?: string[];
  action?: 'allow' | 'deny';
}

/** Organisations the consent page lets the user tick. */
export function organisationsOnPage(html: string): { companyId: string; name: string }[] {
  const out: { companyId: string; name: string }[] = [];
  const re = /name="company" value="([^"]+)"[^>]*> ([^<]+)<\/label>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) out.push({ companyId: m[1] as string, name: unescape(m[2] as string) });
  return out;
}

/** Returns the redirect the authorize flow ends with (redirect_uri?code=…&state=…). */
export async function authorizeWithForms(fetcher: Fetcher, authorizeUrl: string, options: AuthorizeWithFormsOptions = {}): Promise<URL> {
  const first = await fetcher(authorizeUrl, { redirect: 'manual' });
  if (first.status !== 200) throw new Error(`Authorize page answered ${first.status}: ${await first.text()}`);
  const signIn = await first.text();
  const post = formPoster(fetcher, authorizeUrl);
  const consentResponse = await post([
    ['step', 'signin'],
    ['tx', hiddenField(signIn, 'tx')],
    ['email', options.email ?? 'demo@example.com'],
    ['password', options.password ?? 'any password'],
  ]);
  const consent = await consentResponse.text();
  if (!consent.includes('name="step" value="consent"')) {
    const alert = /role="alert">([^<]*)</.exec(consent)?.[1];
    throw new Error(`Sign-in did not reach the consent page: ${alert ? unescape(alert) : consent.slice(0, 300)}`);
  }
  const offered = organisationsOnPage(consent);
  const chosen = options.organisations ? offered.filter((o) => options.organisations?.includes(o.name)) : offered.slice(0, 1);
  const final = await post([
    ['step', 'consent'],
    ['tx', hiddenField(consent, 'tx')],
    ...chosen.map((o): [string, string] => ['company', o.companyId]),
    ['action', options.action ?? 'allow'],
  ]);
  const location = final.headers.get('location');
  if (final.status !== 302 || !location) throw new Error(`Consent answered ${final.status}: ${await final.text()}`);
  return new URL(location);
}
