import { describe, expect, it } from 'vitest';
import { checkServerUrl } from './server-url.js';

describe('server address', () => {
  it.each([
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787', 'http://127.0.0.1/*'],
    ['  http://127.0.0.1:8787/  ', 'http://127.0.0.1:8787', 'http://127.0.0.1/*'],
    ['localhost:8787', 'http://localhost:8787', 'http://localhost/*'],
    ['bookbridge.example.com', 'https://bookbridge.example.com', 'https://bookbridge.example.com/*'],
    ['https://example.com/bookbridge/', 'https://example.com/bookbridge', 'https://example.com/*'],
    ['HTTPS://Example.COM', 'https://example.com', 'https://example.com/*'],
  ])('accepts %j as %s (permission %s)', (typed, serverUrl, originPattern) => {
    expect(checkServerUrl(typed)).toEqual({ ok: true, serverUrl, originPattern });
  });

  it.each([
    ['', 'Enter the address of your Bookbridge server.'],
    ['ftp://example.com', 'The server address must start with http:// or https://.'],
    ['http://admin:secret@example.com', 'Leave the user name and password out of the address; you sign in next.'],
    ['http://example.com/?x=1', 'The server address cannot contain "?" or "#".'],
    ['http://exa mple.com', '"http://exa mple.com" is not a web address. Example: http://127.0.0.1:8787'],
  ])('refuses %j, saying why', (typed, message) => {
    expect(checkServerUrl(typed)).toEqual({ ok: false, message });
  });
});
