/**
 * Issue 7: each provider's connect flow in real Chromium against the server's built-in sandbox,
 * one case per provider, the way the seeds describe it: the dashboard's Connect dialog, the
 * provider's own pages (OAuth sign-in and consent in the window `identity.launchWebAuthFlow`
 * opens; BILL's settings with the guide), the organisation, Next, the lists importing to done,
 * Finish. Before connecting, each OAuth provider's signed-in web app offers "Connect this company
 * to Bookbridge" naming the company it shows; for Sage and ApprovalMax the flow starts there, and
 * the chooser starts on that company.
 *
 * One browser and one business for all cases, in order: the three ledgers each connected and then
 * disconnected (a business has one ledger), then Xero connected over the API as the ledger that
 * ApprovalMax and Bill.com work beside.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../shared/catalogue.js';
import { authorizeWithForms } from '../../server/sandbox/xero/testing.js';
import { api, shot, startJourney, waitForImport, type Journey } from './support/journey.js';
import { pageSpyScript, readSpy, type SpyReport } from './support/page-spy.js';
import { passwordFrame, shadowUi, typeInFrame } from './support/shadow.js';

let journey: Journey;
let businessId: string;

beforeAll(async () => {
  journey = await startJourney();
  businessId = (await api<{ memberships: { business: { id: string } }[] }>(journey.server, 'GET', '/api/me')).body.memberships[0]!.business.id;
});
afterAll(async () => {
  await journey?.close();
});

interface Case {
  id: ProviderId;
  name: string;
  /** The organisation that ends up connected. */
  organisation: string;
  /** Works beside a ledger: Xero is connected first. */
  beside?: 'xero';
  /** The provider's signed-in web app page in the sandbox, and whether the flow starts from its guide. */
  webApp?: { email: string; noun: string; startHere: boolean };
  /** The provider's sign-in and consent pages, in the window the dashboard opened. */
  consent?(page: Page, organisation: string): Promise<void>;
}

const anyPassword = 'any password will do';

const cases: Case[] = [
  {
    id: 'quickbooks-online',
    name: 'QuickBooks Online',
    organisation: 'Harbour Lane Studio Ltd',
    webApp: { email: 'demo@example.com', noun: 'company', startHere: false },
    async consent(page, organisation) {
      await page.getByLabel('Email or user ID').fill('demo@example.com');
      await page.getByLabel('Password').fill(anyPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Intuit's consent page picks the company; it comes back as the realmId.
      await page.getByLabel(organisation).check();
      await page.getByRole('button', { name: 'Connect' }).click();
    },
  },
  {
    id: 'sage-accounting',
    name: 'Sage Accounting',
    organisation: 'Bramble Bakery Ltd',
    webApp: { email: 'demo@example.com', noun: 'business', startHere: true },
    async consent(page) {
      await page.getByRole('button', { name: 'Continue' }).click(); // country: United Kingdom
      await page.getByLabel('Email address').fill('demo@example.com');
      await page.getByLabel('Password').fill(anyPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
    },
  },
  {
    id: 'freeagent',
    name: 'FreeAgent',
    organisation: 'Hartley & Finch Design Ltd',
    webApp: { email: 'demo@example.com', noun: 'company', startHere: false },
    async consent(page) {
      await page.getByLabel('Email').fill('demo@example.com');
      await page.getByLabel('Password').fill(anyPassword);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Approve' }).click();
    },
  },
  {
    id: 'approvalmax',
    name: 'ApprovalMax',
    // The ApprovalMax organisation linked to the Xero sandbox's Demo Company (UK).
    organisation: 'Demo Company (UK)',
    beside: 'xero',
    webApp: { email: 'demo@example.com', noun: 'organisation', startHere: true },
    async consent(page, organisation) {
      await page.getByLabel('Email').fill('demo@example.com');
      await page.getByLabel('Password').fill(anyPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Grant two, so the chooser has a choice to start on.
      await page.getByLabel(organisation).check();
      await page.getByLabel('Bookbridge Test Ltd').check();
      await page.getByRole('button', { name: 'Grant access' }).click();
    },
  },
  { id: 'bill-com', name: 'Bill.com', organisation: 'Hudson Valley Coffee Roasters LLC', beside: 'xero' },
];

describe.each(cases)('connecting $name from the dashboard', (c) => {
  it(`offers, connects to ${c.organisation}, imports the lists and finishes`, async () => {
    const { browser, dashboard, server } = journey;
    if (c.beside === 'xero' && !(await liveConnections()).some((x) => x.provider === 'xero')) await connectXeroOverApi();
    await showConnections(dashboard);

    const dialog = dashboard.getByRole('dialog', { name: `Connect ${c.name}` });
    if (c.webApp) {
      // The provider's web app, signed in on the company: the guide offers to connect it.
      const app = await browser.context.newPage();
      await app.setViewportSize({ width: 1200, height: 760 });
      await app.goto(`${server.url}/sandbox/${c.id}/app/`);
      await app.locator('#email').fill(c.webApp.email);
      await app.locator('#password').fill(anyPassword);
      await app.locator('#sign-in').click();
      await app.waitForURL(/\/home/);
      const switcher = app.locator('#company-switcher').getByRole('link', { name: c.organisation, exact: true });
      if (await switcher.count()) {
        await switcher.click();
        await app.waitForURL(/company=/);
      }
      expect(await app.locator('#company-name').textContent()).toBe(c.organisation);
      const guide = await shadowUi(app);
      const card = await guide.waitFor('.bb-card', (t) => t.includes(`Connect this ${c.webApp!.noun} to Bookbridge`));
      expect(card).toContain(c.organisation);
      await shot(app, `connect-${c.id}-web-app-offer`, false);
      if (c.webApp.startHere) {
        await guide.click('button.bb-btn');
        await dialog.waitFor();
      }
      await app.close();
    }
    if (!(await dialog.isVisible())) await dashboard.getByRole('button', { name: `Connect ${c.name}` }).click();
    await dialog.waitFor();
    await dashboard.bringToFront();

    if (c.consent) {
      const [opened] = await Promise.all([browser.context.waitForEvent('page'), dialog.getByRole('button', { name: 'Connect software' }).click()]);
      await opened.waitForLoadState();
      await c.consent(opened, c.organisation);
    } else {
      await connectBillThroughItsPages(dialog);
    }

    // The organisation: the one the provider's page named is chosen already.
    await dialog.getByText('Select the organisation you want to connect to Bookbridge').waitFor();
    const select = dialog.getByLabel('Organisation');
    expect(await select.locator('option:checked').textContent()).toContain(c.organisation);
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByText('Your organisation is connected').waitFor();
    await dialog.getByText('All lists are imported.').waitFor({ timeout: 60_000 });
    const lists = await dialog.locator('[data-list-status]').count();
    if (lists > 0) await waitForImport(dashboard);
    await shot(dashboard, `connect-${c.id}-imported`, false);
    await dialog.getByRole('button', { name: 'Finish' }).click();
    await dialog.waitFor({ state: 'detached' });

    const connection = (await liveConnections()).find((x) => x.provider === c.id);
    expect(connection).toMatchObject({ status: 'active', organisation: { name: c.organisation } });
    // A ledger makes way for the next one (one ledger per business).
    if (!c.beside) {
      const off = await api(server, 'POST', `/api/businesses/${businessId}/connections/${connection!.id}/disconnect`, { keepLists: false });
      expect(off.status).toBe(200);
    }
  });
});

interface LiveConnection {
  id: string;
  provider: string;
  status: string;
  organisation: { name: string };
}

async function liveConnections(): Promise<LiveConnection[]> {
  const { body } = await api<{ connections: LiveConnection[] }>(journey.server, 'GET', `/api/businesses/${businessId}/connections`);
  return body.connections.filter((c) => c.status === 'active' || c.status === 'expired');
}

/** The Connections page, read afresh (connections change over the API between cases). */
async function showConnections(dashboard: Page): Promise<void> {
  await dashboard.evaluate(() => {
    location.hash = '#/connections';
    location.reload();
  });
  await dashboard.getByRole('list', { name: 'Accounting software you can connect' }).waitFor();
}

/** Xero as the ledger, connected the way the server's callback page does it (not under test here). */
async function connectXeroOverApi(): Promise<void> {
  const { server } = journey;
  const start = await api<{ authorizeUrl: string; state: string }>(server, 'POST', `/api/businesses/${businessId}/connections/authorize`, { provider: 'xero', purpose: 'connect' });
  expect(start.status).toBe(200);
  const back = await authorizeWithForms(fetch, start.body.authorizeUrl, { organisations: ['Demo Company (UK)'] });
  expect((await fetch(`${server.url}/oauth/callback${back.search}`)).status).toBe(200);
  const status = await api<{ grant: { grantId: string; organisations: { id: string; name: string }[] } }>(server, 'GET', `/api/oauth/states/${start.body.state}`);
  const organisationId = status.body.grant.organisations.find((o) => o.name === 'Demo Company (UK)')!.id;
  const finish = await api(server, 'POST', `/api/businesses/${businessId}/connections/finish`, { grantId: status.body.grant.grantId, organisationId });
  expect(finish.status).toBe(201);
}

/**
 * Bill.com: Open Bill.com from the dialog; on BILL's pages the guide walks sign-in, the
 * organisation, Settings (the Organization ID outlined), Manage Developer Keys and Generate, then
 * the password goes into the extension's frame and Send; a script on BILL's page hears none of it.
 */
async function connectBillThroughItsPages(dialog: ReturnType<Page['getByRole']>): Promise<void> {
  const { browser } = journey;
  await browser.context.addInitScript(pageSpyScript);
  const [bill] = await Promise.all([browser.context.waitForEvent('page'), dialog.getByRole('button', { name: 'Open Bill.com' }).click()]);
  await bill.setViewportSize({ width: 1280, height: 900 });
  await bill.waitForURL(/\/login/);
  await dialog.getByText('Waiting for Bill.com').waitFor();
  const [, email, password] = /email (\S+), password (\S+)$/.exec((await bill.locator('#sandbox-hint').textContent())!.trim())!;

  let guide = await shadowUi(bill);
  await guide.waitFor('li[aria-current="step"]', (t) => t.includes('Sign in to BILL'));
  await bill.locator('#email').fill(email!);
  await bill.locator('#password').fill(password!);
  await bill.locator('#sign-in').click();

  await bill.waitForURL(/\/select-org/);
  guide = await shadowUi(bill);
  await guide.waitFor('li[aria-current="step"]', (t) => t.includes('Choose the organisation'));
  await bill.getByLabel('Hudson Valley Coffee Roasters LLC').check();
  await bill.locator('#continue').click();

  // Settings: the Organization ID is found and outlined; Manage Developer Keys is next.
  await bill.waitForURL(/\/settings$/);
  guide = await shadowUi(bill);
  await guide.waitFor('li[data-step="organisation-id"]', (t) => t.includes('(done)'));
  await guide.waitFor('li[aria-current="step"]', (t) => t.includes('Open Manage Developer Keys'));
  await shot(bill, 'connect-bill-com-guide-settings', false);
  await bill.locator('#manage-developer-keys').click();

  await bill.waitForURL(/\/developer-keys$/);
  guide = await shadowUi(bill);
  await guide.waitFor('li[aria-current="step"]', (t) => t.includes('Generate a developer key'));
  await bill.locator('#accept-terms').check();
  await bill.locator('#generate-dev-key').click();
  await bill.locator('#dev-key').waitFor();
  const devKey = await bill.locator('#dev-key').inputValue();

  guide = await shadowUi(bill);
  await guide.waitFor('li[aria-current="step"]', (t) => t.includes('Send to Bookbridge'));
  const frame = await passwordFrame(bill);
  await expect.poll(() => frame.locator('#bb-summary').textContent()).toContain(`BILL email: ${email}`);
  // From here on, what the page's spy notes is only what the guide and the frame caused.
  await bill.evaluate(`(() => { for (const list of Object.values(window.__spy)) list.length = 0; })()`);
  await typeInFrame(bill, frame, '#bb-password', password!);
  await frame.locator('#bb-consent').click();
  await shot(bill, 'connect-bill-com-guide-send', false);
  await frame.getByRole('button', { name: 'Send to Bookbridge' }).click();
  expect(await guide.waitFor('.bb-ok', (t) => t.startsWith('BILL accepted'))).toContain('Hudson Valley Coffee Roasters LLC');
  await shot(bill, 'connect-bill-com-guide-verified', false);

  // The password typed into the frame: not heard by BILL's page, in any phase or channel. (The
  // key is BILL's own, shown on its page; it must not come back to the page from us either.)
  const spy = (await bill.evaluate(readSpy)) as SpyReport;
  const heard = JSON.stringify([spy.capturing, spy.bubbling, spy.custom, spy.messages, spy.mutations, spy.globals, spy.clipboard]);
  expect(heard).not.toContain(password!);
  expect(heard).not.toContain(devKey);
  expect(spy.capturing.filter((e) => ['keydown', 'keyup', 'keypress', 'beforeinput', 'input'].includes(e.type))).toEqual([]);
  await bill.close();
}
