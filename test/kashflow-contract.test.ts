/**
 * The KashFlow adapter against the KashFlow sandbox over real HTTP. A "user" walks the web
 * pages with fetch (sign in, Apps, API Settings, tick Enable AutoAuth, Update, read the key),
 * then the adapter connects, imports every list, publishes, and meets each kind of failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../shared/catalogue.js';
import { createKashflowAdapter } from '../server/providers/kashflow/index.js';
import type { KeyCredentials, ListPage, ProviderContext, ProviderSession, PublishDocument } from '../server/providers/types.js';
import { createKashflowSandbox } from '../server/sandbox/kashflow/index.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { PageBrowser as Browser } from './support/page-browser.js';
import { collect, failure } from './support/adapter.js';

let server: RunningServer;
const sandbox = createKashflowSandbox({ seed: 'contract' });

beforeAll(async () => {
  server = await listen(sandbox.app);
});
afterAll(async () => {
  await server.close();
});

function context(timeoutMs = 3000): ProviderContext {
  return {
    entry: catalogue.kashflow,
    hosts: { app: `${server.url}/app`, api: `${server.url}/api`, soap: `${server.url}/soap` },
    fetch: globalThis.fetch,
    now: () => new Date(),
    timeoutMs,
  };
}

interface Walked {
  browser: Browser;
  values: KeyCredentials;
}

/** Sign in, open Apps > API Settings, tick Enable AutoAuth, Update, and read the key. */
async function connectThroughPages(): Promise<Walked> {
  const browser = new Browser();
  expect(await browser.open(`${server.url}/app/`)).toBe(200);
  expect(browser.url).toContain('/app/login');
  const hint = browser.text('sandbox-hint') ?? '';
  const [, username, password, memorableWord] = /username (\S+), password (\S+), memorable word (\S+?)\./.exec(hint) ?? [];
  expect(username).toBe('demo');
  await browser.submit('login-form', { username: username!, password: password! });
  expect(browser.element('signed-in-user')?.['data-username']).toBe('demo');

  await browser.click('nav-apps');
  expect(browser.text('page-title')).toBe('Apps');
  await browser.click('api-settings-button');
  expect(browser.text('page-title')).toBe('API Settings');
  expect(browser.element('restrict-ip')).toHaveProperty('checked');
  expect(browser.element('autoauth-enabled')).not.toHaveProperty('checked');
  expect(browser.element('autoauth-key')?.value).toBe('');

  expect(await browser.submit('api-settings-form', { AutoAuthEnabled: true })).toBe(200);
  expect(browser.text('settings-notice')).toContain('updated');
  expect(browser.element('autoauth-enabled')).toHaveProperty('checked');
  const key = browser.element('autoauth-key')?.value ?? '';
  expect(key).toMatch(/^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$/);
  return {
    browser,
    values: { username: browser.element('signed-in-user')!['data-username']!, password: password!, memorableWord: memorableWord!, autoAuthKey: key },
  };
}

function sessionFor(values: KeyCredentials): ProviderSession {
  const creds = { kind: 'api_key' as const, values };
  return { organisationId: '', credentials: async () => creds, renew: async () => creds };
}

async function control(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/_control${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return res.json();
}

const supplierCode = () => sandbox.state.accounts[0]!.suppliers.find((s) => !s.IsArchived && s.Currency.Code === 'GBP')!.Code;
const customerCode = () => sandbox.state.accounts[0]!.customers.find((s) => !s.IsArchived)!.Code;

function bill(overrides: Partial<PublishDocument> = {}): PublishDocument {
  const key = overrides.idempotencyKey ?? `item-${Math.random().toString(36).slice(2)}`;
  return {
    itemId: key,
    idempotencyKey: key,
    itemType: 'cost',
    destination: 'purchase',
    contact: { externalId: `supplier:${supplierCode()}`, code: supplierCode(), name: 'Supplier' },
    date: '2026-11-12',
    dueDate: '2026-12-12',
    reference: `INV-${key.slice(-6)}`,
    currency: 'GBP',
    taxMode: 'exclusive',
    lines: [
      { description: 'Printer paper', quantity: '3', unitAmount: '10.00', lineAmount: '30.00', taxAmount: '6.00', category: { externalId: '7504', code: '7504' }, tax: { externalId: '1', rate: '20.00' } },
      { description: 'Postage', quantity: '1', unitAmount: '4.50', lineAmount: '4.50', category: { externalId: '7501', code: '7501' }, tax: { externalId: '3', rate: '0.00' } },
    ],
    total: '40.50',
    totalTax: '6.00',
    ...overrides,
  };
}

describe('KashFlow: connecting through API Settings', () => {
  let walked: Walked;
  const adapter = () => createKashflowAdapter(context());

  beforeAll(async () => {
    walked = await connectThroughPages();
  });

  /** Back to API Settings the way a user gets there: the Apps tab, then the button. */
  const openApiSettings = async () => {
    await walked.browser.click('nav-apps');
    await walked.browser.click('api-settings-button');
  };

  it('without the AutoAuth key the server is refused: the IP list is empty', async () => {
    const { autoAuthKey: _, ...noKey } = walked.values;
    const error = await failure(adapter().verifyCredentials!(noKey));
    expect(error.kind).toBe('credentials');
    expect(error.message).toMatch(/IP address/);
    expect(error.message).toMatch(/AutoAuth/);
  });

  it('with the key copied from the page, verify lists the IP and returns the one company', async () => {
    const result = await adapter().verifyCredentials!(walked.values);
    expect(result.organisations).toEqual([{ id: String(sandbox.state.accounts[0]!.companyId), name: 'Demo Trading Ltd', detail: 'GBP' }]);
    expect(result.values).toEqual(walked.values);
    // The user sees it on the IP list page, labelled with our app name.
    await openApiSettings();
    await walked.browser.click('ip-addresses-link');
    expect(walked.browser.html).toMatch(/<td class="ip">127\.0\.0\.1<\/td><td class="comment">Bookbridge<\/td>/);
    await walked.browser.click('back-to-api-settings');
    expect(walked.browser.text('page-title')).toBe('API Settings');
  });

  it('says which part is wrong: the key, the password, the memorable word, or the API switch', async () => {
    const wrongKey = await failure(adapter().verifyCredentials!({ ...walked.values, autoAuthKey: '0BADC0DE-0000-4000-8000-000000000000' }));
    const wrongPassword = await failure(adapter().verifyCredentials!({ ...walked.values, password: 'not-it' }));
    const wrongWord = await failure(adapter().verifyCredentials!({ ...walked.values, memorableWord: 'zzzzzzzzz' }));
    const notAKey = await failure(adapter().verifyCredentials!({ ...walked.values, autoAuthKey: 'hello' }));
    // The user switches the API off on the page and clicks Update.
    await openApiSettings();
    await walked.browser.submit('api-settings-form', { APIEnabled: false });
    const apiOff = await failure(adapter().verifyCredentials!(walked.values));
    await walked.browser.submit('api-settings-form', { APIEnabled: true });

    for (const e of [wrongKey, wrongPassword, wrongWord, notAKey, apiOff]) expect(e.kind).toBe('credentials');
    expect(wrongKey.message).toMatch(/AutoAuth key is wrong/);
    expect(wrongPassword.message).toMatch(/username or password/);
    expect(wrongWord.message).toMatch(/memorable word is wrong/);
    expect(notAKey.message).toMatch(/not an AutoAuth key/);
    expect(apiOff.message).toMatch(/API access is switched off/);
    expect(new Set([wrongKey, wrongPassword, wrongWord, apiOff].map((e) => e.message)).size).toBe(4);
    for (const e of [wrongKey, wrongPassword, wrongWord, apiOff]) {
      expect(e.message).not.toContain(walked.values.password!);
      expect(e.message).not.toContain(walked.values.autoAuthKey!);
    }
    // And the right values still work (two failures do not lock the account).
    expect((await adapter().verifyCredentials!(walked.values)).organisations).toHaveLength(1);
  });

  it('AutoAuth left unticked is named as the problem', async () => {
    await openApiSettings();
    await walked.browser.submit('api-settings-form', { AutoAuthEnabled: false });
    const error = await failure(adapter().verifyCredentials!(walked.values));
    await walked.browser.submit('api-settings-form', { AutoAuthEnabled: true });
    expect(error.kind).toBe('credentials');
    expect(error.message).toMatch(/^AutoAuth is not enabled in KashFlow: tick Enable AutoAuth/);
  });
});

describe('KashFlow: lists and publishing', () => {
  let values: KeyCredentials;
  let session: ProviderSession;
  let adapter: ReturnType<typeof createKashflowAdapter>;

  beforeAll(async () => {
    await control('/reset', {});
    adapter = createKashflowAdapter(context());
    ({ values } = await connectThroughPages());
    await adapter.verifyCredentials!(values);
    session = sessionFor(values);
  });

  it('imports all six lists in full, with archived entries marked', async () => {
    const byKind = Object.fromEntries(
      await Promise.all(catalogue.kashflow.lists.map(async (kind) => [kind, await collect(adapter.importList(session, kind, {}))] as const)),
    );
    const entries = (kind: string) => (byKind[kind] as ListPage[]).flatMap((p) => p.entries);

    const categories = entries('categories');
    expect(categories.find((e) => e.code === '4000')).toMatchObject({ name: 'Sales', status: 'active', taxRate: '20.00' });
    expect(categories.find((e) => e.code === '7500')?.name).toBe('Office Costs');
    expect(categories.find((e) => e.code === '5009')?.status).toBe('archived');

    const contacts = entries('contacts');
    expect(byKind.contacts).toHaveLength(3); // 100 + 37 suppliers, then 64 customers
    expect(contacts.filter((e) => e.type === 'supplier')).toHaveLength(137);
    expect(contacts.filter((e) => e.type === 'customer')).toHaveLength(64);
    expect(new Set(contacts.map((e) => e.externalId)).size).toBe(201);
    expect(contacts.some((e) => e.status === 'archived')).toBe(true);

    expect(entries('tax_rates').map((e) => e.taxRate)).toEqual(['20.00', '5.00', '0.00', '17.50']);
    expect(entries('products')).toHaveLength(36);
    expect(entries('projects').filter((e) => e.status === 'archived').map((e) => e.name)).toEqual(['Old shop closure']);
    expect(entries('bank_accounts').find((e) => e.code === '1200')).toMatchObject({ name: 'Current Account', status: 'active' });
    expect(entries('bank_accounts').find((e) => e.code === '1220')?.status).toBe('archived');
  });

  it('resumes a list from its checkpoint', async () => {
    const iterator = adapter.importList(session, 'contacts', {})[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ListPage;
    await iterator.return?.(undefined);
    expect(first.entries).toHaveLength(100);
    expect(first.checkpoint).not.toBeNull();
    const rest = await collect(adapter.importList(session, 'contacts', { checkpoint: first.checkpoint }));
    expect(rest.flatMap((p) => p.entries)).toHaveLength(101);
    expect(rest.at(-1)?.checkpoint).toBeNull();
  });

  it('re-reads lists in full and sees changes made in KashFlow', async () => {
    await control('/mutate', { list: 'nominals', action: 'archive', key: 7700 });
    await control('/mutate', { list: 'suppliers', action: 'add', data: { Code: 'ZZNEW1', Name: 'Brand New Supplies Ltd' } });
    const categories = (await collect(adapter.importList(session, 'categories', {}))).flatMap((p) => p.entries);
    expect(categories.find((e) => e.code === '7700')?.status).toBe('archived');
    const contacts = (await collect(adapter.importList(session, 'contacts', {}))).flatMap((p) => p.entries);
    expect(contacts.find((e) => e.code === 'ZZNEW1')?.name).toBe('Brand New Supplies Ltd');
    await control('/mutate', { list: 'nominals', action: 'unarchive', key: 7700 });
  });

  it('publishes a purchase with its VAT lines, and attaches the file', async () => {
    const doc = bill();
    const [outcome] = await adapter.publish(session, [doc]);
    expect(outcome?.ok).toBe(true);
    if (!outcome?.ok) return;
    const { purchases } = await control('/documents');
    const stored = purchases.find((p: any) => String(p.Number) === outcome.result.documentId);
    expect(stored).toMatchObject({ SupplierCode: supplierCode(), SupplierReference: doc.reference, NetAmount: 34.5, VATAmount: 6, GrossAmount: 40.5 });
    expect(stored.LineItems[0]).toMatchObject({ Quantity: 3, Rate: 10, VATLevel: 20, VATAmount: 6, NominalCode: 7504 });
    expect(outcome.result.url).toBe(`${server.url}/app/purchases/${outcome.result.documentId}`);

    await adapter.uploadAttachment!(session, outcome.result, doc, { fileName: 'bill.pdf', contentType: 'application/pdf', data: new TextEncoder().encode('%PDF-1.4 test') });
    const { files } = await control('/documents');
    expect(files).toMatchObject([{ ObjectType: 'purchases', ObjectNumber: outcome.result.documentId, FileName: 'bill.pdf' }]);
  });

  it('publishes a paid expense, a sales invoice and both credits as negative documents', async () => {
    const expense = bill({
      destination: 'expense',
      lines: [{ description: 'Fuel', quantity: '1', unitAmount: '60.00', lineAmount: '60.00', taxAmount: '10.00', category: { externalId: '7300', code: '7300' }, tax: { externalId: '1', rate: '20.00' } }],
      taxMode: 'inclusive',
      total: '60.00',
      totalTax: '10.00',
      paid: { date: '2026-11-12', amount: '60.00', bankAccount: { externalId: '1', code: '1200' } },
    });
    const invoice = bill({
      itemType: 'sales',
      destination: 'invoice',
      number: '9001',
      contact: { externalId: `customer:${customerCode()}`, code: customerCode(), name: 'Customer' },
      lines: [{ description: 'Consultancy', quantity: '2', unitAmount: '150.00', lineAmount: '300.00', taxAmount: '60.00', category: { externalId: '4001', code: '4001' }, tax: { externalId: '1', rate: '20.00' } }],
      total: '360.00',
      totalTax: '60.00',
    });
    const purchaseCredit = bill({ itemType: 'purchase_credit_note', destination: 'purchase_credit' });
    const salesCredit = bill({ ...invoice, idempotencyKey: 'credit-1', itemId: 'credit-1', itemType: 'sales_credit_note', destination: 'invoice_credit', number: undefined, reference: 'CN-1' });
    const outcomes = await adapter.publish(session, [expense, invoice, purchaseCredit, salesCredit]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
    const docs = await control('/documents');
    expect(docs.expenses.at(-1)).toMatchObject({ Amount: 60, VATAmount: 10, VATLevel: 20, BankAccountId: 1, PaymentMethod: 3, NominalCode: 7300 });
    expect(docs.invoices.find((i: any) => i.Number === 9001)).toMatchObject({ GrossAmount: 360, IsCredit: false });
    expect(docs.purchases.find((p: any) => p.SupplierReference === purchaseCredit.reference)).toMatchObject({ GrossAmount: -40.5, IsCredit: true });
    expect(docs.invoices.find((i: any) => i.CustomerReference === 'CN-1')).toMatchObject({ GrossAmount: -360, IsCredit: true });
  });

  it('a retry after a timed-out publish finds the document instead of creating a second one', async () => {
    const impatient = createKashflowAdapter(context(400));
    const doc = bill();
    const before = (await control('/documents')).counts.purchases;
    await control('/faults', { kind: 'timeout', method: 'POST', path: '/v2/purchases', afterCommit: true, delayMs: 1500, count: 1 });
    const [outcome] = await impatient.publish(session, [doc]);
    expect(outcome?.ok).toBe(false);
    if (outcome?.ok === false) expect(outcome.error.kind).toBe('transient');

    // The outbox's retry: look up first, publish only if nothing is there.
    const found = await impatient.findPublished!(session, doc);
    expect(found).not.toBeNull();
    const { purchases, counts } = await control('/documents');
    expect(counts.purchases).toBe(before + 1);
    expect(purchases.filter((p: any) => p.SupplierReference === doc.reference)).toHaveLength(1);
    expect(String(purchases.find((p: any) => p.SupplierReference === doc.reference).Number)).toBe(found!.documentId);

    // A document that was never sent is not "found", even from the same supplier on the same day.
    expect(await impatient.findPublished!(session, bill())).toBeNull();
    expect(await impatient.findPublished!(session, { ...doc, total: '41.50', lines: [{ ...doc.lines[0]!, lineAmount: '31.00', unitAmount: '10.3333' }, doc.lines[1]!] })).toBeNull();
  });

  it('finds a published invoice by its Number', async () => {
    const found = await adapter.findPublished!(session, bill({ itemType: 'sales', destination: 'invoice', number: '9001', contact: { externalId: `customer:${customerCode()}`, code: customerCode(), name: 'C' } }));
    expect(found?.documentId).toBe('9001');
  });
});

describe('KashFlow: each failure classified', () => {
  let values: KeyCredentials;
  let session: ProviderSession;
  let adapter: ReturnType<typeof createKashflowAdapter>;

  beforeAll(async () => {
    await control('/reset', {});
    ({ values } = await connectThroughPages());
    adapter = createKashflowAdapter(context(500));
    await adapter.verifyCredentials!(values);
    session = sessionFor(values);
  });

  const publishError = async (doc: PublishDocument) => {
    const [outcome] = await adapter.publish(session, [doc]);
    if (outcome?.ok !== false) throw new Error('expected a failed publish');
    return outcome.error;
  };

  it('archived or unknown nominal → stale_reference on categories; unknown supplier → contacts', async () => {
    const archived = await publishError(bill({ lines: [{ ...bill().lines[0]!, category: { externalId: '5009', code: '5009' } }] }));
    expect(archived).toMatchObject({ kind: 'stale_reference', list: 'categories', status: 400 });
    expect(archived.message).toMatch(/archived/);
    const unknown = await publishError(bill({ lines: [{ ...bill().lines[0]!, category: { externalId: '7777', code: '7777' } }] }));
    expect(unknown).toMatchObject({ kind: 'stale_reference', list: 'categories' });
    const supplier = await publishError(bill({ contact: { externalId: 'supplier:GONE01', code: 'GONE01', name: 'Gone Ltd' } }));
    expect(supplier).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
  });

  it('other 400s → validation, with the field KashFlow names', async () => {
    const vat = await publishError(bill({ lines: [{ ...bill().lines[0]!, taxAmount: '1.00' }] }));
    expect(vat.kind).toBe('validation');
    expect(vat.fields[0]?.field).toBe('LineItems[0].VATAmount');
    const invoice = (n: string) => bill({ itemType: 'sales', destination: 'invoice', number: n, contact: { externalId: `customer:${customerCode()}`, code: customerCode(), name: 'C' }, lines: [{ ...bill().lines[0]!, category: { externalId: '4000', code: '4000' } }], total: '36.00' });
    expect((await adapter.publish(session, [invoice('777')]))[0]?.ok).toBe(true);
    const duplicate = await publishError({ ...invoice('777'), idempotencyKey: 'another' });
    expect(duplicate.kind).toBe('validation');
    expect(duplicate.fields[0]?.field).toBe('Number');
  });

  it('429 → rate_limited with Retry-After; 5xx and timeouts → transient', async () => {
    await control('/faults', { kind: 'rate_limit', path: '/v2/purchases', method: 'POST', count: 1, retryAfterSeconds: 12 });
    expect(await publishError(bill())).toMatchObject({ kind: 'rate_limited', retryAfterMs: 12_000 });
    await control('/faults', { kind: 'server_error', path: '/v2/purchases', method: 'POST', count: 1, status: 503 });
    expect(await publishError(bill())).toMatchObject({ kind: 'transient', status: 503 });
    await control('/faults', { kind: 'timeout', path: '/v2/nominals', count: 1, delayMs: 1500 });
    const timedOut = await failure(collect(adapter.importList(session, 'categories', {})));
    expect(timedOut.kind).toBe('transient');
    expect(timedOut.message).toMatch(/in time/);
  });

  it('an ended session is replaced quietly; a moved IP is listed again with the saved key', async () => {
    const before = await control('/stats');
    await control('/expire-sessions', {});
    await control('/settings', { allowedIps: [] });
    const pages = await collect(adapter.importList(session, 'tax_rates', {}));
    expect(pages[0]?.entries).toHaveLength(4);
    const after = await control('/stats');
    expect(after.sessionsCreated).toBe(before.sessionsCreated + 1);
    expect(after.autoAuthRegistrations).toBe(before.autoAuthRegistrations + 1);
  });

  it('401 that a new session or the key cannot fix → expired (reconnect)', async () => {
    await control('/settings', { password: 'changed-by-the-user' });
    await control('/expire-sessions', {});
    const passwordChanged = await failure(collect(adapter.importList(session, 'tax_rates', {})));
    expect(passwordChanged.kind).toBe('expired');
    expect(passwordChanged.message).toMatch(/reconnect/);
    await control('/settings', { password: values.password });

    // Someone generated a new key and emptied the list: the saved key cannot get back in.
    await adapter.verifyCredentials!(values);
    await control('/settings', { allowedIps: [], AutoAuthKey: 'AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA' });
    const keyReplaced = await failure(collect(adapter.importList(session, 'tax_rates', {})));
    expect(keyReplaced.kind).toBe('expired');
    expect(keyReplaced.message).toMatch(/AutoAuth key/);
  });

  it('API switched off or account locked after connecting → forbidden', async () => {
    await control('/settings', { allowedIps: [{ ip: '127.0.0.1', comment: 'test' }], APIEnabled: false });
    const off = await failure(collect(adapter.importList(session, 'tax_rates', {})));
    expect(off.kind).toBe('forbidden');
    await control('/settings', { APIEnabled: true });
    await control('/lock', { locked: true });
    const locked = await failure(collect(adapter.importList(session, 'bank_accounts', {})));
    expect(locked.kind).toBe('forbidden');
    expect(locked.message).toMatch(/locked/);
    await control('/lock', { locked: false });
  });
});
