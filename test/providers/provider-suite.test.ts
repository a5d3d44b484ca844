/**
 * One suite for every provider (issue 7): the same contract, lifecycle and publishing steps as
 * the Xero and KashFlow tests, run against the companion with its built-in sandboxes over real
 * HTTP, parameterised by provider. What differs per provider lives in a small driver
 * (./drivers/<provider>.ts); what each provider can do comes from the catalogue, so the cases
 * are generated from it: one publishing case per destination of every item type.
 *
 * Ledgers (Xero, QuickBooks Online, Sage Accounting, KashFlow, FreeAgent):
 *   connect (a standard user refused, a second ledger refused, credentials sealed) → import every
 *   list of the catalogue entry → one item published per destination, found once in the
 *   sandbox's documents with the right contact, total, tax and tax codes → a retry after a
 *   sandbox-injected timeout publishes once → refresh after upstream changes archives, renames
 *   and adds without loss, flagging the rule on the archived contact → the grant ends at the
 *   provider: "reconnect", new items held → reconnect to another organisation refused →
 *   reconnect to the same one releases the held items → change connection → disconnect.
 * Beside a ledger: ApprovalMax beside Xero (connect, nothing to import, publishing to it refused
 * in the catalogue's words, bills go to Xero); Bill.com beside QuickBooks (connect with what
 * BILL's pages show, import, one document per Bill.com destination) once its adapter is registered.
 *
 * Steps a provider cannot take are not generated: the driver gives the reason (`notApplicable`)
 * and the suite records it in a case of its own (`records why …`). Today:
 * - none for the five ledgers: every one can reach a second organisation (Xero, Sage: the chooser;
 *   QuickBooks: Intuit's company choice; KashFlow, FreeAgent: a second login is a second company),
 *   and every one can lose its grant at the provider (Xero, QuickBooks, Sage, FreeAgent: the app is
 *   disconnected there; KashFlow, which has no grant to revoke: the user changes the password).
 *   Disconnect revokes at the provider only where the catalogue says it can (not KashFlow, FreeAgent).
 * - ApprovalMax: no lists to import and no destinations (its API is read-only), so no publishing,
 *   timeout or refresh steps; its connection lifecycle is the same routes as a ledger's.
 * - Bill.com: publishing settings are the ledger's, so the Bill.com destination is set on the item;
 *   timeout, refresh and reconnect are its contract test's (test/bill-com-contract.test.ts).
 *   Generated only when `adapterFactories['bill-com']` exists.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogue, itemTypes, type Destination, type ItemType } from '../../shared/catalogue.js';
import { ProviderError } from '../../server/providers/errors.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { ledgers, secondaries } from './drivers/index.js';
import { isApplicable, type Driver, type DriverContext, type Entry, type Side } from './drivers/types.js';

const json = (res: Response) => res.json() as Promise<any>;
const sales = (type: ItemType) => type === 'sales' || type === 'sales_credit_note';
const typeWords: Record<ItemType, string> = {
  cost: 'a cost item',
  sales: 'a sales invoice',
  expense_claim: 'an expense claim',
  purchase_credit_note: 'a purchase credit note',
  sales_credit_note: 'a sales credit note',
};

/** One companion per provider, on a fake clock (token lifetimes, expiry, job back-off). */
function harness(driver: Pick<Driver, 'id'>) {
  const h = {
    server: undefined as unknown as TestServer,
    ctx: undefined as unknown as DriverContext,
    token: '',
    standardToken: '',
    businessId: '',
    connectionId: '',
    organisationId: '',
    importJobId: '',
    call: (method: string, path: string, body?: unknown) => h.server.request(method, `/api/businesses/${h.businessId}${path}`, { token: h.token, json: body }),
  };
  beforeAll(async () => {
    h.server = await createTestServer({ PROVIDER_TIMEOUT_MS: '1000' }, { listen: true });
    h.ctx = { server: h.server, sandbox: `${h.server.url}/sandbox/${driver.id}` };
    const admin = await h.server.user({ role: 'business_admin' });
    h.businessId = admin.businessId;
    h.token = await h.server.signIn(admin.email, admin.password);
    const standard = await h.server.user({ role: 'standard', businessId: h.businessId });
    h.standardToken = await h.server.signIn(standard.email, standard.password);
  });
  afterAll(async () => {
    await h.server?.close();
  });
  // A fresh rate-limit minute per step (the sandboxes count on the companion's clock).
  beforeEach(() => h.server.clock.advance(61_000));
  return h;
}

type H = ReturnType<typeof harness>;

/** Where a provider's sandbox is served in this companion. */
const ctxFor = (h: H, id: string): DriverContext => ({ server: h.server, sandbox: `${h.server.url}/sandbox/${id}` });

/** Connect, reconnect or change as a user does: the provider's pages (or its credentials), then Finish. */
async function authorise(
  h: H,
  driver: Pick<Driver, 'id' | 'authorize' | 'credentials'>,
  purpose: 'connect' | 'reconnect' | 'change',
  organisation: string,
  connectionId = h.connectionId,
) {
  const entry = catalogue[driver.id];
  const target = purpose === 'connect' ? {} : { connectionId };
  let grant: any;
  if (entry.authKind === 'oauth2') {
    const start = await h.call('POST', '/connections/authorize', { provider: driver.id, purpose, ...target });
    expect(start.status, JSON.stringify(await start.clone().json())).toBe(200);
    const { authorizeUrl, state } = await json(start);
    const back = await driver.authorize!(ctxFor(h, driver.id), authorizeUrl, organisation);
    expect(back.searchParams.get('state')).toBe(state);
    const page = await h.server.request('GET', `/oauth/callback${back.search}`);
    expect(page.status, await page.clone().text()).toBe(200);
    const status = await json(await h.server.request('GET', `/api/oauth/states/${state}`, { token: h.token }));
    expect(status.status).toBe('authorised');
    grant = status.grant;
  } else {
    const credentials = await driver.credentials!(ctxFor(h, driver.id), organisation);
    const res = await h.call('POST', '/connections/key', { provider: driver.id, purpose, ...target, credentials });
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
    grant = await json(res);
  }
  const chosen = grant.organisations.find((o: any) => o.name === organisation);
  expect(chosen, `${organisation} among ${JSON.stringify(grant.organisations)}`).toBeTruthy();
  return h.call('POST', '/connections/finish', { grantId: grant.grantId, organisationId: chosen.id });
}

/** The first call of a connect (before any page or check at the provider). */
const startPath = (driver: Pick<Driver, 'id'>) => (catalogue[driver.id].authKind === 'oauth2' ? '/connections/authorize' : '/connections/key');
const startBody = (driver: Pick<Driver, 'id'>) => (catalogue[driver.id].authKind === 'oauth2' ? { provider: driver.id } : { provider: driver.id, credentials: {} });

async function jobOf(h: H, jobId: string) {
  await h.server.deps.jobs.runUntilIdle();
  return json(await h.call('GET', `/jobs/${jobId}`));
}

async function connections(h: H) {
  return (await json(await h.call('GET', '/connections'))).connections as any[];
}

async function contacts(h: H): Promise<{ total: number; entries: (Entry & { archivedReason: string | null })[] }> {
  return json(await h.call('GET', `/connections/${h.connectionId}/lists/contacts?limit=500`));
}

let serial = 0;

/** An item a bookkeeper would enter for this type and destination: one line of 100.00 at the side's tax rate. */
function itemFor(driver: Pick<Driver, 'purchases'> & Partial<Driver>, type: ItemType, destination: Destination) {
  const side = (sales(type) ? driver.sales : driver.purchases) as Side;
  const percent = side.taxRate ? (side.percent ?? 0) : 0;
  const tax = (100 * percent) / 100;
  const number = `SUITE-${++serial}`;
  return {
    type,
    contact: type === 'expense_claim' ? (driver.claimant ?? side.contact) : side.contact,
    date: '2026-05-20',
    dueDate: '2026-06-19',
    number,
    reference: number,
    currency: side.currency ?? 'GBP',
    taxMode: side.taxRate ? 'exclusive' : 'no_tax',
    lines: [{ description: `Suite ${type}`, amount: '100.00', category: side.category, ...(side.taxRate ? { taxRate: side.taxRate } : {}) }],
    total: (100 + tax).toFixed(2),
    ...(side.taxRate ? { totalTax: tax.toFixed(2) } : {}),
    ...(destination.paidOnly ? { paid: true, paymentDate: '2026-05-21', paymentAccount: driver.bankAccount! } : {}),
  };
}

/** Makes `destination` the default for `type` (with its first status), as an admin does in the settings. */
async function useDestination(h: H, type: ItemType, destination: Destination) {
  const view = await json(await h.call('GET', '/publishing-settings'));
  const settings = view.settings;
  const res = await h.call('PUT', '/publishing-settings', {
    ...settings,
    destinations: { ...settings.destinations, [type]: destination.id },
    statuses: { ...settings.statuses, [type]: destination.statuses[0] ?? null },
  });
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
}

/** Creates the item, publishes it, runs the outbox; the item as the user then sees it. */
async function publish(h: H, body: Record<string, unknown>, before?: () => Promise<void>) {
  const created = await h.call('POST', '/items', body);
  expect(created.status, JSON.stringify(await created.clone().json())).toBe(201);
  const item = await json(created);
  expect(item.issues, JSON.stringify(item.issues)).toEqual([]);
  expect(item.state).toBe('ready');
  await before?.();
  const queued = await h.call('POST', `/items/${item.id}/publish`);
  expect(queued.status, JSON.stringify(await queued.clone().json())).toBe(202);
  // A double click: already on its way, still one document.
  expect((await h.call('POST', `/items/${item.id}/publish`)).status).toBe(202);
  await h.server.deps.jobs.runUntilIdle();
  return json(await h.call('GET', `/items/${item.id}`));
}

describe.each(ledgers)('$id: the shared provider suite', (driver) => {
  const entry = catalogue[driver.id];
  const h = harness(driver);
  const other = driver.organisations.other;

  it(`connects to ${driver.organisations.main} as an admin would (a standard user is refused first)`, async () => {
    const refused = await h.server.request('POST', `/api/businesses/${h.businessId}${startPath(driver)}`, { token: h.standardToken, json: startBody(driver) });
    expect(refused.status).toBe(403);
    const res = await authorise(h, driver, 'connect', driver.organisations.main);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    const body = await json(res);
    expect(body.connection).toMatchObject({ provider: driver.id, role: 'ledger', organisation: { name: driver.organisations.main } });
    h.connectionId = body.connection.id;
    h.organisationId = body.connection.organisation.id;
    h.importJobId = body.jobId;
    const job = await jobOf(h, body.jobId);
    expect(job.status, job.error).toBe('done');
    const [c] = await connections(h);
    expect(c).toMatchObject({ id: h.connectionId, health: 'active', daysLeft: 365, lastRefreshAt: expect.any(String) });
    // Stored sealed: no token, key or password readable in the database.
    const raw = h.server.database.sqlite.prepare('SELECT credentials FROM connections WHERE id = ?').get(h.connectionId) as { credentials: Buffer };
    for (const word of ['accessToken', 'refreshToken', 'password', 'oauth2', 'api_key', 'session']) expect(raw.credentials.includes(Buffer.from(word))).toBe(false);
  });

  it('refuses a second accounting connection: Change connection is the way', async () => {
    const res = await h.call('POST', startPath(driver), startBody(driver));
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({ code: 'already_connected', message: expect.stringContaining('Change connection') });
  });

  it(`imports every list of the catalogue entry (${entry.lists.join(', ')}), each done and not empty`, async () => {
    const job = await json(await h.call('GET', `/jobs/${h.importJobId}`));
    expect(Object.keys(job.progress.lists).sort()).toEqual([...entry.lists].sort());
    for (const kind of entry.lists) {
      expect(job.progress.lists[kind], kind).toMatchObject({ status: 'done' });
      const list = await json(await h.call('GET', `/connections/${h.connectionId}/lists/${kind}?limit=1`));
      expect(list.total, `${kind} entries`).toBeGreaterThan(0);
      expect(job.progress.lists[kind], `${kind} progress`).toMatchObject({ done: list.total, total: list.total });
    }
  });

  for (const type of itemTypes) {
    for (const destination of entry.destinations[type]) {
      it(`publishes ${typeWords[type]} as ${destination.label} (${destination.id}) with the right contact, amounts and tax`, async () => {
        await useDestination(h, type, destination);
        const body = itemFor(driver, type, destination);
        const item = await publish(h, body);
        expect(item.state, JSON.stringify(item.error)).toBe('published');
        expect(item.destination).toBe(destination.id);
        // Ids are per kind of document at some providers (KashFlow numbers purchases and invoices apart).
        const docs = (await driver.documents(h.ctx, h.organisationId)).filter((d) => d.id === item.publish.documentId && d.destination === destination.id);
        expect(docs, `one ${destination.id} ${item.publish.documentId}`).toHaveLength(1);
        const [doc] = docs;
        if (doc!.contact !== null) expect(doc!.contact).toBe(driver.contactRef({ externalId: item.contact.externalId, code: null, name: item.contact.name, status: 'active', type: null }));
        const sign = driver.negative?.includes(destination.id) ? -1 : 1;
        expect(doc!.total).toBeCloseTo(sign * Number(body.total), 2);
        expect(doc!.tax).toBeCloseTo(sign * Number(body.totalTax ?? 0), 2);
        const code = sales(type) ? driver.taxCode?.sales : driver.taxCode?.purchases;
        if (code) expect(doc!.taxCodes.length).toBeGreaterThan(0);
        if (code) for (const c of doc!.taxCodes) expect(c).toBe(code);
      });
    }
  }

  it('a retry after a timed-out publish creates the document once', async () => {
    const destination = entry.destinations.cost[0]!;
    await useDestination(h, 'cost', destination);
    const count = async () => (await driver.documents(h.ctx, h.organisationId)).filter((d) => d.destination === destination.id).length;
    const before = await count();
    const unclear = await publish(h, itemFor(driver, 'cost', destination), () => driver.injectTimeout(h.ctx, h.organisationId));
    // Outcome unknown: neither failed nor sent again blindly.
    expect(unclear.state).toBe('publishing');
    await driver.clearFaults(h.ctx, h.organisationId);
    h.server.clock.advance(5 * 60_000); // past the job's back-off
    await h.server.deps.jobs.runUntilIdle();
    const item = await json(await h.call('GET', `/items/${unclear.id}`));
    expect(item.state, JSON.stringify(item.error)).toBe('published');
    expect(await count()).toBe(before + 1);
    expect((await driver.documents(h.ctx, h.organisationId)).filter((d) => d.id === item.publish.documentId && d.destination === destination.id)).toHaveLength(1);
  });

  it('refresh after changes upstream archives, renames and adds, losing nothing', async () => {
    const before = await contacts(h);
    const fixtures = new Set([driver.purchases.contact, isApplicable(driver.sales) ? driver.sales.contact : '', driver.claimant ?? ''].map((s) => s.toLowerCase()));
    const candidates = before.entries
      .filter((e) => e.status === 'active' && (e.type === 'supplier' || e.type === 'both') && !fixtures.has(e.name.toLowerCase()) && !fixtures.has((e.code ?? '').toLowerCase()))
      .sort((a, b) => a.name.localeCompare(b.name));
    const [archive, rename] = candidates.slice(-2);
    if (!archive || !rename) throw new Error('two suppliers to change are needed');
    const change = { archive, rename, to: `${rename.name} (renamed)`, add: 'Suite Newly Added Supplies Ltd' };
    const rule = await h.call('POST', '/rules', { contact: archive.externalId, category: driver.purchases.category });
    expect(rule.status, JSON.stringify(await rule.clone().json())).toBe(201);
    await driver.changeContacts(h.ctx, h.organisationId, change);
    const started = await h.call('POST', `/connections/${h.connectionId}/refresh`);
    expect(started.status).toBe(202);
    const job = await jobOf(h, (await json(started)).jobId);
    expect(job.status, job.error).toBe('done');
    const after = await contacts(h);
    expect(after.total).toBe(before.total + 1);
    const ids = new Set(after.entries.map((e) => e.externalId));
    expect(before.entries.filter((e) => !ids.has(e.externalId))).toEqual([]);
    expect(after.entries.find((e) => e.externalId === archive.externalId)).toMatchObject({ status: 'archived' });
    expect(after.entries.find((e) => e.externalId === rename.externalId)).toMatchObject({ status: 'active', name: change.to });
    expect(after.entries.filter((e) => e.name === change.add)).toMatchObject([{ status: 'active' }]);
    // The supplier rule that points at the archived contact is flagged, not lost.
    const flagged = await json(await h.call('GET', `/rules/${(await json(rule)).id}`));
    expect(flagged.flagged).toEqual([expect.objectContaining({ field: 'contact', reason: 'archived' })]);
  });

  let held: any;
  it('when the grant ends at the provider, the connection asks for a reconnect and publishing waits', async () => {
    await driver.revoke(h.ctx, h.organisationId);
    h.server.clock.advance(61 * 60_000); // the access token (or session) has run out
    const refresh = await h.call('POST', `/connections/${h.connectionId}/refresh`);
    expect(refresh.status).toBe(202);
    const job = await jobOf(h, (await json(refresh)).jobId);
    expect(job.status).toBe('failed');
    const c = (await connections(h)).find((x) => x.id === h.connectionId);
    expect(c.health).toBe('expired');
    expect(c.expiredReason).toMatch(/reconnect/i);
    const destination = entry.destinations.cost[0]!;
    await useDestination(h, 'cost', destination);
    held = await publish(h, itemFor(driver, 'cost', destination));
    expect(held.state).toBe('waiting_for_reconnect');
    expect(held.error).toMatchObject({ code: 'reconnect_required', message: expect.stringContaining('Reconnect') });
  });

  if (isApplicable(other)) {
    it(`reconnect to another organisation (${other}) is refused, pointing to Change connection`, async () => {
      const res = await authorise(h, driver, 'reconnect', other);
      expect(res.status).toBe(409);
      expect((await json(res)).error).toMatchObject({ code: 'different_organisation', message: expect.stringContaining('Change connection') });
    });
  }

  it(`reconnect to ${driver.organisations.main} restores the connection and publishes what was held`, async () => {
    const res = await authorise(h, driver, 'reconnect', driver.organisations.main);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    expect((await json(res)).connection.id).toBe(h.connectionId);
    await h.server.deps.jobs.runUntilIdle();
    const c = (await connections(h)).find((x) => x.id === h.connectionId);
    expect(c).toMatchObject({ health: 'active', daysLeft: 365 });
    const item = await json(await h.call('GET', `/items/${held.id}`));
    expect(item.state, JSON.stringify(item.error)).toBe('published');
    expect((await driver.documents(h.ctx, h.organisationId)).filter((d) => d.id === item.publish.documentId && d.destination === entry.destinations.cost[0]!.id)).toHaveLength(1);
  });

  if (isApplicable(other)) {
    it(`change connection to ${other}: the new one imports, the old one is kept read-only for the merge`, async () => {
      const res = await authorise(h, driver, 'change', other);
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
      const body = await json(res);
      const job = await jobOf(h, body.jobId);
      expect(job.status, job.error).toBe('done');
      const all = await connections(h);
      expect(all.find((x) => x.id === h.connectionId)).toMatchObject({ status: 'replaced', replacedBy: body.connection.id });
      expect(all.find((x) => x.id === body.connection.id)).toMatchObject({ status: 'active', organisation: { name: other } });
      const merge = await h.call('GET', `/connections/${body.connection.id}/merge`);
      expect(merge.status).toBe(200);
      expect((await json(merge)).from).toMatchObject({ id: h.connectionId, organisation: driver.organisations.main });
      h.connectionId = body.connection.id;
      h.organisationId = body.connection.organisation.id;
    });
  } else {
    it(`records why reconnect/change to another organisation is not tried: ${other.notApplicable}`, () => {
      expect(entry.organisationChoice).not.toBe('chooser');
    });
  }

  it(`disconnect wipes the credentials${entry.capabilities.revoke ? ' and revokes at ' + entry.name : ''}, keeping the lists`, async () => {
    const res = await h.call('POST', `/connections/${h.connectionId}/disconnect`, { keepLists: true });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ revoked: entry.capabilities.revoke });
    const row = await h.server.deps.db.selectFrom('connections').selectAll().where('id', '=', h.connectionId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'disconnected', credentials: null });
    expect((await json(await h.call('GET', `/connections/${h.connectionId}/lists/categories?limit=1`))).total).toBeGreaterThan(0);
    const audit = (await json(await h.call('GET', '/audit?limit=500'))).entries.map((e: any) => e.action);
    const told = ['connection.connect', 'connection.refresh', 'connection.reconnect', 'connection.disconnect', ...(isApplicable(other) ? ['connection.change'] : [])];
    expect(audit).toEqual(expect.arrayContaining(told));
  });
});

describe.each(secondaries)('$id beside $ledger.driver.id: the shared provider suite', (driver) => {
  const entry = catalogue[driver.id];
  const h = harness(driver);
  let secondaryId = '';

  it(`connects beside the ledger (${driver.ledger.driver.id}: ${driver.ledger.organisation}), choosing ${driver.organisation}`, async () => {
    const ledger = await authorise(h, driver.ledger.driver, 'connect', driver.ledger.organisation);
    expect(ledger.status, JSON.stringify(await ledger.clone().json())).toBe(201);
    const ledgerBody = await json(ledger);
    h.connectionId = ledgerBody.connection.id;
    expect((await jobOf(h, ledgerBody.jobId)).status).toBe('done');

    const res = await authorise(h, driver, 'connect', driver.organisation, undefined);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    const body = await json(res);
    expect(body.connection).toMatchObject({ provider: driver.id, role: 'secondary', organisation: { name: driver.organisation }, health: expect.any(String) });
    secondaryId = body.connection.id;
    h.organisationId = body.connection.organisation.id;
    h.importJobId = body.jobId;
    expect((await jobOf(h, body.jobId)).status).toBe('done');
    const all = await connections(h);
    expect(all.map((c) => c.provider).sort()).toEqual([driver.id, driver.ledger.driver.id].sort());
    expect(all.every((c) => c.health === 'active')).toBe(true);
  });

  it(entry.lists.length ? `imports every list of the catalogue entry (${entry.lists.join(', ')}), each done and not empty` : 'has no lists to import (the catalogue lists none): the import is done with nothing', async () => {
    const job = await json(await h.call('GET', `/jobs/${h.importJobId}`));
    expect(job.status).toBe('done');
    expect(Object.keys(job.progress.lists).sort()).toEqual([...entry.lists].sort());
    for (const kind of entry.lists) {
      const list = await json(await h.call('GET', `/connections/${secondaryId}/lists/${kind}?limit=1`));
      expect(list.total, `${kind} entries`).toBeGreaterThan(0);
      expect(job.progress.lists[kind]).toMatchObject({ status: 'done', done: list.total, total: list.total });
    }
  });

  const publishes = driver.publishes;
  if (publishes) {
    for (const type of itemTypes) {
      for (const destination of entry.destinations[type]) {
        it(`publishes ${typeWords[type]} to ${entry.name} (not the ledger) as ${destination.label} (${destination.id})`, async () => {
          // The publishing settings are the ledger's: the destination beside it is chosen on the item.
          const body = { ...itemFor(publishes, type, destination), destination: destination.id };
          const item = await publish(h, body);
          expect(item.state, JSON.stringify(item.error)).toBe('published');
          expect(item.publish.connectionId).toBe(secondaryId);
          const docs = (await publishes.documents(h.ctx, h.organisationId)).filter((d) => d.id === item.publish.documentId && d.destination === destination.id);
          expect(docs, `one ${destination.id} ${item.publish.documentId} in ${entry.name}`).toHaveLength(1);
          expect(docs[0]!.contact).toBe(publishes.contactRef({ externalId: item.contact.externalId, code: null, name: item.contact.name, status: 'active', type: null }));
          expect(docs[0]!.total).toBeCloseTo(Number(body.total), 2);
        });
      }
    }
  } else {
    it(`publishing to ${entry.name} is refused in the catalogue's words; items go to ${catalogue[driver.ledger.driver.id].name}`, async () => {
      // What the extension shows beside Connect: no destination for any item type, and why.
      const summary = (await json(await h.server.request('GET', '/api/providers', { token: h.token }))).providers.find((p: any) => p.id === driver.id);
      for (const type of itemTypes) expect(summary.destinations[type], type).toEqual([]);
      expect(summary.limitations).toBe(entry.limitations);
      expect(entry.limitations).toContain(`nothing is published to ${entry.name}`);
      // The companion's own adapter refuses a publish outright, saying where to publish instead.
      const refused = await h.server.deps.providers
        .adapter(driver.id)
        .publish({ organisationId: h.organisationId, credentials: async () => { throw new Error('not reached'); }, renew: async () => { throw new Error('not reached'); } }, [])
        .then(() => null, (e: unknown) => e);
      expect(refused).toBeInstanceOf(ProviderError);
      expect(refused).toMatchObject({ kind: 'forbidden', message: expect.stringMatching(/read-only: publish to your ledger/) });
      // A bill goes to the ledger, in the status the secondary picks up.
      const ledgerDriver = driver.ledger.driver;
      const destination = catalogue[ledgerDriver.id].destinations.cost[0]!;
      const item = await publish(h, itemFor(ledgerDriver, 'cost', destination));
      expect(item.state, JSON.stringify(item.error)).toBe('published');
      expect(item.publish.connectionId).toBe(h.connectionId);
      const ledgerOrganisation = (await connections(h)).find((c) => c.id === h.connectionId).organisation.id;
      const [doc] = (await ledgerDriver.documents(ctxFor(h, ledgerDriver.id), ledgerOrganisation)).filter((d) => d.id === item.publish.documentId);
      expect(doc).toMatchObject({ destination: destination.id, total: 120 });
    });
  }

  it(`disconnects ${entry.name}${entry.capabilities.revoke ? ', revoking at ' + entry.name : ''}, leaving the ledger connected`, async () => {
    const res = await h.call('POST', `/connections/${secondaryId}/disconnect`, { keepLists: false });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ revoked: entry.capabilities.revoke });
    expect((await connections(h)).map((c) => [c.provider, c.health])).toEqual([[driver.ledger.driver.id, 'active']]);
  });
});
