/** What a user does in the popup, step by step, found by role and label as they would find it. */
import type { Page } from 'playwright-core';
import type { LaunchedBrowser } from './browser.js';

/** The popup page in a tab the size of Chrome's popup, so screenshots look like the real thing. */
export async function openPopup(browser: LaunchedBrowser): Promise<Page> {
  const popup = await browser.openExtensionPage('popup.html');
  await popup.setViewportSize({ width: 392, height: 420 });
  return popup;
}

export async function enterServer(popup: Page, address: string): Promise<void> {
  await popup.getByLabel('Server address').fill(address);
  await popup.getByRole('button', { name: 'Continue' }).click();
}

export async function signIn(popup: Page, email: string, password: string): Promise<void> {
  await popup.getByLabel('Email').fill(email);
  await popup.getByLabel('Password').fill(password);
  await popup.getByRole('button', { name: 'Sign in' }).click();
}

/** Enters the server, signs in, and waits for the signed-in popup. */
export async function signInThroughPopup(browser: LaunchedBrowser, serverUrl: string, email: string, password: string): Promise<Page> {
  const popup = await openPopup(browser);
  await enterServer(popup, serverUrl);
  await signIn(popup, email, password);
  await popup.getByRole('region', { name: 'Signed in' }).waitFor();
  return popup;
}

/** Clicks "Open dashboard" and returns the tab it opens. */
export async function openDashboard(browser: LaunchedBrowser, popup: Page): Promise<Page> {
  const [dashboard] = await Promise.all([
    browser.context.waitForEvent('page'),
    popup.getByRole('button', { name: 'Open dashboard' }).click(),
  ]);
  await dashboard.setViewportSize({ width: 1200, height: 1100 });
  return dashboard;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
