/**
 * The BILL adapter against the BILL sandbox over real HTTP. A "user" walks the web pages with
 * fetch (sign in, choose the organisation, Settings for the Organization ID, Manage Developer
 * Keys to generate a key); the adapter connects, imports every list (paged, resumed,
 * incrementally), publishes each document kind, replays without duplicates, and meets each kind
 * of failure. Every exchange is checked against the shapes in BILL's official Postman collection.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../shared/catalogue.js';
import { billComCredentialFields, createBillComAdapter } from '../server/providers/bill-com/index.js';
import type { KeyCredentials, ListEntry, ListPage, ProviderAdapter, ProviderContext, ProviderSession, PublishDocument } from '../server/providers/types.js';
import { createBillComSandbox } from '../server/sandbox/bill-com/index.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { PageBrowser as Browser } from './support/page-browser.js';
import { collect, failure } from './support/adapter.js';

type Json = any;

const appKey = 'bookbridge-sandbox-bill-com';
const sandbox = createBillComSandbox({ client: { id: appKey, secret: 'unused' }, seed: 'contract', uploadProcessingMs: 300 });
let server: RunningServer;

// --- every exchange with the API host, for the shape check at the end ------------------------
interface Exchange {
  method: string;
  path: string;
  status: number;
  requestBody?: unknown;
  responseBody?: unknown;
}
const exchanges: Exchange[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const response = await globalThis.fetch(input, init);
  const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
  const at = url.pathname.indexOf('/connect/v3/');
  if (at < 0) return response;
  const clone = response.clone();
  const text = await clone.text().catch(() => '');
  let responseBody: unknown;
  try {
    responseBody = text ? JSON.parse(text) : undefined;
  } catch {
    responseBody = undefined;
  }
  let requestBody: unknown;
  if (typeof init?.body === 'string') {
    try {
      requestBody = JSON.parse(init.body);
    } catch {
      requestBody = undefined;
    }
  }
  exchanges.push({ method: (init?.method ?? 'GET').toUpperCase(), path: url.pathname.slice(at + '/connect'.length), status: response.status, requestBody, responseBody });
  return response;
};

/** The adapter's clock, moved with the sandbox's when a test wants both to agree. */
let clockOffset = 0;

function context(options: { timeoutMs?: number; client?: boolean } = {}): ProviderContext {
  return {
    entry: catalogue['bill-com'],
    hosts: { api: `${server.url}/api`, app: `${server.url}/app` },
    ...(options.client === false ? {} : { client: { id: appKey, secret: appKey } }),
    fetch: recordingFetch,
    now: () => new Date(Date.now() + clockOffset),
    timeoutMs: options.timeoutMs ?? 3000,
  };
}

const fast = { uploadPollMs: [100, 200, 300, 400, 600], busyBackoffMs: 20 };
const newAdapter = (options: Parameters<typeof context>[0] = {}) => createBillComAdapter(context(options), fast);

beforeAll(async () => {
  server = await listen(sandbox.app);
});
afterAll(async () => {
  await server.close();
});

async function control(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<Json> {
  const res = await fetch(`${server.url}/_control${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return res.json();
}

const entriesOf = async (adapter: ProviderAdapter, session: ProviderSession, kind: Parameters<ProviderAdapter['importList']>[1], options = {}) =>
  (await collect(adapter.importList(session, kind, options))).flatMap((p) => p.entries);

function sessionFor(values: KeyCredentials, organisationId = values.organizationId!): ProviderSession {
  const creds = { kind: 'session' as const, values };
  return { organisationId, credentials: async () => creds, renew: async () => creds };
}

// --- the web pages, as a user walks them ------------------------------------------------------
interface Walked {
  browser: Browser;
  username: string;
  password: string;
  organizationId: string;
  devKey: string;
}

async function walkPages(organisation = 'Hudson Valley Coffee Roasters LLC'): Promise<Walked> {
  const browser = new Browser();
  expect(await browser.open(`${server.url}/app/`)).toBe(200);
  expect(browser.url).toContain('/app/login');
  const [, username, password] = /email (\S+), password (\S+)$/.exec((browser.text('sandbox-hint') ?? '').trim()) ?? [];
  expect(username).toContain('@');
  expect(await browser.submit('login-form', { email: username!, password: password! })).toBe(200);
  expect(browser.text('page-title')).toBe('Choose an organization');
  const orgs = [...browser.html.matchAll(/id="org-(008[A-Za-z0-9]+)"[^>]*> <span class="org-choice-name">([^<]+)</g)].map((m) => ({ id: m[1]!, name: m[2]! }));
  expect(orgs.map((o) => o.name)).toEqual(['Hudson Valley Coffee Roasters LLC', 'Mesa Verde Dental Group PC']);
  await browser.submit('org-form', { organizationId: orgs.find((o) => o.name === organisation)!.id });
  expect(browser.text('org-name')).toBe(organisation);

  await browser.click('nav-settings');
  expect(browser.text('page-title')).toBe('Settings');
  const organizationId = browser.text('organization-id') ?? '';
  expect(organizationId).toMatch(/^008/);
  expect(browser.html).toContain('<label for="organization-id"');
  await browser.click('manage-developer-keys');
  expect(browser.text('page-title')).toBe('Manage Developer Keys');
  if (!browser.element('dev-key')) {
    expect(browser.text('no-keys')).toMatch(/not generated a developer key/);
    expect(await browser.submit('generate-key-form', { acceptTerms: true })).toBe(200);
    expect(browser.text('keys-notice')).toMatch(/developer key is ready/);
  }
  const devKey = browser.element('dev-key')?.value ?? '';
  expect(devKey).toMatch(/^[A-Z0-9]{8}(-[A-Z0-9]{4}){3}-[A-Z0-9]{12}$/);
  expect(browser.html).toContain('<label for="dev-key">Developer key</label>');
  return { browser, username: browser.element('signed-in-user')!['data-email']!, password: password!, organizationId, devKey };
}

const coffee = () => [...sandbox.state.organizations.values()][0]!;
const account = (number: string) => coffee().chartOfAccounts.find((a) => a.account.number === number)!;
const activeVendor = (i = 0) => coffee().vendors.filter((v) => !v.archived && v.accountType === 'BUSINESS')[i]!;
const job = (name: string) => coffee().jobs.find((j) => j.name === name)!;

let sequence = 0;
function bill(overrides: Partial<PublishDocument> = {}): PublishDocument {
  const key = overrides.idempotencyKey ?? `item-${++sequence}-${Math.random().toString(36).slice(2, 8)}`;
  const vendor = activeVendor();
  return {
    itemId: key,
    idempotencyKey: key,
    itemType: 'cost',
    destination: 'bill',
    contact: { externalId: vendor.id, name: vendor.name },
    date: '2026-11-12',
    dueDate: '2026-12-12',
    reference: `INV-${sequence}-${key.slice(-4)}`,
    currency: 'USD',
    taxMode: 'exclusive',
    lines: [
      {
        description: 'Printer paper (case)',
        quantity: '3',
        unitAmount: '40.00',
        lineAmount: '120.00',
        taxAmount: '9.60',
        category: { externalId: account('6500').id, code: '6500' },
        project: { externalId: `job:${job('Beacon Café Fit-out').id}`, name: 'Beacon Café Fit-out' },
      },
      { description: 'Courier', quantity: '2', unitAmount: '12.50', lineAmount: '25.00', category: { externalId: account('7200').id, code: '7200' } },
    ],
    total: '154.60',
    totalTax: '9.60',
    ...overrides,
  };
}

const documents = () => control(`/documents?organizationId=${coffee().id}`);

describe('BILL: connecting with the developer key and a user sign-in', () => {
  let walked: Walked;
  beforeAll(async () => {
    walked = await walkPages();
  });

  it('tells the extension which fields to ask for, and where on BILL’s pages they are', () => {
    expect(billComCredentialFields.map((f) => [f.name, f.required])).toEqual([
      ['username', true],
      ['password', true],
      ['organizationId', true],
      ['devKey', false],
    ]);
    const onPage = billComCredentialFields.filter((f) => f.fromPage).map((f) => ('selector' in f ? f.selector : ''));
    expect(onPage).toEqual(['#signed-in-user[data-email]', '#organization-id', '#dev-key']);
    for (const selector of ['organization-id', 'dev-key']) expect(walked.browser.html).toContain(`id="${selector}"`);
  });

  it("verifies with this server's key: one sign-in, the organisation, and a session kept for the next job", async () => {
    const before = await control('/stats');
    const adapter = newAdapter();
    const result = await adapter.verifyCredentials!({ username: walked.username, password: walked.password, organizationId: walked.organizationId });
    expect(result.organisations).toEqual([{ id: coffee().id, name: 'Hudson Valley Coffee Roasters LLC', detail: 'USD · Kingston, NY' }]);
    expect(result.values).toMatchObject({ username: walked.username, password: walked.password, organizationId: walked.organizationId });
    expect(result.values.devKey).toBeUndefined();
    expect(result.values.sessionId).toMatch(/^!/);
    // A new adapter (another process, a restart) uses the saved session: no second login.
    const later = newAdapter();
    expect((await entriesOf(later, sessionFor(result.values), 'bank_accounts')).length).toBe(4);
    const after = await control('/stats');
    expect(after.logins - before.logins).toBe(1);
  });

  it('verifies with the developer key generated on the page, and keeps it', async () => {
    const values = { username: walked.username, password: walked.password, organizationId: walked.organizationId, devKey: walked.devKey };
    const result = await newAdapter({ client: false }).verifyCredentials!(values);
    expect(result.values.devKey).toBe(walked.devKey);
    expect(result.organisations[0]?.id).toBe(walked.organizationId);
  });

  it('says which part is wrong: password, developer key, organisation, or the server has no key', async () => {
    const good = { username: walked.username, password: walked.password, organizationId: walked.organizationId };
    const adapter = newAdapter();
    const wrongPassword = await failure(adapter.verifyCredentials!({ ...good, password: 'not-it' }));
    const wrongKey = await failure(adapter.verifyCredentials!({ ...good, devKey: 'NOT-A-REAL-KEY' }));
    const wrongOrg = await failure(adapter.verifyCredentials!({ ...good, organizationId: '00801ZZZZZZZZZZZZZZZ' }));
    const notAnOrg = await failure(adapter.verifyCredentials!({ ...good, organizationId: 'Hudson Valley' }));
    const noServerKey = await failure(newAdapter({ client: false }).verifyCredentials!(good));

    expect([wrongPassword, wrongKey, wrongOrg, notAnOrg].map((e) => e.kind)).toEqual(['credentials', 'credentials', 'credentials', 'credentials']);
    expect(wrongPassword.message).toMatch(/email or password/);
    expect(wrongPassword.fields.map((f) => f.field)).toEqual(['username', 'password']);
    expect(wrongPassword.providerMessage).toContain('BDC_1101');
    expect(wrongKey.fields[0]?.field).toBe('devKey');
    expect(wrongKey.providerMessage).toContain('BDC_1102');
    expect(wrongOrg.fields[0]?.field).toBe('organizationId');
    expect(notAnOrg.message).toMatch(/begins with 008/);
    expect(noServerKey.kind).toBe('forbidden');
    expect(noServerKey.message).toMatch(/BILL_COM_DEVELOPER_KEY/);
    for (const e of [wrongPassword, wrongKey, wrongOrg]) expect(`${e.message} ${e.providerMessage}`).not.toContain(walked.password);
  });
});

describe('BILL: lists', () => {
  let adapter: ProviderAdapter;
  let session: ProviderSession;

  beforeAll(async () => {
    await control('/reset', {});
    const walked = await walkPages();
    adapter = newAdapter();
    const { values } = await adapter.verifyCredentials!({ username: walked.username, password: walked.password, organizationId: walked.organizationId });
    session = sessionFor(values);
  });

  it('imports the four lists in full, paged by 100, with archived entries marked', async () => {
    const contactPages = await collect(adapter.importList(session, 'contacts', {}));
    const vendorCount = coffee().vendors.length;
    expect(contactPages.map((p) => p.entries.length)).toEqual([100, vendorCount - 100, coffee().customers.length]);
    const contacts = contactPages.flatMap((p) => p.entries);
    expect(contacts.filter((e) => e.type === 'supplier')).toHaveLength(vendorCount);
    expect(contacts.filter((e) => e.type === 'customer')).toHaveLength(coffee().customers.length);
    expect(new Set(contacts.map((e) => e.externalId)).size).toBe(contacts.length);
    expect(contacts.some((e) => e.status === 'archived')).toBe(true);
    expect(contacts.find((e) => e.name === 'Maria Alvarez')).toMatchObject({ type: 'supplier', extra: { accountType: 'PERSON' } });
    expect(contactPages.at(-1)?.checkpoint).toBeNull();

    const categories = await entriesOf(adapter, session, 'categories');
    expect(categories).toHaveLength(coffee().chartOfAccounts.length);
    expect(categories.find((e) => e.code === '6500')).toMatchObject({ name: 'Office Supplies', type: 'EXPENSE', status: 'active' });
    expect(categories.find((e) => e.code === '6450')?.status).toBe('archived');
    expect(categories.find((e) => e.code === '6610')?.extra?.parentId).toBe(account('6600').id);

    const projects = await entriesOf(adapter, session, 'projects');
    expect(projects.map((p) => p.type)).toEqual([...coffee().jobs.map(() => 'Job'), ...coffee().departments.map(() => 'Department'), ...coffee().locations.map(() => 'Location'), ...coffee().accountingClasses.map(() => 'Class')]);
    expect(projects.find((p) => p.name === 'Beacon Café Fit-out')?.externalId).toBe(`job:${job('Beacon Café Fit-out').id}`);
    expect(projects.find((p) => p.name === 'Summer Festival Pop-up 2025')?.status).toBe('archived');
    expect(projects.find((p) => p.name === 'Beacon Café Fit-out: Electrical')?.extra?.parentId).toBe(`job:${job('Beacon Café Fit-out').id}`);

    const banks = await entriesOf(adapter, session, 'bank_accounts');
    expect(banks.map((b) => [b.name, b.status])).toEqual([
      ['First Hudson Bank Checking ••4821', 'active'],
      ['First Hudson Bank Checking ••7730', 'active'],
      ['Ulster Savings Bank Savings ••3304', 'active'],
      ['Mid-Valley Community Bank Checking ••1119', 'archived'],
    ]);
    expect(banks[0]?.extra?.chartOfAccountId).toBe(account('1000').id);
  });

  it('resumes from a checkpoint (list and page), and starts a list again when BILL no longer takes its page token', async () => {
    const iterator = adapter.importList(session, 'contacts', {})[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ListPage;
    await iterator.return?.(undefined);
    expect(JSON.parse(first.checkpoint!)).toMatchObject({ part: 0, page: expect.any(String) });
    const rest = await collect(adapter.importList(session, 'contacts', { checkpoint: first.checkpoint }));
    expect(rest.flatMap((p) => p.entries).length).toBe(coffee().vendors.length - 100 + coffee().customers.length);

    const customersOnly = await collect(adapter.importList(session, 'contacts', { checkpoint: JSON.stringify({ part: 1 }) }));
    expect(customersOnly.flatMap((p) => p.entries).every((e) => e.type === 'customer')).toBe(true);

    const stale = await collect(adapter.importList(session, 'contacts', { checkpoint: JSON.stringify({ part: 0, page: 'bm90LWEtdG9rZW4' }) }));
    expect(stale.flatMap((p) => p.entries).length).toBe(coffee().vendors.length + coffee().customers.length);
  });

  it('refreshes incrementally with updatedTime: only what changed in BILL, archivals included', async () => {
    const since = new Date(Date.now() + 1000);
    await control('/time', { advanceMs: 5000 });
    await control('/mutate', { list: 'vendors', action: 'rename', target: activeVendor(5).id, name: 'Catskill Mountain Electric & Solar' });
    await control('/mutate', { list: 'chartOfAccounts', action: 'archive', target: '7300' });
    await control('/mutate', { list: 'jobs', action: 'add', name: 'Hudson Café Patio' });
    await control('/mutate', { list: 'departments', action: 'archive', target: 'Wholesale' });

    const changed = async (kind: 'contacts' | 'categories' | 'projects') => entriesOf(adapter, session, kind, { changedSince: since });
    expect((await changed('contacts')).map((e) => e.name)).toEqual(['Catskill Mountain Electric & Solar']);
    expect((await changed('categories')).map((e) => [e.code, e.status])).toEqual([['7300', 'archived']]);
    expect((await changed('projects')).map((e) => [e.name, e.type, e.status])).toEqual([
      ['Hudson Café Patio', 'Job', 'active'],
      ['Wholesale', 'Department', 'archived'],
    ]);
    expect(exchanges.some((x) => x.path.startsWith('/v3/vendors') && x.status === 200)).toBe(true);
    await control('/mutate', { list: 'chartOfAccounts', action: 'unarchive', target: '7300' });
  });

  it('several imports at once stay within 3 calls in progress for the organisation', async () => {
    await control('/stats/reset', {});
    await control('/faults', { slowMs: 40 });
    const kinds = ['contacts', 'categories', 'projects', 'bank_accounts', 'contacts', 'projects'] as const;
    const results = await Promise.all(kinds.map((k) => entriesOf(adapter, session, k)));
    await control('/faults', undefined, 'DELETE');
    expect(results.every((r) => r.length > 0)).toBe(true);
    const stats = await control('/stats');
    expect(stats.peakConcurrent[coffee().id]).toBe(3);
    expect(stats.refused.BDC_1322 ?? 0).toBe(0);
  });
});

describe('BILL: publishing', () => {
  let adapter: ProviderAdapter;
  let session: ProviderSession;
  let walked: Walked;

  beforeAll(async () => {
    await control('/reset', {});
    walked = await walkPages();
    adapter = newAdapter();
    const { values } = await adapter.verifyCredentials!({ username: walked.username, password: walked.password, organizationId: walked.organizationId });
    session = sessionFor(values);
  });

  it('publishes a bill: tax folded into line amounts, category and job on the lines, the invoice number to find it by', async () => {
    const doc = bill();
    const [outcome] = await adapter.publish(session, [doc]);
    expect(outcome?.ok).toBe(true);
    if (!outcome?.ok) return;
    const stored = (await documents()).bills.find((b: Json) => b.id === outcome.result.documentId);
    expect(stored).toMatchObject({
      vendorId: activeVendor().id,
      amount: 154.6,
      dueAmount: 154.6,
      dueDate: '2026-12-12',
      invoice: { invoiceNumber: doc.reference, invoiceDate: '2026-11-12' },
      paymentStatus: 'UNPAID',
    });
    expect(stored.billLineItems).toEqual([
      { id: expect.any(String), amount: 129.6, description: 'Printer paper (case)', classifications: { chartOfAccountId: account('6500').id, jobId: job('Beacon Café Fit-out').id } },
      { id: expect.any(String), amount: 25, quantity: 2, price: 12.5, description: 'Courier', classifications: { chartOfAccountId: account('7200').id } },
    ]);
    expect(outcome.result.url).toBe(`${server.url}/app/bills/${stored.id}`);
    // The link opens the bill in BILL's web app.
    expect(await walked.browser.open(outcome.result.url)).toBe(200);
    expect(walked.browser.text('bill-amount')).toBe('$154.60');
  });

  it('item-level tax becomes a "Sales tax" line, and rounding cents land on the last line', async () => {
    const doc = bill({
      lines: [
        { description: 'Toner', quantity: '1', unitAmount: '80.00', lineAmount: '80.00', category: { externalId: account('6500').id } },
        { description: 'Labels', quantity: '1', unitAmount: '19.99', lineAmount: '19.99', category: { externalId: account('6500').id } },
      ],
      total: '107.99',
      totalTax: '8.00',
    });
    const [outcome] = await adapter.publish(session, [doc]);
    const stored = (await documents()).bills.find((b: Json) => outcome?.ok && b.id === outcome.result.documentId);
    expect(stored.billLineItems.map((l: Json) => [l.description, l.amount])).toEqual([
      ['Toner', 80],
      ['Labels', 19.99],
      ['Sales tax', 8],
    ]);
    const wrong = await adapter.publish(session, [bill({ total: '999.00' })]);
    expect(wrong[0]).toMatchObject({ ok: false, error: { kind: 'validation' } });
  });

  it('sends up to 100 bills in one bulk call, results in order', async () => {
    const before = (await control('/stats')).routes;
    const docs = [bill(), bill({ itemType: 'expense_claim', contact: { externalId: coffee().vendors.find((v) => v.name === 'Maria Alvarez')!.id, name: 'Maria Alvarez' } }), bill()];
    const outcomes = await adapter.publish(session, docs);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    const after = (await control('/stats')).routes;
    expect((after['POST /v3/bills/bulk'] ?? 0) - (before['POST /v3/bills/bulk'] ?? 0)).toBe(1);
    expect(after['POST /v3/bills'] ?? 0).toBe(before['POST /v3/bills'] ?? 0);
    const { bills } = await documents();
    docs.forEach((doc, i) => {
      const o = outcomes[i]!;
      expect(o.ok && bills.find((b: Json) => b.id === o.result.documentId)?.invoice.invoiceNumber).toBe(doc.reference);
    });
    expect(bills.find((b: Json) => b.vendorName === 'Maria Alvarez')).toBeDefined();
  });

  it('a bulk call BILL refuses creates nothing; each bill is then sent alone and only the bad one fails', async () => {
    const before = (await documents()).counts.bills;
    const archived = account('6450');
    const docs = [bill(), bill({ lines: [{ ...bill().lines[1]!, category: { externalId: archived.id, code: '6450' } }], total: '25.00', totalTax: '0.00' }), bill()];
    const outcomes = await adapter.publish(session, docs);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const refused = outcomes[1]!;
    expect(!refused.ok && refused.error).toMatchObject({ kind: 'stale_reference', list: 'categories', status: 400 });
    expect((await documents()).counts.bills).toBe(before + 2);
  });

  it('publishes a purchase credit note as a vendor credit, in bulk too', async () => {
    const credit = (ref: string) => bill({ itemType: 'purchase_credit_note', destination: 'vendor_credit', reference: ref, number: undefined });
    const [one] = await adapter.publish(session, [credit('VC-100')]);
    expect(one?.ok && one.result.documentId).toMatch(/^vcr/);
    const two = await adapter.publish(session, [credit('VC-101'), credit('VC-102')]);
    expect(two.map((o) => o.ok)).toEqual([true, true]);
    const stored = (await documents()).vendorCredits.find((v: Json) => v.referenceNumber === 'VC-100');
    expect(stored).toMatchObject({ amount: 154.6, creditDate: '2026-11-12', status: 'NOT_APPLIED', vendorCreditLineItems: [{ amount: 129.6 }, { amount: 25 }] });
    expect(one?.ok && one.result.url).toBe(`${server.url}/app/vendor-credits/${stored.id}`);
  });

  it('a bill paid outside BILL gets its payment recorded, from the bank account’s ledger account', async () => {
    const bank = coffee().bankAccounts[0]!;
    const doc = bill({ destination: 'paid_bill', paid: { date: '2026-11-14', amount: '154.60', bankAccount: { externalId: bank.id } } });
    const [outcome] = await adapter.publish(session, [doc]);
    expect(outcome?.ok).toBe(true);
    if (!outcome?.ok) return;
    expect(outcome.result.paymentId).toMatch(/^stp/);
    const { bills, payments } = await documents();
    expect(bills.find((b: Json) => b.id === outcome.result.documentId)).toMatchObject({ paymentStatus: 'PAID', dueAmount: 0 });
    expect(payments.find((p: Json) => p.id === outcome.result.paymentId)).toMatchObject({
      processDate: '2026-11-14',
      amount: 154.6,
      disbursementType: 'OFFLINE',
      classifications: { chartOfAccountId: account('1000').id },
      billPayments: [{ billId: outcome.result.documentId, amount: 154.6 }],
    });
    // An archived bank account is refused before any bill is made.
    const before = (await documents()).counts.bills;
    const stale = await adapter.publish(session, [bill({ destination: 'paid_bill', paid: { date: '2026-11-14', amount: '154.60', bankAccount: { externalId: coffee().bankAccounts[3]!.id } } })]);
    expect(stale[0]).toMatchObject({ ok: false, error: { kind: 'stale_reference', list: 'bank_accounts' } });
    expect((await documents()).counts.bills).toBe(before);
  });

  it('attaches the file: uploads, waits for BILL to process it (0du → 00h), and never twice', async () => {
    const doc = bill();
    const [outcome] = await adapter.publish(session, [doc]);
    if (!outcome?.ok) throw new Error('publish failed');
    const file = { fileName: 'invoice-1042.pdf', contentType: 'application/pdf', data: new TextEncoder().encode('%PDF-1.4 Hudson freight') };
    const polls = (await control('/stats')).uploadStatusPolls;
    await adapter.uploadAttachment!(session, outcome.result, doc, file);
    const uploaded = (await documents()).documents.filter((d: Json) => d.billId === outcome.result.documentId);
    expect(uploaded).toMatchObject([{ name: 'invoice-1042.pdf', status: 'UPLOADED', size: file.data.byteLength, documentId: expect.stringMatching(/^00h/) }]);
    expect((await control('/stats')).uploadStatusPolls).toBeGreaterThan(polls);
    await adapter.uploadAttachment!(session, outcome.result, doc, file);
    expect((await documents()).documents.filter((d: Json) => d.billId === outcome.result.documentId)).toHaveLength(1);

    await control('/faults', { organizationId: coffee().id, failUploads: 1 });
    const failed = await failure(adapter.uploadAttachment!(session, outcome.result, doc, { ...file, fileName: 'damaged.pdf' }));
    expect(failed).toMatchObject({ kind: 'validation', fields: [{ field: 'attachment' }] });
    await control('/faults', undefined, 'DELETE');
    const big = await failure(adapter.uploadAttachment!(session, outcome.result, doc, { ...file, data: new Uint8Array(6 * 1024 * 1024 + 1) }));
    expect(big.message).toMatch(/6 MB/);
    const credit = bill({ itemType: 'purchase_credit_note', destination: 'vendor_credit' });
    expect((await failure(adapter.uploadAttachment!(session, { documentId: 'vcr01x', url: '' }, credit, file))).kind).toBe('validation');
  });
});

describe('BILL: replays never make a second document', () => {
  let adapter: ProviderAdapter;
  let session: ProviderSession;

  beforeAll(async () => {
    await control('/reset', {});
    const walked = await walkPages();
    adapter = newAdapter({ timeoutMs: 600 });
    const { values } = await adapter.verifyCredentials!({ username: walked.username, password: walked.password, organizationId: walked.organizationId });
    session = sessionFor(values);
  });

  it('a publish that timed out after BILL created the bill is found by vendor + invoice number', async () => {
    const doc = bill();
    const before = (await documents()).counts.bills;
    await control('/faults', { path: '/v3/bills', method: 'POST', timeoutRate: 1 });
    const [outcome] = await adapter.publish(session, [doc]);
    await control('/faults', undefined, 'DELETE');
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'transient' } });
    expect(!outcome?.ok && outcome?.error.message).toMatch(/in time/);

    const found = await adapter.findPublished!(session, doc);
    const { bills, counts } = await documents();
    expect(counts.bills).toBe(before + 1);
    expect(found?.documentId).toBe(bills.find((b: Json) => b.invoice.invoiceNumber === doc.reference).id);

    // Not found: a document never sent, the same number for another amount, an archived bill.
    expect(await adapter.findPublished!(session, bill())).toBeNull();
    expect(await adapter.findPublished!(session, { ...doc, total: '160.00', lines: [{ ...doc.lines[0]!, lineAmount: '125.40' }, doc.lines[1]!] })).toBeNull();
    const creds = await session.credentials();
    const headers = { devKey: appKey, sessionId: creds.kind === 'session' ? (creds.values.sessionId ?? '') : '' };
    await fetch(`${server.url}/api/connect/v3/bills/${found!.documentId}/archive`, { method: 'POST', headers });
    expect(await adapter.findPublished!(session, doc)).toBeNull();
  });

  it('finds vendor credits by reference number, and bills for items without a number by the Bookbridge marker', async () => {
    const credit = bill({ itemType: 'purchase_credit_note', destination: 'vendor_credit', reference: 'RMA-77' });
    const [created] = await adapter.publish(session, [credit]);
    expect((await adapter.findPublished!(session, credit))?.documentId).toBe(created?.ok && created.result.documentId);
    const unnumbered = bill({ reference: undefined, number: undefined, idempotencyKey: 'key-abc-123', itemId: 'key-abc-123' });
    const [made] = await adapter.publish(session, [unnumbered]);
    const stored = (await documents()).bills.find((b: Json) => made?.ok && b.id === made.result.documentId);
    expect(stored.invoice.invoiceNumber).toBe('BB-KEYABC123');
    expect((await adapter.findPublished!(session, unnumbered))?.documentId).toBe(stored.id);
  });

  it('a paid bill whose payment did not get through: the lookup finds the bill and records the payment once', async () => {
    const bank = coffee().bankAccounts[1]!;
    const doc = bill({ destination: 'paid_bill', paid: { date: '2026-11-15', amount: '154.60', bankAccount: { externalId: bank.id } } });
    await control('/faults', { path: '/v3/bills/record-payment', error5xxRate: 1 });
    const [outcome] = await adapter.publish(session, [doc]);
    await control('/faults', undefined, 'DELETE');
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'transient' } });
    expect(!outcome?.ok && outcome?.error.message).toMatch(/BILL has the bill/);

    const found = await adapter.findPublished!(session, doc);
    expect(found?.paymentId).toMatch(/^stp/);
    const again = await adapter.findPublished!(session, doc);
    expect(again?.documentId).toBe(found?.documentId);
    expect(again?.paymentId).toBeUndefined();
    const { bills, payments } = await documents();
    expect(bills.filter((b: Json) => b.invoice.invoiceNumber === doc.reference)).toHaveLength(1);
    expect(payments.filter((p: Json) => p.billPayments[0].billId === found?.documentId)).toHaveLength(1);
    expect(bills.find((b: Json) => b.id === found?.documentId).paymentStatus).toBe('PAID');
  });
});

describe('BILL: each failure classified', () => {
  let adapter: ProviderAdapter;
  let session: ProviderSession;
  let values: KeyCredentials;

  beforeAll(async () => {
    await control('/reset', {});
    const walked = await walkPages();
    adapter = newAdapter({ timeoutMs: 600 });
    ({ values } = await adapter.verifyCredentials!({ username: walked.username, password: walked.password, organizationId: walked.organizationId }));
    session = sessionFor(values);
  });

  const publishError = async (doc: PublishDocument) => {
    const [outcome] = await adapter.publish(session, [doc]);
    if (outcome?.ok !== false) throw new Error('expected a failed publish');
    return outcome.error;
  };

  it('35 idle minutes: BDC_1109 is answered by one quiet new sign-in', async () => {
    const before = await control('/stats');
    await control('/time', { advanceMs: 36 * 60_000 });
    expect((await entriesOf(adapter, session, 'bank_accounts')).length).toBe(4);
    const after = await control('/stats');
    expect(after.logins - before.logins).toBe(1);
    expect((after.refused.BDC_1109 ?? 0) - (before.refused.BDC_1109 ?? 0)).toBe(1);
    // And the new session is kept: the next call needs no sign-in.
    await entriesOf(adapter, session, 'bank_accounts');
    expect((await control('/stats')).logins).toBe(after.logins);
  });

  it('when its own clock says the session is about to idle out, the adapter signs in first', async () => {
    await entriesOf(adapter, session, 'bank_accounts');
    const before = await control('/stats');
    clockOffset += 36 * 60_000;
    await control('/time', { advanceMs: 36 * 60_000 });
    try {
      await entriesOf(adapter, session, 'bank_accounts');
    } finally {
      clockOffset = 0;
    }
    const after = await control('/stats');
    expect(after.logins - before.logins).toBe(1);
    expect(after.refused.BDC_1109 ?? 0).toBe(before.refused.BDC_1109 ?? 0);
  });

  it('a password changed in BILL → expired (reconnect), without the password in the message', async () => {
    const other = newAdapter();
    await control('/faults', { revokeGrants: true });
    const error = await failure(entriesOf(other, session, 'categories'));
    expect(error.kind).toBe('expired');
    expect(error.message).toMatch(/reconnect BILL/);
    expect(error.message).not.toContain(values.password!);
    await control('/users', { email: values.username, password: values.password });
    await control('/faults', undefined, 'DELETE');
    await adapter.verifyCredentials!(values);
  });

  it('BDC_1322 from calls elsewhere is waited out; when it persists → rate_limited', async () => {
    const before = await control('/stats');
    await control('/faults', { concurrencyLimit: { count: 2 } });
    expect((await entriesOf(adapter, session, 'bank_accounts')).length).toBe(4);
    expect(((await control('/stats')).refused.BDC_1322 ?? 0) - (before.refused.BDC_1322 ?? 0)).toBe(2);
    await control('/faults', { concurrencyLimit: { count: 20 } });
    const busy = await failure(entriesOf(adapter, session, 'bank_accounts'));
    await control('/faults', undefined, 'DELETE');
    expect(busy).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000, status: 400 });
    expect(busy.providerMessage).toContain('BDC_1322');
  });

  it('BDC_1144 (hourly limit) → rate_limited until the next hour; a gateway 429 → its Retry-After', async () => {
    await control('/faults', { hourlyLimit: { count: 1 } });
    const hourly = await publishError(bill());
    expect(hourly.kind).toBe('rate_limited');
    expect(hourly.retryAfterMs).toBeGreaterThan(0);
    expect(hourly.retryAfterMs).toBeLessThanOrEqual(3_600_000);
    expect(hourly.message).toMatch(/hourly/);
    await control('/faults', { rate429: { count: 1, retryAfterSeconds: 7 } });
    expect(await publishError(bill())).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
    await control('/faults', undefined, 'DELETE');
  });

  it('5xx and timeouts → transient', async () => {
    await control('/faults', { error5xxRate: 1 });
    expect(await publishError(bill())).toMatchObject({ kind: 'transient', status: 500 });
    await control('/faults', { path: '/v3/classifications/chart-of-accounts', timeoutRate: 1 });
    const timedOut = await failure(entriesOf(adapter, session, 'categories'));
    await control('/faults', undefined, 'DELETE');
    expect(timedOut.kind).toBe('transient');
    expect(timedOut.message).toMatch(/in time/);
  });

  it('unknown or archived vendor, job or category → stale_reference on that list; other refusals → validation with the field', async () => {
    const archivedVendor = coffee().vendors.find((v) => v.archived)!;
    expect(await publishError(bill({ contact: { externalId: archivedVendor.id, name: archivedVendor.name } }))).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
    expect(await publishError(bill({ contact: { externalId: '00901GoneGoneGoneGon', name: 'Gone Ltd' } }))).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
    const oldJob = coffee().jobs.find((j) => j.archived)!;
    expect(await publishError(bill({ lines: [{ ...bill().lines[0]!, project: { externalId: `job:${oldJob.id}` } }, bill().lines[1]!] }))).toMatchObject({ kind: 'stale_reference', list: 'projects' });
    const badDate = await publishError(bill({ date: '2026-02-30' }));
    expect(badDate.kind).toBe('validation');
    expect(badDate.fields).toEqual([{ field: 'invoice.invoiceDate', message: 'invoice.invoiceDate must be a date in the yyyy-MM-dd format.' }]);
    expect(badDate.providerMessage).toMatch(/^BDC_/);
    const wrongType = await publishError(bill({ itemType: 'sales', destination: 'bill' }));
    expect(wrongType.kind).toBe('validation');
  });
});

// --- BILL's official Postman collection: the shapes of its example requests and responses -------

type Shape = { types: Set<string>; formats: Set<string>; props?: Map<string, Shape>; items?: Shape };

function shapeOf(values: unknown[]): Shape {
  const shape: Shape = { types: new Set(), formats: new Set() };
  const objects: Record<string, unknown>[] = [];
  const elements: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) {
      shape.types.add('array');
      elements.push(...v);
    } else if (v === null) shape.types.add('null');
    else if (typeof v === 'object') {
      shape.types.add('object');
      objects.push(v as Record<string, unknown>);
    } else {
      shape.types.add(typeof v);
      if (typeof v === 'string') shape.formats.add(/^\d{4}-\d\d-\d\d$/.test(v) ? 'date' : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(v) ? 'date-time' : 'text');
    }
  }
  if (objects.length) {
    shape.props = new Map();
    const keys = new Set(objects.flatMap((o) => Object.keys(o)));
    for (const k of keys) shape.props.set(k, shapeOf(objects.filter((o) => k in o).map((o) => o[k])));
  }
  if (elements.length) shape.items = shapeOf(elements);
  return shape;
}

function check(value: unknown, shape: Shape, path: string, errors: string[]): void {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (!shape.types.has(type)) {
    errors.push(`${path || '/'} is ${type}, BILL's examples have ${[...shape.types].join('|')}`);
    return;
  }
  if (type === 'string' && shape.formats.size === 1 && !shape.formats.has('text')) {
    const format = [...shape.formats][0];
    const ok = format === 'date' ? /^\d{4}-\d\d-\d\d$/.test(value as string) : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value as string);
    if (!ok) errors.push(`${path} "${String(value)}" is not a ${format}`);
  }
  if (type === 'object' && shape.props) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = shape.props.get(k);
      if (!child) errors.push(`${path}/${k} is not a field in BILL's examples`);
      else check(v, child, `${path}/${k}`, errors);
    }
  }
  if (type === 'array' && shape.items) (value as unknown[]).forEach((v, i) => check(v, shape.items!, `${path}/${i}`, errors));
}

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  request?: Shape;
  responses: Map<number, Shape>;
}

function collectionOperations(): Operation[] {
  const collection = JSON.parse(readFileSync('/work/shared/providers/specs/bill-com-v3-postman-collection.json', 'utf8')) as Json;
  const ops: Operation[] = [];
  const walk = (items: Json[]) => {
    for (const item of items) {
      if (item.item) {
        walk(item.item);
        continue;
      }
      const raw: string = typeof item.request.url === 'string' ? item.request.url : item.request.url.raw;
      if (!raw.startsWith('{{baseUrl}}/v3/') || raw.includes('/spend/')) continue;
      const template = raw.replace('{{baseUrl}}', '').split('?')[0]!;
      const parse = (text: string | undefined) => {
        try {
          return text ? JSON.parse(text.replace(/"\{\{\w+\}\}"/g, '"x"')) : undefined;
        } catch {
          return undefined;
        }
      };
      const responses = new Map<number, Shape>();
      for (const r of item.response ?? []) {
        const body = parse(r.body);
        if (body !== undefined) responses.set(r.code, shapeOf([body]));
      }
      const requestExample = parse(item.request.body?.raw);
      ops.push({
        method: item.request.method,
        template,
        regex: new RegExp(`^${template.replace(/:[A-Za-z]+/g, '[^/]+')}$`),
        ...(requestExample !== undefined ? { request: shapeOf([requestExample]) } : {}),
        responses,
      });
    }
  };
  walk(collection.item);
  // Literal paths before templated ones (/v3/bills/bulk before /v3/bills/:billId).
  return ops.sort((a, b) => (a.template.match(/:/g)?.length ?? 0) - (b.template.match(/:/g)?.length ?? 0));
}

/** A create's request may carry any field BILL's own answer for it shows (the examples are minimal). */
function requestShape(op: Operation): Shape | undefined {
  const created = op.responses.get(201) ?? op.responses.get(200);
  if (!op.request) return undefined;
  if (!created || op.template === '/v3/login') return op.request;
  const merged = shapeOf([]);
  const merge = (into: Shape, from: Shape) => {
    for (const t of from.types) into.types.add(t);
    for (const f of from.formats) into.formats.add(f);
    if (from.props) {
      into.props ??= new Map();
      for (const [k, v] of from.props) {
        if (!into.props.has(k)) into.props.set(k, shapeOf([]));
        merge(into.props.get(k)!, v);
      }
    }
    if (from.items) {
      into.items ??= shapeOf([]);
      merge(into.items, from.items);
    }
  };
  merge(merged, op.request);
  // A bulk create's answer lists the objects its request sends: an array, or wrapped in one field.
  const wrapped = created.types.has('object') && op.request.types.has('array') ? [...(created.props?.values() ?? [])].find((p) => p.types.has('array')) : undefined;
  if (wrapped?.items) merge(merged.items ?? (merged.items = shapeOf([])), wrapped.items);
  else merge(merged, created);
  return merged;
}

describe("BILL sandbox answers against BILL's official Postman collection", () => {
  it('every recorded exchange matches the shapes of BILL’s examples (requests and answers)', async () => {
    const ops = collectionOperations();
    const checked = new Map<string, string[]>();
    for (const x of exchanges) {
      const op = ops.find((o) => o.method === x.method && o.regex.test(x.path));
      if (!op) continue;
      const key = `${x.method} ${op.template} ${x.status}`;
      const errors = checked.get(key) ?? [];
      const response = op.responses.get(x.status) ?? (x.status >= 400 && x.status < 500 ? op.responses.get(400) : undefined);
      if (response && x.responseBody !== undefined) check(x.responseBody, response, 'response', errors);
      const request = requestShape(op);
      if (request && x.requestBody !== undefined) check(x.requestBody, request, 'request', errors);
      checked.set(key, errors.slice(0, 8));
    }
    expect([...checked].filter(([, errors]) => errors.length > 0)).toEqual([]);
    // The check must have covered the calls that matter, or it proves nothing.
    for (const op of [
      'POST /v3/login 200',
      'POST /v3/login 401',
      'GET /v3/organizations/:organizationId 200',
      'GET /v3/classifications/chart-of-accounts 200',
      'GET /v3/vendors 200',
      'GET /v3/customers 200',
      'GET /v3/classifications/jobs 200',
      'GET /v3/classifications/departments 200',
      'GET /v3/classifications/locations 200',
      'GET /v3/classifications/accounting-classes 200',
      'GET /v3/funding-accounts/banks 200',
      'GET /v3/funding-accounts/banks/:bankAccountId 200',
      'POST /v3/bills 201',
      'POST /v3/bills 400',
      'POST /v3/bills/bulk 201',
      'POST /v3/bills/bulk 400',
      'GET /v3/bills 200',
      'POST /v3/vendor-credits 201',
      'POST /v3/vendor-credits/bulk 201',
      'GET /v3/vendor-credits 200',
      'POST /v3/bills/record-payment 200',
      'POST /v3/documents/bills/:billId 200',
      'GET /v3/documents/upload-status 200',
      'GET /v3/documents/bills/:billId 200',
      'GET /v3/funding-accounts/banks 401',
    ]) {
      expect([...checked.keys()]).toContain(op);
    }
  });
});

// Keep the type import used (ListEntry documents what importList yields).
export type { ListEntry };
