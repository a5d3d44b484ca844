/**
 * The FreeAgent adapter against the FreeAgent sandbox over real HTTP. A "user" signs in and
 * approves on the sandbox's pages with fetch; the adapter exchanges the code, finds the one
 * company, imports every list (paged, then incrementally), publishes to every destination,
 * retries without duplicates, and meets each kind of failure. FreeAgent publishes no OpenAPI
 * schema (freeagent.md §6): the adapter checks every answer against its zod schemas instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../shared/catalogue.js';
import { createFreeagentAdapter, type FreeagentAdapterOptions } from '../server/providers/freeagent/index.js';
import type { ListPage, ProviderAdapter, ProviderContext, ProviderSession, PublishDocument, TokenSet } from '../server/providers/types.js';
import { createFreeagentSandbox } from '../server/sandbox/freeagent/index.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { collect, failure } from './support/adapter.js';

const client = { id: 'bookbridge-sandbox-freeagent', secret: 'contract-secret-value' };
const redirectUri = 'https://bookbridge.test/oauth/callback';
const sandbox = createFreeagentSandbox({ client, seed: 'contract' });
const HARTLEY = '104523';
let server: RunningServer;

beforeAll(async () => {
  server = await listen(sandbox.app);
});
afterAll(async () => {
  await server.close();
});

function context(timeoutMs = 3000, secret = client.secret): ProviderContext {
  return { entry: catalogue.freeagent, hosts: { api: `${server.url}/api` }, client: { id: client.id, secret }, fetch: globalThis.fetch, now: () => new Date(), timeoutMs };
}
const adapterWith = (options: FreeagentAdapterOptions = {}, timeoutMs?: number) => createFreeagentAdapter(context(timeoutMs), options);

// --- a user at the FreeAgent pages (fetch, forms, no JavaScript) ------------------------------

function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field ${name}`);
  return m[1]!;
}
const text = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1]?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

async function approve(adapter: ProviderAdapter, options: { email?: string; action?: 'approve' | 'cancel'; state?: string } = {}): Promise<{ callback: URL; pages: string[] }> {
  const state = options.state ?? `state-${Math.random().toString(36).slice(2)}`;
  const authorize = adapter.authorizationUrl!({ state, codeChallenge: 'unused-by-freeagent', redirectUri });
  const first = await fetch(authorize, { redirect: 'manual' });
  expect(first.status).toBe(200);
  const signIn = await first.text();
  const post = (fields: Record<string, string>) =>
    fetch(authorize, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const approvePage = await (await post({ step: 'signin', tx: hidden(signIn, 'tx'), email: options.email ?? 'demo@example.com', password: 'any password' })).text();
  const final = await post({ step: 'approve', tx: hidden(approvePage, 'tx'), action: options.action ?? 'approve' });
  expect(final.status).toBe(302);
  const callback = new URL(final.headers.get('location')!);
  expect(callback.searchParams.get('state')).toBe(state);
  return { callback, pages: [signIn, approvePage] };
}

async function connect(adapter: ProviderAdapter, email?: string): Promise<TokenSet> {
  const { callback } = await approve(adapter, { email });
  return adapter.exchangeCode!({ code: callback.searchParams.get('code')!, codeVerifier: 'unused', redirectUri, params: Object.fromEntries(callback.searchParams) });
}

/** What the connection layer does: hand out tokens, refresh once on request. */
function sessionFor(adapter: ProviderAdapter, tokens: TokenSet, organisationId = HARTLEY): ProviderSession & { current(): TokenSet; renewals: number } {
  let current = tokens;
  let renewals = 0;
  return {
    organisationId,
    current: () => current,
    get renewals() {
      return renewals;
    },
    credentials: async () => ({ kind: 'oauth2', tokens: current }),
    renew: async () => {
      renewals++;
      current = await adapter.refreshTokens!(current);
      return { kind: 'oauth2', tokens: current };
    },
  };
}

async function control(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/_control${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return res.json();
}
const documents = async () => (await control(`/documents?companyId=${HARTLEY}`)).companies[0];

const api = () => `${server.url}/api/v2`;
const supplierUrl = (id = 101) => `${api()}/contacts/${id}`;
const category = (code: string) => ({ externalId: `${api()}/categories/${code}`, code });

function bill(overrides: Partial<PublishDocument> = {}): PublishDocument {
  const key = overrides.idempotencyKey ?? `item-${Math.random().toString(36).slice(2)}`;
  return {
    itemId: key,
    idempotencyKey: key,
    itemType: 'cost',
    destination: 'bill',
    contact: { externalId: supplierUrl(), name: 'Supplier' },
    date: '2026-11-12',
    dueDate: '2026-12-12',
    reference: `INV-${key.slice(-6)}`,
    currency: 'GBP',
    taxMode: 'inclusive',
    lines: [
      { description: 'Hotel, two nights', quantity: '2', unitAmount: '60.00', lineAmount: '120.00', taxAmount: '20.00', category: category('285'), tax: { externalId: 'standard', rate: '20.00' } },
      { description: 'Train fare', quantity: '1', unitAmount: '35.50', lineAmount: '35.50', category: category('380'), tax: { externalId: 'zero' } },
    ],
    total: '155.50',
    totalTax: '20.00',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------

describe('FreeAgent: connecting (OAuth, one company per login)', () => {
  const adapter = () => adapterWith();

  it('sends the user to approve_app, and they land back with a code for their one company', async () => {
    const url = adapter().authorizationUrl!({ state: 's1', codeChallenge: 'c', redirectUri });
    expect(`${url.origin}${url.pathname}`).toBe(`${server.url}/api/v2/approve_app`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: client.id, response_type: 'code', redirect_uri: redirectUri, state: 's1' });

    const { pages } = await approve(adapter());
    expect(text(pages[0]!, 'page-title')).toBe('Log in to FreeAgent');
    expect(text(pages[1]!, 'company-name')).toBe('Hartley & Finch Design Ltd');

    const tokens = await connect(adapter());
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.accessTokenExpiresAt - Date.now()).toBeGreaterThan(3590_000);
    expect(tokens.accessTokenExpiresAt - Date.now()).toBeLessThanOrEqual(3600_000);
    const organisations = await adapter().listOrganisations({ kind: 'oauth2', tokens });
    expect(organisations).toEqual([{ id: HARTLEY, name: 'Hartley & Finch Design Ltd', detail: 'GBP · UK limited company · VAT registered' }]);
  });

  it('another login is another company (what a reconnect to the wrong account would find)', async () => {
    const tokens = await connect(adapter(), 'owner@example.com');
    expect(await adapter().listOrganisations({ kind: 'oauth2', tokens })).toEqual([{ id: '207811', name: 'Penrose Plumbing', detail: 'GBP · UK sole trader · not VAT registered' }]);
  });

  it('Cancel on the approve page comes back as access_denied, with no code', async () => {
    const { callback } = await approve(adapter(), { action: 'cancel' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('a code works once; the wrong app secret is named as the server’s configuration', async () => {
    const { callback } = await approve(adapter());
    const code = callback.searchParams.get('code')!;
    await adapter().exchangeCode!({ code, codeVerifier: 'x', redirectUri, params: {} });
    const reused = await failure(adapter().exchangeCode!({ code, codeVerifier: 'x', redirectUri, params: {} }));
    expect(reused.kind).toBe('credentials');
    expect(reused.message).toMatch(/15 minutes/);
    expect(reused.providerMessage).toMatch(/invalid_grant/);

    const wrongSecret = createFreeagentAdapter(context(3000, 'not-the-secret'));
    const second = await approve(wrongSecret);
    const refused = await failure(wrongSecret.exchangeCode!({ code: second.callback.searchParams.get('code')!, codeVerifier: 'x', redirectUri, params: {} }));
    expect(refused.kind).toBe('forbidden');
    expect(refused.message).toMatch(/FREEAGENT_CLIENT_SECRET/);
    expect(refused.message).not.toContain('not-the-secret');
  });

  it('refresh rotates the refresh token, and the spent one is refused as expired', async () => {
    const tokens = await connect(adapter());
    const next = await adapter().refreshTokens!(tokens);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    const again = await failure(adapter().refreshTokens!(tokens));
    expect(again.kind).toBe('expired');
    expect(again.message).toMatch(/reconnect FreeAgent/);
    // The new one works.
    expect((await adapter().refreshTokens!(next)).accessToken).toBeTruthy();
  });
});

describe('FreeAgent: lists', () => {
  let session: ReturnType<typeof sessionFor>;
  let adapter: ProviderAdapter;

  beforeAll(async () => {
    adapter = adapterWith({ pageSize: 50 });
    await control('/reset', {});
    session = sessionFor(adapter, await connect(adapter));
  });

  it('imports all six lists, paging contacts by Link rel="next" with X-Total-Count', async () => {
    expect(catalogue.freeagent.lists).toEqual(['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts']);
    const byKind = Object.fromEntries(await Promise.all(catalogue.freeagent.lists.map(async (kind) => [kind, await collect(adapter.importList(session, kind, {}))] as const)));
    const entries = (kind: string) => (byKind[kind] as ListPage[]).flatMap((p) => p.entries);

    const categories = entries('categories');
    expect(categories.find((e) => e.code === '285')).toMatchObject({
      externalId: `${api()}/categories/285`,
      name: 'Accommodation and Meals',
      type: 'admin_expenses',
      taxRate: 'standard',
      status: 'active',
    });
    expect(categories.find((e) => e.code === '001')?.type).toBe('income');
    expect(categories.find((e) => e.code === '250')?.taxRate).toBe('exempt');
    expect(new Set(categories.map((e) => e.type))).toEqual(new Set(['income', 'cost_of_sales', 'admin_expenses', 'general']));

    // The company's users first (the claimants of expense claims), then the contacts, paged.
    const contacts = byKind.contacts as ListPage[];
    expect(contacts.map((p) => p.entries.length)).toEqual([4, 50, 50, 40]);
    expect(contacts.map((p) => p.total)).toEqual([undefined, 144, 144, 144]);
    expect(contacts.map((p) => p.checkpoint)).toEqual(['1', '2', '3', null]);
    expect(contacts[0]!.entries.find((e) => e.name === 'Olivia Hartley')).toMatchObject({ externalId: `${api()}/users/1`, type: 'employee', status: 'active' });
    const all = entries('contacts');
    expect(new Set(all.map((e) => e.externalId)).size).toBe(144);
    expect(all.slice(4).every((e) => e.externalId.startsWith(`${api()}/contacts/`))).toBe(true);
    expect(all.filter((e) => e.status === 'archived').length).toBe(sandbox.state.companies.get(HARTLEY)!.data.contacts.filter((c) => c.status === 'Hidden').length);

    expect(entries('tax_rates').map((e) => [e.externalId, e.taxRate, e.type])).toEqual([
      ['standard', '20.00', 'TAXABLE'],
      ['reduced', '5.00', 'TAXABLE'],
      ['zero', '0.00', 'TAXABLE'],
      ['exempt', '0.00', 'EXEMPT'],
      ['out_of_scope', '0.00', 'OUT_OF_SCOPE'],
    ]);
    expect(entries('products').find((e) => e.code === 'LOGO')).toMatchObject({ name: 'Logo design', taxRate: 'standard' });
    expect(entries('projects').filter((e) => e.status === 'archived').map((e) => e.extra?.projectStatus).sort()).toEqual(['Cancelled', 'Completed', 'Hidden']);
    expect(entries('bank_accounts').find((e) => e.name === 'Old Current Account')?.status).toBe('archived');
    expect(entries('bank_accounts').find((e) => e.name === 'Euro Account')?.currency).toBe('EUR');
  });

  it('resumes contacts from a checkpoint', async () => {
    const iterator = adapter.importList(session, 'contacts', {})[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ListPage;
    await iterator.return?.(undefined);
    const rest = await collect(adapter.importList(session, 'contacts', { checkpoint: first.checkpoint }));
    expect([...first.entries, ...rest.flatMap((p) => p.entries)].map((e) => e.externalId)).toEqual(
      (await collect(adapter.importList(session, 'contacts', {}))).flatMap((p) => p.entries.map((e) => e.externalId)),
    );
  });

  it('refreshes contacts incrementally with updated_since after changes in FreeAgent', async () => {
    const since = new Date(Date.now() - 1000);
    await control('/mutate', { companyId: HARTLEY, list: 'contacts', action: 'add', entry: { organisation_name: 'Brand New Supplies Ltd' } });
    await control('/mutate', { companyId: HARTLEY, list: 'contacts', action: 'archive', target: '101' });
    const changed = (await collect(adapter.importList(session, 'contacts', { changedSince: since }))).flatMap((p) => p.entries);
    expect(changed.map((e) => [e.name, e.status]).sort()).toEqual([
      ['Brand New Supplies Ltd', 'active'],
      [sandbox.state.companies.get(HARTLEY)!.data.contacts.find((c) => c.id === 101)!.organisationName ?? expect.any(String), 'archived'],
    ].sort());
    // Lists without updated_since are read in full, and see a deleted category gone.
    await control('/mutate', { companyId: HARTLEY, list: 'categories', action: 'delete', target: '047' });
    const categories = (await collect(adapter.importList(session, 'categories', { changedSince: since }))).flatMap((p) => p.entries);
    expect(categories.some((e) => e.code === '047')).toBe(false);
    expect(categories.length).toBeGreaterThan(30);
  });
});

describe('FreeAgent: publishing', () => {
  let session: ReturnType<typeof sessionFor>;
  let adapter: ProviderAdapter;

  beforeAll(async () => {
    adapter = adapterWith();
    await control('/reset', {});
    session = sessionFor(adapter, await connect(adapter));
  });

  it('publishes a bill with its VAT per line, and attaches the receipt', async () => {
    const doc = bill();
    const [outcome] = await adapter.publish(session, [doc]);
    if (!outcome?.ok) throw outcome?.error;
    expect(outcome.result.documentId).toMatch(new RegExp(`^${api()}/bills/\\d+$`));
    const stored = (await documents()).bills.find((b: any) => b.url === outcome.result.documentId);
    expect(stored).toMatchObject({ contact: supplierUrl(), reference: doc.reference, dated_on: '2026-11-12', due_on: '2026-12-12', total_value: '155.5', net_value: '135.5', sales_tax_value: '-20.0' });
    expect(stored.bill_items).toMatchObject([
      { category: `${api()}/categories/285`, total_value: '120.0', total_value_ex_tax: '100.0', sales_tax_rate: '20.0', sales_tax_value: '-20.0', description: 'Hotel, two nights' },
      { category: `${api()}/categories/380`, total_value: '35.5', sales_tax_rate: '0.0', sales_tax_value: '0.0' },
    ]);
    // The sandbox has no web app: the link is the document itself.
    expect(outcome.result.url).toBe(outcome.result.documentId);

    const pdf = new TextEncoder().encode('%PDF-1.4 receipt');
    await adapter.uploadAttachment!(session, outcome.result, doc, { fileName: 'receipt.pdf', contentType: 'application/pdf', data: pdf });
    const after = (await documents()).bills.find((b: any) => b.url === outcome.result.documentId);
    expect(after.attachment).toMatchObject({ file_name: 'receipt.pdf', content_type: 'application/x-pdf', file_size: pdf.byteLength });
    const file = await fetch(after.attachment.content_src);
    expect(new TextEncoder().encode(await file.text())).toEqual(pdf);
  });

  it('keeps a tax amount FreeAgent would round differently, as a manual amount', async () => {
    const doc = bill({ lines: [{ description: 'Odd VAT', quantity: '1', unitAmount: '10.00', lineAmount: '10.00', taxAmount: '1.66', category: category('368'), tax: { externalId: 'standard' } }], total: '10.00', totalTax: '1.66' });
    const [outcome] = await adapter.publish(session, [doc]);
    if (!outcome?.ok) throw outcome?.error;
    const stored = (await documents()).bills.find((b: any) => b.url === outcome.result.documentId);
    // FreeAgent alone would make 10.00 × 20/120 = 1.67.
    expect(stored.bill_items[0]).toMatchObject({ total_value: '10.0', manual_sales_tax_amount: '1.66', sales_tax_value: '-1.66' });
  });

  it('publishes a paid bill with its payment, a bank explanation, and a supplier credit as a negative bill', async () => {
    const paid = bill({ paid: { date: '2026-11-13', amount: '155.50', bankAccount: { externalId: `${api()}/bank_accounts/1` } } });
    const spend = bill({
      destination: 'bank_explanation',
      lines: [{ description: 'Printer ink', quantity: '1', unitAmount: '48.00', lineAmount: '48.00', taxAmount: '8.00', category: category('368'), tax: { externalId: 'standard' } }],
      total: '48.00',
      totalTax: '8.00',
      paid: { date: '2026-11-14', amount: '48.00', bankAccount: { externalId: `${api()}/bank_accounts/3` } },
    });
    const credit = bill({ itemType: 'purchase_credit_note', destination: 'bill_credit', reference: 'CR-5521' });
    const outcomes = await adapter.publish(session, [paid, spend, credit]);
    for (const o of outcomes) if (!o.ok) throw o.error;
    const [paidResult, spendResult, creditResult] = outcomes.map((o) => (o.ok ? o.result : undefined));
    const docs = await documents();

    expect(docs.bills.find((b: any) => b.url === paidResult!.documentId)).toMatchObject({ status: 'Paid', paid_value: '155.5', due_value: '0.0', paid_on: '2026-11-13' });
    expect(docs.explanations.find((x: any) => x.url === paidResult!.paymentId)).toMatchObject({ type: 'Bill Payment', gross_value: '-155.5', paid_bill: paidResult!.documentId, bank_account: `${api()}/bank_accounts/1` });

    expect(docs.explanations.find((x: any) => x.url === spendResult!.documentId)).toMatchObject({
      type: 'Payment',
      bank_account: `${api()}/bank_accounts/3`,
      dated_on: '2026-11-14',
      gross_value: '-48.0',
      category: `${api()}/categories/368`,
      sales_tax_rate: '20.0',
      sales_tax_value: '-8.0',
      receipt_reference: spend.reference,
      is_money_out: true,
    });

    expect(docs.bills.find((b: any) => b.url === creditResult!.documentId)).toMatchObject({ reference: 'CR-5521', total_value: '-155.5', net_value: '-135.5', sales_tax_value: '20.0' });
  });

  it('refuses a split bank explanation before sending anything', async () => {
    const [outcome] = await adapter.publish(session, [bill({ destination: 'bank_explanation', paid: { date: '2026-11-14', amount: '155.50', bankAccount: { externalId: `${api()}/bank_accounts/1` } } })]);
    expect(outcome?.ok).toBe(false);
    if (outcome?.ok === false) {
      expect(outcome.error.kind).toBe('validation');
      expect(outcome.error.message).toMatch(/one category and one VAT rate/);
    }
  });

  it('publishes a sales invoice marked as sent, paid, and a credit note', async () => {
    const customer = `${api()}/contacts/102`;
    const invoice = bill({
      itemType: 'sales',
      destination: 'invoice',
      status: 'Sent',
      number: 'HF-2041',
      reference: undefined,
      contact: { externalId: customer, name: 'Customer' },
      taxMode: 'exclusive',
      lines: [{ description: 'Brand workshop', quantity: '3', unitAmount: '150.00', lineAmount: '450.00', taxAmount: '90.00', category: category('002'), tax: { externalId: 'standard' } }],
      total: '540.00',
      totalTax: '90.00',
      paid: { date: '2026-11-20', amount: '540.00', bankAccount: { externalId: `${api()}/bank_accounts/1` } },
    });
    const creditNote = bill({
      itemType: 'sales_credit_note',
      destination: 'credit_note',
      number: undefined,
      reference: undefined,
      contact: { externalId: customer, name: 'Customer' },
      taxMode: 'inclusive',
      lines: [{ description: 'Goodwill credit', quantity: '1', unitAmount: '60.00', lineAmount: '60.00', taxAmount: '10.00', category: category('002'), tax: { externalId: 'standard' } }],
      total: '60.00',
      totalTax: '10.00',
    });
    const outcomes = await adapter.publish(session, [invoice, creditNote]);
    for (const o of outcomes) if (!o.ok) throw o.error;
    const [invoiceResult, creditResult] = outcomes.map((o) => (o.ok ? o.result : undefined));
    const docs = await documents();
    expect(docs.invoices.find((i: any) => i.url === invoiceResult!.documentId)).toMatchObject({
      reference: 'HF-2041',
      status: 'Paid',
      net_value: '450.0',
      sales_tax_value: '90.0',
      total_value: '540.0',
      payment_terms_in_days: 30,
      invoice_items: [{ description: 'Brand workshop', quantity: '3.0', price: '150.0', sales_tax_rate: '20.0', sales_tax_value: '90.0', category: `${api()}/categories/002` }],
    });
    expect(docs.explanations.find((x: any) => x.url === invoiceResult!.paymentId)).toMatchObject({ type: 'Invoice Receipt', gross_value: '540.0' });
    expect(docs.creditNotes.find((c: any) => c.url === creditResult!.documentId)).toMatchObject({
      status: 'Draft',
      net_value: '50.0',
      sales_tax_value: '10.0',
      total_value: '60.0',
      reference: 'CN001',
    });
  });

  it('publishes an expense claim, one expense per line, against the FreeAgent user', async () => {
    const claim = bill({
      itemType: 'expense_claim',
      destination: 'expense',
      contact: { externalId: 'employee-olivia', name: 'Olivia Hartley' },
      reference: 'EXP-77',
      lines: [
        { description: 'Client lunch', quantity: '1', unitAmount: '36.00', lineAmount: '36.00', taxAmount: '6.00', category: category('285'), tax: { externalId: 'standard' } },
        { description: 'Taxi', quantity: '1', unitAmount: '14.00', lineAmount: '14.00', category: category('380'), tax: { externalId: 'zero' } },
      ],
      total: '50.00',
      totalTax: '6.00',
    });
    const [outcome] = await adapter.publish(session, [claim]);
    if (!outcome?.ok) throw outcome?.error;
    const expenses = (await documents()).expenses.filter((e: any) => e.receipt_reference === 'EXP-77');
    expect(expenses).toMatchObject([
      { url: outcome.result.documentId, user: `${api()}/users/1`, gross_value: '-36.0', sales_tax_rate: '20.0', sales_tax_value: '-6.0', description: 'Client lunch', category: `${api()}/categories/285` },
      { user: `${api()}/users/1`, gross_value: '-14.0', sales_tax_value: '0.0', description: 'Taxi' },
    ]);

    const nobody = await adapter.publish(session, [{ ...claim, contact: { externalId: 'x', name: 'Someone Else' } }]);
    expect(nobody[0]?.ok).toBe(false);
    if (nobody[0]?.ok === false) expect(nobody[0].error.message).toMatch(/none is called Someone Else.*Olivia Hartley/);
  });

  it('a retry after a timed-out publish finds the bill instead of creating a second one', async () => {
    const impatient = adapterWith({}, 400);
    const doc = bill();
    // Looked up first (nothing there yet), as the outbox does before a first send.
    expect(await impatient.findPublished!(session, doc)).toBeNull();
    await control('/faults', { companyId: HARTLEY, timeoutRate: 1 });
    const [outcome] = await impatient.publish(session, [doc]);
    await control('/faults', { companyId: HARTLEY });
    expect(outcome?.ok).toBe(false);
    if (outcome?.ok === false) expect(outcome.error.kind).toBe('transient');

    // The outbox's retry: look up first, publish only if nothing is there.
    const found = await impatient.findPublished!(session, doc);
    expect(found?.documentId).toMatch(/\/bills\/\d+$/);
    expect((await documents()).bills.filter((b: any) => b.reference === doc.reference)).toHaveLength(1);

    // Never sent: nothing found, even from the same supplier on the same day.
    expect(await impatient.findPublished!(session, bill())).toBeNull();
  });

  it('finds each kind of published document again, and completes a payment that did not happen', async () => {
    const unpaid = bill();
    const [created] = await adapter.publish(session, [unpaid]);
    if (!created?.ok) throw created?.error;
    // The retry of a paid bill whose payment failed: the bill is found and paid, once.
    const paidLater = { ...unpaid, paid: { date: '2026-11-15', amount: '155.50', bankAccount: { externalId: `${api()}/bank_accounts/1` } } };
    const found = await adapter.findPublished!(session, paidLater);
    expect(found?.documentId).toBe(created.result.documentId);
    expect(found?.paymentId).toMatch(/bank_transaction_explanations\/\d+$/);
    expect((await adapter.findPublished!(session, paidLater))?.paymentId).toBe(found?.paymentId);
    expect((await documents()).bills.find((b: any) => b.url === found!.documentId).status).toBe('Paid');

    const expense = bill({ destination: 'expense', itemType: 'expense_claim', contact: { externalId: 'x', name: 'olivia hartley' }, reference: 'EXP-77' });
    expect((await adapter.findPublished!(session, expense))?.documentId).toMatch(/\/expenses\/\d+$/);
    const invoice = bill({ destination: 'invoice', itemType: 'sales', number: 'HF-2041', contact: { externalId: `${api()}/contacts/102`, name: 'C' } });
    expect((await adapter.findPublished!(session, invoice))?.documentId).toMatch(/\/invoices\/\d+$/);
    const noNumber = bill({ destination: 'credit_note', itemType: 'sales_credit_note', number: undefined, reference: undefined, total: '60.00', contact: { externalId: `${api()}/contacts/102`, name: 'C' } });
    expect((await adapter.findPublished!(session, noNumber))?.documentId).toMatch(/\/credit_notes\/\d+$/);
    expect(await adapter.findPublished!(session, { ...noNumber, total: '61.00' })).toBeNull();
  });
});

describe('FreeAgent: each failure classified', () => {
  let session: ReturnType<typeof sessionFor>;
  let adapter: ProviderAdapter;
  const categories = () => collect(adapter.importList(session, 'categories', {}));

  beforeAll(async () => {
    adapter = adapterWith({}, 600);
    await control('/reset', {});
    session = sessionFor(adapter, await connect(adapter));
  });

  const publishError = async (doc: PublishDocument) => {
    const [outcome] = await adapter.publish(session, [doc]);
    if (outcome?.ok !== false) throw new Error('expected a refusal');
    return outcome.error;
  };

  it('429 with Retry-After is rate_limited, from a burst and from the real per-minute limit', async () => {
    await control('/faults', { companyId: HARTLEY, rate429: { count: 1, retryAfterSeconds: 7 } });
    const burst = await failure(categories());
    expect(burst.kind).toBe('rate_limited');
    expect(burst.retryAfterMs).toBe(7000);
    await control('/faults', { companyId: HARTLEY });

    await control('/limits', { perMinute: 2 });
    await categories();
    await categories();
    const limited = await failure(categories());
    await control('/limits', { perMinute: 120 });
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('5xx and timeouts are transient', async () => {
    await control('/faults', { companyId: HARTLEY, error5xxRate: 1 });
    const server5xx = await failure(categories());
    await control('/faults', { companyId: HARTLEY, timeoutRate: 1 });
    const timeout = await failure(categories());
    await control('/faults', { companyId: HARTLEY });
    expect(server5xx.kind).toBe('transient');
    expect(server5xx.status).toBe(500);
    expect(timeout.kind).toBe('transient');
    expect(timeout.message).toMatch(/did not answer in time/);
  });

  it('an expired access token is renewed once, transparently', async () => {
    const before = (await control('/stats')).tokenRefreshes;
    await control('/faults', { companyId: HARTLEY, expireAccessTokens: true });
    expect((await categories()).length).toBe(1);
    expect((await control('/stats')).tokenRefreshes).toBe(before + 1);
  });

  it('a stale list entry is stale_reference naming the list to refresh', async () => {
    await control('/mutate', { companyId: HARTLEY, list: 'contacts', action: 'delete', target: '104' });
    const contact = await publishError(bill({ contact: { externalId: supplierUrl(104), name: 'Gone Ltd' } }));
    expect(contact).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
    expect(contact.providerMessage).toBe('Contact is invalid');

    await control('/mutate', { companyId: HARTLEY, list: 'categories', action: 'delete', target: '380' });
    const cat = await publishError(bill());
    expect(cat).toMatchObject({ kind: 'stale_reference', list: 'categories' });
    expect(cat.fields).toEqual([{ field: 'lines[1].category', message: 'Bill item 2: Category is invalid' }]);
    expect(cat.message).toMatch(/Refresh the lists/);
    // Put it back (as a user re-creating it would) for the tests that follow.
    await control('/mutate', { companyId: HARTLEY, list: 'categories', action: 'add', entry: { nominal_code: '380', description: 'Travel', category_group: 'admin_expenses', auto_sales_tax_rate: 'Zero rate' } });

    const rate = await publishError(bill({ lines: [{ description: 'Old VAT', quantity: '1', unitAmount: '10', lineAmount: '10.00', category: category('285'), tax: { externalId: 'old', rate: '17.5' } }], total: '10.00' }));
    expect(rate).toMatchObject({ kind: 'stale_reference', list: 'tax_rates' });
  });

  it('content FreeAgent refuses is validation, with its words per field', async () => {
    const currency = await publishError(bill({ currency: 'XYZ', currencyRate: '1.2' }));
    expect(currency.kind).toBe('validation');
    expect(currency.fields).toEqual([{ field: 'currency', message: 'Currency is not a supported currency' }]);
    expect(currency.message).toMatch(/FreeAgent refused the bill: Currency is not a supported currency/);

    const first = bill({ destination: 'invoice', itemType: 'sales', number: 'DUP-1', contact: { externalId: `${api()}/contacts/102`, name: 'C' } });
    expect((await adapter.publish(session, [first]))[0]?.ok).toBe(true);
    const duplicate = await publishError({ ...first, idempotencyKey: 'other', itemId: 'other' });
    expect(duplicate.kind).toBe('validation');
    expect(duplicate.message).toMatch(/already has an invoice with this reference/);
    expect(duplicate.fields[0]?.field).toBe('reference');

    const big = bill();
    const tooBig = await failure(adapter.uploadAttachment!(session, { documentId: `${api()}/bills/1001`, url: '' }, big, { fileName: 'x.pdf', contentType: 'application/pdf', data: new Uint8Array(5 * 1024 * 1024 + 1) }));
    expect(tooBig.kind).toBe('validation');
    const onInvoice = await failure(adapter.uploadAttachment!(session, { documentId: `${api()}/invoices/1001`, url: '' }, first, { fileName: 'x.pdf', contentType: 'application/pdf', data: new Uint8Array(10) }));
    expect(onInvoice.kind).toBe('forbidden');
  });

  it('an access level too low for the job is forbidden, and says which level', async () => {
    const bills = sessionFor(adapter, await connect(adapter, 'bills@example.com'));
    const banks = await failure(collect(adapter.importList(bills, 'bank_accounts', {})));
    expect(banks.kind).toBe('forbidden');
    expect(banks.message).toMatch(/"Banking" access level/);
    expect(banks.status).toBe(403);
    // Bills themselves are fine at the Bills level.
    expect((await adapter.publish(bills, [bill({ lines: [bill().lines[0]!], total: '120.00' })]))[0]?.ok).toBe(true);
  });

  it('a removed app is expired: the refresh is refused, so the user must reconnect', async () => {
    await control('/faults', { companyId: HARTLEY, revokeGrants: true });
    const error = await failure(categories());
    await control('/faults', { companyId: HARTLEY });
    expect(error.kind).toBe('expired');
    expect(error.message).toMatch(/reconnect FreeAgent/);
    expect(session.renewals).toBeGreaterThan(0);
  });
});
