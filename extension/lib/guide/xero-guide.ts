/**
 * On Xero's web app, for a signed-in user: "Connect this organisation to Bookbridge", which opens
 * the dashboard's connect flow with the organisation as a hint, so the chooser starts on it.
 */
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { sendMessage } from '../messaging.js';
import { h } from './dom.js';
import { buildFrame } from './panel.js';
import { organisationOnPage } from './xero-page.js';

export async function runXeroGuide(ctx: ContentScriptContext, doc: Document, mount: () => Promise<HTMLElement>): Promise<void> {
  const organisation = organisationOnPage(doc);
  if (!organisation) return;
  const offer = await sendMessage('connectOffer', { provider: 'xero', organisationName: organisation.name });
  if (ctx.isInvalid || !offer.ok || offer.value.action === null) return;
  const { action, businessName } = offer.value;
  const root = await mount();
  if (ctx.isInvalid) return;
  const frame = buildFrame(doc, root, action === 'reconnect' ? 'Reconnect Xero' : 'Connect Xero', () => {
    frame.card.hidden = true;
  });
  const label = action === 'reconnect' ? 'Reconnect this organisation to Bookbridge' : 'Connect this organisation to Bookbridge';
  const note = h(doc, 'p', { class: 'bb-note', role: 'status' });
  const button = h(doc, 'button', { type: 'button', class: 'bb-btn' }, label) as HTMLButtonElement;
  button.addEventListener('click', async () => {
    button.disabled = true;
    const opened = await sendMessage('openConnect', { provider: 'xero', organisationHint: organisation.name });
    note.textContent = opened.ok
      ? `Continue in the Bookbridge tab: sign in to Xero there and ${organisation.name} is chosen for you.`
      : opened.problem.message;
    button.disabled = false;
  });
  frame.body.append(
    h(
      doc,
      'p',
      {},
      action === 'reconnect'
        ? `${businessName}'s connection to ${organisation.name} has expired. Reconnect it to keep publishing.`
        : `Publish ${businessName}'s receipts, bills and invoices straight into ${organisation.name}.`,
    ),
    h(doc, 'div', { class: 'bb-row' }, button),
    note,
  );
}
