import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApprovalmaxSandbox } from './approvalmax/index.js';
import { createFreeagentSandbox } from './freeagent/index.js';
import { mountSandbox, type SandboxInstance } from './index.js';
import { createQuickbooksOnlineSandbox } from './quickbooks-online/index.js';
import { createSageAccountingSandbox } from './sage-accounting/index.js';

const client = { id: 'bookbridge', secret: 'secret' };

/** A browser's worth of cookie handling over the sandbox mounted where the companion mounts it. */
function visitor(sandbox: SandboxInstance, provider: string) {
  const app = new Hono();
  mountSandbox(app, `/sandbox/${provider}`, sandbox);
  let cookie = '';
  return async (path: string, form?: Record<string, string>) => {
    const res = await app.request(`http://127.0.0.1/sandbox/${provider}/app${path}`, {
      method: form ? 'POST' : 'GET',
      headers: { cookie },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  };
}

const companyOnPage = (html: string) => /id="company-name" data-company-id="([^"]+)">([^<]+)</.exec(html)?.slice(1);

describe("the sandboxes' signed-in web app pages", () => {
  it.each([
    ['quickbooks-online', createQuickbooksOnlineSandbox({ client }), 'demo@example.com'],
    ['sage-accounting', createSageAccountingSandbox({ client, now: () => new Date() }), 'demo@example.com'],
    ['freeagent', createFreeagentSandbox({ client }), 'demo@example.com'],
    ['approvalmax', createApprovalmaxSandbox({ clients: [{ ...client, name: 'Bookbridge' }] }), 'demo@example.com'],
  ] as const)('%s: signed out goes to sign-in; signed in names the company; the switcher changes it', async (provider, sandbox, email) => {
    const get = visitor(sandbox, provider);
    expect((await get('/home')).location).toBe('./login');
    expect((await get('/')).location).toBe('./login');
    expect((await get('/login', { email, password: '' })).status).toBe(401);
    expect((await get('/login', { email: 'nobody@example.com', password: 'x' })).status).toBe(401);
    expect((await get('/login', { email, password: 'any password' })).location).toBe('./home');
    const home = await get('/home');
    const [id, name] = companyOnPage(home.html)!;
    expect(home.html).toContain(`<title>Dashboard | ${name} |`);
    const other = /href="\.\/home\?company=([^"]+)"/.exec(home.html)?.[1];
    if (other) {
      const switched = companyOnPage((await get(`/home?company=${other}`)).html)!;
      expect(switched[0]).toBe(decodeURIComponent(other));
      expect(switched[0]).not.toBe(id);
    }
    expect((await get('/logout')).location).toBe('./login');
  });
});
