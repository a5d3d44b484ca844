import type { LaunchedBrowser } from './browser.js';

/**
 * Grants the extension access to `pattern` the way a user does in Chrome's own settings
 * (chrome://extensions > Details > Site access > add a site), through the same
 * `chrome.developerPrivate.addHostPermission` call that page makes.
 *
 * Why: `permissions.request` from the popup opens a native browser dialog, and headless Chromium
 * gives Playwright no way to press its Allow button (the request just stays pending; checked with
 * Chromium 156, and the old `--apps-gallery-install-auto-confirm-for-tests` switch does not apply
 * to it). With site access already granted, the popup's own `permissions.request` resolves `true`
 * at once, so the extension's real code path still runs: nothing in the extension is test-only.
 */
export async function allowSiteAccess(browser: LaunchedBrowser, pattern: string): Promise<void> {
  const settings = await browser.context.newPage();
  try {
    await settings.goto(`chrome://extensions/?id=${browser.extensionId}`);
    await settings.evaluate(
      ([id, host]) => (globalThis as unknown as DeveloperPrivateGlobal).chrome.developerPrivate.addHostPermission(id, host),
      [browser.extensionId, pattern] as const,
    );
  } finally {
    await settings.close();
  }
}

interface DeveloperPrivateGlobal {
  chrome: { developerPrivate: { addHostPermission(extensionId: string, host: string): Promise<void> } };
}
