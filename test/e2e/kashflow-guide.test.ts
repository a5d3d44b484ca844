/**
 * KashFlow, the showcase: Connect in the dashboard, then the guide on KashFlow's own pages (the
 * built-in sandbox's, on the user's server) walks Apps > API Settings > Enable AutoAuth, ticking
 * steps off and highlighting each control; "Send to Bookbridge" relays the username and key
 * without the clipboard; back in the dashboard, choose the organisation, Next, Finish, and watch
 * the lists import. A hostile script on the KashFlow page sees none of it: the password and
 * memorable word are typed into the extension's own page in an iframe, so not even a capture-phase
 * listener on the page's window hears a key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { api, shot, startJourney, waitForImport, type Journey } from './support/journey.js';
import { pageSpyScript, readSpy, type SpyReport } from './support/page-spy.js';
import { passwordFrame, shadowUi, typeInFrame, type ShadowUi } from './support/shadow.js';

let journey: Journey;

/** Empties the spy's notes (in the page's main world). */
const clearSpy = `(() => { for (const list of Object.values(window.__spy)) list.length = 0; })()`;

async function expectText(frame: Frame, selector: string, text: string): Promise<void> {
  await expect.poll(() => frame.locator(selector).textContent(), { timeout: 10_000 }).toBe(text);
}

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
    // The password box is the extension's own page in a frame; the shadow root holds no input.
    expect(await guide.visible('iframe.bb-frame')).toBe(true);
    expect(await guide.evaluate('.bb-card', 'function(){return this.querySelectorAll("input").length}')).toBe(0);
    const frame = await passwordFrame(kashflow);
    expect(new URL(frame.url()).protocol).toBe('chrome-extension:');
    await shot(kashflow, 'kashflow-guide-api-settings', false);
    // The page's scripts get no handle on the frame's window (to navigate it, say): a frame in a
    // shadow root is not in window.frames, and the frame never posts to the page.
    expect(await kashflow.evaluate(() => window.frames.length)).toBe(0);

    // Turning the API off marks the step and asks for Update; turning it back on clears that.
    await kashflow.locator('#api-enabled').uncheck();
    await guide.waitFor('li[data-step="api-enabled"]', (t) => !t.includes('(done)'));
    await kashflow.locator('#api-enabled').check();
    await guide.waitFor('li[data-step="api-enabled"]', (t) => t.includes('(done)'));

    await kashflow.locator('#autoauth-enabled').check();
    await guide.waitFor('li[data-step="autoauth"]', (t) => t.includes('(done)'));
    expect(await stepsDone(guide)).toMatchObject({ autoauth: true, ip: true, save: true, send: false });
    expect(await currentStep(guide)).toBe('send');

    // Send to Bookbridge: password and memorable word typed into the extension's frame, with
    // the page's spy notes emptied first so that what follows is only what typing there caused.
    await expectText(frame, '#bb-summary', `KashFlow username: ${kashflowUser.username} (read from this page)`);
    expect(await frame.locator('form').textContent()).toContain(`to my Bookbridge server at ${journey.server.url}`);
    const send = frame.getByRole('button', { name: 'Send to Bookbridge' });
    expect(await send.isDisabled()).toBe(true);
    await kashflow.evaluate(clearSpy);
    await typeInFrame(kashflow, frame, '#bb-password', kashflowUser.password);
    await typeInFrame(kashflow, frame, '#bb-memorable', kashflowUser.memorableWord);
    expect(await send.isDisabled()).toBe(true); // no consent yet
    await frame.locator('#bb-consent').click();
    await shot(kashflow, 'kashflow-guide-send', false);
    await send.click();
    const verdict = await guide.waitFor('.bb-ok', (t) => t.startsWith('KashFlow accepted'));
    expect(verdict).toContain('Demo Trading Ltd');
    await shot(kashflow, 'kashflow-guide-verified', false);
    // "Return to Bookbridge" brings back the dashboard tab already open, rather than a new one.
    const tabs = browser.context.pages().length;
    await guide.click('.bb-row .bb-btn');
    await kashflow.waitForTimeout(500);
    expect(browser.context.pages().length).toBe(tabs);

    // The page's own scripts saw nothing of it: not a key press, not in the capture phase on
    // window, not in a mutation, not on the clipboard, not in a message or a global.
    const spy = (await kashflow.evaluate(readSpy)) as SpyReport;
    expect(spy.hostShadowRoot).toBe('none');
    expect(spy.clipboard).toEqual([]);
    expect(spy.messages).toEqual([]);
    const keyEvents = ['keydown', 'keyup', 'keypress', 'beforeinput', 'input', 'paste'];
    expect(spy.capturing.filter((e) => keyEvents.includes(e.type))).toEqual([]);
    expect(spy.bubbling.filter((e) => keyEvents.includes(e.type))).toEqual([]);
    const visibleToPage = JSON.stringify([spy.capturing, spy.bubbling, spy.custom, spy.messages, spy.mutations, spy.globals]);
    for (const secret of [key, kashflowUser.password, kashflowUser.memorableWord]) expect(visibleToPage).not.toContain(secret);
    for (const letter of new Set(kashflowUser.memorableWord)) expect(spy.capturing.some((e) => e.key === letter)).toBe(false);
    expect(spy.html).not.toContain(key); // the page set its input's value property, never an attribute
    expect(spy.html).not.toContain(kashflowUser.memorableWord);
    // The spy is not deaf: a key pressed on the page itself is heard in the capture phase.
    await kashflow.locator('h1').first().click();
    await kashflow.keyboard.press('z');
    const after = (await kashflow.evaluate(readSpy)) as SpyReport;
    expect(after.capturing.some((e) => e.type === 'keydown' && e.key === 'z')).toBe(true);

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
