/**
 * The Sage Accounting sandbox: a local emulator of www.sageone.com (authorize pages),
 * oauth.accounting.sage.com (tokens) and api.accounting.sage.com/v3.1, routes grouped under
 * `/www`, `/oauth` and `/api`, plus `/_control` for tests. The companion mounts it at
 * `/sandbox/sage-accounting`; tests `listen(sandbox.app)` and use `<url>/www`, `<url>/oauth` and
 * `<url>/api` as the adapter's hosts. Facts and their confidence: shared/providers/sage-accounting.md.
 */
import { Hono } from 'hono';
import { API_PREFIX, createApi } from './api.js';
import { createControlApi } from './control.js';
import { escapeHtml, page, registerOAuthRoutes } from './oauth.js';
import { signedInPages } from '../signed-in-pages.js';
import { artefactPaths, presentArtefact, presentOtherPayment, type Json } from './present.js';
import { createState, type SageSandboxOptions, type SandboxState } from './state.js';

export { defaultBusinesses, generateBusiness, type BusinessData, type BusinessSpec, type Tier } from './seed.js';
export type { SageSandboxOptions, SandboxClient, SandboxState } from './state.js';
export type { Mutation } from './control.js';

export interface SageAccountingSandbox {
  app: Hono;
  /** The live state (the same object across resets). */
  state: SandboxState;
  reset(): void;
}

export function createSageAccountingSandbox(options: SageSandboxOptions): SageAccountingSandbox {
  const state = createState(options);
  // Reset refills the same object, so every route keeps seeing the live state.
  const reset = () => {
    Object.assign(state, createState(options));
  };
  const app = new Hono();
  registerOAuthRoutes(app, state);
  app.route(API_PREFIX, createApi(state));
  app.route('/_control', createControlApi(state, reset));
  // app.accounting.sage.com, signed in: names the business (for the extension's guide).
  app.route(
    '/app',
    signedInPages({
      product: 'Sage Accounting',
      colour: '#00815d',
      noun: 'business',
      hint: 'Sandbox: demo@example.com (three businesses) or accountant@example.com, any password.',
      companiesOf: (email) =>
        state.users.find((u) => u.email === email)?.memberships.map((m) => ({ id: m.businessId, name: state.businesses.get(m.businessId)?.data.name ?? m.businessId })),
    }),
  );
  app.get('/www/app/:collection/:id', (c) => documentPage(state, c.req.param('collection'), c.req.param('id')).then((html) => (html ? c.html(html) : c.notFound())));
  return { app, state, reset };
}

/** A plain page for a created document, so links from Bookbridge open something in sandbox mode. */
async function documentPage(state: SandboxState, collection: string, id: string): Promise<string | undefined> {
  for (const biz of state.businesses.values()) {
    let doc: Json | undefined;
    const artefact = biz.artefacts.get(id);
    if (artefact && artefactPaths[artefact.kind] === `/${collection}`) doc = presentArtefact(biz, artefact);
    const other = biz.otherPayments.get(id);
    if (other && collection === 'other_payments') doc = presentOtherPayment(biz, other);
    if (!doc) continue;
    const lines = (doc.invoice_lines ?? doc.credit_note_lines ?? doc.payment_lines ?? []) as Json[];
    const rows = lines
      .map((l) => `<tr><td>${escapeHtml(String(l.description ?? l.details ?? ''))}</td><td>${escapeHtml(String((l.ledger_account as Json | null)?.displayed_as ?? ''))}</td><td>${escapeHtml(String((l.tax_rate as Json | null)?.displayed_as ?? ''))}</td><td>${l.net_amount}</td><td>${l.tax_amount}</td><td>${l.total_amount}</td></tr>`)
      .join('');
    return page(
      String(doc.displayed_as),
      `<h1 id="document-title">${escapeHtml(collection.replace(/_/g, ' ').replace(/s$/, ''))} ${escapeHtml(String(doc.displayed_as))}</h1>
<p>${escapeHtml(biz.data.name)} · ${escapeHtml(String((doc.contact as Json | null)?.displayed_as ?? ''))} · ${escapeHtml(String(doc.date))}</p>
<table><tr><th>Description</th><th>Ledger account</th><th>VAT rate</th><th>Net</th><th>VAT</th><th>Total</th></tr>${rows}</table>
<p>Total: <strong id="document-total">${doc.total_amount}</strong></p>`,
    );
  }
  return undefined;
}
