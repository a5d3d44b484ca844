/**
 * The password box of the key guides (KashFlow's password and memorable word, BILL's password),
 * with the consent and "Send to Bookbridge". It is an extension page shown in an iframe inside
 * the guide's closed shadow root, not part of the shadow root itself: key presses in a shadow root
 * still travel through the provider page's window first (a script listening there in the capture
 * phase sees every key), while key presses in an extension frame belong to another document and
 * another origin, so the page's event loop never sees them (issue 6). The frame is web-accessible
 * only on the provider hosts (wxt.config.ts).
 *
 * The frame never learns the key or IDs on the page: it asks the background (which asks the tab's
 * content script) what the page is ready to send, and on Send hands over only what was typed.
 */
import { sendMessage } from '../messaging.js';
import { h } from './dom.js';
import { consentText, isKeyProvider, secretFields } from './secret-fields.js';

const POLL_MS = 700;

export function mountCredentialsForm(doc: Document, provider: string | null, send: typeof sendMessage = sendMessage): void {
  if (!isKeyProvider(provider)) {
    doc.body.append(h(doc, 'p', { class: 'note' }, 'Nothing to send from here.'));
    return;
  }
  const fields = secretFields[provider].map((f) => ({ ...f, input: h(doc, 'input', { type: 'password', id: f.id, name: f.name, autocomplete: 'off', spellcheck: 'false' }) as HTMLInputElement }));
  const consent = h(doc, 'input', { type: 'checkbox', id: 'bb-consent' }) as HTMLInputElement;
  const consentWords = doc.createTextNode(consentText(provider, 'your Bookbridge server'));
  const button = h(doc, 'button', { type: 'submit' }, 'Send to Bookbridge') as HTMLButtonElement;
  const summary = h(doc, 'p', { class: 'note', id: 'bb-summary' });
  const status = h(doc, 'p', { class: 'note', role: 'status', id: 'bb-status' });
  const form = h(
    doc,
    'form',
    { 'aria-label': 'Send to Bookbridge' },
    summary,
    ...fields.flatMap((f) => [h(doc, 'label', { for: f.id }, f.label), f.input]),
    h(doc, 'label', { class: 'consent', for: 'bb-consent' }, consent, consentWords),
    button,
    status,
  ) as HTMLFormElement;
  doc.body.append(form);

  let ready = false;
  let busy = false;
  const update = () => {
    button.disabled = busy || !ready || !consent.checked || fields.some((f) => f.input.value === '');
  };
  const say = (text: string, problem = false) => {
    status.textContent = text;
    status.className = problem ? 'problem' : 'note';
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);

  // What the page is ready to send, asked often: the page changes under the user (a box ticked,
  // a key generated), and the question doubles as this frame's heartbeat (see key-site-guide.ts).
  // The frame's height rides along, so the guide can fit the frame to it; when what came back
  // changed the height, it is sent again at once rather than at the next poll.
  const measure = () => Math.ceil(form.getBoundingClientRect().height) + 6;
  const poll = async (again = true): Promise<void> => {
    const height = measure();
    const state = await send('guideFrameState', { provider, height }).catch(() => null);
    if (state?.ok) {
      ready = state.value.active && state.value.ready;
      summary.textContent = state.value.active ? state.value.summary : (state.value.reason ?? '');
      if (state.value.serverUrl) consentWords.data = consentText(provider, state.value.serverUrl);
    } else {
      ready = false;
    }
    update();
    if (again && state?.ok && measure() !== height) return poll(false);
  };
  void poll();
  setInterval(() => void poll(), POLL_MS);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    busy = true;
    update();
    say('Sending to Bookbridge… the server is checking the details.');
    const secrets = Object.fromEntries(fields.map((f) => [f.name, f.input.value]));
    void send('sendGuideSecrets', { provider, secrets })
      .then((result) => {
        if (!result.ok) say(result.problem.message, true);
        else if (result.value.active && result.value.stage === 'refused') say(`Not accepted: ${result.value.message ?? 'unknown reason'}`, true);
        else say('Sent.');
      })
      .catch(() => say('Bookbridge could not be reached. Try again.', true))
      .finally(() => {
        busy = false;
        for (const f of fields) f.input.value = '';
        consent.checked = false;
        update();
      });
  });
  update();
}
