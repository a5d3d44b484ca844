/**
 * Wires the background: every message in the protocol gets its handler from `handlers`, with the
 * real browser parts as dependencies; live job progress goes over runtime ports; the badge is kept
 * fresh by an alarm; guide content scripts follow the host permissions the user granted.
 * Called from the background entrypoint's `main()`.
 */
import { browser, type Browser } from 'wxt/browser';
import { createApiClient, messages, toProblem } from './api-client.js';
import { handlers, refreshBadge, type BackgroundDeps, type Sender } from './background-handlers.js';
import type { BadgeState } from './badge.js';
import { guidePage } from './guide-page.js';
import { guideScripts, wantedRegistrations } from './guide-scripts.js';
import { JOB_PORT, type JobPortMessage, type JobPortRequest } from './job-port.js';
import { relayJob } from './job-relay.js';
import { contentScriptMessages, guideFrameMessages, guideFramePath, onMessage, type ProtocolMap } from './messaging.js';
import { originPattern } from './server-url.js';
import { currentBusinessIdItem, keyGuideItem, serverUrlDraftItem, serverUrlItem, sessionItem } from './storage.js';

const BADGE_ALARM = 'bookbridge-badge';

export function createBackgroundDeps(): BackgroundDeps {
  return {
    settings: {
      serverUrl: serverUrlItem,
      serverUrlDraft: serverUrlDraftItem,
      session: sessionItem,
      currentBusinessId: currentBusinessIdItem,
      keyGuide: keyGuideItem,
    },
    hasHostPermission: (serverUrl) => browser.permissions.contains({ origins: [originPattern(serverUrl)] }),
    showBadge,
    openDashboard,
    syncGuides,
    // The key guide's content script lives in the tab's top frame: frameId 0 keeps the question
    // from reaching anything else in the tab.
    guidePage: {
      describe: (tabId, provider, height) => guidePage.sendMessage('describeGuidePage', { provider, ...(height ? { height } : {}) }, { tabId, frameId: 0 }),
      capture: (tabId, provider) => guidePage.sendMessage('captureGuidePage', { provider }, { tabId, frameId: 0 }),
      verdict: (tabId, view) => guidePage.sendMessage('guideVerdict', view, { tabId, frameId: 0 }),
    },
  };
}

async function showBadge(state: BadgeState): Promise<void> {
  await browser.action.setBadgeText({ text: state.text });
  if (state.text) await browser.action.setBadgeBackgroundColor({ color: state.color });
  await browser.action.setTitle({ title: state.title });
}

/**
 * Brings the dashboard forward at `hash`: an open dashboard tab is reused (a new tab per click
 * would pile up), opening one when there is none. `#/finish-key` only focuses an open tab, where
 * the connect dialog may be waiting. `runtime.getContexts` (Chrome 116+) finds our own pages
 * without the "tabs" permission; where it is missing, a new tab is right.
 */
async function openDashboard(hash: string): Promise<void> {
  const url = browser.runtime.getURL('/dashboard.html');
  const runtime = browser.runtime as unknown as {
    getContexts?(filter: { contextTypes: string[]; documentUrls?: string[] }): Promise<{ tabId: number; windowId: number; documentUrl?: string }[]>;
  };
  const open = await runtime.getContexts?.({ contextTypes: ['TAB'] }).catch(() => []);
  const existing = (open ?? []).find((c) => c.documentUrl?.startsWith(url) && c.tabId >= 0);
  if (existing) {
    const navigate = hash !== '' && hash !== '#/finish-key';
    await browser.tabs.update(existing.tabId, { active: true, ...(navigate ? { url: `${url}${hash}` } : {}) });
    await browser.windows.update(existing.windowId, { focused: true }).catch(() => undefined);
    return;
  }
  const tab = await browser.tabs.create({ url: `${url}${hash}`, active: true });
  if (tab.windowId !== undefined) await browser.windows.update(tab.windowId, { focused: true }).catch(() => undefined);
}

/** Makes the registered guide scripts match exactly the places the user allowed. */
async function syncGuides(): Promise<string[]> {
  const wanted = await wantedRegistrations({
    serverUrl: await serverUrlItem.getValue(),
    granted: (pattern) => browser.permissions.contains({ origins: [pattern] }),
  });
  const ours = new Set(guideScripts.map((s) => s.id));
  const existing = (await browser.scripting.getRegisteredContentScripts()).filter((s) => ours.has(s.id));
  if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  if (wanted.length > 0) {
    await browser.scripting.registerContentScripts(
      wanted.map((r) => ({ id: r.id, js: r.js, matches: r.matches, runAt: 'document_idle' as const, allFrames: false })),
    );
  }
  return wanted.map((r) => `${r.id}: ${r.matches.join(' ')}`);
}

function isExtensionPage(url: string | undefined): boolean {
  return url !== undefined && url.startsWith(browser.runtime.getURL('/'));
}

function isGuideFrame(url: string | undefined): boolean {
  return url !== undefined && url.split(/[?#]/)[0] === browser.runtime.getURL(guideFramePath);
}

/** Registers one listener per message type; returns a function that removes them all. */
export function registerBackgroundHandlers(deps: BackgroundDeps): () => void {
  const types = Object.keys(handlers) as (keyof ProtocolMap)[];
  const fromPages = new Set<string>(contentScriptMessages);
  const fromFrame = new Set<string>(guideFrameMessages);
  const refuse = (message: string) => Promise.resolve({ ok: false, problem: { kind: 'api', status: 403, code: 'forbidden', message } } as never);
  const removers = types.map((type) => {
    // Each handler's own signature is checked by the `Handlers` type in background-handlers.ts;
    // here one loop registers them all.
    const handle = handlers[type] as (deps: BackgroundDeps, data: unknown, from: Sender) => Promise<never>;
    return onMessage(type, ({ data, sender }) => {
      // A content script lives in a web page: it may ask only what the guides need.
      if (!isExtensionPage(sender.url) && !fromPages.has(type)) return refuse('Not allowed from a web page.');
      // The secrets come only from the password frame, and go only with its own tab's page.
      if (fromFrame.has(type) && !isGuideFrame(sender.url)) return refuse('Only the Bookbridge panel on a provider\'s page can do this.');
      return handle(deps, data, { tabId: sender.tab?.id, url: sender.url });
    });
  });
  return () => removers.forEach((remove) => remove());
}

/** Live progress: a page connects a port named `job-progress` and sends `{ businessId, jobId }`. */
export function registerJobPorts(deps: BackgroundDeps): void {
  browser.runtime.onConnect.addListener((port: Browser.runtime.Port) => {
    if (port.name !== JOB_PORT) return;
    if (!isExtensionPage(port.sender?.url)) return port.disconnect();
    const controller = new AbortController();
    port.onDisconnect.addListener(() => controller.abort());
    const post = (message: JobPortMessage) => {
      if (!controller.signal.aborted) port.postMessage(message);
    };
    port.onMessage.addListener((request: JobPortRequest) => {
      void (async () => {
        const serverUrl = await deps.settings.serverUrl.getValue();
        const session = await deps.settings.session.getValue();
        if (!serverUrl || !session) return post({ type: 'problem', problem: { kind: 'not_signed_in', message: messages.notSignedIn } });
        const api = createApiClient({ serverUrl, token: session.token });
        try {
          await relayJob({ api, request, signal: controller.signal, post });
        } catch (error) {
          post({ type: 'problem', problem: toProblem(error) });
        }
        if (!controller.signal.aborted) port.disconnect();
        // An import that ended may have changed the connection's health.
        void refreshBadge(deps);
      })();
    });
  });
}

/** The badge every 30 minutes and at start-up; guide scripts whenever permissions change. */
export function registerKeepers(deps: BackgroundDeps): void {
  void browser.alarms.create(BADGE_ALARM, { periodInMinutes: 30, delayInMinutes: 0.1 });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === BADGE_ALARM) void refreshBadge(deps);
  });
  const sync = () => void syncGuides().catch((error: unknown) => console.warn('guide scripts not registered', error));
  browser.permissions.onAdded.addListener(sync);
  browser.permissions.onRemoved.addListener(sync);
  serverUrlItem.watch(sync);
  currentBusinessIdItem.watch(() => void refreshBadge(deps));
  sync();
}
