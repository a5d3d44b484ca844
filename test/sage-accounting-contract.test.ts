/**
 * The Sage Accounting adapter against its sandbox over real HTTP: sign-in through the sandbox's
 * pages, businesses, every list (paged, resumed, incremental with deletions), one document per
 * destination checked in the sandbox, retries without duplicates, every error class, and the
 * main requests and responses checked against Sage's own v3.1 swagger.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogue, type ListKind } from '../shared/catalogue.js';
import { createSageAccountingAdapter } from '../server/providers/sage-accounting/index.js';
import type { Credentials, ListEntry, ListPage, Organisation, ProviderContext, ProviderSession, PublishDocument, TokenSet } from '../server/providers/types.js';
import { createSageAccountingSandbox } from '../server/sandbox/sage-accounting/index.js';
import { loadSwaggerCheck, swaggerDir } from '../server/sandbox/sage-accounting/swagger.js';
import { authorizeWithForms } from '../server/sandbox/sage-accounting/testing.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { failure as caught } from './support/adapter.js';

const client = { id: 'bookbridge-sandbox-sage-accounting', secret: 'contract-secret' };
const redirectUri = 'http://127.0.0.1:8788/oauth/callback';
// Sage's (third-party) 100 calls a minute would stretch this suite over minutes: the sandbox and
// the adapter both get a higher figure here; the 429 handling is tested with injected faults.
const sandbox = createSageAccountingSandbox({ client, limits: { perMinute: 5000, perDay: 100_000 } });
let server: RunningServer;

interface Exchange {
  method: string;
  url: URL;
  requestBody?: string;
  status: number;
  body?: string;
}
const exchanges: Exchange[] = [];
const pending: Promise<void>[] = [];

/** The adapter's fetch, recording every call so the swagger check can read them afterwards. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
  const method = (init?.method ?? 'GET').toUpperCase();
  const requestBody = typeof init?.body === 'string' ? init.body : undefined;
  pending.push(
    response
      .clone()
      .text()
      .then((body) => void exchanges.push({ method, url, requestBody, status: response.status, body }))
      .catch(() => undefined),
  );
  return response;
};

let ctx: ProviderContext;
let adapter: ReturnType<typeof createSageAccountingAdapter>;
let lead: Organisation;
let standard: Organisation;
let start: Organisation;
let tokens: TokenSet;

/** What the connection layer gives an adapter: the saved tokens, one refresh at a time. */
function sessionFor(organisationId: string): ProviderSession & { refreshes: number } {
  let inFlight: Promise<Credentials> | undefined;
  const session = {
    organisationId,
    refreshes: 0,
    async credentials(): Promise<Credentials> {
      return { kind: 'oauth2', tokens };
    },
    renew(): Promise<Credentials> {
      inFlight ??= adapter.refreshTokens!(tokens)
        .then((next) => {
          tokens = next;
          session.refreshes++;
          return { kind: 'oauth2' as const, tokens };
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
  return session;
}

async function control(path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}/_control${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

async function connect(email = 'demo@example.com'): Promise<TokenSet> {
  const url = adapter.authorizationUrl!({ state: 'state-123', codeChallenge: 'unused-by-sage', redirectUri });
  const redirect = await authorizeWithForms(fetch, url.toString(), { email });
  return adapter.exchangeCode!({ code: redirect.searchParams.get('code') as string, codeVerifier: 'v'.repeat(43), redirectUri, params: Object.fromEntries(redirect.searchParams) });
}

async function importAll(session: ProviderSession, kind: ListKind, options: { changedSince?: Date; checkpoint?: string | null } = {}) {
  const pages: ListPage[] = [];
  for await (const page of adapter.importList(session, kind, options)) pages.push(page);
  return { pages, entries: pages.flatMap((p) => p.entries), deleted: pages.flatMap((p) => p.deleted ?? []) };
}

async function documents(businessId: string) {
  return (await control(`/documents?businessId=${businessId}`)).businesses[0];
}

beforeAll(async () => {
  server = await listen(sandbox.app);
  ctx = {
    entry: { ...catalogue['sage-accounting'], rateLimit: { perMinute: 5000, concurrent: 5 } },
    hosts: { www: `${server.url}/www`, oauth: `${server.url}/oauth`, api: `${server.url}/api` },
    client,
    fetch: recordingFetch,
    now: () => new Date(),
    timeoutMs: 1500,
  };
  adapter = createSageAccountingAdapter(ctx);
});
afterAll(() => server.close());

// Lists of the lead business, looked up once per test that needs them.
async function lists(session: ProviderSession) {
  const all = async (kind: ListKind) => (await importAll(session, kind)).entries;
  const [categories, contacts, taxRates, products, projects, banks] = (await Promise.all(
    (['categories', 'contacts', 'tax_rates', 'products', 'projects', 'bank_accounts'] as const).map(all),
  )) as [ListEntry[], ListEntry[], ListEntry[], ListEntry[], ListEntry[], ListEntry[]];
  const by = (list: ListEntry[], code: string) => {
    const found = list.find((e) => e.code === code);
    if (!found) throw new Error(`no ${code}`);
    return found;
  };
  return { categories, contacts, taxRates, products, projects, banks, by };
}

const line = (over: Partial<PublishDocument['lines'][number]> & Pick<PublishDocument['lines'][number], 'category'>): PublishDocument['lines'][number] => ({
  description: 'Line',
  quantity: '1',
  unitAmount: '100.00',
  lineAmount: '100.00',
  taxAmount: '20.00',
  tax: { externalId: 'GB_STANDARD', rate: '20.00' },
  ...over,
});

let docCounter = 0;
function doc(over: Partial<PublishDocument> & Pick<PublishDocument, 'destination' | 'itemType' | 'contact' | 'lines'>): PublishDocument {
  docCounter++;
  return {
    itemId: `item-${docCounter}`,
    idempotencyKey: `key-${docCounter}-${Date.now()}`,
    date: '2026-10-30',
    currency: 'GBP',
    taxMode: 'exclusive',
    total: '120.00',
    totalTax: '20.00',
    ...over,
  };
}

describe('Sage Accounting contract: connect', () => {
  it('authorises through the sandbox pages and lists the businesses', async () => {
    const url = adapter.authorizationUrl!({ state: 's1', codeChallenge: 'c', redirectUri });
    expect(url.searchParams.get('filter')).toBe('apiv3.1');
    expect(url.searchParams.get('scope')).toBe('full_access');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const before = Date.now();
    tokens = await connect();
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.accessTokenExpiresAt).toBeGreaterThanOrEqual(before + 299_000);
    expect(tokens.accessTokenExpiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(Number(tokens.extra?.refreshTokenExpiresAt)).toBeGreaterThan(before + 30 * 86_400_000);
    expect(tokens.extra?.country).toBe('gb');

    const organisations = await adapter.listOrganisations({ kind: 'oauth2', tokens });
    expect(organisations.map((o) => [o.name, o.detail])).toEqual([
      ['Hartley & Finch Furniture Ltd', 'GB · Accounting Plus'],
      ['Bramble Bakery Ltd', 'GB · Accounting Standard'],
      ['Kestrel Cycles', 'GB · Accounting Start'],
    ]);
    [lead, standard, start] = organisations as [Organisation, Organisation, Organisation];
  });

  it('refreshes with single-use refresh tokens', async () => {
    const first = await adapter.refreshTokens!(tokens);
    expect(first.refreshToken).not.toBe(tokens.refreshToken);
    const reused = await caught(adapter.refreshTokens!(tokens));
    expect(reused.kind).toBe('expired');
    expect(reused.message).toMatch(/reconnect Sage Accounting/);
    tokens = first;
  });

  it('classifies a refused sign-in and wrong app credentials', async () => {
    const noBusiness = await caught(adapter.exchangeCode!({ code: '', codeVerifier: '', redirectUri, params: { error: 'Invalid request', reason: 'Email already in use' } }));
    expect(noBusiness.kind).toBe('credentials');
    expect(noBusiness.message).toMatch(/no business in the country/);
    const wrongSecret = createSageAccountingAdapter({ ...ctx, client: { id: client.id, secret: 'wrong' } });
    const url = wrongSecret.authorizationUrl!({ state: 's', codeChallenge: 'c', redirectUri });
    const redirect = await authorizeWithForms(fetch, url.toString());
    const refused = await caught(wrongSecret.exchangeCode!({ code: redirect.searchParams.get('code') as string, codeVerifier: '', redirectUri, params: {} }));
    expect(refused.kind).toBe('credentials');
  });
});

describe('Sage Accounting contract: lists', () => {
  it('imports every list kind, paged at 200 with $next', async () => {
    const session = sessionFor(lead.id);
    const contacts = await importAll(session, 'contacts');
    expect(contacts.pages).toHaveLength(2);
    expect(contacts.pages[0]!.entries).toHaveLength(200);
    expect(contacts.pages[0]!.total).toBe(260);
    expect(contacts.entries).toHaveLength(260); // the system HMRC contact is left out
    expect(contacts.pages.at(-1)!.checkpoint).toBeNull();
    expect(contacts.entries.find((e) => e.code === 'NOR001')).toMatchObject({ name: 'Northern Power Ltd', type: 'supplier', status: 'active', currency: 'GBP' });
    expect(contacts.entries.find((e) => e.code === 'ALD001')?.type).toBe('customer');

    const l = await lists(session);
    expect(l.categories).toHaveLength(38);
    expect(l.by(l.categories, '7504')).toMatchObject({ name: 'Office Stationery', type: 'OVERHEADS', taxRate: 'GB_STANDARD', status: 'active' });
    expect(l.categories.some((c) => c.code === '2100')).toBe(false); // control accounts
    expect(l.taxRates.map((t) => [t.code, t.taxRate])).toEqual([
      ['GB_STANDARD', '20.00'],
      ['GB_REDUCED', '5.00'],
      ['GB_ZERO', '0.00'],
      ['GB_EXEMPT', '0.00'],
      ['GB_NO_TAX', '0.00'],
    ]);
    expect(l.products.map((p) => p.externalId.split(':')[0])).toEqual(['product', 'product', 'product', 'product', 'service', 'service', 'service']);
    expect(l.projects.map((p) => `${p.type}/${p.code}`)).toContain('Project/BLACKWOOD');
    expect(l.projects).toHaveLength(8);
    expect(l.by(l.banks, '1200')).toMatchObject({ name: 'Business Current Account', type: 'CHECKING', currency: 'GBP' });
  });

  it('resumes from a checkpoint without reading page one again', async () => {
    const session = sessionFor(lead.id);
    const iterator = adapter.importList(session, 'contacts', {})[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ListPage;
    await iterator.return?.();
    const rest = await importAll(session, 'contacts', { checkpoint: first.checkpoint });
    expect(rest.entries).toHaveLength(60);
    expect(new Set([...first.entries, ...rest.entries].map((e) => e.externalId)).size).toBe(260);
  });

  it('refreshes incrementally and reports deletions', async () => {
    const session = sessionFor(lead.id);
    const before = await lists(session);
    const since = new Date(Date.now() - 1000);
    await control('/mutate', { businessId: lead.id, list: 'contacts', action: 'rename', target: 'PEN001', name: 'Pennine Paper Co' });
    await control('/mutate', { businessId: lead.id, list: 'contacts', action: 'delete', target: 'SWI001' });
    await control('/mutate', { businessId: lead.id, list: 'products', action: 'add', entry: { item_code: 'STOOL-OAK', description: 'Oak bar stool' } });
    await control('/mutate', { businessId: lead.id, list: 'services', action: 'delete', target: 'DELIVERY' });
    await control('/mutate', { businessId: lead.id, list: 'bank_accounts', action: 'delete', target: '1230' });

    const contacts = await importAll(session, 'contacts', { changedSince: since });
    expect(contacts.entries.map((e) => e.name)).toEqual(['Pennine Paper Co']);
    expect(contacts.deleted).toEqual([before.by(before.contacts, 'SWI001').externalId]);
    const products = await importAll(session, 'products', { changedSince: since });
    expect(products.entries.map((e) => e.code)).toEqual(['STOOL-OAK']);
    expect(products.deleted).toEqual([before.by(before.products, 'DELIVERY').externalId]);
    expect((await importAll(session, 'bank_accounts', { changedSince: since })).deleted).toEqual([before.by(before.banks, '1230').externalId]);
    // Ledger accounts have no deleted_since: a refresh reads them in full.
    expect((await importAll(session, 'categories', { changedSince: since })).entries).toHaveLength(38);
  });

  it('gives an empty projects list on Accounting Start, which has no analysis types', async () => {
    const result = await importAll(sessionFor(start.id), 'projects');
    expect(result.entries).toEqual([]);
    expect(result.pages.at(-1)!.checkpoint).toBeNull();
  });
});

describe('Sage Accounting contract: publishing', () => {
  beforeEach(async () => {
    await control('/faults', {});
    await control('/faults', { businessId: lead.id });
  });

  it('publishes one document per destination, with the right fields and VAT', async () => {
    const session = sessionFor(lead.id);
    const l = await lists(session);
    const supplier = l.by(l.contacts, 'PEN001');
    const customer = l.by(l.contacts, 'ALD001');
    const contactOf = (e: ListEntry) => ({ externalId: e.externalId, code: e.code, name: e.name });
    const stationery = { externalId: l.by(l.categories, '7504').externalId, code: '7504' };
    const electricity = { externalId: l.by(l.categories, '7200').externalId, code: '7200' };
    const sales = { externalId: l.by(l.categories, '4000').externalId, code: '4000' };
    const bank = { externalId: l.by(l.banks, '1200').externalId, code: '1200' };
    const project = l.projects.find((p) => p.code === 'BLACKWOOD')!;
    const reduced = { externalId: 'GB_REDUCED', rate: '5.00' };

    const bill = doc({
      destination: 'purchase_invoice',
      itemType: 'cost',
      contact: contactOf(supplier),
      number: 'INV-4471',
      dueDate: '2026-11-29',
      lines: [
        line({ description: 'Printer paper', quantity: '4', unitAmount: '12.50', lineAmount: '50.00', taxAmount: '10.00', category: stationery, project: { externalId: project.externalId } }),
        line({ description: 'Heating oil', lineAmount: '80.00', unitAmount: '80.00', taxAmount: '4.00', tax: reduced, category: electricity }),
      ],
      total: '144.00',
      totalTax: '14.00',
    });
    const paidBill = doc({ destination: 'purchase_invoice', itemType: 'cost', contact: contactOf(supplier), number: 'INV-4480', lines: [line({ category: stationery })], paid: { date: '2026-10-31', amount: '120.00', bankAccount: bank } });
    const spend = doc({ destination: 'other_payment', itemType: 'cost', contact: contactOf(supplier), reference: 'CARD-2231', lines: [line({ description: 'Toner', category: stationery })], paid: { date: '2026-10-30', amount: '120.00', bankAccount: bank } });
    const invoice = doc({
      destination: 'sales_invoice',
      itemType: 'sales',
      contact: contactOf(customer),
      reference: 'PO-7781',
      taxMode: 'inclusive',
      lines: [line({ description: 'Oak dining chair', quantity: '2', unitAmount: '114.00', lineAmount: '228.00', taxAmount: '38.00', category: sales, product: { externalId: l.by(l.products, 'CHAIR-OAK').externalId } })],
      total: '228.00',
      totalTax: '38.00',
    });
    const receipt = doc({ destination: 'other_receipt', itemType: 'sales', contact: contactOf(customer), reference: 'CASH-SALE-9', lines: [line({ description: 'Wax, counter sale', category: sales })], paid: { date: '2026-10-30', amount: '120.00', bankAccount: bank } });
    const purchaseCredit = doc({ destination: 'purchase_credit_note', itemType: 'purchase_credit_note', contact: contactOf(supplier), number: 'CN-0093', lines: [line({ description: 'Returned paper', category: stationery })] });
    const salesCredit = doc({ destination: 'sales_credit_note', itemType: 'sales_credit_note', contact: contactOf(customer), reference: 'RMA-12', lines: [line({ description: 'Damaged chair', category: sales })] });
    const claim = doc({ destination: 'purchase_invoice', itemType: 'expense_claim', contact: contactOf(l.by(l.contacts, 'PRE001')), reference: 'EXP-Oct', lines: [line({ description: 'Hotel, York', category: { externalId: l.by(l.categories, '7402').externalId } })] });

    const outcomes = await adapter.publish(session, [bill, paidBill, spend, invoice, receipt, purchaseCredit, salesCredit, claim]);
    for (const o of outcomes) if (!o.ok) throw o.error;
    const results = outcomes.map((o) => (o.ok ? o.result : undefined)!);
    expect(results[1]!.paymentId).toBeTruthy();
    expect(results[0]!.url).toBe(`${server.url}/www/app/purchase_invoices/${results[0]!.documentId}`);
    expect((await fetch(results[0]!.url)).status).toBe(200);

    const d = await documents(lead.id);
    const pi = d.purchaseInvoices.find((x: any) => x.id === results[0]!.documentId);
    expect(pi).toMatchObject({ vendor_reference: 'INV-4471', reference: 'INV-4471', date: '2026-10-30', due_date: '2026-11-29', net_amount: 130, tax_amount: 14, total_amount: 144 });
    expect(pi.contact.id).toBe(supplier.externalId);
    expect(pi.invoice_lines.map((x: any) => [x.ledger_account.id, x.tax_rate.id, x.quantity, x.unit_price, x.net_amount, x.tax_amount])).toEqual([
      [stationery.externalId, 'GB_STANDARD', 4, 12.5, 50, 10],
      [electricity.externalId, 'GB_REDUCED', 1, 80, 80, 4],
    ]);
    expect(pi.invoice_lines[0].analysis_type_categories.map((c: any) => c.code)).toEqual(['BLACKWOOD']);
    expect(pi.tax_analysis.map((t: any) => [t.tax_rate.id, t.tax_amount])).toEqual([['GB_STANDARD', 10], ['GB_REDUCED', 4]]);

    const paid = d.purchaseInvoices.find((x: any) => x.id === results[1]!.documentId);
    expect(paid).toMatchObject({ outstanding_amount: 0, status: { id: 'PAID' } });
    const payment = d.contactPayments.find((x: any) => x.id === results[1]!.paymentId);
    expect(payment).toMatchObject({ transaction_type: { id: 'VENDOR_PAYMENT' }, total_amount: 120, date: '2026-10-31', bank_account: { id: bank.externalId } });
    expect(payment.allocated_artefacts[0].artefact.id).toBe(results[1]!.documentId);

    const op = d.otherPayments.find((x: any) => x.id === results[2]!.documentId);
    expect(op).toMatchObject({ transaction_type: { id: 'OTHER_PAYMENT' }, reference: 'CARD-2231', total_amount: 120, tax_amount: 20, bank_account: { id: bank.externalId } });
    expect(op.payment_lines[0]).toMatchObject({ details: 'Toner', tax_rate: { id: 'GB_STANDARD' }, net_amount: 100, tax_amount: 20 });

    const si = d.salesInvoices.find((x: any) => x.id === results[3]!.documentId);
    expect(si).toMatchObject({ reference: 'PO-7781', net_amount: 190, tax_amount: 38, total_amount: 228 });
    expect(si.invoice_lines[0]).toMatchObject({ unit_price_includes_tax: true, unit_price: 114, quantity: 2, net_amount: 190, product: { id: l.by(l.products, 'CHAIR-OAK').externalId.slice(8) } });
    expect(d.otherPayments.find((x: any) => x.id === results[4]!.documentId).transaction_type.id).toBe('OTHER_RECEIPT');
    expect(d.purchaseCreditNotes.find((x: any) => x.id === results[5]!.documentId)).toMatchObject({ vendor_reference: 'CN-0093', total_amount: 120 });
    expect(d.salesCreditNotes.find((x: any) => x.id === results[6]!.documentId)).toMatchObject({ reference: 'RMA-12', tax_amount: 20 });
    expect(d.purchaseInvoices.find((x: any) => x.id === results[7]!.documentId)).toMatchObject({ reference: 'EXP-Oct', contact: { id: l.by(l.contacts, 'PRE001').externalId } });

    // Attachments: by context type on a document, through the transaction on an other payment.
    const pdf = { fileName: 'INV-4471.pdf', contentType: 'application/pdf', data: new TextEncoder().encode('%PDF-1.4 sandbox') };
    await adapter.uploadAttachment!(session, results[0]!, bill, pdf);
    await adapter.uploadAttachment!(session, results[2]!, spend, { ...pdf, fileName: 'receipt.png', contentType: 'image/png' });
    const files = (await documents(lead.id)).attachments;
    expect(files).toContainEqual(expect.objectContaining({ file_name: 'INV-4471.pdf', attachment_context_type_id: 'PURCHASE_INVOICE', attachment_context_id: results[0]!.documentId, file_size: 16 }));
    expect(files).toContainEqual(expect.objectContaining({ file_name: 'receipt.png', transaction_id: op.transaction.id }));
    const tooBig = await caught(adapter.uploadAttachment!(session, results[0]!, bill, { ...pdf, contentType: 'application/zip' }));
    expect(tooBig.kind).toBe('validation');
  });

  it('finds a document after a timeout instead of publishing it twice', async () => {
    const session = sessionFor(lead.id);
    const l = await lists(session);
    const supplier = l.by(l.contacts, 'OAK001');
    const item = doc({ destination: 'purchase_invoice', itemType: 'cost', contact: { externalId: supplier.externalId, name: supplier.name }, number: 'OT-5521', lines: [line({ category: { externalId: l.by(l.categories, '5001').externalId } })] });
    const count = async () => (await documents(lead.id)).purchaseInvoices.filter((x: any) => x.vendor_reference === 'OT-5521').length;

    await control('/faults', { businessId: lead.id, timeoutRate: 1 });
    const [timedOut] = await adapter.publish(session, [item]);
    expect(timedOut!.ok).toBe(false);
    expect(!timedOut!.ok && timedOut!.error.kind).toBe('transient');
    await control('/faults', { businessId: lead.id });
    expect(await count()).toBe(1); // Sage did create it; only the answer was lost

    const found = await adapter.findPublished!(session, item);
    expect(found?.documentId).toBeTruthy();
    expect(await count()).toBe(1);
    // A different item with the same supplier number is not taken for it.
    expect(await adapter.findPublished!(session, { ...item, idempotencyKey: 'another-item', total: '1.00', lines: [line({ category: { externalId: l.by(l.categories, '5001').externalId }, lineAmount: '1.00', unitAmount: '1.00', taxAmount: '0.20' })] })).toBeNull();
  });

  it('pays an invoice whose payment failed, on retry, without a second invoice', async () => {
    const session = sessionFor(lead.id);
    const l = await lists(session);
    const supplier = l.by(l.contacts, 'GRE001');
    const item = doc({
      destination: 'purchase_invoice',
      itemType: 'cost',
      contact: { externalId: supplier.externalId, name: supplier.name },
      number: 'FUEL-0911',
      lines: [line({ category: { externalId: l.by(l.categories, '7300').externalId } })],
      paid: { date: '2026-10-30', amount: '120.00', bankAccount: { externalId: l.by(l.banks, '1240').externalId } },
    });
    await control('/faults', { businessId: lead.id, failNext: { method: 'POST', path: '/contact_payments', status: 500, count: 1 } });
    const [failed] = await adapter.publish(session, [item]);
    expect(!failed!.ok && failed!.error.kind).toBe('transient');
    expect(!failed!.ok && failed!.error.message).toMatch(/created in Sage, but its payment was not/);

    // Another process (no memory of the attempt) finds the invoice and finishes the payment.
    const fresh = createSageAccountingAdapter(ctx);
    const found = await fresh.findPublished!(session, item);
    expect(found?.paymentId).toBeTruthy();
    const again = await fresh.findPublished!(session, item);
    expect(again?.paymentId).toBe(found?.paymentId);
    const d = await documents(lead.id);
    const invoices = d.purchaseInvoices.filter((x: any) => x.vendor_reference === 'FUEL-0911');
    expect(invoices).toHaveLength(1);
    expect(invoices[0].outstanding_amount).toBe(0);
    expect(d.contactPayments.filter((p: any) => p.allocated_artefacts[0]?.artefact?.id === invoices[0].id)).toHaveLength(1);

    // The same adapter, retried in-process, pays without re-creating either.
    await control('/faults', { businessId: lead.id, failNext: { method: 'POST', path: '/contact_payments', status: 503, count: 1 } });
    const other = { ...item, idempotencyKey: `${item.idempotencyKey}-2`, number: 'FUEL-0912' };
    expect((await adapter.publish(session, [other]))[0]!.ok).toBe(false);
    const [retried] = await adapter.publish(session, [other]);
    expect(retried!.ok && retried!.result.paymentId).toBeTruthy();
    expect((await documents(lead.id)).purchaseInvoices.filter((x: any) => x.vendor_reference === 'FUEL-0912')).toHaveLength(1);
  });
});

describe('Sage Accounting contract: errors', () => {
  beforeEach(async () => {
    await control('/faults', {});
    await control('/faults', { businessId: lead.id });
  });

  async function basics(session: ProviderSession) {
    const l = await lists(session);
    const supplier = l.by(l.contacts, 'CAR001');
    return {
      l,
      item: (over: Partial<PublishDocument> = {}) =>
        doc({ destination: 'purchase_invoice', itemType: 'cost', contact: { externalId: supplier.externalId, name: supplier.name }, number: `ERR-${docCounter}`, lines: [line({ category: { externalId: l.by(l.categories, '7601').externalId } })], ...over }),
    };
  }

  it('rate_limited: waits out a short Retry-After, hands back a long one', async () => {
    const session = sessionFor(lead.id);
    await control('/faults', { businessId: lead.id, rate429: { count: 1, retryAfterSeconds: 0 } });
    expect((await importAll(session, 'tax_rates')).entries).toHaveLength(5);
    await control('/faults', { businessId: lead.id, rate429: { count: 5, retryAfterSeconds: 120 } });
    const error = await caught(importAll(session, 'tax_rates'));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(120_000);
  });

  it('transient: a 5xx on a document is handed back, not retried', async () => {
    const session = sessionFor(lead.id);
    const { item } = await basics(session);
    await control('/faults', { businessId: lead.id, error5xxRate: 1 });
    const [outcome] = await adapter.publish(session, [item()]);
    expect(!outcome!.ok && outcome!.error.kind).toBe('transient');
    expect(!outcome!.ok && outcome!.error.status).toBe(500);
  });

  it('validation: Sage’s error array becomes field messages', async () => {
    const session = sessionFor(lead.id);
    const { item } = await basics(session);
    const [outcome] = await adapter.publish(session, [item({ dueDate: '2026-09-01' })]);
    expect(outcome!.ok).toBe(false);
    const error = !outcome!.ok ? outcome!.error : undefined;
    expect(error?.kind).toBe('validation');
    expect(error?.fields).toEqual([{ field: 'dueDate', message: 'must be on or after the invoice date' }]);
    expect(error?.message).toBe('Sage Accounting refused the purchase invoice: due date must be on or after the invoice date.');
    expect(error?.providerMessage).toContain('RecordInvalid');
  });

  it('stale_reference: an archived ledger account or deleted contact asks for a list refresh', async () => {
    const session = sessionFor(lead.id);
    const { item, l } = await basics(session);
    await control('/mutate', { businessId: lead.id, list: 'ledger_accounts', action: 'archive', target: '7601' });
    const [archived] = await adapter.publish(session, [item()]);
    expect(!archived!.ok && archived!.error.kind).toBe('stale_reference');
    expect(!archived!.ok && archived!.error.list).toBe('categories');
    await control('/mutate', { businessId: lead.id, list: 'ledger_accounts', action: 'unarchive', target: '7601' });
    await control('/mutate', { businessId: lead.id, list: 'contacts', action: 'delete', target: 'CAR001' });
    const [gone] = await adapter.publish(session, [item()]);
    expect(!gone!.ok && gone!.error.list).toBe('contacts');
    expect(!gone!.ok && gone!.error.message).toMatch(/no longer has the supplier or customer/);
    expect(l.contacts.length).toBeGreaterThan(0);
  });

  it('forbidden: a tier without the document, a lapsed subscription, a read-only user', async () => {
    const onStandard = sessionFor(standard.id);
    const l = await lists(onStandard);
    const supplier = l.contacts.find((c) => c.type !== 'customer')!;
    const credit = doc({ destination: 'purchase_credit_note', itemType: 'purchase_credit_note', contact: { externalId: supplier.externalId, name: supplier.name }, lines: [line({ category: { externalId: l.by(l.categories, '5000').externalId } })] });
    const [refused] = await adapter.publish(onStandard, [credit]);
    const error = !refused!.ok ? refused!.error : undefined;
    expect(error?.kind).toBe('forbidden');
    expect(error?.message).toBe(
      'Sage Accounting refused to create this purchase credit note: this business is on Accounting Standard, which does not allow it (it needs Accounting Plus). Upgrade the plan in Sage, or choose another destination.',
    );

    await control(`/businesses/${standard.id}`, { access: { email: 'demo@example.com', area: 'Purchases', access: 'read_only' } });
    const bill = { ...credit, destination: 'purchase_invoice', itemType: 'cost' as const, idempotencyKey: 'ro-1' };
    const [readOnly] = await adapter.publish(onStandard, [bill]);
    expect(!readOnly!.ok && readOnly!.error.kind).toBe('forbidden');
    expect(!readOnly!.ok && readOnly!.error.message).toMatch(/access rights/);
    await control(`/businesses/${standard.id}`, { access: { email: 'demo@example.com', area: 'Purchases', access: 'full' }, subscriptionActive: false });
    const lapsed = await caught(importAll(onStandard, 'contacts'));
    expect(lapsed.kind).toBe('forbidden');
    expect(lapsed.message).toMatch(/no active subscription/);
    await control(`/businesses/${standard.id}`, { subscriptionActive: true });
  });

  it('expired: an expired access token is renewed once; a revoked grant asks to reconnect', async () => {
    const session = sessionFor(lead.id);
    await control('/faults', { expireAccessTokens: true });
    expect((await importAll(session, 'tax_rates')).entries).toHaveLength(5);
    expect(session.refreshes).toBe(1);
    await control('/faults', { revokeGrants: true });
    const error = await caught(importAll(session, 'tax_rates'));
    expect(error.kind).toBe('expired');
    // Connect again for whatever runs next, then revoke through the adapter.
    tokens = await connect();
    await adapter.revoke!({ kind: 'oauth2', tokens }, lead.id);
    expect((await caught(adapter.refreshTokens!(tokens))).kind).toBe('expired');
  });
});

describe('Sage Accounting contract: the swagger', () => {
  it('every main request and response the adapter exchanged fits Sage’s v3.1 swagger', async () => {
    await Promise.all(pending);
    const check = loadSwaggerCheck(swaggerDir());
    const api = exchanges.filter((x) => x.url.pathname.includes('/api/v3.1/'));
    const main = (x: Exchange) => !x.url.pathname.includes('/analysis_type');
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const x of api.filter(main)) {
      const path = x.url.pathname.slice(x.url.pathname.indexOf('/v3.1'));
      const template = `${x.method} ${path.replace(/[0-9a-f]{32}/g, '{key}')}`;
      if (x.method === 'POST' && x.requestBody) for (const p of check.request(x.method, path, JSON.parse(x.requestBody))) problems.push(`${template}: ${p}`);
      if (x.status < 300 && x.body) {
        seen.add(template);
        for (const p of check.response(x.method, path, x.status, JSON.parse(x.body))) problems.push(`${template}: ${p}`);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'GET /v3.1/bank_accounts',
        'GET /v3.1/businesses',
        'GET /v3.1/contacts',
        'GET /v3.1/ledger_accounts',
        'GET /v3.1/products',
        'GET /v3.1/purchase_invoices',
        'GET /v3.1/services',
        'GET /v3.1/tax_rates',
        'POST /v3.1/attachments',
        'POST /v3.1/contact_payments',
        'POST /v3.1/other_payments',
        'POST /v3.1/purchase_credit_notes',
        'POST /v3.1/purchase_invoices',
        'POST /v3.1/sales_credit_notes',
        'POST /v3.1/sales_invoices',
      ]),
    );
  });
});
