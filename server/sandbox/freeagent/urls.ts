/**
 * FreeAgent identifies every resource by its URL (`https://api.freeagent.com/v2/contacts/123`).
 * The sandbox makes those URLs from the base the caller used, so they work wherever the
 * sandbox is mounted (`<url>/api` in tests, `/sandbox/freeagent/api` in the companion), and
 * reads a URL sent back by its path: any host, `/v2/<resource>/<id>` at the end.
 */
import type { Context } from 'hono';

/** `http://127.0.0.1:4321/api` for a request to `http://127.0.0.1:4321/api/v2/bills?page=2`. */
export function apiBase(c: Context): string {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf('/v2/');
  const path = at >= 0 ? url.pathname.slice(0, at) : url.pathname.replace(/\/v2$/, '');
  return `${url.origin}${path}`;
}

export function resourceUrl(base: string, resource: string, id: number | string): string {
  return `${base}/v2/${resource}/${id}`;
}

/** The id in `…/v2/<resource>/<id>` (or a bare id); undefined for anything else. */
export function idFromUrl(value: unknown, resource: string): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^[\w-]+$/.test(text)) return text;
  let path: string;
  try {
    path = new URL(text).pathname;
  } catch {
    path = text;
  }
  const m = new RegExp(`/v2/${resource}/([\\w-]+)/?$`).exec(path);
  return m?.[1];
}

export function numericIdFromUrl(value: unknown, resource: string): number | undefined {
  const id = idFromUrl(value, resource);
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined;
}

/** RFC 5988 Link header as FreeAgent sends it: prev, next, first, last. */
export function linkHeader(requestUrl: string, page: number, lastPage: number): string {
  const at = (n: number) => {
    const u = new URL(requestUrl);
    u.searchParams.set('page', String(n));
    return `<${u.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${at(page - 1)}; rel="prev"`);
  if (page < lastPage) parts.push(`${at(page + 1)}; rel="next"`);
  parts.push(`${at(1)}; rel="first"`, `${at(lastPage)}; rel="last"`);
  return parts.join(', ');
}
