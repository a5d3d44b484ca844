import { describe, expect, it } from 'vitest';
import { messages } from './documents.js';
import { createXeroSandbox, generateOrganisation } from './index.js';
import type { XeroSandboxOptions } from './state.js';
import { connectSandbox, type Fetcher } from './testing.js';

const client = { id: 'CLIENT1', secret: 'secret-one' };
const base = 'http://sandbox';
type Json = Record<string, any>;

async function setup(options: Partial<XeroSandboxOptions> = {}) {
  let now = Date.UTC(2026, 2, 2, 10, 0, 0);
  const sandbox = createXeroSandbox({ clients: [client], seed: 11, now: () => new Date(now), ...options });
  const fetcher: Fetcher = async (url, init) => sandbox.app.request(url, init);
  const tokens = await connectSandbox(fetcher, base, client);
  const tenantId = [...sandbox.state.organisations.keys()][0] as string;
  const org = sandbox.state.organisations.get(tenantId)!;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetcher(`${base}/api/api.xro/2.0${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'xero-tenant-id': tenantId,
        accept: 'application/json',
        ...(body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body),
    });
    const text = await response.text();
    let json: Json = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { text };
    }
    return { status: response.status, headers: response.headers, json };
  };
  const control = (path: string, body?: unknown) =>
    fetcher(`${base}/_control${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json() as Promise<Json>);
  const supplier = org.data.contacts.find((c) => c.IsSupplier && c.ContactStatus === 'ACTIVE')!;
  const customer = org.data.contacts.find((c) => c.IsCustomer && !c.IsSupplier && c.ContactStatus === 'ACTIVE')!;
  const archivedContact = org.data.contacts.find((c) => c.ContactStatus === 'ARCHIVED')!;
  return {
    sandbox,
    call,
    control,
    tenantId,
    org,
    supplier,
    customer,
    archivedContact,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function bill(contactId: string, lines: Json[] = [{ Description: 'Paper', Quantity: 2, UnitAmount: 10, AccountCode: '453', TaxType: 'INPUT2' }], extra: Json = {}) {
  return { Type: 'ACCPAY', Contact: { ContactID: contactId }, Date: '2026-03-01', DueDate: '2026-03-31', Status: 'AUTHORISED', LineItems: lines, ...extra };
}

function errorsOf(json: Json): string[] {
  return (json.Elements ?? []).flatMap((e: Json) => (e.ValidationErrors ?? []).map((v: Json) => v.Message));
}

describe('Xero sandbox lists', () => {
  it('serves the UK chart with bank accounts filtered by where, and an archived account', async () => {
    const { call } = await setup();
    const all = await call('GET', '/Accounts');
    expect(all.status).toBe(200);
    expect(all.json.Status).toBe('OK');
    const codes = all.json.Accounts.map((a: Json) => a.Code);
    for (const code of ['090', '200', '260', '310', '400', '404', '408', '429', '453', '461', '489']) expect(codes).toContain(code);
    expect(all.json.Accounts.find((a: Json) => a.Code === '479').Status).toBe('ARCHIVED');
    expect(all.json.Accounts[0].UpdatedDateUTC).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    const banks = await call('GET', `/Accounts?where=${encodeURIComponent('Type=="BANK"')}`);
    expect(banks.json.Accounts.map((a: Json) => a.Name)).toEqual(['Business Bank Account', 'Business Savings Account']);
    const bad = await call('GET', `/Accounts?where=${encodeURIComponent('Type=="BANK')}`);
    expect(bad.status).toBe(400);
  });

  it('pages contacts (default 100, at most 1000) with pagination, hiding archived unless asked', async () => {
    const { call } = await setup({ organisations: [generateOrganisation({ seed: 3, contacts: 2_345 })] });
    const first = await call('GET', '/Contacts?page=1');
    expect(first.json.Contacts).toHaveLength(100);
    expect(first.json.pagination).toEqual({ page: 1, pageSize: 100, pageCount: 24, itemCount: 2_344 });
    const big = await call('GET', '/Contacts?page=3&pageSize=5000&includeArchived=true');
    expect(big.json.pagination).toEqual({ page: 3, pageSize: 1000, pageCount: 3, itemCount: 2_345 });
    expect(big.json.Contacts).toHaveLength(345);
    expect(big.json.Contacts.some((c: Json) => c.ContactStatus === 'ARCHIVED')).toBe(false);
    const withArchived = await call('GET', '/Contacts?page=1&pageSize=1000&includeArchived=true');
    expect(withArchived.json.Contacts.filter((c: Json) => c.ContactStatus === 'ARCHIVED')).toHaveLength(1);
  });

  it('honours If-Modified-Since on Contacts, Accounts and Items after upstream changes', async () => {
    const { call, control, tenantId, advance, supplier } = await setup();
    advance(60_000);
    const since = new Date(Date.UTC(2026, 2, 2, 10, 0, 30)).toUTCString();
    expect((await call('GET', '/Contacts', undefined, { 'If-Modified-Since': since })).json.Contacts).toHaveLength(0);
    await control('/mutate', { tenantId, list: 'contacts', action: 'rename', target: supplier.ContactID, name: 'Renamed Supplier Ltd' });
    await control('/mutate', { tenantId, list: 'accounts', action: 'archive', target: '453' });
    await control('/mutate', { tenantId, list: 'items', action: 'add', entry: { Code: 'NEW-1', Name: 'New thing' } });
    const contacts = await call('GET', '/Contacts', undefined, { 'If-Modified-Since': since });
    expect(contacts.json.Contacts.map((c: Json) => c.Name)).toEqual(['Renamed Supplier Ltd']);
    const accounts = await call('GET', '/Accounts', undefined, { 'If-Modified-Since': since });
    expect(accounts.json.Accounts.map((a: Json) => [a.Code, a.Status])).toEqual([['453', 'ARCHIVED']]);
    const items = await call('GET', '/Items', undefined, { 'If-Modified-Since': '2026-03-02T10:00:30Z' });
    expect(items.json.Items.map((i: Json) => i.Code)).toEqual(['NEW-1']);
  });

  it('serves UK VAT tax rates and tracking categories with options', async () => {
    const { call } = await setup();
    const rates = (await call('GET', '/TaxRates')).json.TaxRates as Json[];
    const byType = Object.fromEntries(rates.map((r) => [r.TaxType, r]));
    expect(byType.INPUT2).toMatchObject({ Name: '20% (VAT on Expenses)', EffectiveRate: 20, Status: 'ACTIVE' });
    expect(byType.RRINPUT.EffectiveRate).toBe(5);
    for (const t of ['OUTPUT2', 'ZERORATEDINPUT', 'EXEMPTINPUT', 'NONE']) expect(byType[t]).toBeDefined();
    const tracking = (await call('GET', '/TrackingCategories')).json.TrackingCategories as Json[];
    expect(tracking.map((t) => t.Name)).toEqual(['Region', 'Project']);
    expect(tracking[0]!.Options.map((o: Json) => o.Name)).toEqual(['North', 'South', 'Scotland']);
    const withArchived = (await call('GET', '/TrackingCategories?includeArchived=true')).json.TrackingCategories as Json[];
    expect(withArchived[0]!.Options.map((o: Json) => o.Name)).toContain('Wales');
  });

  it('generates 100,000 contacts quickly with the same ids for the same seed', () => {
    const started = performance.now();
    const big = generateOrganisation({ seed: 5, contacts: 100_000, accounts: 5_000 });
    const elapsed = performance.now() - started;
    expect(big.contacts).toHaveLength(100_000);
    expect(big.accounts).toHaveLength(5_000);
    expect(elapsed).toBeLessThan(5_000);
    const again = generateOrganisation({ seed: 5, contacts: 10 });
    expect(again.contacts[9]!.ContactID).toBe(big.contacts[9]!.ContactID);
    expect(again.tenantId).toBe(big.tenantId);
  });
});

describe('Xero sandbox documents', () => {
  it('creates a bill with Xero totals, marks the contact a supplier, and a payment makes it PAID', async () => {
    const { call, supplier } = await setup();
    const created = await call('PUT', '/Invoices', {
      Invoices: [bill(supplier.ContactID, [
        { Description: 'Paper', Quantity: 3, UnitAmount: 12.5, AccountCode: '453', TaxType: 'INPUT2' },
        { Description: 'Gas', Quantity: 1, UnitAmount: 100, AccountCode: '445' },
      ])],
    });
    expect(created.status).toBe(200);
    const invoice = created.json.Invoices[0];
    expect(invoice).toMatchObject({ Type: 'ACCPAY', Status: 'AUTHORISED', SubTotal: 137.5, TotalTax: 12.5, Total: 150, AmountDue: 150 });
    expect(invoice.LineItems[1]).toMatchObject({ TaxType: 'RRINPUT', TaxAmount: 5 });
    expect(invoice.InvoiceID).toMatch(/^[0-9a-f-]{36}$/);
    const payment = await call('PUT', '/Payments', {
      Payments: [{ Invoice: { InvoiceID: invoice.InvoiceID }, Account: { Code: '090' }, Date: '2026-03-02', Amount: 150 }],
    });
    expect(payment.status).toBe(200);
    expect(payment.json.Payments[0]).toMatchObject({ PaymentType: 'ACCPAYPAYMENT', Amount: 150, Status: 'AUTHORISED' });
    const after = await call('GET', `/Invoices/${invoice.InvoiceID}`);
    expect(after.json.Invoices[0]).toMatchObject({ Status: 'PAID', AmountDue: 0, AmountPaid: 150 });
    const over = await call('PUT', '/Payments', { Payments: [{ Invoice: { InvoiceID: invoice.InvoiceID }, Account: { Code: '090' }, Amount: 1 }] });
    expect(over.status).toBe(400);
  });

  it('computes inclusive tax per line, rounded to 2dp', async () => {
    const { call, supplier } = await setup();
    const created = await call('PUT', '/Invoices', {
      Invoices: [bill(supplier.ContactID, [{ Description: 'Taxi', Quantity: 1, UnitAmount: 10, AccountCode: '493', TaxType: 'INPUT2' }], { LineAmountTypes: 'Inclusive' })],
    });
    expect(created.json.Invoices[0]).toMatchObject({ Total: 10, TotalTax: 1.67, SubTotal: 8.33 });
  });

  it.each([
    ['unknown account code', { AccountCode: '999' }, messages.accountInvalid('999')],
    ['archived account', { AccountCode: '479' }, messages.accountArchived('479')],
    ['bank account on a line', { AccountCode: '090' }, messages.accountInvalid('090')],
    ['sales tax on an expense account', { TaxType: 'OUTPUT2' }, messages.taxForAccount('OUTPUT2', '453')],
    ['deleted tax rate', { TaxType: 'TAX001' }, messages.taxDeleted('TAX001')],
    ['unknown tax type', { TaxType: 'GST15' }, messages.taxUnknown('GST15')],
    ['line amount that is not quantity × unit', { LineAmount: 25 }, messages.lineAmount('25.00', '20.00')],
    ['archived tracking option', { Tracking: [{ Name: 'Region', Option: 'Wales' }] }, messages.trackingOption('Wales', 'Region')],
  ])('refuses a %s with a ValidationException', async (_label, change, message) => {
    const { call, supplier } = await setup();
    const line = { Description: 'Paper', Quantity: 2, UnitAmount: 10, AccountCode: '453', TaxType: 'INPUT2', ...change };
    const response = await call('PUT', '/Invoices', { Invoices: [bill(supplier.ContactID, [line])] });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred' });
    expect(errorsOf(response.json)).toContain(message);
    expect(response.json.Elements[0].InvoiceID).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('refuses archived and unknown contacts, a wrong total, and an ACCREC number used twice', async () => {
    const { call, archivedContact, customer } = await setup();
    const archived = await call('PUT', '/Invoices', { Invoices: [bill(archivedContact.ContactID)] });
    expect(errorsOf(archived.json)).toEqual([messages.contactArchived]);
    const unknown = await call('PUT', '/Invoices', { Invoices: [bill('11111111-1111-4111-8111-111111111111')] });
    expect(errorsOf(unknown.json)).toEqual([messages.contactNotFound('11111111-1111-4111-8111-111111111111')]);
    const wrongTotal = await call('PUT', '/Invoices', { Invoices: [bill(customer.ContactID, undefined, { Total: 99 })] });
    expect(errorsOf(wrongTotal.json)).toEqual([messages.total('total', '99.00', '24.00')]);
    const sale = (n: string) => ({
      Type: 'ACCREC',
      Contact: { ContactID: customer.ContactID },
      InvoiceNumber: n,
      Status: 'AUTHORISED',
      LineItems: [{ Description: 'Consulting', Quantity: 1, UnitAmount: 100, AccountCode: '200' }],
    });
    expect((await call('PUT', '/Invoices', { Invoices: [sale('INV-9001')] })).status).toBe(200);
    const duplicate = await call('PUT', '/Invoices', { Invoices: [sale('INV-9001')] });
    expect(errorsOf(duplicate.json)).toEqual([messages.invoiceNumberUnique]);
    // ACCPAY numbers are the supplier's and may repeat.
    const billNumber = (await call('PUT', '/Invoices', { Invoices: [bill(customer.ContactID, undefined, { InvoiceNumber: 'INV-9001' })] })).status;
    expect(billNumber).toBe(200);
  });

  it('with summarizeErrors=false saves the good elements and reports each one', async () => {
    const { call, supplier, control, tenantId } = await setup();
    const response = await call('PUT', '/Invoices?summarizeErrors=false', {
      Invoices: [bill(supplier.ContactID), bill(supplier.ContactID, [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '999' }]), bill(supplier.ContactID)],
    });
    expect(response.status).toBe(200);
    expect(response.json.Invoices.map((i: Json) => i.StatusAttributeString)).toEqual(['OK', 'ERROR', 'OK']);
    expect(response.json.Invoices[1].ValidationErrors).toEqual([{ Message: messages.accountInvalid('999') }]);
    const docs = await control(`/documents?tenantId=${tenantId}`);
    expect(docs.organisations[0].invoices).toHaveLength(2);
    // Default summarizeErrors=true: nothing saved when one fails.
    const all = await call('PUT', '/Invoices', { Invoices: [bill(supplier.ContactID), bill(supplier.ContactID, [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '999' }])] });
    expect(all.status).toBe(400);
    expect((await control(`/documents?tenantId=${tenantId}`)).organisations[0].invoices).toHaveLength(2);
  });

  it('creates spend money against a bank account and refuses an archived bank account', async () => {
    const { call, supplier, control, tenantId } = await setup();
    const spend = await call('PUT', '/BankTransactions', {
      BankTransactions: [{ Type: 'SPEND', Contact: { ContactID: supplier.ContactID }, BankAccount: { Code: '090' }, Date: '2026-03-01', Reference: 'R1', LineItems: [{ Description: 'Fuel', Quantity: 1, UnitAmount: 60, AccountCode: '449' }] }],
    });
    expect(spend.status).toBe(200);
    expect(spend.json.BankTransactions[0]).toMatchObject({ Type: 'SPEND', Status: 'AUTHORISED', Total: 72, BankAccount: { Code: '090' } });
    await control('/mutate', { tenantId, list: 'accounts', action: 'archive', target: '091' });
    const archived = await call('PUT', '/BankTransactions', {
      BankTransactions: [{ Type: 'SPEND', Contact: { ContactID: supplier.ContactID }, BankAccount: { Code: '091' }, LineItems: [{ Description: 'Fuel', Quantity: 1, UnitAmount: 60, AccountCode: '449' }] }],
    });
    expect(errorsOf(archived.json)).toEqual([messages.bankAccountArchived('091')]);
  });

  it('creates purchase and sales credit notes, numbering sales ones', async () => {
    const { call, supplier, customer } = await setup();
    const response = await call('PUT', '/CreditNotes', {
      CreditNotes: [
        { Type: 'ACCPAYCREDIT', Contact: { ContactID: supplier.ContactID }, Status: 'AUTHORISED', CreditNoteNumber: 'SUP-CN-1', LineItems: [{ Description: 'Refund', Quantity: 1, UnitAmount: 10, AccountCode: '453' }] },
        { Type: 'ACCRECCREDIT', Contact: { ContactID: customer.ContactID }, Status: 'DRAFT', LineItems: [{ Description: 'Refund', Quantity: 1, UnitAmount: 10, AccountCode: '200' }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.json.CreditNotes.map((n: Json) => [n.Type, n.CreditNoteNumber, n.Total])).toEqual([
      ['ACCPAYCREDIT', 'SUP-CN-1', 12],
      ['ACCRECCREDIT', 'CN-0001', 12],
    ]);
  });

  it('moves a draft through the status machine and refuses to delete an approved invoice', async () => {
    const { call, supplier } = await setup();
    const draft = (await call('PUT', '/Invoices', { Invoices: [bill(supplier.ContactID, undefined, { Status: 'DRAFT' })] })).json.Invoices[0];
    const approved = await call('POST', `/Invoices/${draft.InvoiceID}`, { Invoices: [{ Status: 'AUTHORISED' }] });
    expect(approved.json.Invoices[0].Status).toBe('AUTHORISED');
    const deleted = await call('POST', `/Invoices/${draft.InvoiceID}`, { Status: 'DELETED' });
    expect(errorsOf(deleted.json)).toEqual([messages.notModifiable]);
    const voided = await call('POST', `/Invoices/${draft.InvoiceID}`, { Status: 'VOIDED' });
    expect(voided.json.Invoices[0].Status).toBe('VOIDED');
  });
});

describe('Xero sandbox idempotency', () => {
  it('replays the same key and body without a second document, and refuses the key with another body', async () => {
    const { call, supplier, control, tenantId, sandbox } = await setup();
    const body = { Invoices: [bill(supplier.ContactID)] };
    const first = await call('PUT', '/Invoices', body, { 'Idempotency-Key': 'k-1' });
    const second = await call('PUT', '/Invoices', body, { 'Idempotency-Key': 'k-1' });
    expect(second.json.Invoices[0].InvoiceID).toBe(first.json.Invoices[0].InvoiceID);
    expect((await control(`/documents?tenantId=${tenantId}`)).organisations[0].invoices).toHaveLength(1);
    expect(sandbox.state.stats.idempotentReplays).toBe(1);
    const other = await call('PUT', '/Invoices', { Invoices: [bill(supplier.ContactID, undefined, { Reference: 'x', DueDate: '2026-04-30' })] }, { 'Idempotency-Key': 'k-1' });
    expect(other.status).toBe(400);
  });
});

describe('Xero sandbox limits and faults', () => {
  it('allows 60 calls a minute per organisation, then 429 with Retry-After and X-Rate-Limit-Problem', async () => {
    const { call, advance, sandbox } = await setup();
    let last = await call('GET', '/Organisation');
    expect(last.headers.get('x-minlimit-remaining')).toBe('59');
    expect(last.headers.get('x-daylimit-remaining')).toBe('4999');
    for (let i = 0; i < 59; i++) last = await call('GET', '/Organisation');
    expect(last.status).toBe(200);
    const limited = await call('GET', '/Organisation');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-rate-limit-problem')).toBe('minute');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(sandbox.state.stats.sent429).toBe(1);
    advance(60_001);
    expect((await call('GET', '/Organisation')).status).toBe(200);
  });

  it('refuses a sixth concurrent call', async () => {
    const { call, control, tenantId } = await setup();
    await control('/faults', { tenantId, slowMs: 150 });
    const results = await Promise.all(Array.from({ length: 7 }, () => call('GET', '/Organisation')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429).every((r) => r.headers.get('x-rate-limit-problem') === 'concurrent')).toBe(true);
  });

  it('injects 429s, 5xx and expiry on demand, deterministically from the seed', async () => {
    const first = await setup();
    await first.control('/faults', { rate429: { count: 2, retryAfterSeconds: 7 } });
    const a = await first.call('GET', '/Accounts');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
    expect((await first.call('GET', '/Accounts')).status).toBe(429);
    expect((await first.call('GET', '/Accounts')).status).toBe(200);

    const pattern = async () => {
      const s = await setup();
      await s.control('/faults', { error5xxRate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await s.call('GET', '/TaxRates')).status);
      return out;
    };
    const p1 = await pattern();
    expect(p1).toContain(500);
    expect(p1).toContain(200);
    expect(await pattern()).toEqual(p1);

    await first.control('/faults', { expireAccessTokens: true });
    const expired = await first.call('GET', '/Accounts');
    expect(expired.status).toBe(401);
    expect(expired.json.Detail).toMatch(/^TokenExpired/);
  });
});

describe('Xero sandbox attachments', () => {
  it('stores a file on an invoice and refuses one over the size limit', async () => {
    const { call, supplier, control, tenantId } = await setup({ attachmentMaxBytes: 1000 });
    const invoice = (await call('PUT', '/Invoices', { Invoices: [bill(supplier.ContactID)] })).json.Invoices[0];
    const file = new Uint8Array(500).fill(7);
    const stored = await call('PUT', `/Invoices/${invoice.InvoiceID}/Attachments/receipt.pdf`, file, { 'content-type': 'application/pdf' });
    expect(stored.status).toBe(200);
    expect(stored.json.Attachments[0]).toMatchObject({ FileName: 'receipt.pdf', MimeType: 'application/pdf', ContentLength: 500 });
    expect((await call('GET', `/Invoices/${invoice.InvoiceID}`)).json.Invoices[0].HasAttachments).toBe(true);
    const tooBig = await call('PUT', `/Invoices/${invoice.InvoiceID}/Attachments/big.pdf`, new Uint8Array(1001), { 'content-type': 'application/pdf' });
    expect(tooBig.status).toBe(413);
    const docs = await control(`/documents?tenantId=${tenantId}`);
    expect(docs.organisations[0].attachments.map((a: Json) => a.FileName)).toEqual(['receipt.pdf']);
  });
});

describe('Xero sandbox reset and time scale', () => {
  it('reset brings back the seed lists and forgets documents, tokens and faults', async () => {
    const { call, control, tenantId, supplier, sandbox } = await setup();
    await call('PUT', '/Invoices', { Invoices: [bill(supplier.ContactID)] });
    await control('/mutate', { tenantId, list: 'contacts', action: 'archive', target: supplier.ContactID });
    await control('/faults', { error5xxRate: 1 });
    await control('/reset', {});
    const org = sandbox.state.organisations.get(tenantId)!;
    expect(org.invoices.size).toBe(0);
    expect(org.contactsById.get(supplier.ContactID)!.ContactStatus).toBe('ACTIVE');
    expect(sandbox.state.accessTokens.size).toBe(0);
    expect(sandbox.state.faults.all).toEqual({});
  });

  it('with timeScale 60 a rate-limit minute lasts a second', async () => {
    const { call, advance } = await setup({ timeScale: 60 });
    for (let i = 0; i < 60; i++) await call('GET', '/Organisation');
    const limited = await call('GET', '/Organisation');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(1);
    advance(1_001);
    expect((await call('GET', '/Organisation')).status).toBe(200);
  });
});
