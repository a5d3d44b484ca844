/**
 * The real Xero adapter against the Xero sandbox over HTTP: connect through the sign-in, consent
 * and organisation pages, import every list, publish, replay, and meet each error class. Every
 * accounting response (and request body) that crosses the wire is then checked against Xero's
 * official OpenAPI documents.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { catalogue, type ListKind } from '../shared/catalogue.js';
import { ProviderError } from '../server/providers/errors.js';
import type { Credentials, ListPage, ProviderContext, ProviderSession, PublishDocument, PublishOutcome } from '../server/providers/types.js';
import { createXeroAdapter } from '../server/providers/xero/index.js';
import { createXeroSandbox, generateOrganisation } from '../server/sandbox/xero/index.js';
import { authorizeWithForms } from '../server/sandbox/xero/testing.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';

type Json = Record<string, any>;

interface Exchange {
  method: string;
  url: URL;
  status: number;
  requestBody?: unknown;
  responseBody?: unknown;
}

const client = { id: 'BOOKBRIDGE-CONTRACT', secret: 'contract-secret-value' };
const redirectUri = 'http://127.0.0.1:9/callback';
let clock = Date.now();
const exchanges: Exchange[] = [];

const sandbox = createXeroSandbox({
  clients: [{ ...client, redirectUris: [redirectUri] }],
  seed: 42,
  now: () => new Date(clock),
  organisations: [
    generateOrganisation({ seed: 42, name: 'Demo Company (UK)', contacts: 2_500 }),
    generateOrganisation({ seed: 42, name: 'Bookbridge Test Ltd', contacts: 30, bankAccounts: 1 }),
  ],
});
let server: RunningServer;
let ctx: ProviderContext;
let adapter: ReturnType<typeof createXeroAdapter>;
let credentials: Credentials;
let demoId: string;
let testLtdId: string;
let connectedAt: number;

/** Records what crosses the wire (for the OpenAPI check) without consuming the response. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
  if (url.pathname.includes('/api/')) {
    let requestBody: unknown;
    if (typeof init?.body === 'string') {
      try {
        requestBody = JSON.parse(init.body);
      } catch {
        requestBody = undefined;
      }
    }
    const text = await response.clone().text();
    let responseBody: unknown;
    try {
      responseBody = text ? JSON.parse(text) : undefined;
    } catch {
      responseBody = undefined;
    }
    exchanges.push({ method: init?.method ?? 'GET', url, status: response.status, requestBody, responseBody });
  }
  return response;
};

function session(organisationId: string, signal?: AbortSignal): ProviderSession {
  return {
    organisationId,
    signal,
    credentials: async () => credentials,
    renew: async () => {
      if (credentials.kind !== 'oauth2') throw new Error('oauth2 expected');
      credentials = { kind: 'oauth2', tokens: await adapter.refreshTokens!(credentials.tokens) };
      return credentials;
    },
  };
}

async function control(path: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${server.url}/_control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Json;
}

async function importAll(kind: ListKind, organisationId: string, options: { changedSince?: Date; checkpoint?: string } = {}): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  for await (const page of adapter.importList(session(organisationId), kind, options)) pages.push(page);
  return pages;
}

async function documentsOf(tenantId: string): Promise<Json> {
  return (await control(`/documents?tenantId=${tenantId}`)).organisations[0];
}

async function connect(organisations: string[]): Promise<Credentials> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = adapter.authorizationUrl!({ state, codeChallenge: await oauth.calculatePKCECodeChallenge(verifier), redirectUri });
  const back = await authorizeWithForms(fetch, url.toString(), { organisations });
  expect(back.searchParams.get('state')).toBe(state);
  const tokens = await adapter.exchangeCode!({
    code: back.searchParams.get('code') as string,
    codeVerifier: verifier,
    redirectUri,
    params: Object.fromEntries(back.searchParams),
  });
  return { kind: 'oauth2', tokens };
}

function lookup(kind: 'supplier' | 'customer' | 'archived') {
  const org = sandbox.state.organisations.get(demoId)!;
  const c = org.data.contacts.find((x) =>
    kind === 'archived' ? x.ContactStatus === 'ARCHIVED' : x.ContactStatus === 'ACTIVE' && (kind === 'supplier' ? x.IsSupplier : x.IsCustomer && !x.IsSupplier),
  )!;
  return { externalId: c.ContactID, name: c.Name };
}

let sequence = 0;
function document(overrides: Partial<PublishDocument> & { account?: string; taxType?: string } = {}): PublishDocument {
  sequence++;
  const { account = '453', taxType = 'INPUT2', ...rest } = overrides;
  const base: PublishDocument = {
    itemId: `item-${sequence}`,
    idempotencyKey: `idem-${sequence}-${clock}`,
    itemType: 'cost',
    destination: 'bill',
    status: 'AUTHORISED',
    contact: lookup('supplier'),
    date: '2026-03-01',
    dueDate: '2026-03-31',
    number: `SUP-${sequence}`,
    currency: 'GBP',
    taxMode: 'exclusive',
    lines: [
      {
        description: 'Printer paper',
        quantity: '2',
        unitAmount: '12.50',
        lineAmount: '25.00',
        category: { externalId: 'unused', code: account },
        tax: { externalId: taxType, code: taxType, rate: '20.00' },
      },
    ],
    total: '30.00',
    totalTax: '5.00',
  };
  return { ...base, ...rest };
}

/** Region › Wales, archived in the seed data. */
function archivedOption() {
  const region = sandbox.state.organisations.get(demoId)!.data.trackingCategories.find((t) => t.Name === 'Region')!;
  const wales = region.Options.find((o) => o.Name === 'Wales')!;
  return { externalId: `${region.TrackingCategoryID}:${wales.TrackingOptionID}`, code: 'Region', name: 'Wales' };
}

function bankRef() {
  const bank = sandbox.state.organisations.get(demoId)!.data.accounts.find((a) => a.Code === '090')!;
  return { externalId: bank.AccountID, code: bank.Code };
}

async function expectProviderError(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('Expected a ProviderError');
}

beforeAll(async () => {
  server = await listen(sandbox.app);
  ctx = {
    entry: catalogue.xero,
    hosts: { login: `${server.url}/login`, identity: `${server.url}/identity`, api: `${server.url}/api` },
    client,
    fetch: recordingFetch,
    now: () => new Date(clock),
    timeoutMs: 1_500,
  };
  adapter = createXeroAdapter(ctx);
  connectedAt = clock;
  credentials = await connect(['Demo Company (UK)', 'Bookbridge Test Ltd']);
  const orgs = await adapter.listOrganisations(credentials);
  demoId = orgs.find((o) => o.name === 'Demo Company (UK)')!.id;
  testLtdId = orgs.find((o) => o.name === 'Bookbridge Test Ltd')!.id;
});

afterAll(async () => {
  await server?.close();
});

beforeEach(async () => {
  // A fresh rate-limit minute for every test; faults from the previous test cleared.
  clock += 61_000;
  await control('/faults', {});
});

describe('Xero adapter against the Xero sandbox', () => {
  it('connects through sign-in, consent and organisation choice with PKCE, and lists the chosen organisations', async () => {
    expect(credentials.kind).toBe('oauth2');
    if (credentials.kind !== 'oauth2') return;
    expect(credentials.tokens.refreshToken).toBeTruthy();
    expect(credentials.tokens.accessTokenExpiresAt).toBe(connectedAt + 30 * 60_000);
    expect(credentials.tokens.extra?.authenticationEventId).toMatch(/^[0-9a-f-]{36}$/);
    const orgs = await adapter.listOrganisations(credentials);
    expect(orgs.map((o) => o.name)).toEqual(['Demo Company (UK)', 'Bookbridge Test Ltd']);
  });

  it('imports all six lists, paging contacts 1,000 at a time and resuming from a checkpoint', async () => {
    const contacts = await importAll('contacts', demoId);
    expect(contacts.map((p) => [p.entries.length, p.checkpoint, p.total])).toEqual([
      [1000, '2', 2500],
      [1000, '3', 2500],
      [500, null, 2500],
    ]);
    const archived = contacts.flatMap((p) => p.entries).filter((e) => e.status === 'archived');
    expect(archived).toHaveLength(1);
    expect(contacts[0]!.entries[0]).toMatchObject({ type: 'supplier', name: 'Bayside Office Supplies' });
    const resumed = await importAll('contacts', demoId, { checkpoint: '3' });
    expect(resumed.map((p) => p.entries.length)).toEqual([500]);

    const [categories] = await importAll('categories', demoId);
    const codes = categories!.entries.map((e) => e.code);
    expect(codes).toContain('429');
    expect(codes).not.toContain('090'); // bank accounts are their own list
    expect(codes).not.toContain('800'); // system account (creditors)
    expect(categories!.entries.find((e) => e.code === '479')!.status).toBe('archived');

    const [banks] = await importAll('bank_accounts', demoId);
    expect(banks!.entries.map((e) => [e.code, e.name, e.currency])).toEqual([
      ['090', 'Business Bank Account', 'GBP'],
      ['091', 'Business Savings Account', 'GBP'],
    ]);

    const [taxRates] = await importAll('tax_rates', demoId);
    expect(taxRates!.entries.find((e) => e.externalId === 'INPUT2')).toMatchObject({ taxRate: '20.00', name: '20% (VAT on Expenses)', status: 'active' });
    expect(taxRates!.entries.find((e) => e.externalId === 'RRINPUT')!.taxRate).toBe('5.00');
    expect(taxRates!.deleted).toEqual(['TAX001']);

    const [products] = await importAll('products', demoId);
    expect(products!.entries.map((e) => e.code)).toContain('CONS-HR');

    const [projects] = await importAll('projects', demoId);
    const region = projects!.entries.filter((e) => e.code === 'Region');
    expect(region.map((e) => [e.name, e.status])).toEqual([
      ['North', 'active'],
      ['South', 'active'],
      ['Scotland', 'active'],
      ['Wales', 'archived'],
    ]);
  });

  it('refreshes incrementally: only what changed upstream since the last import comes back', async () => {
    const since = new Date(clock);
    clock += 5_000;
    const supplier = lookup('supplier');
    await control('/mutate', { tenantId: demoId, list: 'contacts', action: 'rename', target: supplier.externalId, name: 'Bayside Office Supplies (Leeds)' });
    await control('/mutate', { tenantId: demoId, list: 'contacts', action: 'add', entry: { Name: 'Brand New Supplier Ltd' } });
    await control('/mutate', { tenantId: demoId, list: 'accounts', action: 'archive', target: '461' });
    await control('/mutate', { tenantId: demoId, list: 'items', action: 'add', entry: { Code: 'NEW-ITEM', Name: 'New item' } });
    clock += 5_000;

    const contacts = (await importAll('contacts', demoId, { changedSince: since })).flatMap((p) => p.entries);
    expect(contacts.map((e) => e.name).sort()).toEqual(['Bayside Office Supplies (Leeds)', 'Brand New Supplier Ltd']);
    const categories = (await importAll('categories', demoId, { changedSince: since })).flatMap((p) => p.entries);
    expect(categories.map((e) => [e.code, e.status])).toEqual([['461', 'archived']]);
    const products = (await importAll('products', demoId, { changedSince: since })).flatMap((p) => p.entries);
    expect(products.map((e) => e.code)).toEqual(['NEW-ITEM']);
    // Tax rates are not incremental in Xero: the whole list comes back.
    const taxRates = (await importAll('tax_rates', demoId, { changedSince: since })).flatMap((p) => p.entries);
    expect(taxRates.length).toBeGreaterThan(5);
    await control('/mutate', { tenantId: demoId, list: 'accounts', action: 'unarchive', target: '461' });
  });

  it('publishes a bill and returns its id and a go.xero.com link', async () => {
    const bill = document();
    const outcome = (await adapter.publish(session(demoId), [bill]))[0]!;
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.url).toMatch(/^https:\/\/go\.xero\.com\/organisationlogin\/default\.aspx\?shortcode=.+AccountsPayable/);
    const docs = await documentsOf(demoId);
    const created = docs.invoices.find((i: Json) => i.InvoiceID === outcome.result.documentId);
    expect(created).toMatchObject({ Type: 'ACCPAY', Status: 'AUTHORISED', Total: 30, InvoiceNumber: bill.number });
    const found = await adapter.findPublished!(session(demoId), bill);
    expect(found?.documentId).toBe(outcome.result.documentId);
  });

  it('publishes a mixed batch (bill paid by bank match, sales invoice, spend money, credit notes) and a replay creates nothing new', async () => {
    const batch = [
      document({ paid: { date: '2026-03-05', amount: '30.00', bankAccount: bankRef() } }),
      document({ itemType: 'sales', destination: 'sales_invoice', contact: lookup('customer'), number: `INV-C-${clock}`, account: '200', taxType: 'OUTPUT2' }),
      document({ destination: 'spend_money', reference: 'CARD-1', number: undefined, paid: { date: '2026-03-02', amount: '30.00', bankAccount: bankRef() } }),
      document({ itemType: 'purchase_credit_note', destination: 'purchase_credit_note' }),
      document({ itemType: 'sales_credit_note', destination: 'sales_credit_note', contact: lookup('customer'), number: `CN-C-${clock}`, account: '200', taxType: 'OUTPUT2' }),
    ];
    const before = await documentsOf(demoId);
    const first = await adapter.publish(session(demoId), batch);
    expect(first.map((o) => o.ok)).toEqual([true, true, true, true, true]);
    const results = first.map((o) => (o.ok ? o.result : undefined));
    expect(results[0]!.paymentId).toBeTruthy();
    expect(results[1]!.url).toContain('AccountsReceivable');
    expect(results[2]!.url).toContain('Bank%2FViewTransaction');
    const after = await documentsOf(demoId);
    expect(after.invoices.length - before.invoices.length).toBe(2);
    expect(after.bankTransactions.length - before.bankTransactions.length).toBe(1);
    expect(after.creditNotes.length - before.creditNotes.length).toBe(2);
    expect(after.invoices.find((i: Json) => i.InvoiceID === results[0]!.documentId).Status).toBe('PAID');

    const replays = (await control('/stats')).idempotentReplays;
    const second = await adapter.publish(session(demoId), batch);
    expect(second.map((o) => (o.ok ? o.result.documentId : o.error.message))).toEqual(results.map((r) => r!.documentId));
    const again = await documentsOf(demoId);
    expect([again.invoices.length, again.bankTransactions.length, again.creditNotes.length, again.payments.length]).toEqual([
      after.invoices.length,
      after.bankTransactions.length,
      after.creditNotes.length,
      after.payments.length,
    ]);
    expect((await control('/stats')).idempotentReplays - replays).toBe(4);

    // After an unclear failure the reference lookup finds each kind of document.
    const found = await Promise.all(batch.map((d) => adapter.findPublished!(session(demoId), d)));
    expect(found.map((f) => f?.documentId)).toEqual(results.map((r) => r!.documentId));
    expect(found[0]!.paymentId).toBe(results[0]!.paymentId);
  });

  it('uploads an attachment to a published bill, once even when retried', async () => {
    const bill = document();
    const outcome = (await adapter.publish(session(demoId), [bill]))[0]!;
    if (!outcome.ok) throw outcome.error;
    const file = { fileName: 'receipt: March?.pdf', contentType: 'application/pdf', data: new Uint8Array(2048).fill(1) };
    await adapter.uploadAttachment!(session(demoId), outcome.result, bill, file);
    await adapter.uploadAttachment!(session(demoId), outcome.result, bill, file);
    const attachments = (await documentsOf(demoId)).attachments.filter((a: Json) => a.documentId === outcome.result.documentId);
    expect(attachments.map((a: Json) => [a.FileName, a.ContentLength])).toEqual([['receipt_ March_.pdf', 2048]]);
    const tooBig = await expectProviderError(
      adapter.uploadAttachment!(session(demoId), outcome.result, bill, { ...file, data: new Uint8Array(catalogue.xero.capabilities.attachments!.maxBytes + 1) }),
    );
    expect(tooBig.kind).toBe('validation');
  });

  it('classifies archived and unknown references as stale_reference with the list to refresh', async () => {
    const outcomes = await adapter.publish(session(demoId), [
      document({ account: '479' }),
      document({ contact: lookup('archived') }),
      document({ taxType: 'TAX001' }),
      document({ lines: [{ description: 'Paper', quantity: '1', unitAmount: '10', lineAmount: '10', category: { externalId: 'x', code: '453' }, project: archivedOption() }] }),
      document(),
    ]);
    const errors = outcomes.map((o) => (o.ok ? undefined : o.error));
    expect(errors.slice(0, 4).map((e) => [e?.kind, e?.list])).toEqual([
      ['stale_reference', 'categories'],
      ['stale_reference', 'contacts'],
      ['stale_reference', 'tax_rates'],
      ['stale_reference', 'projects'],
    ]);
    expect(errors[0]!.fields[0]).toMatchObject({ field: 'lines.category' });
    expect(outcomes[4]!.ok).toBe(true);
  });

  it('classifies refusals of content as validation, with the field', async () => {
    const number = `DUP-${clock}`;
    const sale = (n: string) =>
      document({ itemType: 'sales', destination: 'sales_invoice', contact: lookup('customer'), number: n, account: '200', taxType: 'OUTPUT2' });
    const [first] = await adapter.publish(session(demoId), [sale(number)]);
    expect(first!.ok).toBe(true);
    const [duplicate, mismatch] = (await adapter.publish(session(demoId), [sale(number), document({ taxType: 'OUTPUT2' })])) as [PublishOutcome, PublishOutcome];
    expect(duplicate.ok).toBe(false);
    if (duplicate.ok || mismatch.ok) return;
    expect(duplicate.error.kind).toBe('validation');
    expect(duplicate.error.fields).toEqual([{ field: 'number', message: 'Invoice # must be unique.' }]);
    expect(mismatch.error.kind).toBe('validation');
    expect(mismatch.error.fields[0]!.field).toBe('lines.tax');
    // Arithmetic is checked before a call is spent.
    const calls = exchanges.length;
    const [bad] = await adapter.publish(session(demoId), [document({ lines: [{ description: 'x', quantity: '3', unitAmount: '1.10', lineAmount: '3.00', category: { externalId: 'x', code: '453' } }] })]);
    expect(bad!.ok ? undefined : bad!.error.kind).toBe('validation');
    expect(exchanges.length).toBe(calls);
  });

  it('classifies a burst past 60 calls a minute as rate_limited with Retry-After', async () => {
    const results = await Promise.allSettled(Array.from({ length: 70 }, () => importAll('tax_rates', testLtdId)));
    const limited = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ProviderError);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(60);
    expect(limited).toHaveLength(10);
    for (const e of limited) {
      expect(e.kind).toBe('rate_limited');
      expect(e.providerMessage).toBe('minute');
      expect(e.retryAfterMs).toBeGreaterThanOrEqual(1000);
    }
    clock += 61_000;
    await control('/faults', { tenantId: testLtdId, rate429: { count: 1, retryAfterSeconds: 7 } });
    const injected = await expectProviderError(importAll('tax_rates', testLtdId));
    expect([injected.kind, injected.retryAfterMs]).toEqual(['rate_limited', 7000]);
    await control('/faults', { tenantId: testLtdId });
  });

  it('classifies 5xx and timeouts as transient, and a retried timed-out batch does not duplicate', async () => {
    await control('/faults', { error5xxRate: 1 });
    const failed = await expectProviderError(importAll('categories', demoId));
    expect([failed.kind, failed.status]).toEqual(['transient', 500]);

    await control('/faults', { timeoutRate: 1 });
    const bill = document();
    const before = (await documentsOf(demoId)).invoices.length;
    const [lost] = await adapter.publish(session(demoId), [bill]);
    expect(lost!.ok ? 'ok' : lost!.error.kind).toBe('transient');
    // Xero did create it; the answer was lost. The retry replays instead of creating another.
    await control('/faults', {});
    const [retried] = await adapter.publish(session(demoId), [bill]);
    expect(retried!.ok).toBe(true);
    expect((await documentsOf(demoId)).invoices.length - before).toBe(1);
  });

  it('renews an expired access token once and carries on', async () => {
    const refreshes = (await control('/stats')).tokenRefreshes;
    const before = credentials.kind === 'oauth2' ? credentials.tokens.refreshToken : undefined;
    await control('/faults', { expireAccessTokens: true });
    const pages = await importAll('tax_rates', demoId);
    expect(pages[0]!.entries.length).toBeGreaterThan(5);
    expect((await control('/stats')).tokenRefreshes - refreshes).toBe(1);
    expect(credentials.kind === 'oauth2' && credentials.tokens.refreshToken).not.toBe(before);
  });

  it('disconnecting an organisation (403) and revoking the grant (invalid_grant) both read as expired', async () => {
    await control('/faults', { tenantId: testLtdId, revokeGrants: true });
    const disconnected = await expectProviderError(importAll('categories', testLtdId));
    expect([disconnected.kind, disconnected.status]).toEqual(['expired', 403]);
    // The other organisation is untouched.
    expect((await importAll('tax_rates', demoId)).length).toBe(1);

    await control('/faults', { revokeGrants: true });
    const revoked = await expectProviderError(importAll('categories', demoId));
    expect(revoked.kind).toBe('expired');
    expect(credentials.kind === 'oauth2' && (await expectProviderError(adapter.refreshTokens!(credentials.tokens))).kind).toBe('expired');
  });

  it('reconnects, then revoke disconnects only the chosen organisation', async () => {
    credentials = await connect(['Demo Company (UK)', 'Bookbridge Test Ltd']);
    expect((await adapter.listOrganisations(credentials)).map((o) => o.id).sort()).toEqual([demoId, testLtdId].sort());
    await adapter.revoke!(credentials, testLtdId);
    expect((await adapter.listOrganisations(credentials)).map((o) => o.id)).toEqual([demoId]);
    expect((await importAll('tax_rates', demoId)).length).toBe(1);
  });
});

// --- the official OpenAPI documents ------------------------------------------------------------

const specDir = '/work/shared/providers/specs/xero';

function specValidator() {
  const accounting = parseYaml(readFileSync(`${specDir}/xero_accounting.yaml`, 'utf8'), { maxAliasCount: -1 }) as Json;
  const identity = parseYaml(readFileSync(`${specDir}/xero-identity.yaml`, 'utf8')) as Json;
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  addFormats(ajv);
  for (const f of ['double', 'float', 'int32', 'int64']) ajv.addFormat(f, true);
  // Xero's own examples send date-times without a zone ("2019-12-07T18:46:19.5165400").
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/);
  ajv.addSchema(accounting, 'accounting');
  ajv.addSchema(identity, 'identity');

  const compiled = new Map<string, ValidateFunction>();
  const schemaAt = (doc: 'accounting' | 'identity', pointer: string) => {
    const key = `${doc}#${pointer}`;
    let v = compiled.get(key);
    if (!v) {
      v = ajv.getSchema(key) as ValidateFunction;
      compiled.set(key, v);
    }
    return v;
  };
  const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const templates = Object.keys(accounting.paths as Json)
    .map((template) => ({
      template,
      params: (template.match(/\{/g) ?? []).length,
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }))
    .sort((a, b) => a.params - b.params);

  const resolveResponse = (response: Json | undefined): Json | undefined => {
    if (!response?.$ref) return response;
    const name = String(response.$ref).split('/').pop() as string;
    return (accounting.components.responses as Json)[name];
  };

  return (exchange: Exchange): { operation: string; errors: string[] } | undefined => {
    const method = exchange.method.toLowerCase();
    const path = exchange.url.pathname;
    if (path.endsWith('/api/connections') && method === 'get' && exchange.status === 200) {
      const validate = schemaAt('identity', `/paths/${escape('/Connections')}/get/responses/200/content/application~1json/schema`);
      return { operation: 'GET /Connections', errors: validate(exchange.responseBody) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
    }
    const at = path.indexOf('/api.xro/2.0');
    if (at < 0) return undefined;
    const rest = path.slice(at + '/api.xro/2.0'.length);
    const match = templates.find((t) => t.regex.test(rest) && (accounting.paths as Json)[t.template][method]);
    if (!match) return undefined;
    const operation = (accounting.paths as Json)[match.template][method] as Json;
    const errors: string[] = [];
    const base = `/paths/${escape(match.template)}/${method}`;
    const response = resolveResponse(operation.responses?.[String(exchange.status)]);
    if (!response?.content?.['application/json']?.schema) return undefined;
    const responseSchema = response.content['application/json'].schema as Json;
    const validateResponse = responseSchema.$ref
      ? schemaAt('accounting', String(responseSchema.$ref).slice(1))
      : schemaAt('accounting', `${base}/responses/${exchange.status}/content/application~1json/schema`);
    if (!validateResponse(exchange.responseBody)) errors.push(...(validateResponse.errors ?? []).map((e) => `response ${e.instancePath} ${e.message}`));
    const requestSchema = operation.requestBody?.content?.['application/json']?.schema as Json | undefined;
    if (requestSchema?.$ref && exchange.requestBody !== undefined) {
      const validateRequest = schemaAt('accounting', String(requestSchema.$ref).slice(1));
      if (!validateRequest(exchange.requestBody)) errors.push(...(validateRequest.errors ?? []).map((e) => `request ${e.instancePath} ${e.message}`));
    }
    return { operation: `${exchange.method} ${match.template} ${exchange.status}`, errors };
  };
}

describe("Xero sandbox answers against Xero's official OpenAPI", () => {
  it('every recorded response (and request body) the adapter exchanged validates', async () => {
    // A few answers the adapter's happy paths do not meet: a summarised ValidationException,
    // payments and currencies.
    const token = credentials.kind === 'oauth2' ? credentials.tokens.accessToken : '';
    const headers = { authorization: `Bearer ${token}`, 'xero-tenant-id': demoId, accept: 'application/json', 'content-type': 'application/json' };
    const bad = { Type: 'ACCPAY', Contact: { ContactID: lookup('supplier').externalId }, Status: 'AUTHORISED', LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '999' }] };
    expect((await recordingFetch(`${ctx.hosts.api}/api.xro/2.0/Invoices`, { method: 'PUT', headers, body: JSON.stringify({ Invoices: [bad] }) })).status).toBe(400);
    expect((await recordingFetch(`${ctx.hosts.api}/api.xro/2.0/Payments`, { headers })).status).toBe(200);
    expect((await recordingFetch(`${ctx.hosts.api}/api.xro/2.0/Currencies`, { headers })).status).toBe(200);

    const check = specValidator();
    const checked = new Map<string, string[]>();
    for (const exchange of exchanges) {
      const result = check(exchange);
      if (!result) continue;
      const seen = checked.get(result.operation) ?? [];
      checked.set(result.operation, [...seen, ...result.errors.slice(0, 5)]);
    }
    const failures = [...checked].filter(([, errors]) => errors.length > 0);
    expect(failures).toEqual([]);
    // The check must have covered the calls that matter, or it proves nothing.
    for (const op of [
      'GET /Connections',
      'GET /Accounts 200',
      'GET /Contacts 200',
      'GET /TaxRates 200',
      'GET /Items 200',
      'GET /TrackingCategories 200',
      'PUT /Invoices 200',
      'PUT /BankTransactions 200',
      'PUT /CreditNotes 200',
      'PUT /Payments 200',
      'GET /Invoices 200',
      'GET /Organisation 200',
      'PUT /Invoices 400',
      'GET /Payments 200',
      'GET /Currencies 200',
      'POST /Invoices/{InvoiceID}/Attachments/{FileName} 200',
      'GET /CreditNotes 200',
      'GET /BankTransactions 200',
    ]) {
      expect([...checked.keys()]).toContain(op);
    }
  });
});
