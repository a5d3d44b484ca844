/**
 * KashFlow's pages, with Bookbridge's steps shown in place: each control highlighted as the user
 * reaches it, each step ticked off when done, and on API Settings "Send to Bookbridge".
 *
 * The AutoAuth key never leaves this content script except in one message to the background:
 * - it is read from the page only when the user presses Send, after ticking the consent box;
 * - no clipboard, no DOM attribute, no event, no global carries it; our UI is a closed shadow root
 *   whose key events stop at its edge (`isolateEvents`), so the page's own listeners never see the
 *   password or memorable word typed into it;
 * - the password and memorable word are typed into that UI, never read from the page.
 * (A page script that listens in the capture phase on `window` sees key presses before any content
 * script can stop them; that page is KashFlow's own sign-in page's origin, which gets the password
 * anyway.)
 */
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import type { KeyGuideView } from '../key-guide.js';
import { sendMessage } from '../messaging.js';
import { h } from './dom.js';
import { controlsOf, currentStep, kashflowSteps, keyPattern, pageOf, readyToSend, savedSettingsOf, type Step } from './kashflow-steps.js';
import { buildFrame, type Frame } from './panel.js';

type Verdict = { kind: 'ok' | 'problem'; text: string; issues?: string[] };

export async function runKashflowGuide(ctx: ContentScriptContext, doc: Document, mount: () => Promise<HTMLElement>): Promise<void> {
  const page = pageOf(doc.location.pathname);
  const status = await sendMessage('keyGuideStatus', { provider: 'kashflow' });
  if (ctx.isInvalid) return;
  let guide: KeyGuideView = status.ok ? status.value : { active: false, reason: status.problem.message };

  // Nothing started from Bookbridge: offer to start here, but only where it helps.
  if (!guide.active) {
    if (page !== 'apps' && page !== 'api-settings') return;
    const offer = await sendMessage('connectOffer', { provider: 'kashflow' });
    if (ctx.isInvalid || !offer.ok || offer.value.action === null) return;
  }

  const root = await mount();
  if (ctx.isInvalid) return;
  let closed = false;
  const hide = () => {
    closed = true;
    frame.highlight(null);
    frame.card.hidden = true;
  };
  const frame: Frame = buildFrame(doc, root, 'Connect KashFlow', hide);

  if (!guide.active) {
    const start = h(doc, 'button', { type: 'button', class: 'bb-btn' }, 'Show me the steps');
    const note = h(doc, 'p', { class: 'bb-note', role: 'status' });
    frame.body.append(h(doc, 'p', {}, 'Bookbridge can connect this KashFlow account for you, step by step, without copying any key.'), h(doc, 'div', { class: 'bb-row' }, start), note);
    await new Promise<void>((resolve) => {
      start.addEventListener('click', async () => {
        const begun = await sendMessage('beginKeyGuideHere', { provider: 'kashflow' });
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

  const controls0 = controlsOf(doc);
  const saved = savedSettingsOf(controls0);
  let sent = guide.stage === 'verified';
  let verdict: Verdict | undefined = guide.stage === 'verified'
    ? { kind: 'ok', text: verifiedText(guide.organisationName) }
    : guide.stage === 'refused' && guide.message
      ? { kind: 'problem', text: guide.message }
      : undefined;

  const intro = h(doc, 'p', { class: 'bb-note' }, `${guide.purpose === 'reconnect' ? 'Reconnecting' : 'Connecting'} KashFlow to ${guide.businessName}.`);
  const list = h(doc, 'ol', { class: 'bb-steps', 'aria-label': 'Steps' });
  const send = buildSendSection(doc, guide.serverUrl, () => controlsOf(doc).signedInAs, async (secrets) => {
    const controls = controlsOf(doc);
    const key = controls.keyField?.value.trim() ?? '';
    if (!controls.signedInAs || !keyPattern.test(key)) {
      verdict = { kind: 'problem', text: 'No AutoAuth key on this page yet: tick Enable AutoAuth first.' };
      return render();
    }
    verdict = { kind: 'ok', text: 'Sending to Bookbridge… the server is checking the details with KashFlow.' };
    render();
    const result = await sendMessage('sendKeyCredentials', {
      provider: 'kashflow',
      credentials: { username: controls.signedInAs, autoAuthKey: key, ...secrets },
    });
    if (!result.ok) verdict = { kind: 'problem', text: result.problem.message };
    else if (result.value.active && result.value.stage === 'verified') {
      sent = true;
      verdict = { kind: 'ok', text: verifiedText(result.value.organisationName) };
    } else if (result.value.active) {
      verdict = {
        kind: 'problem',
        text: `KashFlow did not accept the details: ${result.value.message ?? 'unknown reason'}`,
        ...(result.value.issues ? { issues: result.value.issues.map((i) => i.message) } : {}),
      };
    }
    render();
  });
  const verdictEl = h(doc, 'div', { 'aria-live': 'polite' });
  const back = h(doc, 'button', { type: 'button', class: 'bb-btn', onclick: () => void sendMessage('openDashboard', { hash: '#/finish-key' }) }, 'Return to Bookbridge');
  const cancel = h(doc, 'button', { type: 'button', class: 'bb-link', onclick: () => void cancelGuide() }, 'Stop connecting');
  frame.body.append(intro, list, send.section, verdictEl, h(doc, 'div', { class: 'bb-row' }, back, cancel));

  async function cancelGuide() {
    await sendMessage('endKeyGuide');
    hide();
  }

  let lastSteps = '';
  function render() {
    if (closed) return;
    const steps = kashflowSteps({ page, controls: controlsOf(doc), saved, sent });
    const now = currentStep(steps);
    const signature = JSON.stringify(steps.map((s) => [s.id, s.done, s.detail])) + (now?.id ?? '');
    if (signature !== lastSteps) {
      lastSteps = signature;
      list.replaceChildren(...steps.map((s) => stepItem(doc, s, s === now)));
    }
    frame.highlight(now?.target ?? null, now?.label);
    send.section.hidden = page !== 'api-settings' || sent;
    send.setReady(readyToSend(steps));
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
  ctx.setInterval(render, 400);
  render();
}

function verifiedText(organisationName: string | undefined): string {
  return `KashFlow accepted the details${organisationName ? ` for ${organisationName}` : ''}. Return to Bookbridge to select the organisation and Finish.`;
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

/**
 * Password and memorable word typed here (never read from the page), the consent box, and the
 * Send button. The typed values leave only through `onSend`, then the fields are emptied.
 */
function buildSendSection(
  doc: Document,
  serverUrl: string,
  username: () => string | null,
  onSend: (secrets: { password: string; memorableWord: string }) => Promise<void>,
) {
  const password = h(doc, 'input', { type: 'password', id: 'bb-password', autocomplete: 'off' }) as HTMLInputElement;
  const memorable = h(doc, 'input', { type: 'password', id: 'bb-memorable', autocomplete: 'off' }) as HTMLInputElement;
  const consent = h(doc, 'input', { type: 'checkbox', id: 'bb-consent' }) as HTMLInputElement;
  const button = h(doc, 'button', { type: 'submit', class: 'bb-btn' }, 'Send to Bookbridge') as HTMLButtonElement;
  const who = h(doc, 'p', { class: 'bb-note' });
  let ready = false;
  let busy = false;
  const update = () => {
    const user = username();
    who.textContent = user ? `KashFlow username: ${user} (read from this page)` : '';
    button.disabled = busy || !ready || !consent.checked || password.value === '' || memorable.value === '';
  };
  for (const el of [password, memorable, consent]) el.addEventListener('input', update);
  consent.addEventListener('change', update);
  const form = h(
    doc,
    'form',
    { class: 'bb-section', 'aria-label': 'Send to Bookbridge' },
    who,
    h(doc, 'label', { for: 'bb-password' }, 'KashFlow password'),
    password,
    h(doc, 'label', { for: 'bb-memorable' }, 'Memorable word'),
    memorable,
    h(
      doc,
      'label',
      { class: 'bb-consent', for: 'bb-consent' },
      consent,
      `I agree: Bookbridge reads my KashFlow username and the AutoAuth key from this page and sends them, with the password and memorable word above, to my Bookbridge server at ${serverUrl}. Nothing is copied to the clipboard.`,
    ),
    h(doc, 'div', { class: 'bb-row' }, button),
  ) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    busy = true;
    update();
    const secrets = { password: password.value, memorableWord: memorable.value };
    void onSend(secrets).finally(() => {
      busy = false;
      password.value = '';
      memorable.value = '';
      consent.checked = false;
      update();
    });
  });
  update();
  return {
    section: form,
    setReady(value: boolean) {
      ready = value;
      update();
    },
  };
}
