/**
 * Publishing to Xero over real HTTP against the Xero sandbox, through the companion's routes:
 * the right document with the right tax, rules, auto-publish, the pre-publish check, expiry and
 * reconnect, a timed-out request retried without a second document, and bank match.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, connectXero, control, entry, json, startHarness, type Harness } from './support/publishing.js';

let h: Harness;
let admin: string;
let standard: string;
let businessId: string;
let connectionId: string;
let tenantId: string;
let supplier: { name: string; externalId: string };
let otherSupplier: { name: string; externalId: string };
let number = 0;

const base = () => `/api/businesses/${businessId}`;
const asAdmin = (method: string, path: string, body?: unknown) => api(h.server, admin)(method, `${base()}${path}`, body);
const documents = async () => (await control(h.sandbox.url, 'xero', `/documents?tenantId=${tenantId}`)).organisations[0];

function bill(over: Record<string, unknown> = {}) {
  number++;
  return {
    type: 'cost',
    contact: supplier.name,
    date: '2026-05-20',
    dueDate: '2026-06-19',
    number: `PUB-${number}`,
    currency: 'GBP',
    lines: [{ description: 'Printer paper', amount: '100.00', category: '429', taxRate: 'INPUT2' }],
    total: '120.00',
    totalTax: '20.00',
    ...over,
  };
}

beforeAll(async () => {
  h = await startHarness({ PROVIDER_TIMEOUT_MS: '1000' });
  const a = await h.server.user({ role: 'business_admin' });
  businessId = a.businessId;
  const s = await h.server.user({ role: 'standard', businessId });
  admin = await h.server.signIn(a.email, a.password);
  standard = await h.server.signIn(s.email, s.password);
  ({ connectionId, tenantId } = await connectXero(h, admin, businessId));
  [supplier, otherSupplier] = (await h.server.suppliers(connectionId)) as [typeof supplier, typeof supplier];
}, 60_000);
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // A fresh Xero rate-limit minute per test (the sandbox counts on our fake clock).
  h.server.clock.advance(61_000);
  await control(h.sandbox.url, 'xero', '/faults', {});
});

describe('publishing a bill to Xero', () => {
  it('publishes a bill with the right contact, lines, account, tax and totals, once', async () => {
    const created = await asAdmin('POST', '/items', bill());
    expect(created.status).toBe(201);
    const item = await json(created);
    expect(item).toMatchObject({ state: 'ready', issues: [], destination: 'bill', status: 'DRAFT', contact: { externalId: supplier.externalId } });
    expect(item.sources).toMatchObject({ 'lines.0.category': 'submitted', destination: 'default' });

    const published = await asAdmin('POST', `/items/${item.id}/publish`);
    expect(published.status).toBe(202);
    expect((await json(published)).state).toBe('queued');
    // A double click: still one document.
    expect((await asAdmin('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();

    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    expect(after.publish.documentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(after.publish.url).toContain(after.publish.documentId);

    const docs = await documents();
    const mine = docs.invoices.filter((i: any) => i.InvoiceNumber === item.number);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      Type: 'ACCPAY',
      InvoiceID: after.publish.documentId,
      Contact: expect.objectContaining({ ContactID: supplier.externalId }),
      Status: 'DRAFT',
      LineAmountTypes: 'Exclusive',
      SubTotal: 100,
      TotalTax: 20,
      Total: 120,
    });
    expect(mine[0].LineItems[0]).toMatchObject({ AccountCode: '429', TaxType: 'INPUT2', LineAmount: 100, TaxAmount: 20 });

    const log = await h.server.deps.db.selectFrom('audit_log').select(['action', 'detail']).where('business_id', '=', businessId).execute();
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(['item.publish', 'item.published']));
  });

  it('fills an incoming item from the supplier rule, and shows who set what', async () => {
    const rule = await asAdmin('POST', '/rules', { contact: otherSupplier.name, category: '461', taxRate: 'INPUT2', description: 'Stationery' });
    expect(rule.status).toBe(201);
    const ruleBody = await json(rule);
    expect(ruleBody).toMatchObject({ contact: { externalId: otherSupplier.externalId }, category: { code: '461' }, flagged: [] });

    const created = await json(await asAdmin('POST', '/items', bill({ contact: otherSupplier.name, lines: [{ amount: '50.00' }, { amount: '50.00', category: '453' }] })));
    expect(created.state).toBe('ready');
    expect(created.lines.map((l: any) => [l.category.code, l.taxRate.externalId])).toEqual([
      ['461', 'INPUT2'],
      ['453', 'INPUT2'],
    ]);
    expect(created.sources).toMatchObject({ 'lines.0.category': 'rule', 'lines.1.category': 'submitted', 'lines.0.taxRate': 'rule', description: 'rule' });

    // A manual edit outranks the rule, even when the rule changes afterwards.
    const edited = await json(await asAdmin('PATCH', `/items/${created.id}`, { lines: [{ amount: '50.00', category: '463' }, { amount: '50.00' }] }));
    expect(edited.lines.map((l: any) => l.category.code)).toEqual(['463', '461']);
    expect(edited.sources).toMatchObject({ 'lines.0.category': 'manual', 'lines.1.category': 'rule' });
    const ruleId = ruleBody.id;
    expect((await asAdmin('PUT', `/rules/${ruleId}`, { contact: otherSupplier.name, category: '453', taxRate: 'INPUT2' })).status).toBe(200);
    const after = await json(await asAdmin('GET', `/items/${created.id}`));
    expect(after.lines.map((l: any) => l.category.code)).toEqual(['463', '453']);
    expect(after.description).toBeNull(); // the rule no longer sets it
    const edits = await h.server.deps.db.selectFrom('audit_log').select('detail').where('action', '=', 'item.edit').execute();
    expect(edits.some((e) => e.detail.includes(created.id))).toBe(true);
  });

  it('auto-publishes only items from the supplier whose rule says so', async () => {
    const settings = await json(await asAdmin('GET', '/publishing-settings'));
    expect((await asAdmin('PUT', '/publishing-settings', { ...settings.settings, autoPublish: true })).status).toBe(200);
    const [auto, manual] = (await h.server.suppliers(connectionId)).slice(2, 4).map((s) => s.name) as [string, string];
    expect((await asAdmin('POST', '/rules', { contact: auto, category: '429', taxRate: 'INPUT2', autoPublish: true })).status).toBe(201);
    expect((await asAdmin('POST', '/rules', { contact: manual, category: '429', taxRate: 'INPUT2', autoPublish: false })).status).toBe(201);

    const fromAuto = await json(await asAdmin('POST', '/items', bill({ contact: auto, lines: [{ amount: '100.00' }] })));
    const fromManual = await json(await asAdmin('POST', '/items', bill({ contact: manual, lines: [{ amount: '100.00' }] })));
    expect([fromAuto.state, fromAuto.autoPublish]).toEqual(['queued', true]);
    expect([fromManual.state, fromManual.autoPublish]).toEqual(['ready', false]);
    // An item that fails the check waits, even from the auto-publish supplier.
    const incomplete = await json(await asAdmin('POST', '/items', bill({ contact: auto, currency: 'GBP', lines: [{ amount: '100.00', taxRate: 'NONE' }] })));
    expect(incomplete.state).toBe('needs_attention');
    await h.server.deps.jobs.runUntilIdle();

    expect((await json(await asAdmin('GET', `/items/${fromAuto.id}`))).state).toBe('published');
    expect((await json(await asAdmin('GET', `/items/${fromManual.id}`))).state).toBe('ready');
    const docs = await documents();
    expect(docs.invoices.some((i: any) => i.InvoiceNumber === fromManual.number)).toBe(false);
    const auditRows = await h.server.deps.db.selectFrom('audit_log').select('detail').where('action', '=', 'item.auto_publish').execute();
    expect(auditRows.map((r) => JSON.parse(r.detail).itemId)).toContain(fromAuto.id);
    await asAdmin('PUT', '/publishing-settings', { ...settings.settings, autoPublish: false });
  });

  it('the pre-publish check catches an account archived in Xero, and the rule using it is flagged', async () => {
    const rule = await json(await asAdmin('POST', '/rules', { contact: supplier.name, category: '473', taxRate: 'INPUT2' }));
    const item = await json(await asAdmin('POST', '/items', bill({ lines: [{ amount: '100.00', category: '473', taxRate: 'INPUT2' }] })));
    expect(item.state).toBe('ready');
    await control(h.sandbox.url, 'xero', '/mutate', { tenantId, list: 'accounts', action: 'archive', target: '473' });
    const refresh = await asAdmin('POST', `/connections/${connectionId}/refresh`);
    expect(refresh.status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();

    const before = (await documents()).invoices.length;
    const res = await asAdmin('POST', `/items/${item.id}/publish`);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.error.code).toBe('check_failed');
    expect(body.error.issues).toEqual([{ path: 'lines.0.category', message: 'The account 473 (Repairs & Maintenance) is archived in Xero — choose another category or refresh lists.' }]);
    expect((await json(await asAdmin('GET', `/items/${item.id}`))).state).toBe('needs_attention');
    await h.server.deps.jobs.runUntilIdle();
    expect((await documents()).invoices.length).toBe(before);

    const flagged = await json(await asAdmin('GET', `/rules/${rule.id}`));
    expect(flagged.flagged).toEqual([{ field: 'category', reason: 'archived', message: expect.stringContaining('account 473 (Repairs & Maintenance) is archived in Xero') }]);
    await asAdmin('DELETE', `/rules/${rule.id}`);
  });

  it('on a "not found / archived" answer from Xero, refreshes that one list and says what to fix', async () => {
    // Our lists still think 425 is active: Xero archives it after the item was checked.
    const item = await json(await asAdmin('POST', '/items', bill({ lines: [{ amount: '100.00', category: '425', taxRate: 'INPUT2' }] })));
    expect(item.state).toBe('ready');
    await control(h.sandbox.url, 'xero', '/mutate', { tenantId, list: 'accounts', action: 'archive', target: '425' });
    // Queue it directly (as if it had passed the check a moment before Xero changed).
    expect((await asAdmin('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.state).toBe('needs_attention');
    expect(after.issues[0]).toMatchObject({ path: 'lines.0.category', code: 'category_archived' });
    const account = await entry(h.server, connectionId, 'categories', { code: '425', status: 'archived' });
    expect(account.status).toBe('archived'); // that list was refreshed
    expect((await documents()).invoices.some((i: any) => i.InvoiceNumber === item.number)).toBe(false);
    expect(after.error.message).toMatch(/425.*archived or deleted in Xero — choose another category or refresh lists/);
    expect(after.error.providerMessage).toMatch(/Account code '425' has been archived/);
  });

  it('retrying after a timed-out request does not create a second document', async () => {
    const item = await json(await asAdmin('POST', '/items', bill()));
    await control(h.sandbox.url, 'xero', '/faults', { timeoutRate: 1 });
    expect((await asAdmin('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    const unclear = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(unclear.state).toBe('publishing'); // outcome unknown: not failed, not resent blindly
    expect((await asAdmin('PATCH', `/items/${item.id}`, { reference: 'x' })).status).toBe(409);
    // Xero did create it before the answer was lost.
    expect((await documents()).invoices.filter((i: any) => i.InvoiceNumber === item.number)).toHaveLength(1);

    await control(h.sandbox.url, 'xero', '/faults', {});
    h.server.clock.advance(5 * 60_000); // past the job's back-off
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    const mine = (await documents()).invoices.filter((i: any) => i.InvoiceNumber === item.number);
    expect(mine).toHaveLength(1);
    expect(after.publish.documentId).toBe(mine[0].InvoiceID);
    expect(after.publish.attempts).toBe(1);
  });

  it('bank match sends the payment with a paid bill', async () => {
    const settings = await json(await asAdmin('GET', '/publishing-settings'));
    expect(settings.choices.bankMatch.available).toBe(true);
    expect((await asAdmin('PUT', '/publishing-settings', { ...settings.settings, bankMatch: true, statuses: { ...settings.settings.statuses, cost: 'AUTHORISED' } })).status).toBe(200);
    const item = await json(await asAdmin('POST', '/items', bill({ paid: true, paymentDate: '2026-05-21', paymentAccount: '090' })));
    expect(item).toMatchObject({ state: 'ready', status: 'AUTHORISED', paymentAccount: { code: '090' } });
    expect((await asAdmin('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    expect(after.publish.paymentId).toBeTruthy();
    const docs = await documents();
    const invoice = docs.invoices.find((i: any) => i.InvoiceNumber === item.number);
    expect(invoice.Status).toBe('PAID');
    expect(docs.payments.find((p: any) => p.PaymentID === after.publish.paymentId)).toMatchObject({ Amount: 120, Account: expect.objectContaining({ Code: '090' }) });
    await asAdmin('PUT', '/publishing-settings', settings.settings);
  });

  it('an attachment is its own step: uploaded after the document exists', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF').toString('base64');
    const item = await json(await asAdmin('POST', '/items', bill({ file: { name: 'receipt.pdf', contentType: 'application/pdf', data: pdf } })));
    expect(item.file).toMatchObject({ name: 'receipt.pdf', contentType: 'application/pdf' });
    await asAdmin('POST', `/items/${item.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.publish.attachment).toBe('uploaded');
    const docs = await documents();
    expect(docs.attachments.filter((a: any) => a.documentId === after.publish.documentId)).toEqual([expect.objectContaining({ FileName: 'receipt.pdf', MimeType: 'application/pdf' })]);
    // Re-publishing a published item never sends the document again.
    expect((await asAdmin('POST', `/items/${item.id}/republish`)).status).toBe(409);
  });

  it('an expired connection holds items with a reconnect message; reconnecting releases them', async () => {
    const first = await json(await asAdmin('POST', '/items', bill()));
    // Xero disconnected on its side: the next call is refused and the grant is gone.
    await control(h.sandbox.url, 'xero', '/faults', { tenantId, revokeGrants: true });
    h.server.clock.advance(31 * 60_000);
    await asAdmin('POST', `/items/${first.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    const held = await json(await asAdmin('GET', `/items/${first.id}`));
    expect(held.state).toBe('waiting_for_reconnect');
    expect(held.error).toMatchObject({ code: 'reconnect_required', message: expect.stringContaining('Reconnect it') });
    const connection = await h.server.deps.db.selectFrom('connections').select('status').where('id', '=', connectionId).executeTakeFirstOrThrow();
    expect(connection.status).toBe('expired');

    // While expired, publishing holds at once without calling Xero.
    const second = await json(await asAdmin('POST', '/items', bill()));
    const calls = (await control(h.sandbox.url, 'xero', '/stats')).calls[tenantId] ?? 0;
    await asAdmin('POST', `/items/${second.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await asAdmin('GET', `/items/${second.id}`))).state).toBe('waiting_for_reconnect');
    expect((await control(h.sandbox.url, 'xero', '/stats')).calls[tenantId] ?? 0).toBe(calls);

    await connectXero(h, admin, businessId, 'Demo Company (UK)', 'reconnect', connectionId);
    await h.server.deps.jobs.runUntilIdle();
    for (const id of [first.id, second.id]) {
      const after = await json(await asAdmin('GET', `/items/${id}`));
      expect(after.state).toBe('published');
      expect(after.error).toBeNull();
    }
    const docs = await documents();
    expect(docs.invoices.filter((i: any) => [first.number, second.number].includes(i.InvoiceNumber))).toHaveLength(2);
  });

  it('a bill created whose payment Xero refused is published, never sent again, with the payment problem said', async () => {
    const settings = await json(await asAdmin('GET', '/publishing-settings'));
    await asAdmin('PUT', '/publishing-settings', { ...settings.settings, bankMatch: true, statuses: { ...settings.settings.statuses, cost: 'AUTHORISED' } });
    const item = await json(await asAdmin('POST', '/items', bill({ paid: true, paymentDate: '2026-05-21', paymentAccount: '091' })));
    expect(item.state).toBe('ready');
    await control(h.sandbox.url, 'xero', '/mutate', { tenantId, list: 'accounts', action: 'archive', target: '091' });
    await asAdmin('POST', `/items/${item.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    const mine = (await documents()).invoices.filter((i: any) => i.InvoiceNumber === item.number);
    expect(mine).toHaveLength(1);
    expect(after).toMatchObject({ state: 'published', publish: { documentId: mine[0].InvoiceID, paymentId: null } });
    expect(after.error).toMatchObject({ code: 'payment_not_recorded', message: expect.stringContaining('is in Xero, but its payment was not recorded') });
    await asAdmin('PUT', '/publishing-settings', settings.settings);
  });

  it('sends several bills in one call (Xero takes 50 per call)', async () => {
    const items = [];
    for (let i = 0; i < 3; i++) items.push(await json(await asAdmin('POST', '/items', bill())));
    for (const item of items) expect((await asAdmin('POST', `/items/${item.id}/publish`)).status).toBe(202);
    const writesBefore = (await control(h.sandbox.url, 'xero', '/stats')).calls[tenantId];
    await h.server.deps.jobs.runUntilIdle();
    const writes = (await control(h.sandbox.url, 'xero', '/stats')).calls[tenantId] - writesBefore;
    for (const item of items) expect((await json(await asAdmin('GET', `/items/${item.id}`))).state).toBe('published');
    expect(writes).toBe(1);
  });

  it('waits as long as Xero’s Retry-After asks before trying again', async () => {
    const item = await json(await asAdmin('POST', '/items', bill()));
    await control(h.sandbox.url, 'xero', '/faults', { tenantId, rate429: { count: 1, retryAfterSeconds: 40 } });
    await asAdmin('POST', `/items/${item.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await asAdmin('GET', `/items/${item.id}`))).state).toBe('queued');
    h.server.clock.advance(30_000);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await asAdmin('GET', `/items/${item.id}`))).state).toBe('queued'); // not yet: 40 s asked
    h.server.clock.advance(11_000);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await asAdmin('GET', `/items/${item.id}`))).state).toBe('published');
    expect((await documents()).invoices.filter((i: any) => i.InvoiceNumber === item.number)).toHaveLength(1);
  });

  it('a file Xero will not take fails on its own; re-publishing retries only the file', async () => {
    const webp = Buffer.from('RIFF0000WEBPVP8 fake').toString('base64');
    const item = await json(await asAdmin('POST', '/items', bill({ file: { name: 'photo.webp', contentType: 'image/webp', data: webp } })));
    await asAdmin('POST', `/items/${item.id}/publish`);
    await h.server.deps.jobs.runUntilIdle();
    const after = await json(await asAdmin('GET', `/items/${item.id}`));
    expect(after.state).toBe('published');
    expect(after.publish.attachment).toBe('failed');
    expect(after.publish.attachmentError).toBe('Xero takes PDF, PNG, JPEG, GIF files, not WebP: the Xero document was published without it.');
    expect((await asAdmin('POST', `/items/${item.id}/republish`)).status).toBe(202);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await asAdmin('GET', `/items/${item.id}`))).publish.attachment).toBe('failed');
    expect((await documents()).invoices.filter((i: any) => i.InvoiceNumber === item.number)).toHaveLength(1);
  });
});
