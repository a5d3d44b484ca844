/**
 * The real ApprovalMax adapter against the ApprovalMax sandbox over HTTP, beside the Xero
 * sandbox it approves for. The whole story: connect ApprovalMax (sign-in, consent, organisation
 * choice), publish a bill to Xero as "Awaiting approval" with the Xero adapter, ApprovalMax pulls
 * it and an approver decides (through the sandbox's control API, standing in for ApprovalMax's
 * poll and its users), and `approvalStatus` reports the decision; the decision reaches Xero. And
 * publishing through ApprovalMax is refused, since its API is read-only. Then each error class.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogue, listKinds } from '../shared/catalogue.js';
import { createApprovalmaxAdapter, ledgerMatch, READ_ONLY_MESSAGE, type ApprovalmaxAdapter } from '../server/providers/approvalmax/index.js';
import { ProviderError } from '../server/providers/errors.js';
import type { Credentials, Organisation, ProviderContext, ProviderSession, PublishDocument } from '../server/providers/types.js';
import { createXeroAdapter } from '../server/providers/xero/index.js';
import { createApprovalmaxSandbox, ledgerLink } from '../server/sandbox/approvalmax/index.js';
import { authorizeWithForms } from '../server/sandbox/approvalmax/testing.js';
import { listen, type RunningServer } from '../server/sandbox/serve.js';
import { createXeroSandbox } from '../server/sandbox/xero/index.js';
import { authorizeWithForms as authorizeXero } from '../server/sandbox/xero/testing.js';

type Json = Record<string, any>;

const redirectUri = 'http://127.0.0.1:9/callback';
const amClient = { id: 'bookbridge-approvalmax-contract', secret: 'approvalmax-contract-secret' };
const xeroClient = { id: 'BOOKBRIDGE-XERO-FOR-AM', secret: 'xero-contract-secret' };
let clock = Date.now();
const now = () => new Date(clock);

// Default organisations on both sides: ApprovalMax's are linked to the Xero sandbox's.
const xero = createXeroSandbox({ clients: [{ ...xeroClient, redirectUris: [redirectUri] }], now });
const am = createApprovalmaxSandbox({ clients: [{ ...amClient, redirectUris: [redirectUri] }], now, ledger: ledgerLink({ xero: xero.state }) });

let amServer: RunningServer;
let xeroServer: RunningServer;
let adapter: ApprovalmaxAdapter;
let xeroAdapter: ReturnType<typeof createXeroAdapter>;
let credentials: Credentials;
let xeroCredentials: Credentials;
let organisations: Organisation[];
let demo: Organisation;
let demoTenantId: string;

function session(organisationId: string): ProviderSession {
  return {
    organisationId,
    credentials: async () => credentials,
    renew: async () => {
      if (credentials.kind !== 'oauth2') throw new Error('oauth2 expected');
      credentials = { kind: 'oauth2', tokens: await adapter.refreshTokens!(credentials.tokens) };
      return credentials;
    },
  };
}

const xeroSession = (tenantId: string): ProviderSession => ({
  organisationId: tenantId,
  credentials: async () => xeroCredentials,
  renew: async () => {
    if (xeroCredentials.kind !== 'oauth2') throw new Error('oauth2 expected');
    xeroCredentials = { kind: 'oauth2', tokens: await xeroAdapter.refreshTokens!(xeroCredentials.tokens) };
    return xeroCredentials;
  },
});

async function control(path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${amServer.url}/_control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

async function connect(options: { organisations: string[]; email?: string }): Promise<Credentials> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = adapter.authorizationUrl!({ state, codeChallenge: await oauth.calculatePKCECodeChallenge(verifier), redirectUri });
  const back = await authorizeWithForms(fetch, url.toString(), options);
  expect(back.searchParams.get('state')).toBe(state);
  const tokens = await adapter.exchangeCode!({ code: back.searchParams.get('code')!, codeVerifier: verifier, redirectUri, params: Object.fromEntries(back.searchParams) });
  return { kind: 'oauth2', tokens };
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

let sequence = 0;
/** A supplier bill for Demo Company (UK), published to Xero in the given status. */
async function publishBill(status: 'SUBMITTED' | 'DRAFT', total = { net: '250.00', tax: '50.00', gross: '300.00' }): Promise<{ id: string; number: string; since: Date }> {
  sequence++;
  const org = xero.state.organisations.get(demoTenantId)!;
  const supplier = org.data.contacts.find((c) => c.ContactStatus === 'ACTIVE' && c.IsSupplier)!;
  const document: PublishDocument = {
    itemId: `am-item-${sequence}`,
    idempotencyKey: `am-idem-${sequence}-${clock}`,
    itemType: 'cost',
    destination: 'bill',
    status,
    contact: { externalId: supplier.ContactID, name: supplier.Name },
    date: '2026-11-02',
    dueDate: '2026-12-02',
    number: `AM-${clock}-${sequence}`,
    currency: 'GBP',
    taxMode: 'exclusive',
    lines: [
      {
        description: 'Quarterly fire alarm service',
        quantity: '1',
        unitAmount: total.net,
        lineAmount: total.net,
        category: { externalId: 'unused', code: '453' },
        tax: { externalId: 'INPUT2', code: 'INPUT2', rate: '20.00' },
      },
    ],
    total: total.gross,
    totalTax: total.tax,
  };
  const since = now();
  const [outcome] = await xeroAdapter.publish(xeroSession(demoTenantId), [document]);
  if (!outcome?.ok) throw outcome?.error ?? new Error('not published');
  return { id: outcome.result.documentId, number: document.number!, since };
}

function xeroBillStatus(invoiceId: string): string {
  return xero.state.organisations.get(demoTenantId)!.invoices.get(invoiceId)!.Status;
}

const userId = (email: string) => am.state.users.find((u) => u.email === email)!.userId;

beforeAll(async () => {
  [amServer, xeroServer] = await Promise.all([listen(am.app), listen(xero.app)]);
  const ctx: ProviderContext = {
    entry: catalogue.approvalmax,
    hosts: { identity: `${amServer.url}/identity`, api: `${amServer.url}/api` },
    client: amClient,
    fetch,
    now,
    timeoutMs: 1_500,
  };
  adapter = createApprovalmaxAdapter(ctx);
  xeroAdapter = createXeroAdapter({
    entry: catalogue.xero,
    hosts: { login: `${xeroServer.url}/login`, identity: `${xeroServer.url}/identity`, api: `${xeroServer.url}/api` },
    client: xeroClient,
    fetch,
    now,
    timeoutMs: 5_000,
  });
  // The business's ledger: Xero, Demo Company (UK).
  const verifier = oauth.generateRandomCodeVerifier();
  const back = await authorizeXero(fetch, xeroAdapter.authorizationUrl!({ state: 's', codeChallenge: await oauth.calculatePKCECodeChallenge(verifier), redirectUri }).toString(), {
    organisations: ['Demo Company (UK)'],
  });
  xeroCredentials = { kind: 'oauth2', tokens: await xeroAdapter.exchangeCode!({ code: back.searchParams.get('code')!, codeVerifier: verifier, redirectUri, params: {} }) };
  demoTenantId = (await xeroAdapter.listOrganisations(xeroCredentials)).find((o) => o.name === 'Demo Company (UK)')!.id;

  credentials = await connect({ organisations: ['Demo Company (UK)', 'Northwind Trading Ltd'] });
  organisations = await adapter.listOrganisations(credentials);
  demo = organisations.find((o) => o.name === 'Demo Company (UK)')!;
});

afterAll(async () => {
  await Promise.all([amServer?.close(), xeroServer?.close()]);
});

beforeEach(async () => {
  // A fresh rate-limit minute for every test; faults from the previous test cleared.
  clock += 61_000;
  await control('/faults', {});
});

describe('ApprovalMax adapter against the ApprovalMax sandbox, beside the Xero sandbox', () => {
  it('connects by OAuth with organisation choice; each organisation names the ledger organisation it approves for', async () => {
    expect(credentials.kind).toBe('oauth2');
    if (credentials.kind !== 'oauth2') return;
    expect(credentials.tokens.refreshToken).toBeTruthy();
    expect(credentials.tokens.accessTokenExpiresAt).toBeGreaterThan(clock);
    expect(credentials.tokens.scope).toBe('https://www.approvalmax.com/scopes/public_api/read offline_access');

    expect(organisations.map((o) => o.name)).toEqual(['Demo Company (UK)', 'Northwind Trading Ltd']);
    expect(demo.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(demo.detail).toBe('Approvals for Xero: Demo Company (UK)');
    expect(demo.extra).toEqual({ ledgerProvider: 'xero', ledgerOrganisationId: demoTenantId, ledgerOrganisationName: 'Demo Company (UK)' });

    // The check the server makes before Finish: this ApprovalMax organisation approves for the business's Xero organisation.
    const xeroOrgs = await xeroAdapter.listOrganisations(xeroCredentials);
    expect(ledgerMatch(demo, { provider: 'xero', organisationId: demoTenantId, organisationName: 'Demo Company (UK)' })).toBe('match');
    const northwind = organisations.find((o) => o.name === 'Northwind Trading Ltd')!;
    expect(ledgerMatch(northwind, { provider: 'xero', organisationId: xeroOrgs[0]!.id })).toBe('mismatch');
    expect(ledgerMatch(demo, { provider: 'quickbooks-online', organisationId: demoTenantId })).toBe('mismatch');
  });

  it('only an Account Owner, Manager or Administrator can grant access; declining connects nothing', async () => {
    const url = adapter.authorizationUrl!({ state: 'x', codeChallenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), redirectUri });
    await expect(authorizeWithForms(fetch, url.toString(), { email: 'priya.shah@example.com' })).rejects.toThrow(/Only an Account Owner, Account Manager or Administrator/);
    const declined = await authorizeWithForms(fetch, url.toString(), { action: 'deny' });
    expect(declined.searchParams.get('error')).toBe('access_denied');
  });

  it('the whole story: a bill published to Xero as Awaiting approval is pulled by ApprovalMax, approved, and reported on the item', async () => {
    const bill = await publishBill('SUBMITTED');
    expect(xeroBillStatus(bill.id)).toBe('SUBMITTED');
    const query = { ledgerDocumentId: bill.id, documentNumber: bill.number, since: bill.since };

    // Before ApprovalMax's poll there is nothing to report.
    expect(await adapter.approvalStatus(session(demo.id), query)).toEqual({ state: 'not_found' });

    // ApprovalMax pulls it: a request on approval, with the bill's supplier, number and amounts.
    const pulled = await control('/requests', { ledgerOrganisationId: demoTenantId, ledgerDocumentId: bill.id });
    expect(pulled.status).toBe(201);
    const request = pulled.json.request;
    expect(request).toMatchObject({ requestStatus: 'onApproval', documentNumber: bill.number, total: 300, totalTax: 50, currencyCode: 'GBP', origin: 'Xero', companyId: demo.id });
    expect(request.externalUrl).toContain(bill.id);
    expect(request.lineItems).toEqual([expect.objectContaining({ description: 'Quarterly fire alarm service', amount: 250, accountCode: '453', account: 'Office Expenses' })]);
    // The poll is idempotent: the same bill is not pulled twice.
    expect((await control('/requests', { ledgerOrganisationId: demoTenantId, ledgerDocumentId: bill.id })).status).toBe(200);

    expect(await adapter.approvalStatus(session(demo.id), query)).toEqual({ state: 'awaiting_approval', requestStatus: 'onApproval', requestId: request.requestId });

    clock += 3_600_000;
    const decidedAt = new Date(clock).toISOString();
    const decided = await control(`/requests/${request.requestId}/decision`, { decision: 'approved', approver: 'priya.shah@example.com', comment: 'Matches the service contract.' });
    expect(decided.status).toBe(200);

    expect(await adapter.approvalStatus(session(demo.id), query)).toEqual({
      state: 'approved',
      requestStatus: 'approved',
      requestId: request.requestId,
      // ApprovalMax's events name the approver by user id only.
      decidedBy: userId('priya.shah@example.com'),
      decidedAt,
      comment: 'Matches the service contract.',
    });
    // ApprovalMax pushed the decision to Xero: the bill is now Awaiting Payment.
    expect(xeroBillStatus(bill.id)).toBe('AUTHORISED');
  });

  it('a rejected bill goes back to Draft in Xero, and the item shows who rejected it and why', async () => {
    const bill = await publishBill('SUBMITTED', { net: '80.00', tax: '16.00', gross: '96.00' });
    const decided = await control('/requests', {
      ledgerOrganisationId: demoTenantId,
      ledgerDocumentId: bill.id,
      decision: 'rejected',
      approver: 'tom.okafor@example.com',
      comment: 'No quote attached.',
    });
    expect(decided.status).toBe(201);
    const status = await adapter.approvalStatus(session(demo.id), { ledgerDocumentId: bill.id, since: bill.since });
    expect(status).toMatchObject({ state: 'rejected', requestStatus: 'rejected', decidedBy: userId('tom.okafor@example.com'), comment: 'No quote attached.' });
    expect(xeroBillStatus(bill.id)).toBe('DRAFT');
  });

  it('ApprovalMax pulls only bills awaiting approval: a draft bill is left alone, the poll takes the submitted ones', async () => {
    const draft = await publishBill('DRAFT');
    const refused = await control('/requests', { ledgerOrganisationId: demoTenantId, ledgerDocumentId: draft.id });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatch(/only bills in "Awaiting Approval" \(SUBMITTED\); this one is DRAFT/);

    const submitted = await publishBill('SUBMITTED');
    const poll = await control('/sync', {});
    expect(poll.json.pulled.map((r: Json) => r.externalUrl)).toEqual([expect.stringContaining(submitted.id)]);
    const statuses = await adapter.approvalStatuses(session(demo.id), [
      { ledgerDocumentId: draft.id, since: draft.since },
      { ledgerDocumentId: submitted.id, since: submitted.since },
    ]);
    expect(statuses.map((s) => s.state)).toEqual(['not_found', 'awaiting_approval']);
  });

  it('reads many statuses in one scan, paging 100 requests at a time through the organisation history', async () => {
    const company = am.state.companies.get(demo.id)!;
    const seeded = [...company.requests.values()].filter((r) => r.kind === 'bills' && r.ledgerDocumentId);
    const approved = seeded.find((r) => r.requestStatus === 'approved')!;
    const rejected = seeded.find((r) => r.requestStatus === 'rejected')!;
    const waiting = seeded.find((r) => r.requestStatus === 'onHold')!;
    const bills = [...company.requests.values()].filter((r) => r.kind === 'bills').length;
    expect(bills).toBeGreaterThan(150);

    // The list itself: pages of 100, the last without a continuation token.
    const sizes: number[] = [];
    for await (const page of adapter.listRequests(session(demo.id), { orderBy: 'createdAt', orderDirection: 'asc' })) sizes.push(page.requests.length);
    expect(sizes).toEqual([100, bills - 100]);

    const callsBefore = am.state.stats.calls[demo.id] ?? 0;
    const statuses = await adapter.approvalStatuses(session(demo.id), [
      { ledgerDocumentId: approved.ledgerDocumentId! },
      { ledgerDocumentId: rejected.ledgerDocumentId! },
      { ledgerDocumentId: waiting.ledgerDocumentId! },
      { ledgerDocumentId: '00000000-0000-0000-0000-0000000000aa' },
    ]);
    expect(statuses.map((s) => s.state)).toEqual(['approved', 'rejected', 'awaiting_approval', 'not_found']);
    expect(statuses[0]).toMatchObject({ requestId: approved.requestId, decidedAt: new Date(approved.decisionDate!).toISOString() });
    expect(statuses[1]!.comment).toBe(rejected.events.at(-1)!.comment);
    expect(statuses[2]!.requestStatus).toBe('onHold');
    // One unknown document means reading the whole list: two pages, one call each.
    expect((am.state.stats.calls[demo.id] ?? 0) - callsBefore).toBe(2);
  });

  it('publishing through ApprovalMax is refused with a clear message, and it has no lists to import', async () => {
    const error = await expectProviderError(adapter.publish(session(demo.id), []));
    expect(error.kind).toBe('forbidden');
    expect(error.message).toBe(READ_ONLY_MESSAGE);
    expect(error.message).toBe("ApprovalMax's API is read-only: publish to your ledger; ApprovalMax picks the bill up from there");

    const entry = catalogue.approvalmax;
    expect(entry.role).toBe('secondary');
    expect(Object.values(entry.destinations).every((d) => d.length === 0)).toBe(true);
    expect(entry.limitations).toMatch(/read-only: nothing is published to ApprovalMax/);
    expect(entry.lists).toEqual([]);
    for (const kind of listKinds) {
      const pages = [];
      for await (const page of adapter.importList(session(demo.id), kind, {})) pages.push(page);
      expect(pages).toEqual([]);
    }
  });
});

describe('ApprovalMax errors, classified', () => {
  const list = (organisationId: string, filters = {}) => adapter.listRequests(session(organisationId), filters)[Symbol.asyncIterator]().next();

  it('a 429 burst is rate_limited with its Retry-After', async () => {
    await control('/faults', { companyId: demo.id, rate429: { count: 1, retryAfterSeconds: 7 } });
    const error = await expectProviderError(list(demo.id));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(7_000);
  });

  it('the real limit: the 101st call in a minute for one organisation is refused with 429', async () => {
    let pages = 0;
    const error = await expectProviderError(
      (async () => {
        for await (const _ of adapter.listRequests(session(demo.id), { limit: 1 })) pages++;
      })(),
    );
    // One /companies read for the ledger link was cached earlier; every page is one call.
    expect(pages).toBe(100);
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('5xx and timeouts are transient', async () => {
    await control('/faults', { error5xxRate: 1 });
    expect((await expectProviderError(list(demo.id))).kind).toBe('transient');
    await control('/faults', { timeoutRate: 1 });
    const timedOut = await expectProviderError(list(demo.id));
    expect(timedOut.kind).toBe('transient');
    expect(timedOut.message).toMatch(/did not answer in time/);
  });

  it('an organisation not on Premium or a trial is forbidden, in words a bookkeeper understands', async () => {
    const northwind = organisations.find((o) => o.name === 'Northwind Trading Ltd')!;
    const error = await expectProviderError(list(northwind.id));
    expect(error.kind).toBe('forbidden');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/Premium plan or an All Features trial/);
    expect(error.providerMessage).toBe(`The ${northwind.id} is disabled.`);
  });

  it('an invalid filter is a validation error naming the field, with ApprovalMax’s own words', async () => {
    const error = await expectProviderError(list(demo.id, { requestStatus: 'OnApproval' }));
    expect(error.kind).toBe('validation');
    expect(error.fields).toEqual([{ field: 'requestStatus', message: "unrecognized value 'OnApproval' for 'RequestStatus'" }]);
  });

  it('an organisation that was not ticked at consent asks for a reconnect', async () => {
    const notGranted = [...am.state.companies.values()].find((c) => c.name === 'Bookbridge Test Ltd')!;
    const error = await expectProviderError(list(notGranted.companyId));
    expect(error.kind).toBe('expired');
    expect(error.message).toMatch(/Reconnect and tick it/);
  });

  it('an expired access token is renewed once; refresh tokens rotate and a used one is refused', async () => {
    if (credentials.kind !== 'oauth2') throw new Error('oauth2 expected');
    const before = credentials.tokens;
    await control('/faults', { expireAccessTokens: true });
    const page = await list(demo.id);
    expect(page.done).toBe(false);
    if (credentials.kind !== 'oauth2') throw new Error('oauth2 expected');
    expect(credentials.tokens.accessToken).not.toBe(before.accessToken);
    expect(credentials.tokens.refreshToken).not.toBe(before.refreshToken);
    // The old refresh token was used up by the rotation.
    const reused = await expectProviderError(adapter.refreshTokens!(before));
    expect(reused.kind).toBe('expired');
  });

  it('a refresh token lives 30 days from its last use, then the connection must be reconnected', async () => {
    if (credentials.kind !== 'oauth2') throw new Error('oauth2 expected');
    clock += 29 * 86_400_000;
    const renewed = await adapter.refreshTokens!(credentials.tokens);
    credentials = { kind: 'oauth2', tokens: renewed };
    clock += 29 * 86_400_000; // sliding: 58 days after connecting, still fine
    credentials = { kind: 'oauth2', tokens: await adapter.refreshTokens!(renewed) };
    clock += 31 * 86_400_000;
    const error = await expectProviderError(adapter.refreshTokens!(credentials.tokens));
    expect(error.kind).toBe('expired');
    expect(error.message).toMatch(/Reconnect/);
    credentials = await connect({ organisations: ['Demo Company (UK)', 'Northwind Trading Ltd'] });
  });

  it('a revoked grant is expired; disconnect revokes the refresh token', async () => {
    await control('/faults', { revokeGrants: true });
    const revoked = await expectProviderError(list(demo.id));
    expect(revoked.kind).toBe('expired');

    credentials = await connect({ organisations: ['Demo Company (UK)'] });
    if (credentials.kind !== 'oauth2') throw new Error('oauth2 expected');
    await adapter.revoke!(credentials, demo.id);
    expect((await expectProviderError(adapter.refreshTokens!(credentials.tokens))).kind).toBe('expired');
    expect((await control('/stats')).json.revocations).toBe(1);
  });
});
