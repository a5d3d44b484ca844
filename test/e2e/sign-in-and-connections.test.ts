/**
 * A newcomer's first minutes, in real Chromium against the real server: enter the server address,
 * sign in, open the dashboard, see every accounting system. And the ways it can go wrong, said
 * plainly: a wrong address, a wrong password, a session that ended.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProvidersResponse } from '../../shared/api.js';
import { catalogue, providerIds } from '../../shared/catalogue.js';
import { launchBrowser, type LaunchedBrowser } from './support/browser.js';
import { repoRoot } from './support/global-setup.js';
import { createFirstAdmin, freePort, startServer, type StartedServer } from './support/server.js';
import { enterServer, escapeRegExp, openDashboard, openPopup, signIn } from './support/popup.js';
import { allowSiteAccess } from './support/site-access.js';

const extensionDir = path.join(repoRoot, '.output/chrome-mv3');
const screenshots = path.join(repoRoot, 'test-results/e2e');
const admin = {
  email: 'owner@acme.test',
  password: 'correct horse battery staple',
  name: 'Olivia Owner',
  businessName: 'Acme Trading Ltd',
};

let server: StartedServer;
let browser: LaunchedBrowser;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  server = await startServer();
  await createFirstAdmin(server, admin);
});
afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  browser = await launchBrowser({ extensionDir });
  // Stands in for the user's "Allow" on the host-permission prompt: see site-access.ts.
  await allowSiteAccess(browser, 'http://127.0.0.1/*');
});
afterEach(async () => {
  await browser?.close();
});

describe('the extension with a real Bookbridge server', () => {
  it('signs in from the popup and lists all seven providers in the dashboard', async () => {
    const popup = await openPopup(browser);
    await enterServer(popup, server.url);
    await signIn(popup, admin.email, admin.password);

    const signedIn = popup.getByRole('region', { name: 'Signed in' });
    await signedIn.waitFor();
    expect(await signedIn.textContent()).toContain(`Signed in as ${admin.name}`);
    expect(await signedIn.textContent()).toContain(`Business: ${admin.businessName}`);
    // The popup really was granted this origin through permissions.request.
    expect(
      await popup.evaluate(() =>
        (globalThis as unknown as { chrome: typeof import('webextension-polyfill') }).chrome.permissions.contains({
          origins: ['http://127.0.0.1/*'],
        }),
      ),
    ).toBe(true);
    await popup.screenshot({ path: path.join(screenshots, 'popup-signed-in.png') });

    const dashboard = await openDashboard(browser, popup);
    expect(new URL(dashboard.url()).pathname).toBe('/dashboard.html');

    const section = dashboard.getByRole('region', { name: 'Accounting software' });
    const list = section.getByRole('list', { name: 'Accounting software you can connect' });
    await list.waitFor();
    const cards = list.getByRole('listitem');
    expect(await cards.count()).toBe(7);
    // What the server says about each provider (adapters arrive one by one; some may not be
    // connectable yet): the page must show exactly that.
    const { providers } = await apiAs<ProvidersResponse>(server, '/api/providers');
    expect(providers.map((p) => p.id).sort()).toEqual([...providerIds].sort());
    for (const provider of providers) {
      const name = catalogue[provider.id].name;
      const card = list.getByRole('listitem', { name: new RegExp(`^${escapeRegExp(name)}`) });
      expect(await card.getByRole('heading').textContent()).toBe(provider.sandbox ? `${name} (sandbox)` : name);
      const connect = card.getByRole('button', { name: `Connect ${name}` });
      expect(await connect.isEnabled()).toBe(provider.available && provider.role === 'ledger');
      if (!provider.available) expect(await card.textContent()).toContain(provider.unavailableReason);
    }
    expect(await section.textContent()).toContain(catalogue['bill-com'].limitations);
    await dashboard.screenshot({ path: path.join(screenshots, 'dashboard-connections.png'), fullPage: true });

    // Connect opens the connect dialog with its first step (the flows themselves: xero-lifecycle, kashflow-guide).
    await dashboard.getByRole('button', { name: 'Connect Xero' }).click();
    const dialog = dashboard.getByRole('dialog', { name: 'Connect Xero' });
    await dialog.getByRole('button', { name: 'Connect software' }).waitFor();
    await dashboard.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it("connects Xero through a browser tab and the server's callback page (the fallback to launchWebAuthFlow)", async () => {
    const popup = await openPopup(browser);
    await enterServer(popup, server.url);
    await signIn(popup, admin.email, admin.password);
    await popup.getByRole('region', { name: 'Signed in' }).waitFor();
    const dashboard = await openDashboard(browser, popup);
    await dashboard.getByRole('button', { name: 'Connect Xero' }).click();
    const dialog = dashboard.getByRole('dialog', { name: 'Connect Xero' });
    const [tab] = await Promise.all([browser.context.waitForEvent('page'), dialog.getByRole('button', { name: 'Sign in in a browser tab instead' }).click()]);
    await dialog.getByText('tab that opened').waitFor();
    await tab.getByLabel('Email address').fill('demo@example.com');
    await tab.getByLabel('Password').fill('any password');
    await tab.getByRole('button', { name: 'Log in' }).click();
    await tab.getByRole('button', { name: 'Allow access' }).click();
    // The provider sends the tab to the server's own callback page; the dialog learns it by polling.
    await dialog.getByText('Select the organisation you want to connect to Bookbridge').waitFor();
    expect(tab.isClosed()).toBe(true); // the dashboard closed the tab it opened
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByText('Your organisation is connected').waitFor();
    await dialog.getByRole('button', { name: 'Finish' }).click();
    await dashboard.getByRole('heading', { name: 'Xero settings' }).waitFor();
  });

  it('says plainly when nothing answers at the server address', async () => {
    const closedPort = await freePort();
    const popup = await openPopup(browser);
    await enterServer(popup, `127.0.0.1:${closedPort}`);
    const alert = popup.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(`Can't reach the Bookbridge server at http://127.0.0.1:${closedPort}`);
    await popup.screenshot({ path: path.join(screenshots, 'popup-unreachable.png') });
  });

  it("shows the server's own message for a wrong password", async () => {
    const popup = await openPopup(browser);
    await enterServer(popup, server.url);
    await signIn(popup, admin.email, 'not the password at all');
    const alert = popup.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('The email or password is not right.');
    expect(await popup.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
  });

  it('says the session has ended when the server no longer knows it, and lets the user sign in again', async () => {
    const popup = await openPopup(browser);
    await enterServer(popup, server.url);
    await signIn(popup, admin.email, admin.password);
    await popup.getByRole('region', { name: 'Signed in' }).waitFor();

    // Sign out everywhere from another device: the extension's token dies on the server.
    const other = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    const ended = await fetch(`${server.url}/api/auth/logout-all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(ended.ok).toBe(true);

    await popup.reload();
    const alert = popup.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Your session has ended — sign in again.');
    await popup.screenshot({ path: path.join(screenshots, 'popup-session-ended.png') });

    await signIn(popup, admin.email, admin.password);
    await popup.getByRole('region', { name: 'Signed in' }).waitFor();
  });
});

/** Calls the server as the admin, from outside the browser, to compare with what the page shows. */
async function apiAs<T>(target: StartedServer, apiPath: string): Promise<T> {
  const login = (await (
    await fetch(`${target.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    })
  ).json()) as { token: string };
  const response = await fetch(`${target.url}${apiPath}`, { headers: { authorization: `Bearer ${login.token}` } });
  return (await response.json()) as T;
}

