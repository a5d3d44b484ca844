/**
 * An accountant who is a standard user in one business and the accountant of another: the
 * dashboard's business switcher decides what they may do, and remembers the choice.
 *
 * The server runs in-process here (the same app on a real port through `listen()`), because
 * putting one user in two businesses needs the database, which the API does not offer yet.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvidersResponse } from '../../shared/api.js';
import { addMembership, createBusiness } from '../../server/auth/users.js';
import { insertConnection } from '../../server/connections/store.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { launchBrowser, type LaunchedBrowser } from './support/browser.js';
import { repoRoot } from './support/global-setup.js';
import { openDashboard, signInThroughPopup } from './support/popup.js';
import { allowSiteAccess } from './support/site-access.js';

let companion: TestServer;
let running: RunningServer;
let browser: LaunchedBrowser;

beforeAll(async () => {
  companion = await createTestServer();
  running = await listen(companion.app);
  browser = await launchBrowser({ extensionDir: path.join(repoRoot, '.output/chrome-mv3') });
  await allowSiteAccess(browser, 'http://127.0.0.1/*');
});
afterAll(async () => {
  await browser?.close();
  await running?.close();
  await companion?.close();
});

describe('roles and businesses in the dashboard', () => {
  it('lets only Admins connect, per business, and remembers the chosen business', async () => {
    const person = await companion.user({ role: 'standard', name: 'Sam Standard' });
    const db = companion.deps.db;
    await db.updateTable('businesses').set({ name: 'Corner Shop' }).where('id', '=', person.businessId).execute();
    const clientId = await createBusiness(db, { name: 'Client Bakery', now: companion.clock.now().getTime() });
    await addMembership(db, { userId: person.userId, businessId: clientId, role: 'accountant', now: companion.clock.now().getTime() });
    await insertConnection(
      { db, secrets: companion.deps.secrets, now: () => companion.clock.now() },
      {
        businessId: person.businessId,
        provider: 'kashflow',
        organisation: { id: '81000', name: 'Corner Shop Books' },
        credentials: { kind: 'api_key', values: { username: 'x' } },
        createdBy: null,
      },
    );
    const token = await companion.signIn(person.email, person.password);
    const { providers } = (await (await companion.request('GET', '/api/providers', { token })).json()) as ProvidersResponse;

    const popup = await signInThroughPopup(browser, running.url, person.email, person.password);
    const dashboard = await openDashboard(browser, popup);
    const switcher = dashboard.getByLabel('Business');
    await switcher.waitFor();
    expect((await switcher.locator('option').allTextContents()).sort()).toEqual(['Client Bakery', 'Corner Shop']);
    const list = dashboard.getByRole('list', { name: 'Accounting software you can connect' });

    // Standard user in the Corner Shop: every Connect is off, and says why.
    await switcher.selectOption({ label: 'Corner Shop' });
    await list.waitFor();
    for (const provider of providers.filter((p) => p.id !== 'kashflow')) {
      const connect = list.getByRole('button', { name: `Connect ${provider.name}` });
      expect(await connect.isDisabled()).toBe(true);
      expect(await connect.getAttribute('aria-describedby').then((id) => dashboard.locator(`#${id}`).textContent())).toBe(
        'Only Admins can connect accounting software',
      );
    }
    // A connection exists here: the standard user sees it, but every Admin action is off, with the reason.
    const panel = dashboard.getByRole('article', { name: 'KashFlow: Corner Shop Books' });
    await panel.getByRole('button', { name: 'Manage KashFlow' }).click();
    for (const action of ['Settings', 'Reconnect', 'Refresh integration data', 'Change connection', 'Disconnect', 'Merge lists']) {
      const item = dashboard.getByRole('menuitem', { name: action, exact: true });
      expect(await item.getAttribute('aria-disabled')).toBe('true');
      expect(await dashboard.locator(`#${await item.getAttribute('aria-describedby')}`).textContent()).toContain('Only Admins can manage connections');
    }
    expect(await dashboard.getByRole('menuitem', { name: 'View imported lists' }).getAttribute('aria-disabled')).toBeNull();
    await dashboard.screenshot({ path: path.join(repoRoot, 'test-results/e2e/dashboard-standard-user.png'), fullPage: true });
    await dashboard.keyboard.press('Escape');

    // Accountant of the Client Bakery: Connect follows what the server can connect (apps that
    // work beside a ledger wait for one).
    await switcher.selectOption({ label: 'Client Bakery' });
    for (const provider of providers) {
      const connect = list.getByRole('button', { name: `Connect ${provider.name}` });
      expect(await connect.isEnabled()).toBe(provider.available && provider.role === 'ledger');
    }
    expect(await dashboard.getByRole('banner').textContent()).toContain('Accountant / bookkeeper');

    // The choice survives a reload (local storage).
    await dashboard.reload();
    await dashboard.getByLabel('Business').waitFor();
    expect(await dashboard.getByLabel('Business').inputValue()).toBe(clientId);
  });
});
