/**
 * Drives the sandbox's sign-in and consent pages the way a browser would (GET the page, read its
 * hidden fields, POST the form). Used by tests and the demo.
 */
import { checkboxesOnPage, signInAndConsent, type Fetcher, type SignInAndConsentOptions } from '../common/testing.js';

export type { Fetcher };

export type AuthorizeWithFormsOptions = SignInAndConsentOptions;

/** Organisations the consent page lets the user tick. */
export function organisationsOnPage(html: string): { companyId: string; name: string }[] {
  return checkboxesOnPage(html, 'company').map((o) => ({ companyId: o.value, name: o.name }));
}

/** Returns the redirect the authorize flow ends with (redirect_uri?code=…&state=…). */
export function authorizeWithForms(fetcher: Fetcher, authorizeUrl: string, options: AuthorizeWithFormsOptions = {}): Promise<URL> {
  return signInAndConsent(fetcher, authorizeUrl, 'company', options);
}
