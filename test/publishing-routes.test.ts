/**
 * The routes of items, rules and publishing settings: for each, the happy path, a validation
 * failure that names the field and changes nothing, 401 without a session, 403 for a role that
 * may not, and 404 for another business. Against a real Xero sandbox connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectXero, json, startHarness, type Harness } from './support/publishing.js';

let h: Harness;
let admin: string;
let standard: string;
let outsider: string;
let businessId: string;
let otherBusinessId: string;
let supplier: string;

const base = () => `/api/businesses/${businessId}`;
const as = (token: string) => (method: string, path: string, body?: unknown) => api(h.server, token)(method, `${base()}${path}`, body);
const anonymous = (method: string, path: string, body?: unknown) => h.server.request(method, `${base()}${path}`, { json: body });
const count = async (table: 'items' | 'contact_rules' | 'publishing_settings') =>
  Number((await h.server.deps.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

const bill = (over: Record<string, unknown> = {}) => ({
  type: 'cost',
  contact: supplier,
  date: '2026-05-20',
  currency: 'GBP',
  lines: [{ description: 'Paper', amount: '10.00', category: '429', taxRate: 'INPUT2' }],
  total: '12.00',
  ...over,
});

beforeAll(async () => {
  h = await startHarness();
  const a = await h.server.user({ role: 'business_admin' });
  businessId = a.businessId;
  const s = await h.server.user({ role: 'standard', businessId });
  const o = await h.server.user({ role: 'business_admin' });
  otherBusinessId = o.businessId;
  admin = await h.server.signIn(a.email, a.password);
  standard = await h.server.signIn(s.email, s.password);
  outsider = await h.server.signIn(o.email, o.password);
  const { connectionId } = await connectXero(h, admin, businessId);
  supplier = (await h.server.deps.db.selectFrom('list_entries').select('name').where('connection_id', '=', connectionId).where('kind', '=', 'contacts').where('type', '=', 'supplier').orderBy('name').executeTakeFirstOrThrow()).name;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('items', () => {
  it('any member adds an item; 401 without a session; 404 from another business', async () => {
    const res = await as(standard)('POST', '/items', bill());
    expect(res.status).toBe(201);
    const item = await json(res);
    expect(item).toMatchObject({ state: 'ready', submittedBy: { name: expect.any(String) }, totalTax: '2.00', source: 'api' });
    expect(item.publish.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect((await anonymous('POST', '/items', bill())).status).toBe(401);
    expect((await as(outsider)('POST', '/items', bill())).status).toBe(404);
    expect((await as(outsider)('GET', `/items/${item.id}`)).status).toBe(404);
    expect((await api(h.server, outsider)('GET', `/api/businesses/${otherBusinessId}/items/${item.id}`)).status).toBe(404);
  });

  it('refuses amounts that do not add up or are not decimal strings, naming the field, and stores nothing', async () => {
    const before = await count('items');
    const wrong = await as(admin)('POST', '/items', bill({ total: '12.01', totalTax: '2.00' }));
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).error.issues).toEqual([{ path: 'total', message: 'must equal the lines (10.00) plus tax (2.00) = 12.00' }]);
    const float = await as(admin)('POST', '/items', bill({ total: 12 }));
    expect((await json(float)).error.issues).toEqual([{ path: 'total', message: 'must be a decimal string such as "12.50" (not a number)' }]);
    const unknown = await as(admin)('POST', '/items', bill({ lines: [{ amount: '10.00', category: 'Nonsense account' }] }));
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.issues[0]).toMatchObject({ path: 'lines.0.category', message: expect.stringContaining('is not a category in Xero') });
    const tooBig = await as(admin)('POST', '/items', bill({ file: { name: 'x.exe', contentType: 'application/x-msdownload', data: 'AAAA' } }));
    expect((await json(tooBig)).error.issues[0].path).toBe('file.contentType');
    expect(await count('items')).toBe(before);
  });

  it('lists items with a state filter and counts per state', async () => {
    const res = await as(standard)('GET', '/items?state=ready&limit=1');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.items.every((i: any) => i.state === 'ready')).toBe(true);
    expect(body.counts.ready).toBeGreaterThanOrEqual(1);
    const bad = await as(standard)('GET', '/items?state=lost');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues[0].path).toBe('query.state');
    expect((await anonymous('GET', '/items')).status).toBe(401);
    expect((await as(outsider)('GET', '/items')).status).toBe(404);
  });

  it('pages through items with a cursor', async () => {
    await as(admin)('POST', '/items', bill());
    const first = await json(await as(admin)('GET', '/items?limit=1'));
    expect(first.nextCursor).toBeTruthy();
    const second = await json(await as(admin)('GET', `/items?limit=1&cursor=${first.nextCursor}`));
    expect(second.items[0].id).not.toBe(first.items[0].id);
  });

  it('a manual edit is recorded as manual and in the audit log; an empty edit is refused', async () => {
    const item = await json(await as(admin)('POST', '/items', bill()));
    const res = await as(standard)('PATCH', `/items/${item.id}`, { lines: [{ amount: '20.00', category: '453' }], total: '24.00' });
    expect(res.status).toBe(200);
    const edited = await json(res);
    expect(edited.lines[0]).toMatchObject({ amount: '20.00', category: { code: '453' } });
    expect(edited.sources['lines.0.category']).toBe('manual');
    expect(edited.totalTax).toBe('4.00');
    const empty = await as(admin)('PATCH', `/items/${item.id}`, {});
    expect(empty.status).toBe(400);
    const mismatch = await as(admin)('PATCH', `/items/${item.id}`, { total: '99.00', totalTax: '4.00' });
    expect((await json(mismatch)).error.issues[0].path).toBe('total');
    expect((await json(await as(admin)('GET', `/items/${item.id}`))).total).toBe('24.00');
    expect((await anonymous('PATCH', `/items/${item.id}`, { reference: 'x' })).status).toBe(401);
    expect((await as(outsider)('PATCH', `/items/${item.id}`, { reference: 'x' })).status).toBe(404);
    const audit = await h.server.deps.db.selectFrom('audit_log').select('detail').where('action', '=', 'item.edit').execute();
    expect(audit.some((a) => a.detail.includes(item.id))).toBe(true);
  });

  it('imports CSV rows, reporting each bad row by number and field', async () => {
    const csv = [
      'Supplier,Date,Currency,Description,Net,VAT,Account,Tax Rate',
      `${supplier},20/05/2026,GBP,Paper,10.00,2.00,429,INPUT2`,
      `${supplier},2026-05-21,GBP,Toner,abc,,429,INPUT2`,
      `${supplier},2026-05-22,GBP,Pens,5.00,1.00,9999,INPUT2`,
    ].join('\n');
    const before = await count('items');
    const dry = await json(await as(standard)('POST', '/items/import', { csv, dryRun: true }));
    expect(dry.created).toEqual([{ row: 2, itemId: null }]);
    expect(await count('items')).toBe(before);
    const res = await as(standard)('POST', '/items/import', { csv });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.created.map((c: any) => c.row)).toEqual([2]);
    expect(body.errors).toEqual([
      { row: 3, field: 'amount', message: '"abc" is not understood' },
      { row: 4, field: 'category', message: expect.stringContaining('"9999" is not a category in Xero') },
    ]);
    expect(await count('items')).toBe(before + 1);
    const created = await json(await as(standard)('GET', `/items/${body.created[0].itemId}`));
    expect(created).toMatchObject({ source: 'csv', date: '2026-05-20', total: '12.00', state: 'ready' });
    expect((await as(admin)('POST', '/items/import', { csv: '' })).status).toBe(400);
    expect((await anonymous('POST', '/items/import', { csv })).status).toBe(401);
    expect((await as(outsider)('POST', '/items/import', { csv })).status).toBe(404);
  });

  it('downloads the attached file', async () => {
    const data = Buffer.from('\x89PNG fake image bytes').toString('base64');
    const item = await json(await as(standard)('POST', '/items', bill({ file: { name: 'till.png', contentType: 'image/png', data } })));
    const res = await as(standard)('GET', `/items/${item.id}/file`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).toString('base64')).toBe(data);
    expect((await as(outsider)('GET', `/items/${item.id}/file`)).status).toBe(404);
  });
});

describe('publish and re-publish permissions', () => {
  it('a standard user may publish only when the business allows it', async () => {
    const item = await json(await as(standard)('POST', '/items', bill()));
    const refused = await as(standard)('POST', `/items/${item.id}/publish`);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.message).toMatch(/Only Admins and accountants can publish/);
    expect((await json(await as(admin)('GET', `/items/${item.id}`))).state).toBe('ready');
    await h.server.deps.db.updateTable('businesses').set({ standard_users_can_publish: 1 }).where('id', '=', businessId).execute();
    expect((await as(standard)('POST', `/items/${item.id}/publish`)).status).toBe(202);
    await h.server.deps.db.updateTable('businesses').set({ standard_users_can_publish: 0 }).where('id', '=', businessId).execute();
    expect((await anonymous('POST', `/items/${item.id}/publish`)).status).toBe(401);
    expect((await as(outsider)('POST', `/items/${item.id}/publish`)).status).toBe(404);
    expect((await as(admin)('POST', '/items/not-an-id/publish')).status).toBe(400);
    await h.server.deps.jobs.runUntilIdle();
    expect((await json(await as(admin)('GET', `/items/${item.id}`))).state).toBe('published');
    const again = await as(admin)('POST', `/items/${item.id}/publish`);
    expect(again.status).toBe(409);
    expect((await json(again)).error.code).toBe('already_published');
    expect((await as(admin)('PATCH', `/items/${item.id}`, { reference: 'late' })).status).toBe(409);
  });

  it('a failing check answers 422 with each thing to fix, and sends nothing', async () => {
    const item = await json(await as(admin)('POST', '/items', bill({ contact: 'A Supplier Xero Has Never Heard Of', lines: [{ amount: '10.00' }], total: '10.00', taxMode: 'no_tax' })));
    expect(item.state).toBe('needs_attention');
    const res = await as(admin)('POST', `/items/${item.id}/publish`);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.error.code).toBe('check_failed');
    expect(body.error.issues.map((i: any) => i.path)).toEqual(['contact', 'lines.0.category']);
    expect(body.error.issues[0].message).toContain('is not a supplier in Xero');
    expect((await as(admin)('POST', `/items/${item.id}/republish`)).status).toBe(409);
    expect((await as(standard)('POST', `/items/${item.id}/republish`)).status).toBe(403);
  });
});

describe('rules', () => {
  let ruleId: string;
  it('admins create, read, update and delete a rule; members read it', async () => {
    const created = await as(admin)('POST', '/rules', { contact: supplier, category: '429', taxRate: 'INPUT2', paid: false, destination: 'bill', autoPublish: false });
    expect(created.status).toBe(201);
    ruleId = (await json(created)).id;
    const list = await json(await as(standard)('GET', `/rules?contact=${encodeURIComponent(supplier)}`));
    expect(list.rules.map((r: any) => r.id)).toEqual([ruleId]);
    expect((await as(standard)('GET', `/rules/${ruleId}`)).status).toBe(200);
    const updated = await as(admin)('PUT', `/rules/${ruleId}`, { contact: supplier, category: '453' });
    expect((await json(updated)).category.code).toBe('453');
    const audit = await h.server.deps.db.selectFrom('audit_log').select('action').where('business_id', '=', businessId).where('action', 'like', 'rule.%').execute();
    expect(audit.map((a) => a.action)).toEqual(['rule.create', 'rule.update']);
  });

  it('refuses unknown entries and a second rule for the same contact, naming the field', async () => {
    const before = await count('contact_rules');
    const bad = await as(admin)('POST', '/rules', { contact: 'Nobody Ltd', category: 'Nope' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.issues.map((i: any) => i.path)).toEqual(['contact', 'category']);
    const dup = await as(admin)('POST', '/rules', { contact: supplier });
    expect(dup.status).toBe(409);
    expect(await count('contact_rules')).toBe(before);
  });

  it('standard users cannot change rules; 401 and 404 as everywhere', async () => {
    expect((await as(standard)('POST', '/rules', { contact: supplier })).status).toBe(403);
    expect((await as(standard)('PUT', `/rules/${ruleId}`, { contact: supplier })).status).toBe(403);
    expect((await as(standard)('DELETE', `/rules/${ruleId}`)).status).toBe(403);
    expect((await anonymous('GET', '/rules')).status).toBe(401);
    expect((await as(outsider)('GET', `/rules/${ruleId}`)).status).toBe(404);
    expect((await as(outsider)('DELETE', `/rules/${ruleId}`)).status).toBe(404);
    expect((await as(admin)('DELETE', `/rules/${ruleId}`)).status).toBe(204);
    expect((await as(admin)('GET', `/rules/${ruleId}`)).status).toBe(404);
  });
});

describe('publishing settings', () => {
  it('shows the provider’s choices; admins save; defaults reach unpublished items', async () => {
    const view = await json(await as(standard)('GET', '/publishing-settings'));
    expect(view).toMatchObject({ provider: 'xero', settings: { destinations: { cost: 'bill', sales: 'sales_invoice' }, statuses: { cost: 'DRAFT' }, bankMatch: false, autoPublish: false } });
    expect(view.choices.destinations.cost.map((d: any) => d.id)).toEqual(['bill', 'spend_money']);
    expect(view.choices.taxRates.some((t: any) => t.externalId === 'INPUT2')).toBe(true);
    const item = await json(await as(admin)('POST', '/items', bill()));
    expect(item.status).toBe('DRAFT');
    const saved = await as(admin)('PUT', '/publishing-settings', { ...view.settings, statuses: { ...view.settings.statuses, cost: 'SUBMITTED' } });
    expect(saved.status).toBe(200);
    expect((await json(await as(admin)('GET', `/items/${item.id}`))).status).toBe('SUBMITTED');
  });

  it('refuses a destination or status the provider does not have, naming the field', async () => {
    const view = await json(await as(admin)('GET', '/publishing-settings'));
    const res = await as(admin)('PUT', '/publishing-settings', { ...view.settings, destinations: { ...view.settings.destinations, cost: 'fax' }, statuses: { ...view.settings.statuses, sales: 'PAID' } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.issues.map((i: any) => i.path)).toEqual(['destinations.cost', 'statuses.sales']);
    expect((await json(await as(admin)('GET', '/publishing-settings'))).settings.destinations.cost).toBe('bill');
  });

  it('standard users cannot change settings; 401; 404; 409 before any connection', async () => {
    const view = await json(await as(admin)('GET', '/publishing-settings'));
    expect((await as(standard)('PUT', '/publishing-settings', view.settings)).status).toBe(403);
    expect((await anonymous('GET', '/publishing-settings')).status).toBe(401);
    expect((await as(outsider)('GET', '/publishing-settings')).status).toBe(404);
    const none = await api(h.server, outsider)('GET', `/api/businesses/${otherBusinessId}/publishing-settings`);
    expect(none.status).toBe(409);
    // Items can still arrive there: they wait, saying what is missing.
    const waiting = await json(await api(h.server, outsider)('POST', `/api/businesses/${otherBusinessId}/items`, bill({ lines: [{ amount: '10.00' }] })));
    expect(waiting).toMatchObject({ state: 'needs_attention', issues: [{ code: 'no_connection' }] });
  });
});
