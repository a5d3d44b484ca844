/**
 * A server admin's first minutes: a fresh server has no admin and no default password; it prints
 * a one-time setup code, which the popup takes to create the first admin (who is then signed in).
 * A wrong code is refused and names the field; the code works once.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from './support/browser.js';
import { repoRoot } from './support/global-setup.js';
import { startServer, type StartedServer } from './support/server.js';
import { enterServer, openPopup } from './support/popup.js';
import { allowSiteAccess } from './support/site-access.js';

const extensionDir = path.join(repoRoot, '.output/chrome-mv3');
const screenshots = path.join(repoRoot, 'test-results/e2e');
let server: StartedServer;
let browser: LaunchedBrowser;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser({ extensionDir });
  await allowSiteAccess(browser, 'http://127.0.0.1/*');
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('first run', () => {
  it('creates the first admin in the popup with the code the server printed', async () => {
    const code = server.setupCode();
    expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    const popup = await openPopup(browser);
    await enterServer(popup, server.url);
    await popup.getByRole('button', { name: 'Create the first admin with the setup code' }).click();
    const form = popup.getByRole('form', { name: 'Set up this server' });
    await form.waitFor();
    const fill = async (code: string) => {
      await popup.getByLabel('Setup code').fill(code);
      await popup.getByLabel('Your name').fill('Sam Setup');
      await popup.getByLabel('Email').fill('sam@setup.test');
      await popup.getByLabel('Password (at least 12 characters)').fill('a long enough password');
      await popup.getByLabel('Business name').fill('Setup Ltd');
      await popup.getByRole('button', { name: 'Create the first admin' }).click();
    };
    await fill('AAAA-BBBB-CCCC-DDDD');
    const refusal = popup.getByText(/setup code is not right/i);
    await refusal.waitFor();
    await popup.screenshot({ path: path.join(screenshots, 'popup-setup-refused.png') });

    await fill(code!);
    const signedIn = popup.getByRole('region', { name: 'Signed in' });
    await signedIn.waitFor();
    expect(await signedIn.textContent()).toContain('Signed in as Sam Setup');
    expect(await signedIn.textContent()).toContain('Business: Setup Ltd');
    await popup.screenshot({ path: path.join(screenshots, 'popup-after-setup.png') });

    // The code was single use.
    const again = await fetch(`${server.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ setupCode: code, email: 'x@y.test', name: 'X', password: 'a long enough password', businessName: 'X' }),
    });
    expect(again.status).toBe(409);
  });
});
