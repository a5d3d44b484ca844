/**
 * A key provider's pages (KashFlow, BILL) with Bookbridge's steps shown in place: each control
 * highlighted as the user reaches it, what Bookbridge will read outlined, each step ticked off
 * when done, and on the page where it belongs the password frame with "Send to Bookbridge".
 *
 * What the page holds (username, AutoAuth key, organisation ID, developer key) leaves this content
 * script only when the user sends, and only in answer to the background (guide-page.ts): no
 * clipboard, no DOM attribute, no event, no global carries it. What the user types (password,
 * memorable word) goes into the extension's own page in an iframe (credentials-form.ts), so no
 * key press reaches the provider page's event loop. Our UI is a closed shadow root that hosts
 * the steps and that iframe, nothing typed.
 */
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { browser } from 'wxt/browser';
import { guidePage } from '../guide-page.js';
import type { KeyGuideView } from '../key-guide.js';
import { sendMessage } from '../messaging.js';
import { h } from './dom.js';
import type { KeySite } from './key-site.js';
import { buildFrame, type Frame } from './panel.js';
import { secretFields } from './secret-fields.js';
import { currentStep, readyToSend, type Step } from './steps.js';

type Verdict = { kind: 'ok' | 'problem'; text: string; issues?: string[] };

/** The frame asks what the page shows every 0.7 s; silent this long, it was navigated away or never loaded. */
const HEARTBEAT_MS = 3_500;
/** Frames made in a row without hearing from one, before giving up on showing one here. */
const MAX_QUIET_FRAMES = 3;

export async function runKeySiteGuide(ctx: ContentScriptContext, doc: Document, mount: () => Promise<HTMLElement>, site: KeySite): Promise<void> {
  const { provider, name } = site;
  const status = await sendMessage('keyGuideStatus', { provider });
  if (ctx.isInvalid) return;
  let guide: KeyGuideView = status.ok ? status.value : { active: false, reason: status.problem.message };

  // Nothing started from Bookbridge: offer to start here, but only where it helps.
  if (!guide.active) {
    if (!site.offersHere(doc)) return;
    const offer = await sendMessage('connectOffer', { provider });
    if (ctx.isInvalid || !offer.ok || offer.value.action === null) return;
  }

  const root = await mount();
  if (ctx.isInvalid) return;
  let closed = false;
  const hide = () => {
    closed = true;
    frame.highlight(null);
    frame.outline(null);
    frame.card.hidden = true;
  };
  const frame: Frame = buildFrame(doc, root, `Connect ${name}`, hide);

  if (!guide.active) {
    const start = h(doc, 'button', { type: 'button', class: 'bb-btn' }, 'Show me the steps');
    const note = h(doc, 'p', { class: 'bb-note', role: 'status' });
    frame.body.append(h(doc, 'p', {}, `Bookbridge can connect this ${name} account for you, step by step, without copying any key.`), h(doc, 'div', { class: 'bb-row' }, start), note);
    await new Promise<void>((resolve) => {
      start.addEventListener('click', async () => {
        const begun = await sendMessage('beginKeyGuideHere', { provider });
        if (!begun.ok) {
          note.textContent = begun.problem.message;
          return;
        }
        guide = begun.value;
        frame.body.replaceChildren();
        resolve();
      });
    });
  }
  if (!guide.active) return;

  const page = site.open(doc);
  let sent = guide.stage === 'verified';
  let verdict: Verdict | undefined = verdictOf(guide, name);

  // The background's questions, for this tab's top frame only (guide-page.ts).
  let lastAsked = 0;
  let iframe: HTMLIFrameElement | null = null;
  let shownAt = 0;
  let quiet = 0;
  const listeners = [
    guidePage.onMessage('describeGuidePage', ({ data }) => {
      lastAsked = Date.now();
      quiet = 0;
      if (iframe && data.height) iframe.style.height = `${Math.min(Math.max(data.height, 120), 560)}px`;
      return { ready: readyToSend(page.steps(sent)), summary: page.summary() };
    }),
    guidePage.onMessage('captureGuidePage', () => page.capture()),
    guidePage.onMessage('guideVerdict', ({ data }) => {
      if (data.active) {
        sent = data.stage === 'verified';
        verdict = verdictOf(data, name);
        render();
      }
    }),
  ];
  ctx.onInvalidated(() => listeners.forEach((remove) => remove()));

  const intro = h(doc, 'p', { class: 'bb-note' }, `${guide.purpose === 'reconnect' ? 'Reconnecting' : 'Connecting'} ${name} to ${guide.businessName}.`);
  const list = h(doc, 'ol', { class: 'bb-steps', 'aria-label': 'Steps' });
  const sendSection = h(doc, 'div', { class: 'bb-section', 'data-part': 'send' });
  const verdictEl = h(doc, 'div', { 'aria-live': 'polite' });
  const back = h(doc, 'button', { type: 'button', class: 'bb-btn', onclick: () => void sendMessage('openDashboard', { hash: '#/finish-key' }) }, 'Return to Bookbridge');
  const cancel = h(doc, 'button', { type: 'button', class: 'bb-link', onclick: () => void cancelGuide() }, 'Stop connecting');
  frame.body.append(intro, list, sendSection, verdictEl, h(doc, 'div', { class: 'bb-row' }, back, cancel));

  async function cancelGuide() {
    await sendMessage('endKeyGuide');
    hide();
  }

  // The password frame: made when first needed, made again if it goes quiet (it did not load, or
  // something navigated it away). The page's scripts get no handle on it: a frame in a shadow root
  // is not in `window.frames`, and it never posts a message to the page.
  function showFrame() {
    if (iframe && (doc.visibilityState !== 'visible' || Date.now() - Math.max(shownAt, lastAsked) < HEARTBEAT_MS)) return;
    iframe?.remove();
    iframe = null;
    if (quiet >= MAX_QUIET_FRAMES) {
      sendSection.replaceChildren(
        h(doc, 'p', { class: 'bb-problem', role: 'alert' }, `Bookbridge's password box cannot be shown on this page. In Bookbridge, choose "Enter the details here instead".`),
      );
      return;
    }
    quiet++;
    shownAt = Date.now();
    const url = `${browser.runtime.getURL('/guide-credentials.html')}?provider=${encodeURIComponent(provider)}`;
    // A first guess at its height; the frame then says how tall it is (below).
    const height = 220 + 56 * secretFields[provider].length;
    iframe = h(doc, 'iframe', { class: 'bb-frame', src: url, title: 'Send to Bookbridge', style: `height:${height}px` }) as HTMLIFrameElement;
    sendSection.replaceChildren(iframe);
  }

  let lastSteps = '';
  function render() {
    if (closed) return;
    const steps = page.steps(sent);
    const now = currentStep(steps);
    const signature = JSON.stringify(steps.map((s) => [s.id, s.done, s.detail])) + (now?.id ?? '');
    if (signature !== lastSteps) {
      lastSteps = signature;
      list.replaceChildren(...steps.map((s) => stepItem(doc, s, s === now)));
    }
    frame.highlight(now?.target ?? null, now?.label);
    const reads = [...steps].reverse().find((s) => s.reads);
    frame.outline(reads?.reads ?? null, reads ? 'Bookbridge reads this' : undefined);
    sendSection.hidden = !page.sendHere() || sent;
    if (!sendSection.hidden) showFrame();
    back.hidden = !sent;
    verdictEl.replaceChildren(
      ...(verdict
        ? [
            h(doc, 'p', { class: verdict.kind === 'ok' ? 'bb-ok' : 'bb-problem', role: verdict.kind === 'ok' ? 'status' : 'alert' }, verdict.text),
            ...(verdict.issues ?? []).map((issue) => h(doc, 'p', { class: 'bb-note' }, issue)),
          ]
        : []),
    );
  }

  // The page changes under us (ticking a box, AutoAuth revealing the key): follow it.
  ctx.addEventListener(doc, 'change', render, { capture: true });
  ctx.addEventListener(doc, 'input', render, { capture: true });
  ctx.addEventListener(window, 'scroll', render, { passive: true });
  ctx.addEventListener(window, 'resize', render);
  // A hidden tab's frame is throttled and may go quiet: give it time again when the tab is back.
  ctx.addEventListener(doc, 'visibilitychange', () => {
    if (doc.visibilityState === 'visible') shownAt = Date.now();
  });
  ctx.setInterval(render, 400);
  render();
}

function verdictOf(guide: KeyGuideView, name: string): Verdict | undefined {
  if (!guide.active) return undefined;
  if (guide.stage === 'verified') {
    return {
      kind: 'ok',
      text: `${name} accepted the details${guide.organisationName ? ` for ${guide.organisationName}` : ''}. Return to Bookbridge to select the organisation and Finish.`,
    };
  }
  if (guide.stage === 'refused' && guide.message) {
    return { kind: 'problem', text: `${name} did not accept the details: ${guide.message}`, ...(guide.issues ? { issues: guide.issues.map((i) => i.message) } : {}) };
  }
  return undefined;
}

function stepItem(doc: Document, step: Step, current: boolean): HTMLElement {
  return h(
    doc,
    'li',
    { class: step.done ? 'bb-done' : current ? 'bb-current' : '', 'data-step': step.id, 'data-done': step.done ? 'true' : 'false', 'aria-current': current ? 'step' : undefined },
    h(doc, 'span', { class: 'bb-mark', 'aria-hidden': 'true' }, step.done ? '✓' : current ? '→' : '○'),
    h(doc, 'span', {}, step.label, step.done ? ' (done)' : '', step.detail && !step.done ? h(doc, 'span', { class: 'bb-detail' }, step.detail) : null),
  );
}
