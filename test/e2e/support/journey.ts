/**
 * The start every connection journey shares: a real server (sandbox mode), its first admin, the
 * browser with the extension, site access for the server, signed in, dashboard open.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type LaunchedBrowser, type LaunchOptions } from './browser.js';
import { repoRoot } from './global-setup.js';
import { openDashboard, signInThroughPopup } from './popup.js';
import { createFirstAdmin, startServer, type StartedServer } from './server.js';
import { allowSiteAccess } from './site-access.js';

export const extensionDir = path.join(repoRoot, '.output/chrome-mv3');
export const screenshots = path.join(repoRoot, 'test-results/e2e');

export const admin = {
  email: 'owner@acme.test',
  password: 'correct horse battery staple',
  name: 'Olivia Owner',
  businessName: 'Acme Trading Ltd',
};

export interface Journey {
  server: StartedServer;
  browser: LaunchedBrowser;
  popup: Page;
  dashboard: Page;
  close(): Promise<void>;
}

export async function startJourney(options: { launch?: Omit<LaunchOptions, 'extensionDir'>; sitePatterns?: string[] } = {}): Promise<Journey> {
  mkdirSync(screenshots, { recursive: true });
  const server = await startServer();
  let browser: LaunchedBrowser | undefined;
  try {
    await createFirstAdmin(server, admin);
    browser = await launchBrowser({ extensionDir, ...options.launch });
    for (const pattern of ['http://127.0.0.1/*', ...(options.sitePatterns ?? [])]) await allowSiteAccess(browser, pattern);
    const popup = await signInThroughPopup(browser, server.url, admin.email, admin.password);
    const dashboard = await openDashboard(browser, popup);
    const opened = browser;
    return {
      server,
      browser: opened,
      popup,
      dashboard,
      async close() {
        await opened.close();
        await server.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.stop();
    throw error;
  }
}

export function shot(page: Page, name: string, fullPage = true): Promise<Buffer> {
  return page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage });
}

/** The server's API as the admin, from outside the browser (to compare with what the pages show). */
export async function api<T>(server: StartedServer, method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const login = (await (
    await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    })
  ).json()) as { token: string };
  const response = await fetch(`${server.url}${apiPath}`, {
    method,
    headers: { authorization: `Bearer ${login.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
}

/** Waits until the connect dialog's import shows every list done. */
export async function waitForImport(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('[role="group"] [data-list-status]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-list-status') === 'done');
    },
    undefined,
    { timeout: timeoutMs },
  );
}
