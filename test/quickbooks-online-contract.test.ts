/**
 * Contract test: the real QuickBooks Online adapter against the QuickBooks sandbox over HTTP.
 * Authorises by driving Intuit's sign-in and company pages with fetch, lists the company,
 * imports every list (paged, resumed, then incrementally through CDC), publishes one document
 * per destination and checks it in the sandbox, replays without duplicates, attaches a file,
 * classifies every error, and holds requests and responses to Intuit's XSDs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, type ListKind } from '../shared/catalogue.js';
import { ProviderError } from '../server/providers/errors.js';
import { createQuickbooksOnlineAdapter } from '../server/providers/quickbooks-online/index.js';
import type { Credentials, ListEntry, ListPage, ProviderAdapter, ProviderContext, ProviderSession, PublishDocument, TokenSet } from '../server/providers/types.js';
import { createQuickbooksOnlineSandbox, type QuickbooksSandbox } from '../server/sandbox/quickbooks-online/index.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { checkJson, loadSchema, type XsdSchema } from '../server/sandbox/quickbooks-online/xsd.js';

const entry = catalogue['quickbooks-online'];
const client = { id: 'bookbridge-test', secret: 'test-secret-0123456789' };
const redirectUri = 'http://127.0.0.1:9/oauth/callback';
const specs = path.resolve(__dirname, '../../shared/providers/specs/quickbooks-online');

type Rec = Record<string, any>;

let clock = new Date('2026-06-01T09:00:00Z');
let sandbox: QuickbooksSandbox;
let server: RunningServer;
let hosts: Record<string, string>;
/** Every call the adapter made, for the XSD checks. */
const traffic: { method: string; url: string; request?: unknown; status: number; response?: unknown }[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = String(input instanceof Request ? input.url : input);
  const record: (typeof traffic)[number] = { method: init?.method ?? 'GET', url, status: response.status };
  if (typeof init?.body === 'string' && init.body.startsWith('{')) record.request = JSON.parse(init.body);
  if ((response.headers.get('content-type') ?? '').includes('json')) record.response = await response.clone().json().catch(() => undefined);
  traffic.push(record);
  return response;
};

function context(timeoutMs = 5000): ProviderContext {
  return { entry, hosts, client, fetch: recordingFetch, now: () => clock, timeoutMs };
}

/** What the connection layer does: hands out the stored credentials, refreshes on renew(). */
function sessionFor(adapter: ProviderAdapter, tokens: TokenSet, organisationId = tokens.extra!.realmId!): ProviderSession & { tokens: TokenSet; renewals: number } {
  const s = {
    organisationId,
    tokens,
    renewals: 0,
    async credentials(): Promise<Credentials> {
      return { kind: 'oauth2', tokens: s.tokens };
    },
    async renew(): Promise<Credentials> {
      s.renewals++;
      s.tokens = await adapter.refreshTokens!(s.tokens);
      return { kind: 'oauth2', tokens: s.tokens };
    },
  };
  return s;
}

const control = async (p: string, body?: unknown) => {
  const r = await fetch(`${server.url}/_control${p}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await r.json()) as Rec;
};
const documents = async (realmId: string) => ((await control(`/documents?realmId=${realmId}`)).companies as Rec[])[0]!;

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

/** Drives Intuit's pages as a user would: sign in, pick the company, Connect. */
async function authorise(adapter: ProviderAdapter, companyName: string, action: 'connect' | 'cancel' = 'connect'): Promise<URL> {
  const url = adapter.authorizationUrl!({ state: 'state-123', codeChallenge: 'unused-by-intuit', redirectUri });
  expect(url.searchParams.get('scope')).toContain('com.intuit.quickbooks.accounting');
  const signIn = await (await fetch(url)).text();
  expect(signIn).toContain('Sign in to QuickBooks');
  const form = (fields: Record<string, string>) => fetch(`${hosts.appcenter}/connect/oauth2`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  const consent = await (await form({ step: 'signin', tx: hidden(signIn, 'tx'), email: 'demo@example.com', password: 'anything' })).text();
  expect(consent).toContain('Select a company');
  const realmId = new RegExp(`id="company-(\\d+)" name="realmId" value="\\d+"[^>]*> ${companyName.replace(/&/g, '&#38;')}`).exec(consent)?.[1];
  expect(realmId, `company ${companyName} on the consent page`).toBeTruthy();
  const done = await form({ step: 'consent', tx: hidden(consent, 'tx'), realmId: realmId!, action });
  expect(done.status).toBe(302);
  return new URL(done.headers.get('location')!);
}

async function connect(adapter: ProviderAdapter, companyName = 'Harbour Lane Studio Ltd'): Promise<TokenSet> {
  const callback = await authorise(adapter, companyName);
  return adapter.exchangeCode!({ code: callback.searchParams.get('code')!, codeVerifier: 'unused', redirectUri, params: Object.fromEntries(callback.searchParams) });
}

async function collect(pages: AsyncIterable<ListPage>): Promise<{ pages: ListPage[]; entries: ListEntry[]; deleted: string[] }> {
  const out: ListPage[] = [];
  for await (const page of pages) out.push(page);
  return { pages: out, entries: out.flatMap((p) => p.entries), deleted: out.flatMap((p) => p.deleted ?? []) };
}

async function expectError(promise: Promise<unknown>, kind: ProviderError['kind']): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${kind} error`).toBeInstanceOf(ProviderError);
  expect((error as ProviderError).kind).toBe(kind);
  return error as ProviderError;
}

let keyCounter = 0;
function doc(over: Partial<PublishDocument> & Pick<PublishDocument, 'itemType' | 'destination' | 'contact' | 'lines'>): PublishDocument {
  keyCounter++;
  return {
    itemId: `item-${keyCounter}`,
    idempotencyKey: `0b5c3f0e-7d1a-4c4e-9a57-${String(keyCounter).padStart(12, '0')}`,
    date: '2026-05-28',
    currency: 'GBP',
    taxMode: 'exclusive',
    total: '0',
    totalTax: '0',
    ...over,
  };
}

beforeAll(async () => {
  sandbox = createQuickbooksOnlineSandbox({ client, now: () => clock });
  server = await listen(sandbox.app);
  hosts = Object.fromEntries(Object.keys(entry.hosts).map((h) => [h, `${server.url}/${h}`]));
});

afterAll(async () => {
  await server?.close();
});

describe('QuickBooks Online adapter against the sandbox', () => {
  let adapter: ProviderAdapter;
  let tokens: TokenSet;
  let session: ReturnType<typeof sessionFor>;
  let uk: Rec; // the UK company's live state
  const lists: Partial<Record<ListKind, ListEntry[]>> = {};
  const find = (kind: ListKind, test: (e: ListEntry) => boolean) => {
    const found = lists[kind]!.find(test);
    expect(found, `a ${kind} entry`).toBeTruthy();
    return found!;
  };

  it('authorises through Intuit’s sign-in and company choice; the realmId comes back on the callback', async () => {
    adapter = createQuickbooksOnlineAdapter(context(), { pageSize: 20 });
    const callback = await authorise(adapter, 'Harbour Lane Studio Ltd');
    expect(callback.searchParams.get('state')).toBe('state-123');
    const realmId = callback.searchParams.get('realmId')!;
    expect(realmId).toMatch(/^\d{16}$/);
    tokens = await adapter.exchangeCode!({ code: callback.searchParams.get('code')!, codeVerifier: 'unused', redirectUri, params: Object.fromEntries(callback.searchParams) });
    expect(tokens.extra?.realmId).toBe(realmId);
    expect(tokens.accessTokenExpiresAt).toBe(clock.getTime() + 3600_000);
    expect(tokens.refreshToken).toMatch(/^AB11/);
    expect(tokens.extra?.refreshTokenExpiresAt).toBe(new Date(clock.getTime() + 8_726_400_000).toISOString());

    // The code is single use: a second exchange is refused as a credentials problem.
    await expectError(adapter.exchangeCode!({ code: callback.searchParams.get('code')!, codeVerifier: 'unused', redirectUri, params: Object.fromEntries(callback.searchParams) }), 'credentials');
    // Re-exchanging a code revokes what it issued (Intuit: "send it once"), so connect again.
    tokens = await connect(adapter);

    const organisations = await adapter.listOrganisations({ kind: 'oauth2', tokens });
    expect(organisations).toEqual([{ id: realmId, name: 'Harbour Lane Studio Ltd', detail: 'United Kingdom' }]);
    session = sessionFor(adapter, tokens);
    uk = sandbox.state.companies.get(realmId)!;

    // Cancel on the consent page comes back as access_denied.
    const cancelled = await authorise(adapter, 'Harbour Lane Studio Ltd', 'cancel');
    expect(cancelled.searchParams.get('error')).toBe('access_denied');
    // No realmId on the callback: refused before any call.
    await expectError(adapter.exchangeCode!({ code: 'x', codeVerifier: 'unused', redirectUri, params: { code: 'x' } }), 'credentials');
  });

  it('imports every list kind, paged (MAXRESULTS) and resumable from a checkpoint', async () => {
    const all = (e: string) => [...uk.entities.get(e).values()] as Rec[];
    for (const kind of entry.lists) {
      const { pages, entries } = await collect(adapter.importList(session, kind, {}));
      lists[kind] = entries;
      expect(pages.at(-1)!.checkpoint).toBeNull();
      expect(pages[0]!.total).toBe(kind === 'contacts' || kind === 'projects' ? pages[0]!.total : entries.length);
    }
    const vendors = all('Vendor');
    const customers = all('Customer').filter((c) => !c.IsProject);
    expect(lists.contacts!.length).toBe(vendors.length + customers.length);
    expect(lists.contacts!.filter((e) => e.status === 'archived').length).toBe([...vendors, ...customers].filter((r) => r.Active === false).length);
    expect(lists.categories!.length).toBe(all('Account').length);
    expect(lists.bank_accounts!.map((e) => e.name).sort()).toEqual(['Barclaycard', 'Business Savings', 'Current Account']);
    expect(lists.products!.length).toBe(all('Item').length);
    expect(lists.projects!.map((e) => e.externalId.split(':')[0]).sort()).toEqual(['class', 'class', 'class', 'class', 'department', 'department', 'department', 'project', 'project', 'project']);

    const standard = find('tax_rates', (e) => e.code === '20.0% S');
    expect(standard.taxRate).toBe('20.00');
    expect(standard.type).toBe('sales_and_purchases');
    expect(find('tax_rates', (e) => e.code === 'No VAT').taxRate).toBeUndefined();
    const office = find('categories', (e) => e.code === '6600');
    expect(office).toMatchObject({ name: 'Office Expenses', type: 'Expense', taxRate: '3', currency: 'GBP', status: 'active' });
    const supplier = lists.contacts!.find((e) => e.type === 'supplier')!;
    expect(supplier.externalId).toMatch(/^vendor:\d+$/);

    // Paged: 60 vendors at 20 a page, then customers; resuming from page 2's checkpoint gives the rest.
    const { pages } = await collect(adapter.importList(session, 'contacts', {}));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    const resumed = await collect(adapter.importList(session, 'contacts', { checkpoint: pages[1]!.checkpoint }));
    const firstTwo = pages.slice(0, 2).flatMap((p) => p.entries.map((e) => e.externalId));
    expect([...firstTwo, ...resumed.entries.map((e) => e.externalId)]).toEqual(lists.contacts!.map((e) => e.externalId));
    // Every query stayed within MAXRESULTS 1000 and STARTPOSITION ≥ 1.
    for (const t of traffic.filter((x) => x.url.includes('/query?'))) {
      const q = new URL(t.url).searchParams.get('query')!;
      const max = /MAXRESULTS (\d+)/.exec(q)?.[1];
      if (max) expect(Number(max)).toBeLessThanOrEqual(1000);
      expect(new URL(t.url).searchParams.get('minorversion')).toBe('75');
    }
  });

  it('refreshes through change data capture, and falls back to a full pass past 30 days', async () => {
    const since = new Date(clock);
    clock = new Date(clock.getTime() + 3600_000);
    const vendor = lists.contacts!.filter((e) => e.type === 'supplier' && e.status === 'active').at(-1)!;
    await control('/mutate', { realmId: uk.data.realmId, list: 'vendors', action: 'rename', target: vendor.externalId.split(':')[1], name: 'Renamed Supplies Ltd' });
    await control('/mutate', { realmId: uk.data.realmId, list: 'accounts', action: 'archive', target: '7500' });
    await control('/mutate', { realmId: uk.data.realmId, list: 'customers', action: 'add', entry: { DisplayName: 'Newfield Bakery' } });
    const removed = lists.projects!.filter((e) => e.externalId.startsWith('class:')).at(-1)!;
    await control('/mutate', { realmId: uk.data.realmId, list: 'classes', action: 'delete', target: removed.externalId.split(':')[1] });
    const cdcBefore = sandbox.state.stats.cdcCalls;

    const contacts = await collect(adapter.importList(session, 'contacts', { changedSince: since }));
    expect(contacts.entries.map((e) => e.name).sort()).toEqual(['Newfield Bakery', 'Renamed Supplies Ltd']);
    const categories = await collect(adapter.importList(session, 'categories', { changedSince: since }));
    expect(categories.entries).toEqual([expect.objectContaining({ code: '7500', status: 'archived' })]);
    const projects = await collect(adapter.importList(session, 'projects', { changedSince: since }));
    expect(projects.deleted).toContain(removed.externalId);
    expect(sandbox.state.stats.cdcCalls).toBe(cdcBefore + 3);

    // Tax codes are not in CDC, and a 31-day-old refresh is past its window: full passes.
    const taxes = await collect(adapter.importList(session, 'tax_rates', { changedSince: since }));
    expect(taxes.entries.length).toBe(lists.tax_rates!.length);
    const old = await collect(adapter.importList(session, 'contacts', { changedSince: new Date(clock.getTime() - 31 * 86_400_000) }));
    expect(old.entries.length).toBe(lists.contacts!.length + 1);
    expect(sandbox.state.stats.cdcCalls).toBe(cdcBefore + 3);
  });

  describe('publishing', () => {
    const supplier = () => find('contacts', (e) => e.type === 'supplier' && e.status === 'active');
    const customer = () => find('contacts', (e) => e.type === 'customer' && e.status === 'active');
    const category = (code: string) => ({ externalId: find('categories', (e) => e.code === code).externalId, code });
    const vat = (code = '20.0% S') => ({ externalId: find('tax_rates', (e) => e.code === code).externalId, rate: '20' });
    const bank = (name: string) => ({ externalId: find('bank_accounts', (e) => e.name === name).externalId });
    const contactOf = (e: ListEntry) => ({ externalId: e.externalId, name: e.name });

    it('publishes a bill, an expense, an invoice, a supplier credit and a credit note with the right fields and VAT', async () => {
      const s = supplier();
      const c = customer();
      const logoDesign = find('products', (e) => e.code === 'LOGO-01');
      const branding = find('projects', (e) => e.name === 'Branding');
      const bill = doc({
        itemType: 'cost', destination: 'bill', contact: contactOf(s), number: 'INV-4471', dueDate: '2026-06-27', reference: 'PO 88',
        lines: [{ description: 'Printer paper', quantity: '2', unitAmount: '50', lineAmount: '100.00', taxAmount: '20.00', category: category('6600'), tax: vat(), project: { externalId: branding.externalId } }],
        total: '120.00', totalTax: '20.00',
      });
      const expense = doc({
        itemType: 'cost', destination: 'expense', contact: contactOf(s), taxMode: 'inclusive',
        lines: [{ description: 'Train to Leeds', quantity: '1', unitAmount: '60', lineAmount: '60.00', taxAmount: '10.00', category: category('7100'), tax: vat() }],
        total: '60.00', totalTax: '10.00', paid: { date: '2026-05-28', amount: '60.00', bankAccount: bank('Barclaycard') },
      });
      const invoice = doc({
        itemType: 'sales', destination: 'invoice', contact: contactOf(c), number: 'HL-2001', dueDate: '2026-06-27',
        lines: [{ description: 'Logo design', quantity: '1', unitAmount: '1200', lineAmount: '1200.00', taxAmount: '240.00', category: category('4010'), tax: vat(), product: { externalId: logoDesign.externalId } }],
        total: '1440.00', totalTax: '240.00',
      });
      const credit = doc({
        itemType: 'purchase_credit_note', destination: 'vendor_credit', contact: contactOf(s), number: 'CN-19',
        lines: [{ description: 'Returned toner', quantity: '1', unitAmount: '45', lineAmount: '45.00', taxAmount: '9.00', category: category('6600'), tax: vat() }],
        total: '54.00', totalTax: '9.00',
      });
      const memo = doc({
        itemType: 'sales_credit_note', destination: 'credit_memo', contact: contactOf(c),
        lines: [{ description: 'Goodwill credit', quantity: '1', unitAmount: '100', lineAmount: '100.00', taxAmount: '0.00', category: category('4010'), tax: vat('0.0% Z') }],
        total: '100.00', totalTax: '0.00',
      });
      const outcomes = [];
      for (const d of [bill, expense, invoice, credit, memo]) outcomes.push(...(await adapter.publish(session, [d])));
      for (const o of outcomes) expect(o.ok, o.ok ? '' : o.error.message).toBe(true);
      const ids = outcomes.map((o) => (o.ok ? o.result.documentId : ''));
      expect(outcomes[0]!.ok && outcomes[0]!.result.url).toBe(`https://app.qbo.intuit.com/app/bill?txnId=${ids[0]}`);

      const d = await documents(uk.data.realmId);
      const billOut = d.bills.find((b: Rec) => b.Id === ids[0]);
      expect(billOut).toMatchObject({
        VendorRef: { value: s.externalId.split(':')[1], name: s.name }, DocNumber: 'INV-4471', TxnDate: '2026-05-28', DueDate: '2026-06-27',
        GlobalTaxCalculation: 'TaxExcluded', TotalAmt: 120, Balance: 120, TxnTaxDetail: { TotalTax: 20 }, CurrencyRef: { value: 'GBP' },
      });
      expect(billOut.PrivateNote).toContain(`[bookbridge:${bill.idempotencyKey}]`);
      expect(billOut.Line[0]).toMatchObject({ Amount: 100, Description: 'Printer paper', AccountBasedExpenseLineDetail: { AccountRef: { value: category('6600').externalId }, TaxCodeRef: { value: vat().externalId }, ClassRef: { value: branding.externalId.split(':')[1] } } });
      expect(billOut.TxnTaxDetail.TaxLine[0].TaxLineDetail).toMatchObject({ TaxPercent: 20, NetAmountTaxable: 100 });

      const purchase = d.purchases.find((p: Rec) => p.Id === ids[1]);
      expect(purchase).toMatchObject({ PaymentType: 'CreditCard', AccountRef: { name: 'Barclaycard' }, EntityRef: { type: 'Vendor' }, GlobalTaxCalculation: 'TaxInclusive', TotalAmt: 60, TxnTaxDetail: { TotalTax: 10 } });
      expect(purchase.Line[0]).toMatchObject({ Amount: 50, AccountBasedExpenseLineDetail: { TaxInclusiveAmt: 60 } });

      const inv = d.invoices.find((i: Rec) => i.Id === ids[2]);
      expect(inv).toMatchObject({ CustomerRef: { value: c.externalId.split(':')[1] }, DocNumber: 'HL-2001', TotalAmt: 1440, Balance: 1440, TxnTaxDetail: { TotalTax: 240 } });
      expect(inv.Line[0].SalesItemLineDetail).toMatchObject({ ItemRef: { value: logoDesign.externalId, name: 'Logo Design' }, Qty: 1, UnitPrice: 1200, TaxCodeRef: { value: vat().externalId } });
      expect(d.vendorCredits.find((v: Rec) => v.Id === ids[3])).toMatchObject({ DocNumber: 'CN-19', TotalAmt: 54, TxnTaxDetail: { TotalTax: 9 } });
      expect(d.creditMemos.find((m: Rec) => m.Id === ids[4])).toMatchObject({ TotalAmt: 100, RemainingCredit: 100, TxnTaxDetail: { TotalTax: 0 } });
    });

    it('pays a paid bill from the bank with a bill payment, and batches several documents in one call', async () => {
      const s = supplier();
      const paid = doc({
        itemType: 'cost', destination: 'bill', contact: contactOf(s),
        lines: [{ description: 'Broadband', quantity: '1', unitAmount: '40', lineAmount: '40.00', taxAmount: '8.00', category: category('7000'), tax: vat() }],
        total: '48.00', totalTax: '8.00', paid: { date: '2026-05-29', amount: '48.00', bankAccount: bank('Current Account') },
      });
      const [outcome] = await adapter.publish(session, [paid]);
      expect(outcome!.ok).toBe(true);
      const result = outcome!.ok ? outcome!.result : undefined;
      expect(result?.paymentId).toBeTruthy();
      const d = await documents(uk.data.realmId);
      expect(d.bills.find((b: Rec) => b.Id === result!.documentId)).toMatchObject({ TotalAmt: 48, Balance: 0 });
      expect(d.billPayments.find((p: Rec) => p.Id === result!.paymentId)).toMatchObject({ PayType: 'Check', TotalAmt: 48, CheckPayment: { BankAccountRef: { name: 'Current Account' } } });

      const batch = [1, 2, 3].map((n) =>
        doc({
          itemType: 'cost', destination: 'bill', contact: contactOf(s), number: `B-${n}`,
          lines: [{ description: `Item ${n}`, quantity: '1', unitAmount: `${n}0`, lineAmount: `${n}0.00`, taxAmount: `${n * 2}.00`, category: category('6600'), tax: vat() }],
          total: `${n * 12}.00`, totalTax: `${n * 2}.00`,
        }),
      );
      const batchesBefore = sandbox.state.stats.batchCalls;
      const outcomes = await adapter.publish(session, batch);
      expect(sandbox.state.stats.batchCalls).toBe(batchesBefore + 1);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const after = await documents(uk.data.realmId);
      expect(outcomes.map((o) => (o.ok ? after.bills.find((b: Rec) => b.Id === o.result.documentId)?.TotalAmt : 0))).toEqual([12, 24, 36]);
      expect(entry.capabilities.batchSize).toBe(30);
    });

    it('keeps the expense claim out: QuickBooks has no such document', async () => {
      const before = traffic.length;
      const [outcome] = await adapter.publish(session, [
        doc({ itemType: 'expense_claim', destination: 'bill', contact: contactOf(supplier()), lines: [{ description: 'Taxi', quantity: '1', unitAmount: '12', lineAmount: '12.00', category: category('7100') }], total: '12.00' }),
      ]);
      expect(outcome!.ok).toBe(false);
      expect(!outcome!.ok && outcome!.error.kind).toBe('validation');
      expect(!outcome!.ok && outcome!.error.message).toMatch(/no expense claim/);
      expect(entry.destinations.expense_claim).toEqual([]);
      expect(traffic.slice(before).filter((t) => t.method === 'POST')).toEqual([]);
    });

    it('never duplicates: a replay with the same key, a timed-out call retried, and a batch found again', async () => {
      const s = supplier();
      const one = doc({
        itemType: 'cost', destination: 'bill', contact: contactOf(s), number: 'R-1',
        lines: [{ description: 'Desk', quantity: '1', unitAmount: '300', lineAmount: '300.00', taxAmount: '60.00', category: category('6600'), tax: vat() }],
        total: '360.00', totalTax: '60.00',
      });
      const first = await adapter.publish(session, [one]);
      const count = (await documents(uk.data.realmId)).bills.length;
      const replays = sandbox.state.stats.requestIdReplays;
      const again = await adapter.publish(session, [one]);
      expect(again[0]!.ok && again[0]!.result.documentId).toBe(first[0]!.ok && first[0]!.result.documentId);
      expect(sandbox.state.stats.requestIdReplays).toBe(replays + 1);
      expect((await documents(uk.data.realmId)).bills.length).toBe(count);
      const posted = traffic.filter((t) => t.method === 'POST' && t.url.includes('/bill?'));
      expect(new URL(posted.at(-1)!.url).searchParams.get('requestid')).toBe(one.idempotencyKey);

      // The call is carried out but the answer never comes: a transient error, then a retry.
      const impatient = createQuickbooksOnlineAdapter(context(400));
      const slow = doc({ ...one, number: 'R-2', idempotencyKey: 'c7d1f2aa-0000-4000-8000-000000000002' });
      await control('/faults', { realmId: uk.data.realmId, timeoutRate: 1 });
      await expectError(impatient.publish(session, [slow]), 'transient');
      await control('/faults', { realmId: uk.data.realmId });
      const retried = await impatient.publish(session, [slow]);
      expect(retried[0]!.ok).toBe(true);
      const bills = (await documents(uk.data.realmId)).bills.filter((b: Rec) => b.DocNumber === 'R-2');
      expect(bills.length).toBe(1);

      // A batch whose answer was lost: found by its marker, then replayed alone with no new bill.
      const lost = [doc({ ...one, number: 'R-3', idempotencyKey: 'c7d1f2aa-0000-4000-8000-000000000003' }), doc({ ...one, number: 'R-4', idempotencyKey: 'c7d1f2aa-0000-4000-8000-000000000004' })];
      await control('/faults', { realmId: uk.data.realmId, timeoutRate: 1 });
      await expectError(impatient.publish(session, lost), 'transient');
      await control('/faults', { realmId: uk.data.realmId });
      const found = await adapter.findPublished!(session, lost[1]!);
      expect(found?.documentId).toBe((await documents(uk.data.realmId)).bills.find((b: Rec) => b.DocNumber === 'R-4').Id);
      expect(await adapter.findPublished!(session, doc({ ...one, idempotencyKey: 'never-sent-key' }))).toBeNull();
      const sameBatch = await adapter.publish(session, lost);
      expect(sameBatch.every((o) => o.ok)).toBe(true);
      expect((await documents(uk.data.realmId)).bills.filter((b: Rec) => ['R-3', 'R-4'].includes(b.DocNumber)).length).toBe(2);
    });

    it('attaches a file through /upload, once', async () => {
      const s = supplier();
      const d = doc({
        itemType: 'cost', destination: 'bill', contact: contactOf(s), number: 'ATT-1',
        lines: [{ description: 'Chair', quantity: '1', unitAmount: '90', lineAmount: '90.00', taxAmount: '18.00', category: category('6600'), tax: vat() }],
        total: '108.00', totalTax: '18.00',
      });
      const [outcome] = await adapter.publish(session, [d]);
      const published = outcome!.ok ? outcome!.result : undefined;
      const file = { fileName: 'receipt.pdf', contentType: 'application/pdf', data: new TextEncoder().encode('%PDF-1.4 receipt') };
      await adapter.uploadAttachment!(session, published!, d, file);
      await adapter.uploadAttachment!(session, published!, d, file);
      const attachables = (await documents(uk.data.realmId)).attachables.filter((a: Rec) => a.AttachableRef[0].EntityRef.value === published!.documentId);
      expect(attachables).toEqual([expect.objectContaining({ FileName: 'receipt.pdf', ContentType: 'application/pdf', Size: 16, AttachableRef: [{ EntityRef: { type: 'Bill', value: published!.documentId }, IncludeOnSend: false }] })]);
      const refused = await expectError(adapter.uploadAttachment!(session, published!, d, { ...file, fileName: 'x.exe', contentType: 'application/x-msdownload' }), 'validation');
      expect(refused.providerMessage).toMatch(/not supported/);
    });

    it('classifies every error in words a bookkeeper understands, keeping QuickBooks’ own message', async () => {
      const s = supplier();
      const base = (over: Partial<PublishDocument> = {}) =>
        doc({
          itemType: 'cost', destination: 'bill', contact: contactOf(s),
          lines: [{ description: 'Stamps', quantity: '1', unitAmount: '10', lineAmount: '10.00', taxAmount: '0.00', category: category('7400'), tax: vat('Exempt') }],
          total: '10.00', totalTax: '0.00', ...over,
        });
      // validation: a number the supplier already used.
      const [dup] = await adapter.publish(session, [base({ number: 'DUP-1' })]);
      const [dup2] = await adapter.publish(session, [base({ number: 'DUP-1' })]);
      expect(dup!.ok).toBe(true);
      expect(!dup2!.ok && dup2!.error.kind).toBe('validation');
      expect(!dup2!.ok && dup2!.error.fields[0]!.field).toBe('number');
      expect(!dup2!.ok && dup2!.error.providerMessage).toMatch(/^6140 Duplicate Document Number Error/);

      // stale_reference: an account made inactive upstream after the import, and an unknown supplier.
      const [inactive] = await adapter.publish(session, [base({ lines: [{ description: 'Course', quantity: '1', unitAmount: '10', lineAmount: '10.00', category: category('7500'), tax: vat('Exempt') }] })]);
      expect(!inactive!.ok && inactive!.error).toMatchObject({ kind: 'stale_reference', list: 'categories' });
      expect(!inactive!.ok && inactive!.error.message).toMatch(/made inactive.*Refresh the lists/);
      const [unknown] = await adapter.publish(session, [base({ contact: { externalId: 'vendor:99999', name: 'Gone Ltd' } })]);
      expect(!unknown!.ok && unknown!.error).toMatchObject({ kind: 'stale_reference', list: 'contacts' });

      // rate_limited: ThrottleExceeded (no Retry-After from Intuit: back off a minute).
      await control('/faults', { realmId: uk.data.realmId, rate429: { count: 1 } });
      const limited = await expectError(adapter.publish(session, [base()]), 'rate_limited');
      expect(limited.retryAfterMs).toBe(60_000);

      // transient: a 5xx.
      await control('/faults', { realmId: uk.data.realmId, error5xxRate: 1 });
      await expectError(adapter.importList(session, 'categories', {})[Symbol.asyncIterator]().next(), 'transient');
      await control('/faults', { realmId: uk.data.realmId });

      // An expired access token is renewed once, transparently.
      await control('/faults', { realmId: uk.data.realmId, expireAccessTokens: true });
      const renewals = session.renewals;
      const page = await adapter.importList(session, 'tax_rates', {})[Symbol.asyncIterator]().next();
      expect(page.value.entries.length).toBeGreaterThan(0);
      expect(session.renewals).toBe(renewals + 1);

      // forbidden: a company this sign-in was not given.
      const other = [...sandbox.state.companies.keys()].find((r) => r !== uk.data.realmId)!;
      const foreign = sessionFor(adapter, { ...session.tokens, extra: { ...session.tokens.extra, realmId: other } }, other);
      await expectError(adapter.importList(foreign, 'categories', {})[Symbol.asyncIterator]().next(), 'forbidden');

      // expired: the app was disconnected in QuickBooks; the refresh then fails with invalid_grant.
      await control('/faults', { realmId: uk.data.realmId, revokeGrants: true });
      const expired = await expectError(adapter.publish(session, [base()]), 'expired');
      expect(expired.message).toMatch(/reconnect QuickBooks/);
    });
  });

  it('rotates the refresh token about daily and refuses the superseded one', async () => {
    const fresh = await connect(adapter);
    const kept = await adapter.refreshTokens!(fresh);
    expect(kept.refreshToken).toBe(fresh.refreshToken);
    clock = new Date(clock.getTime() + 25 * 3600_000);
    const rotated = await adapter.refreshTokens!(kept);
    expect(rotated.refreshToken).not.toBe(kept.refreshToken);
    expect(rotated.extra?.realmId).toBe(fresh.extra?.realmId);
    await expectError(adapter.refreshTokens!(kept), 'expired');
    const again = await adapter.refreshTokens!(rotated);
    expect(again.accessToken).not.toBe(rotated.accessToken);
  });

  it('disconnects: revoke ends the grant at Intuit', async () => {
    const fresh = await connect(adapter);
    const s = sessionFor(adapter, fresh);
    await adapter.revoke!({ kind: 'oauth2', tokens: fresh }, fresh.extra!.realmId!);
    await expectError(adapter.importList(s, 'categories', {})[Symbol.asyncIterator]().next(), 'expired');
  });

  it('publishes to a US company with sales tax on TAX lines', async () => {
    const us = await connect(adapter, 'Bramble &#38; Oak Landscaping LLC'.replace('&#38;', '&'));
    const s = sessionFor(adapter, us);
    const contacts = await collect(adapter.importList(s, 'contacts', {}));
    const taxes = await collect(adapter.importList(s, 'tax_rates', {}));
    const products = await collect(adapter.importList(s, 'products', {}));
    const income = (await collect(adapter.importList(s, 'categories', {}))).entries.find((e) => e.code === '4000')!;
    const customer = contacts.entries.find((e) => e.type === 'customer' && e.status === 'active')!;
    const sacramento = taxes.entries.find((e) => e.code === 'Sacramento')!;
    expect(sacramento.taxRate).toBe('8.75');
    const gardening = products.entries.find((e) => e.code === 'GAR-01')!;
    const [outcome] = await adapter.publish(s, [
      doc({
        itemType: 'sales', destination: 'invoice', contact: { externalId: customer.externalId, name: customer.name }, currency: 'USD',
        lines: [{ description: 'Gardening', quantity: '4', unitAmount: '45', lineAmount: '180.00', taxAmount: '15.75', category: { externalId: income.externalId }, tax: { externalId: sacramento.externalId, rate: '8.75' }, product: { externalId: gardening.externalId } }],
        total: '195.75', totalTax: '15.75',
      }),
    ]);
    expect(outcome!.ok, outcome!.ok ? '' : outcome!.error.message).toBe(true);
    const inv = ((await documents(us.extra!.realmId!)).invoices as Rec[]).at(-1)!;
    expect(inv).toMatchObject({ TotalAmt: 195.75, TxnTaxDetail: { TxnTaxCodeRef: { value: sacramento.externalId }, TotalTax: 15.75 } });
    expect(inv.GlobalTaxCalculation).toBeUndefined();
    expect(inv.Line[0].SalesItemLineDetail).toMatchObject({ TaxCodeRef: { value: 'TAX' }, Qty: 4, UnitPrice: 45 });
  });

  it.skipIf(!existsSync(specs))('holds requests and responses to Intuit’s XSDs', () => {
    const schema: XsdSchema = loadSchema(specs);
    const problems: string[] = [];
    let requests = 0;
    let responses = 0;
    for (const t of traffic) {
      if (!t.url.includes('/v3/company/')) continue;
      const segment = new URL(t.url).pathname.split('/').at(-1)!;
      const entity = ({ bill: 'Bill', purchase: 'Purchase', invoice: 'Invoice', vendorcredit: 'VendorCredit', creditmemo: 'CreditMemo', billpayment: 'BillPayment' } as Record<string, string>)[segment];
      if (t.request && entity) {
        requests++;
        problems.push(...checkJson(schema, entity, t.request, `${entity} request`));
      }
      if (t.request && segment === 'batch') {
        requests++;
        problems.push(...checkJson(schema, 'IntuitBatchRequest', t.request, 'batch request'));
      }
      if (t.response && t.status !== 401 && t.status !== 403) {
        responses++;
        // JSON wraps CDCResponse in a list where the XSD has one element.
        const body = { ...(t.response as Rec) };
        if (Array.isArray(body.CDCResponse)) body.CDCResponse = body.CDCResponse[0];
        if (body.CDCResponse && Array.isArray(body.CDCResponse.QueryResponse)) {
          for (const qr of body.CDCResponse.QueryResponse) problems.push(...checkJson(schema, 'QueryResponse', qr, 'CDC QueryResponse'));
          delete body.CDCResponse;
        }
        problems.push(...checkJson(schema, 'IntuitResponse', body, `${segment} response`));
      }
    }
    expect(requests).toBeGreaterThan(10);
    expect(responses).toBeGreaterThan(30);
    expect([...new Set(problems)]).toEqual([]);
  });
});
