/**
 * ApprovalMax wired into the product (issue 7), over real HTTP against the built-in sandboxes
 * (ApprovalMax's linked to Xero's, as ApprovalMax is linked to a Xero organisation): connect
 * Xero, then ApprovalMax by OAuth (refused for an organisation that approves for another ledger
 * organisation, and beside a ledger ApprovalMax cannot work with); bills go to Xero "Awaiting
 * approval" (SUBMITTED) unless the status was edited by hand; ApprovalMax pulls them and an
 * approver decides (the sandbox's control API stands in for ApprovalMax's poll and its users);
 * the approvals refresh, on demand and periodically, shows the decision on the item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithForms as authorizeXero } from '../server/sandbox/xero/testing.js';
import { authorizeWithForms as authorizeApprovalmax } from '../server/sandbox/approvalmax/testing.js';
import type { ApprovalmaxSandbox } from '../server/sandbox/approvalmax/index.js';
import { kashflowCredentialsFromPages } from './support/kashflow-user.js';
import { createTestServer, type TestServer } from './support/test-server.js';

const DEMO = 'Demo Company (UK)';
const NORTHWIND = 'Northwind Trading Ltd';

let server: TestServer;
let admin: string;
let businessId: string;
let tenantId: string;
let xeroConnectionId: string;
let supplier: string;
let sequence = 0;
let beforeConnect: string;

const json = (res: Response) => res.json() as Promise<any>;
const api = (method: string, path: string, body?: unknown, token = admin) => server.request(method, path, { token, json: body });
const base = () => `/api/businesses/${businessId}`;

async function sandbox(provider: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/sandbox/${provider}/_control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const xeroBill = async (invoiceId: string) =>
  ((await sandbox('xero', `/documents?tenantId=${tenantId}`)).json.organisations[0].invoices as any[]).find((i) => i.InvoiceID === invoiceId);
const amCalls = async () => Object.values<number>((await sandbox('approvalmax', '/stats')).json.calls).reduce((a, b) => a + b, 0);
const approverId = (email: string) => (server.deps.sandboxes!.approvalmax as ApprovalmaxSandbox).state.users.find((u) => u.email === email)!.userId;

/** Authorize in Bookbridge, walk the provider's pages, come back through our callback page: the grant. */
async function authorise(provider: 'xero' | 'approvalmax', organisations: string[], token = admin, business = businessId) {
  const start = await api('POST', `/api/businesses/${business}/connections/authorize`, { provider }, token);
  expect(start.status).toBe(200);
  const { authorizeUrl, state } = await json(start);
  const back = provider === 'xero' ? await authorizeXero(fetch, authorizeUrl, { organisations }) : await authorizeApprovalmax(fetch, authorizeUrl, { organisations });
  expect((await server.request('GET', `/oauth/callback${back.search}`)).status).toBe(200);
  const status = await json(await api('GET', `/api/oauth/states/${state}`, undefined, token));
  expect(status.status).toBe('authorised');
  return status.grant as { grantId: string; organisations: { id: string; name: string; detail?: string }[] };
}

const finish = (grant: { grantId: string; organisations: { id: string; name: string }[] }, name: string) =>
  api('POST', `${base()}/connections/finish`, { grantId: grant.grantId, organisationId: grant.organisations.find((o) => o.name === name)!.id });

function bill(over: Record<string, unknown> = {}) {
  sequence++;
  return {
    type: 'cost',
    contact: supplier,
    date: '2026-11-02',
    dueDate: '2026-12-02',
    number: `AMW-${sequence}`,
    currency: 'GBP',
    lines: [{ description: 'Quarterly fire alarm service', amount: '250.00', category: '453', taxRate: 'INPUT2' }],
    total: '300.00',
    totalTax: '50.00',
    ...over,
  };
}

async function publish(over: Record<string, unknown> = {}): Promise<any> {
  const created = await json(await api('POST', `${base()}/items`, bill(over)));
  expect(created.state).toBe('ready');
  expect((await api('POST', `${base()}/items/${created.id}/publish`)).status).toBe(202);
  await server.deps.jobs.runUntilIdle();
  const item = await json(await api('GET', `${base()}/items/${created.id}`));
  expect(item.state).toBe('published');
  return item;
}

async function refreshApprovals(): Promise<any> {
  const res = await api('POST', `${base()}/items/approvals/refresh`);
  expect(res.status).toBe(202);
  const { jobId } = await json(res);
  await server.deps.jobs.runUntilIdle();
  return json(await api('GET', `${base()}/jobs/${jobId}`));
}

const item = async (id: string) => json(await api('GET', `${base()}/items/${id}`));

beforeAll(async () => {
  server = await createTestServer({}, { listen: true });
  // After the ApprovalMax sandbox's seeded history (it ends 30 September 2026).
  server.clock.set(new Date('2026-11-02T09:00:00Z'));
  const a = await server.user({ role: 'business_admin' });
  businessId = a.businessId;
  admin = await server.signIn(a.email, a.password);
  const grant = await authorise('xero', [DEMO]);
  const finished = await finish(grant, DEMO);
  expect(finished.status).toBe(201);
  const body = await json(finished);
  xeroConnectionId = body.connection.id;
  tenantId = body.connection.organisation.id;
  await server.deps.jobs.runUntilIdle();
  supplier = (await server.suppliers(xeroConnectionId))[0]!.name;
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('connecting ApprovalMax beside Xero', () => {
  it('bills go to Xero as drafts before ApprovalMax is connected, and the refresh says there is nothing to read', async () => {
    const created = await json(await api('POST', `${base()}/items`, bill()));
    expect(created).toMatchObject({ status: 'DRAFT', sources: { status: 'default' }, sourceNotes: {}, approval: null });
    beforeConnect = created.id;
    const refused = await api('POST', `${base()}/items/approvals/refresh`);
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.code).toBe('no_approval_connection');
  });

  it('refuses an ApprovalMax organisation that approves for another Xero organisation, then connects the matching one', async () => {
    const grant = await authorise('approvalmax', [DEMO, NORTHWIND]);
    expect(grant.organisations.find((o) => o.name === NORTHWIND)!.detail).toBe(`Approvals for Xero: ${NORTHWIND}`);

    const wrong = await finish(grant, NORTHWIND);
    expect(wrong.status).toBe(409);
    const error = (await json(wrong)).error;
    expect(error.code).toBe('organisation_mismatch');
    expect(error.message).toBe(
      `${NORTHWIND} in ApprovalMax approves for ${NORTHWIND}, not for ${DEMO}, the Xero organisation this business publishes to. Choose the ApprovalMax organisation linked to ${DEMO}.`,
    );
    const before = (await json(await api('GET', `${base()}/connections`))).connections;
    expect(before.map((c: any) => c.provider)).toEqual(['xero']);

    // The same sign-in, the right organisation.
    const right = await finish(grant, DEMO);
    expect(right.status).toBe(201);
    const connections = (await json(await api('GET', `${base()}/connections`))).connections;
    expect(connections.map((c: any) => c.provider).sort()).toEqual(['approvalmax', 'xero']);
    const log = await server.deps.db.selectFrom('audit_log').select('detail').where('business_id', '=', businessId).where('action', '=', 'connection.connect').execute();
    const am = log.map((l) => JSON.parse(l.detail)).find((d) => d.provider === 'approvalmax');
    expect(am).toMatchObject({ organisation: DEMO });
    expect(am.warning).toBeUndefined(); // the link was stated and matched
    await server.deps.jobs.runUntilIdle();
  });

  it('refuses ApprovalMax beside a ledger it cannot work with (KashFlow), before anyone signs in', async () => {
    const other = await server.user({ role: 'business_admin' });
    const token = await server.signIn(other.email, other.password);
    const credentials = await kashflowCredentialsFromPages(`${server.url}/sandbox/kashflow/app`);
    const grant = await json(await api('POST', `/api/businesses/${other.businessId}/connections/key`, { provider: 'kashflow', credentials }, token));
    expect((await api('POST', `/api/businesses/${other.businessId}/connections/finish`, { grantId: grant.grantId, organisationId: grant.organisations[0].id }, token)).status).toBe(201);
    const res = await api('POST', `/api/businesses/${other.businessId}/connections/authorize`, { provider: 'approvalmax' }, token);
    expect(res.status).toBe(409);
    const error = (await json(res)).error;
    expect(error.code).toBe('ledger_not_supported');
    expect(error.message).toMatch(/^ApprovalMax works beside Xero or QuickBooks Online only, and this business publishes to KashFlow\./);
    // Nor can it read approvals there.
    expect((await api('POST', `/api/businesses/${other.businessId}/items/approvals/refresh`, undefined, token)).status).toBe(409);
    await server.deps.jobs.runUntilIdle();
  });
});

describe('publishing with ApprovalMax connected', () => {
  let approved: any;
  let rejected: any;
  let waiting: any;

  it('a bill gets the status ApprovalMax picks up, said on the item; a manual status is kept', async () => {
    const created = await json(await api('POST', `${base()}/items`, bill()));
    expect(created).toMatchObject({ state: 'ready', status: 'SUBMITTED', sources: { status: 'connection' }, sourceNotes: { status: 'set by ApprovalMax connection' } });
    // The item waiting since before ApprovalMax was connected follows too.
    expect(await item(beforeConnect)).toMatchObject({ status: 'SUBMITTED', sources: { status: 'connection' } });
    // A status set by hand wins; cleared, it is ApprovalMax's again.
    const draft = await json(await api('PATCH', `${base()}/items/${created.id}`, { status: 'DRAFT' }));
    expect(draft).toMatchObject({ status: 'DRAFT', sources: { status: 'manual' }, sourceNotes: {} });
    const handedBack = await json(await api('PATCH', `${base()}/items/${created.id}`, { status: null }));
    expect(handedBack).toMatchObject({ status: 'SUBMITTED', sources: { status: 'connection' } });
    // An expense claim too; a spend money (paid, no approval in ApprovalMax) is left alone.
    const claim = await json(await api('POST', `${base()}/items`, bill({ type: 'expense_claim' })));
    expect(claim).toMatchObject({ destination: 'bill', status: 'SUBMITTED', sources: { status: 'connection' } });
  });

  it('publishes to Xero as Awaiting approval (SUBMITTED); a hand-set Draft stays Draft', async () => {
    approved = await publish();
    expect(approved.status).toBe('SUBMITTED');
    expect((await xeroBill(approved.publish.documentId)).Status).toBe('SUBMITTED');
    rejected = await publish({ lines: [{ description: 'Cleaning, October', amount: '80.00', category: '453', taxRate: 'INPUT2' }], total: '96.00', totalTax: '16.00' });
    waiting = await publish();
    const manual = await publish({ status: 'DRAFT' });
    expect(manual).toMatchObject({ status: 'DRAFT', sources: { status: 'submitted' } });
    expect((await xeroBill(manual.publish.documentId)).Status).toBe('DRAFT');
  });

  it('before ApprovalMax pulls them, the refresh finds nothing yet', async () => {
    const job = await refreshApprovals();
    expect(job.status).toBe('done');
    expect(job.progress).toMatchObject({ checked: 3, notFound: 3, approved: 0 });
    expect((await item(approved.id)).approval).toMatchObject({ provider: 'approvalmax', providerName: 'ApprovalMax', state: 'not_found', decidedBy: null });
  });

  it('ApprovalMax pulls them and decides: the refresh shows approved and rejected, with who, when and why', async () => {
    const sync = await sandbox('approvalmax', '/sync', {});
    expect(sync.status).toBe(200);
    const pulledIds = sync.json.pulled.map((r: any) => r.externalUrl);
    for (const x of [approved, rejected, waiting]) expect(pulledIds.some((u: string) => u.includes(x.publish.documentId))).toBe(true);
    // The hand-set Draft is not in ApprovalMax: nothing to approve.
    expect(sync.json.pulled).toHaveLength(3);

    server.clock.advance(2 * 3_600_000);
    const approvedAt = server.clock.now().toISOString();
    const yes = await sandbox('approvalmax', '/requests', {
      ledgerOrganisationId: tenantId,
      ledgerDocumentId: approved.publish.documentId,
      decision: 'approved',
      approver: 'priya.shah@example.com',
      comment: 'Matches the service contract.',
    });
    expect(yes.status).toBe(200);
    server.clock.advance(600_000);
    const rejectedAt = server.clock.now().toISOString();
    const no = await sandbox('approvalmax', '/requests', {
      ledgerOrganisationId: tenantId,
      ledgerDocumentId: rejected.publish.documentId,
      decision: 'rejected',
      approver: 'tom.okafor@example.com',
      comment: 'No quote attached.',
    });
    expect(no.status).toBe(200);

    const calls = await amCalls();
    const job = await refreshApprovals();
    expect(job.progress).toMatchObject({ checked: 3, approved: 1, rejected: 1, awaiting: 1, notFound: 0 });
    // One batch: a lookup by bill number each, through the limiter.
    expect((await amCalls()) - calls).toBeLessThanOrEqual(4);

    expect((await item(approved.id)).approval).toMatchObject({
      state: 'approved',
      requestStatus: 'approved',
      decidedBy: approverId('priya.shah@example.com'),
      decidedAt: approvedAt,
      comment: 'Matches the service contract.',
    });
    expect((await item(rejected.id)).approval).toMatchObject({
      state: 'rejected',
      decidedBy: approverId('tom.okafor@example.com'),
      decidedAt: rejectedAt,
      comment: 'No quote attached.',
    });
    expect((await item(waiting.id)).approval).toMatchObject({ state: 'awaiting_approval', requestStatus: 'onApproval', decidedBy: null, decidedAt: null });
    // ApprovalMax wrote its decisions back to Xero.
    expect((await xeroBill(approved.publish.documentId)).Status).toBe('AUTHORISED');
    expect((await xeroBill(rejected.publish.documentId)).Status).toBe('DRAFT');
    const log = await server.deps.db.selectFrom('audit_log').select('action').where('business_id', '=', businessId).execute();
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(['item.approved', 'item.rejected']));
  });

  it('reads again by itself every 15 minutes while a bill awaits a decision, asking only about open ones', async () => {
    const next = await server.deps.db.selectFrom('jobs').select('run_after').where('kind', '=', 'refresh_approvals').where('status', '=', 'queued').execute();
    expect(next).toHaveLength(1);
    expect(next[0]!.run_after - server.clock.now().getTime()).toBe(15 * 60_000);

    await sandbox('approvalmax', '/requests', { ledgerOrganisationId: tenantId, ledgerDocumentId: waiting.publish.documentId, decision: 'approved', comment: 'Fine.' });
    await server.deps.jobs.runUntilIdle();
    expect((await item(waiting.id)).approval.state).toBe('awaiting_approval'); // not due yet
    server.clock.advance(15 * 60_000);
    await server.deps.jobs.runUntilIdle();
    expect((await item(waiting.id)).approval).toMatchObject({ state: 'approved', comment: 'Fine.' });
    // The decided ones were not asked about again; nothing is open, so the next look is in an hour.
    expect((await item(approved.id)).approval.checkedAt).not.toBe((await item(waiting.id)).approval.checkedAt);
    const later = await server.deps.db.selectFrom('jobs').select('run_after').where('kind', '=', 'refresh_approvals').where('status', '=', 'queued').execute();
    expect(later.map((j) => j.run_after - server.clock.now().getTime())).toEqual([60 * 60_000]);
  });

  it('the refresh route: any member, their own business only, signed in', async () => {
    const standard = await server.user({ role: 'standard', businessId });
    const token = await server.signIn(standard.email, standard.password);
    expect((await api('POST', `${base()}/items/approvals/refresh`, undefined, token)).status).toBe(202);
    const outsider = await server.user({ role: 'business_admin' });
    const outsiderToken = await server.signIn(outsider.email, outsider.password);
    expect((await api('POST', `${base()}/items/approvals/refresh`, undefined, outsiderToken)).status).toBe(404);
    expect((await server.request('POST', `${base()}/items/approvals/refresh`)).status).toBe(401);
    await server.deps.jobs.runUntilIdle();
    // Asked twice: still one waiting run.
    const queued = await server.deps.db.selectFrom('jobs').select('id').where('kind', '=', 'refresh_approvals').where('status', '=', 'queued').execute();
    expect(queued).toHaveLength(1);
  });

  it('after ApprovalMax is disconnected, new bills go back to the default status', async () => {
    const am = (await json(await api('GET', `${base()}/connections`))).connections.find((c: any) => c.provider === 'approvalmax');
    expect((await api('POST', `${base()}/connections/${am.id}/disconnect`, { keepLists: true })).status).toBe(200);
    const created = await json(await api('POST', `${base()}/items`, bill()));
    expect(created).toMatchObject({ status: 'DRAFT', sources: { status: 'default' }, sourceNotes: {} });
    // What was read stays on the published items.
    expect((await item(approved.id)).approval.state).toBe('approved');
  });
});
