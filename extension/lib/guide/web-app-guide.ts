/**
 * On an OAuth provider's web app, for a signed-in user (Xero, QuickBooks Online, Sage Accounting,
 * FreeAgent, ApprovalMax): "Connect this organisation to Bookbridge", which opens the dashboard's
 * connect flow with the organisation the page names as a hint, so the chooser starts on it.
 */
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import type { ProviderId } from '../../../shared/catalogue.js';
import { sendMessage } from '../messaging.js';
import { h } from './dom.js';
import { buildFrame } from './panel.js';

export interface WebAppSite {
  provider: ProviderId;
  name: string;
  /** What the provider calls what the user works in: organisation, company, business. */
  noun: string;
  /** The organisation the page names, or null where it names none (signed out). */
  organisationOnPage(doc: Document): { name: string } | null;
  /** One line on what connecting does (default: publishing into it). */
  pitch?(businessName: string, organisation: string): string;
}

/** Web apps draw their header after loading: look again for a few seconds. */
const LOOKS = 10;
const LOOK_MS = 500;

export async function runWebAppGuide(ctx: ContentScriptContext, doc: Document, mount: () => Promise<HTMLElement>, site: WebAppSite): Promise<void> {
  let organisation = site.organisationOnPage(doc);
  for (let i = 1; !organisation && i < LOOKS && !ctx.isInvalid; i++) {
    await new Promise<void>((resolve) => ctx.setTimeout(() => resolve(), LOOK_MS));
    organisation = site.organisationOnPage(doc);
  }
  if (!organisation || ctx.isInvalid) return;
  const offer = await sendMessage('connectOffer', { provider: site.provider, organisationName: organisation.name });
  if (ctx.isInvalid || !offer.ok || offer.value.action === null) return;
  const { action, businessName } = offer.value;
  const root = await mount();
  if (ctx.isInvalid) return;
  const frame = buildFrame(doc, root, `${action === 'reconnect' ? 'Reconnect' : 'Connect'} ${site.name}`, () => {
    frame.card.hidden = true;
  });
  const label = `${action === 'reconnect' ? 'Reconnect' : 'Connect'} this ${site.noun} to Bookbridge`;
  const note = h(doc, 'p', { class: 'bb-note', role: 'status' });
  const button = h(doc, 'button', { type: 'button', class: 'bb-btn' }, label) as HTMLButtonElement;
  const name = organisation.name;
  button.addEventListener('click', async () => {
    button.disabled = true;
    const opened = await sendMessage('openConnect', { provider: site.provider, organisationHint: name });
    note.textContent = opened.ok ? `Continue in the Bookbridge tab: sign in to ${site.name} there and ${name} is chosen for you.` : opened.problem.message;
    button.disabled = false;
  });
  frame.body.append(
    h(
      doc,
      'p',
      {},
      action === 'reconnect'
        ? `${businessName}'s connection to ${name} has expired. Reconnect it to keep publishing.`
        : (site.pitch?.(businessName, name) ?? `Publish ${businessName}'s receipts, bills and invoices straight into ${name}.`),
    ),
    h(doc, 'div', { class: 'bb-row' }, button),
    note,
  );
}
