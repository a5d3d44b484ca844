/**
 * The background's side of the KashFlow guide, against a real companion (over HTTP) and its
 * built-in KashFlow sandbox: what a content script may learn, how the password frame's secrets
 * meet what the page shows, and what is kept.
 */
import { fakeBrowser } from './testing/fake-browser-global.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/support/test-server.js';
import { kashflowCredentialsFromPages, type KashflowCredentials } from '../../test/support/kashflow-user.js';
import { handlers, offerFor, type BackgroundDeps } from './background-handlers.js';
import type { Capture } from './guide/key-site.js';
import type { KeyGuideView } from './key-guide.js';
import type { ConnectionView } from './api-types.js';
import type { BadgeState } from './badge.js';
import { currentBusinessIdItem, keyGuideItem, serverUrlDraftItem, serverUrlItem, sessionItem } from './storage.js';

let companion: TestServer;
let credentials: KashflowCredentials;
let admin: { email: string; password: string; businessId: string };
let deps: BackgroundDeps;
let badges: BadgeState[];
/** What the content script in tab 7 would answer; what it was told. */
let page: { capture: Capture; asked: number[]; verdicts: KeyGuideView[] };
const frame = { tabId: 7, url: 'chrome-extension://bookbridge/guide-credentials.html?provider=kashflow' };

beforeAll(async () => {
  companion = await createTestServer({}, { listen: true });
  admin = await companion.user({ role: 'business_admin', name: 'Olivia Owner' });
  credentials = await kashflowCredentialsFromPages(`${companion.url}/sandbox/kashflow/app`);
});
afterAll(async () => {
  await companion?.close();
});

beforeEach(async () => {
  fakeBrowser.reset();
  badges = [];
  const { username, autoAuthKey } = credentials;
  page = { capture: { ok: true, values: { username, autoAuthKey } }, asked: [], verdicts: [] };
  deps = {
    settings: { serverUrl: serverUrlItem, serverUrlDraft: serverUrlDraftItem, session: sessionItem, currentBusinessId: currentBusinessIdItem, keyGuide: keyGuideItem },
    hasHostPermission: async (url) => url === companion.url,
    showBadge: async (state) => void badges.push(state),
    guidePage: {
      describe: async () => ({ ready: page.capture.ok, summary: `KashFlow username: ${credentials.username}` }),
      capture: async (tabId) => {
        page.asked.push(tabId);
        return page.capture;
      },
      verdict: async (_tabId, view) => void page.verdicts.push(view),
    },
  };
  expect((await handlers.useServer(deps, { serverUrl: companion.url! })).ok).toBe(true);
  expect((await handlers.signIn(deps, { email: admin.email, password: admin.password })).ok).toBe(true);
});

describe('the KashFlow guide in the background', () => {
  it('tells a content script nothing is under way until the dashboard starts it', async () => {
    expect(await handlers.keyGuideStatus(deps, { provider: 'kashflow' })).toEqual({ ok: true, value: { active: false, reason: 'No connection is under way.' } });
    const secrets = { password: credentials.password, memorableWord: credentials.memorableWord };
    const refused = await handlers.sendGuideSecrets(deps, { provider: 'kashflow', secrets }, frame);
    expect(refused).toMatchObject({ ok: false, problem: { code: 'no_guide' } });
    expect(await handlers.guideFrameState(deps, { provider: 'kashflow' }, frame)).toMatchObject({ ok: true, value: { active: false } });
  });

  it('relays the captured details to the server and keeps only its verdict', async () => {
    const started = await handlers.startKeyGuide(deps, { businessId: admin.businessId, provider: 'kashflow', purpose: 'connect' });
    expect(started.ok).toBe(true);
    const view = await handlers.keyGuideStatus(deps, { provider: 'kashflow' });
    expect(view).toMatchObject({ ok: true, value: { active: true, stage: 'waiting', serverUrl: companion.url, purpose: 'connect' } });
    expect(JSON.stringify(view)).not.toContain('grantId');

    expect(await handlers.guideFrameState(deps, { provider: 'kashflow' }, frame)).toEqual({
      ok: true,
      value: { active: true, ready: true, summary: 'KashFlow username: demo', serverUrl: companion.url },
    });
    // A secret the provider does not have is dropped; what the page shows cannot be overwritten.
    const secrets = { password: credentials.password, memorableWord: credentials.memorableWord, autoAuthKey: 'from the frame', extra: 'x' };
    const sent = await handlers.sendGuideSecrets(deps, { provider: 'kashflow', secrets }, frame);
    expect(sent).toMatchObject({ ok: true, value: { active: true, stage: 'verified', organisationName: 'Demo Trading Ltd' } });
    expect(page.asked).toEqual([7]); // the page of the frame's own tab, asked once
    expect(page.verdicts).toMatchObject([{ stage: 'verified' }]);
    const stored = JSON.stringify(await fakeBrowser.storage.session.get(null)) + JSON.stringify(await fakeBrowser.storage.local.get(null));
    expect(stored).not.toContain(credentials.autoAuthKey);
    expect(stored).not.toContain(credentials.password);
    expect(stored).not.toContain(credentials.memorableWord);

    // Finish (from the dashboard) ends the guide.
    const guide = (await keyGuideItem.getValue())!;
    const finished = await handlers.finish(deps, { businessId: admin.businessId, grantId: guide.grant!.grantId, organisationId: guide.grant!.organisations[0]!.id });
    expect(finished).toMatchObject({ ok: true, value: { connection: { provider: 'kashflow', organisation: { name: 'Demo Trading Ltd' } } } });
    expect(await keyGuideItem.getValue()).toBeNull();

    // The badge follows the business's connections.
    const listed = await handlers.listConnections(deps, { businessId: admin.businessId });
    expect(listed.ok).toBe(true);
    expect(badges.at(-1)).toMatchObject({ level: 'ok', text: '' });
    await handlers.disconnect(deps, { businessId: admin.businessId, connectionId: finished.ok ? finished.value.connection.id : '', keepLists: false });
  });

  it('sends nothing while the page is not ready, or from outside a tab', async () => {
    await handlers.startKeyGuide(deps, { businessId: admin.businessId, provider: 'kashflow', purpose: 'connect' });
    page.capture = { ok: false, message: 'No AutoAuth key on this page yet: tick Enable AutoAuth first.' };
    const secrets = { password: credentials.password, memorableWord: credentials.memorableWord };
    expect(await handlers.sendGuideSecrets(deps, { provider: 'kashflow', secrets }, frame)).toMatchObject({
      ok: false,
      problem: { code: 'page_not_ready', message: 'No AutoAuth key on this page yet: tick Enable AutoAuth first.' },
    });
    expect(await handlers.sendGuideSecrets(deps, { provider: 'kashflow', secrets }, {})).toMatchObject({ ok: false, problem: { code: 'forbidden' } });
    expect((await keyGuideItem.getValue())?.stage).toBe('waiting');
  });

  it("shows KashFlow's refusal in words, with the field, and stores nothing", async () => {
    await handlers.startKeyGuide(deps, { businessId: admin.businessId, provider: 'kashflow', purpose: 'connect' });
    const sent = await handlers.sendGuideSecrets(deps, { provider: 'kashflow', secrets: { password: 'not the password', memorableWord: credentials.memorableWord } }, frame);
    expect(sent).toMatchObject({ ok: true, value: { active: true, stage: 'refused' } });
    expect(page.verdicts).toMatchObject([{ stage: 'refused' }]);
    expect(sent.ok && sent.value.active && sent.value.message).toMatch(/password/i);
    expect(JSON.stringify(await fakeBrowser.storage.session.get(null))).not.toContain('not the password');
  });
});

describe('what a provider page offers', () => {
  const xero = { id: 'c1', provider: 'xero', providerName: 'Xero', role: 'ledger', organisation: { id: 't1', name: 'Demo Company (UK)' } } as ConnectionView;

  it('connect when the business has no ledger yet', () => {
    expect(offerFor([], 'xero', 'Acme')).toEqual({ action: 'connect', businessName: 'Acme' });
  });

  it('an app beside the ledger only once there is a ledger', () => {
    expect(offerFor([], 'approvalmax', 'Acme')).toMatchObject({ action: null, reason: expect.stringContaining('beside your accounting software') });
    expect(offerFor([{ ...xero, status: 'active', health: 'active' }], 'approvalmax', 'Acme', 'Demo Company (UK)')).toEqual({ action: 'connect', businessName: 'Acme' });
  });

  it('reconnect when the same organisation expired', () => {
    expect(offerFor([{ ...xero, status: 'expired', health: 'expired' }], 'xero', 'Acme', 'demo company (uk)')).toEqual({
      action: 'reconnect',
      businessName: 'Acme',
      connectionId: 'c1',
    });
  });

  it('nothing, with the reason, when another ledger or organisation is connected', () => {
    expect(offerFor([{ ...xero, status: 'active', health: 'active' }], 'xero', 'Acme', 'Northwind')).toMatchObject({ action: null, reason: expect.stringContaining('Change connection') });
    expect(offerFor([{ ...xero, status: 'active', health: 'active' }], 'kashflow', 'Acme')).toMatchObject({ action: null, reason: 'Acme is connected to Xero. To switch, use Manage > Change connection in Bookbridge.' });
  });
});
