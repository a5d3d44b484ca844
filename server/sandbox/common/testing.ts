/**
 * What the sandboxes' form drivers (each sandbox's testing.ts) share: they read the sign-in and
 * consent pages' hidden fields and post the forms back the way a browser would. Used by tests and
 * the demo seeding, never by the product.
 */
export type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

/** Undoes the sandbox pages' escaping (every special character written as `&#N;`). */
export function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The value of a form field on the page (`name="…" value="…"`). */
export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`The page has no field ${name}`);
  return unescapeHtml(m[1] as string);
}

/** Posts form fields to the authorize URL, not following redirects (the test reads them). */
export function formPoster(fetcher: Fetcher, url: string): (fields: [string, string][]) => Promise<Response> {
  return (fields) =>
    fetcher(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
}

/** The ticked-or-not checkboxes named `field` on a consent page, each with its label. */
export function checkboxesOnPage(html: string, field: string): { value: string; name: string }[] {
  const out: { value: string; name: string }[] = [];
  const re = new RegExp(`name="${field}" value="([^"]+)"[^>]*> ([^<]+)</label>`, 'g');
  for (let m = re.exec(html); m; m = re.exec(html)) out.push({ value: m[1] as string, name: unescapeHtml(m[2] as string) });
  return out;
}

export interface SignInAndConsentOptions {
  email?: string;
  password?: string;
  /** Organisation names to tick; default: the first one offered (pre-ticked). */
  organisations?: string[];
  action?: 'allow' | 'deny';
}

/**
 * The sign-in page then the consent page of the sandboxes that ask both on their authorize URL
 * (Xero, ApprovalMax); the organisations are checkboxes named `organisationField` (each
 * provider's own word). Returns the redirect the flow ends with (redirect_uri?code=…&state=…).
 */
export async function signInAndConsent(fetcher: Fetcher, authorizeUrl: string, organisationField: string, options: SignInAndConsentOptions): Promise<URL> {
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
    throw new Error(`Sign-in did not reach the consent page: ${alert ? unescapeHtml(alert) : consent.slice(0, 300)}`);
  }
  const offered = checkboxesOnPage(consent, organisationField);
  const chosen = options.organisations ? offered.filter((o) => options.organisations?.includes(o.name)) : offered.slice(0, 1);
  const final = await post([
    ['step', 'consent'],
    ['tx', hiddenField(consent, 'tx')],
    ...chosen.map((o): [string, string] => [organisationField, o.value]),
    ['action', options.action ?? 'allow'],
  ]);
  const location = final.headers.get('location');
  if (final.status !== 302 || !location) throw new Error(`Consent answered ${final.status}: ${await final.text()}`);
  return new URL(location);
}
