/**
 * The Bookbridge server address the user types in the popup: checked, normalised, and turned into
 * the host-permission pattern the extension asks for at run time.
 */

export type ServerUrlCheck = { ok: true; serverUrl: string; originPattern: string } | { ok: false; message: string };

/**
 * Accepts `http(s)://host[:port][/base path]`, with or without the scheme (`localhost:8787` and
 * `127.0.0.1:8787` mean http; any other bare host means https). Returns the URL without a trailing
 * slash, so `serverUrl + '/api/...'` is always right.
 */
export function checkServerUrl(input: string): ServerUrlCheck {
  const typed = input.trim();
  if (typed === '') return { ok: false, message: 'Enter the address of your Bookbridge server.' };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `${defaultScheme(typed)}://${typed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, message: `"${typed}" is not a web address. Example: http://127.0.0.1:8787` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: 'The server address must start with http:// or https://.' };
  }
  if (url.username || url.password) {
    return { ok: false, message: 'Leave the user name and password out of the address; you sign in next.' };
  }
  if (url.search || url.hash) {
    return { ok: false, message: 'The server address cannot contain "?" or "#".' };
  }
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, serverUrl: `${url.origin}${path}`, originPattern: originPattern(url) };
}

/**
 * Match patterns carry no port (Chrome and Firefox both match every port of the host), so the
 * permission covers the host; the request still goes only to the exact URL the user gave.
 */
export function originPattern(url: URL | string): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${parsed.protocol}//${parsed.hostname}/*`;
}

function defaultScheme(typed: string): 'http' | 'https' {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:|\/|$)/i.test(typed) ? 'http' : 'https';
}
