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
