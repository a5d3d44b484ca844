/**
 * KashFlow, the showcase: Connect in the dashboard, then the guide on KashFlow's own pages (the
 * built-in sandbox's, on the user's server) walks Apps > API Settings > Enable AutoAuth, ticking
 * steps off and highlighting each control; "Send to Bookbridge" relays the username and key
 * without the clipboard; back in the dashboard, choose the organisation, Next, Finish, and watch
 * the lists import. A hostile script on the KashFlow page sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, shot, startJourney, waitForImport, type Journey } from './support/journey.js';
import { pageSpyScript, readSpy, type SpyReport } from './support/page-spy.js';
import { shadowUi, type ShadowUi } from './support/shadow.js';

let journey: Journey;

beforeAll(async () => {
  journey = await startJourney();
});
afterAll(async () => {
  await journey?.close();
});

const kashflowUser = { username: 'demo', password: 'demo-password', memorableWord: 'pineapple' };

async function stepsDone(guide: ShadowUi): Promise<Record<string, boolean>> {
  return guide.evaluate('ol.bb-steps', 'function(){return Object.fromEntries([...this.querySelectorAll("li")].map(li=>[li.dataset.step, li.dataset.done==="true"]))}');
}

async function currentStep(guide: ShadowUi): Promise<string> {
  return guide.evaluate('ol.bb-steps', 'function(){return this.querySelector("[aria-current=step]")?.dataset.step ?? ""}');
}

/** The highlight box is drawn over the control the step needs (within a few pixels). */
async function highlighted(page: Page, guide: ShadowUi, selector: string): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    const box = await guide.rect('.bb-highlight');
    const target = await page.locator(selector).boundingBox();
    // The box is drawn 4 px outside the control.
    if (target && box.width > 0 && Math.abs(box.x + 4 - target.x) < 3 && Math.abs(box.y + 4 - target.y) < 3) return true;
    await page.waitForTimeout(100);
  }
  return false;
}

describe('connecting KashFlow with the guide on its own pages', () => {
  it('walks the steps, sends the key without the clipboard, and finishes in the dashboard', async () => {
    const { browser, dashboard, server } = journey;
    await browser.context.addInitScript(pageSpyScript);
    const accounts = await (await fetch(`${server.url}/sandbox/kashflow/_control/accounts`)).json() as { accounts: { username: string; api: { AutoAuthKey: string } }[] };
    const key = accounts.accounts.find((a) => a.username === kashflowUser.username)!.api.AutoAuthKey;

    await dashboard.getByRole('button', { name: 'Connect KashFlow' }).click();
    const dialog = dashboard.getByRole('dialog', { name: 'Connect KashFlow' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Send to Bookbridge');
    await shot(dashboard, 'kashflow-connect-review');

    const [kashflow] = await Promise.all([browser.context.waitForEvent('page'), dialog.getByRole('button', { name: 'Open KashFlow' }).click()]);
    await kashflow.setViewportSize({ width: 1280, height: 900 });
    await kashflow.waitForLoadState();
    expect(new URL(kashflow.url()).pathname).toMatch(/\/sandbox\/kashflow\/app\/login$/);
    await dialog.getByText('Waiting for KashFlow').waitFor();

    // Sign in on KashFlow's own form: the guide shows the step and highlights Sign in.
    let guide = await shadowUi(kashflow);
    await guide.waitFor('ol.bb-steps');
    expect(await currentStep(guide)).toBe('sign-in');
    expect(await highlighted(kashflow, guide, '#sign-in')).toBe(true);
    await kashflow.locator('#username').fill(kashflowUser.username);
    await kashflow.locator('#password').fill(kashflowUser.password);
    await kashflow.locator('#sign-in').click();

    // Apps: signed in, Apps done (we landed there), next is API Settings, highlighted.
    await kashflow.waitForURL(/\/apps$/);
    guide = await shadowUi(kashflow);
    await guide.waitFor('ol.bb-steps');
    expect(await stepsDone(guide)).toMatchObject({ 'sign-in': true, apps: true, 'api-settings': false, autoauth: false });
    expect(await currentStep(guide)).toBe('api-settings');
    expect(await highlighted(kashflow, guide, '#api-settings-button')).toBe(true);
    await shot(kashflow, 'kashflow-guide-apps', false);
    await kashflow.locator('#api-settings-button').click();

    // API Settings: the API is on; AutoAuth is next.
    await kashflow.waitForURL(/\/apps\/api-settings$/);
    guide = await shadowUi(kashflow);
    await guide.waitFor('ol.bb-steps');
    expect(await stepsDone(guide)).toMatchObject({ 'api-settings': true, 'api-enabled': true, autoauth: false });
    expect(await currentStep(guide)).toBe('autoauth');
    expect(await highlighted(kashflow, guide, '#autoauth-enabled')).toBe(true);
    expect(await guide.visible('form[aria-label="Send to Bookbridge"]')).toBe(true);
    await shot(kashflow, 'kashflow-guide-api-settings', false);

    // Turning the API off marks the step and asks for Update; turning it back on clears that.
    await kashflow.locator('#api-enabled').uncheck();
    await guide.waitFor('li[data-step="api-enabled"]', (t) => !t.includes('(done)'));
    await kashflow.locator('#api-enabled').check();
    await guide.waitFor('li[data-step="api-enabled"]', (t) => t.includes('(done)'));

    await kashflow.locator('#autoauth-enabled').check();
    await guide.waitFor('li[data-step="autoauth"]', (t) => t.includes('(done)'));
    expect(await stepsDone(guide)).toMatchObject({ autoauth: true, ip: true, save: true, send: false });
    expect(await currentStep(guide)).toBe('send');

    // Send to Bookbridge: password and memorable word typed into the extension's panel.
    expect(await guide.text('form[aria-label="Send to Bookbridge"]')).toContain(`KashFlow username: ${kashflowUser.username}`);
    expect(await guide.evaluate('button[type=submit]', 'function(){return this.disabled}')).toBe(true);
    await guide.type('#bb-password', kashflowUser.password);
    await guide.type('#bb-memorable', kashflowUser.memorableWord);
    expect(await guide.evaluate('button[type=submit]', 'function(){return this.disabled}')).toBe(true); // no consent yet
    await guide.click('#bb-consent');
    await shot(kashflow, 'kashflow-guide-send', false);
    await guide.click('button[type=submit]');
    const verdict = await guide.waitFor('.bb-ok', (t) => t.startsWith('KashFlow accepted'));
    expect(verdict).toContain('Demo Trading Ltd');
    await shot(kashflow, 'kashflow-guide-verified', false);
    // "Return to Bookbridge" brings back the dashboard tab already open, rather than a new one.
    const tabs = browser.context.pages().length;
    await guide.click('.bb-row .bb-btn');
    await kashflow.waitForTimeout(500);
    expect(browser.context.pages().length).toBe(tabs);

    // The page's own scripts saw nothing of it.
    const spy = (await kashflow.evaluate(readSpy)) as SpyReport;
    expect(spy.hostShadowRoot).toBe('none');
    expect(spy.clipboard).toEqual([]);
    const visibleToPage = JSON.stringify([spy.bubbling, spy.custom, spy.messages, spy.mutations, spy.globals]);
    expect(visibleToPage).not.toContain(key);
    expect(spy.html).not.toContain(key); // the page set its input's value property, never an attribute
    expect(visibleToPage).not.toContain(kashflowUser.memorableWord);
    expect(spy.bubbling.filter((e) => e.type === 'keydown')).toEqual([]); // typing in the panel stayed in the panel
    expect(spy.bubbling.some((e) => e.target === 'input#autoauth-enabled')).toBe(true); // the spy did hear the page itself

    // Back in the dashboard: the dialog moved on by itself to the organisation.
    await dialog.getByText('Select the organisation you want to connect to Bookbridge').waitFor();
    const select = dialog.getByLabel('Organisation');
    expect(await select.locator('option:checked').textContent()).toContain('Demo Trading Ltd');
    await shot(dashboard, 'kashflow-choose-organisation');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByText('Your organisation is connected').waitFor();
    await waitForImport(dashboard);
    expect(await dialog.getByRole('group', { name: 'Import progress' }).textContent()).toMatch(/Suppliers and customers.*Done: \d+/);
    await shot(dashboard, 'kashflow-connected');
    await dialog.getByRole('button', { name: 'Finish' }).click();

    // Seed 001: Finish lands on the connection's settings page.
    await dashboard.getByRole('heading', { name: 'KashFlow settings' }).waitFor();
    await shot(dashboard, 'kashflow-settings');
    await dashboard.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Connections' }).click();
    const panel = dashboard.getByRole('article', { name: 'KashFlow: Demo Trading Ltd' });
    await panel.waitFor();
    await panel.getByText('Active').waitFor();
    expect(await panel.textContent()).not.toContain('Last refreshNever');
    const { body } = await api<{ connections: { provider: string; organisation: { name: string } }[] }>(
      server,
      'GET',
      `/api/businesses/${(await api<{ memberships: { business: { id: string } }[] }>(server, 'GET', '/api/me')).body.memberships[0]!.business.id}/connections`,
    );
    expect(body.connections.map((c) => `${c.provider}:${c.organisation.name}`)).toEqual(['kashflow:Demo Trading Ltd']);
  });
});
