/**
 * Creating an item answers with the item exactly as reading it back shows it: rules and defaults
 * applied with who set what, the pre-publish check, the file and the submitter (issue 8 made
 * creation evaluate once and build its answer from what it has in hand instead of re-reading).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, listEntry, type TestServer } from '../../test/support/test-server.js';
import type { ListEntriesTable } from '../db/schema.js';

let server: TestServer;
let token: string;
let businessId: string;
const base = () => `/api/businesses/${businessId}`;
const call = async (method: string, path: string, json?: unknown) => {
  const res = await server.request(method, `${base()}${path}`, { token, json });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const item = (over: Record<string, unknown> = {}) => ({
  type: 'cost',
  contact: 'Acme Ltd',
  date: '2026-06-01',
  currency: 'GBP',
  lines: [{ description: 'Paper', amount: '10.00', taxAmount: '2.00' }],
  total: '12.00',
  ...over,
});

beforeAll(async () => {
  server = await createTestServer();
  const admin = await server.user({ role: 'business_admin', name: 'Ada Admin' });
  businessId = admin.businessId;
  token = await server.signIn(admin.email, admin.password);
  const { db } = server.deps;
  const connection = await server.xeroConnection(businessId, admin.userId, 'Ada Org');
  const entry = (kind: string, externalId: string, name: string, more: Partial<ListEntriesTable> = {}) => listEntry(connection.id, kind, externalId, name, more);
  await db
    .insertInto('list_entries')
    .values([
      entry('contacts', 'c-acme', 'Acme Ltd', { code: 'SUP1' }),
      entry('contacts', 'c-beta', 'Beta Supplies'),
      entry('contacts', 'c-old', 'Old Co', { status: 'archived' }),
      entry('contacts', 'c-old-2', 'OLD CO'),
      entry('categories', 'a-400', 'Advertising', { code: '400', tax_rate: 'INPUT2' }),
      entry('tax_rates', 't-input2', '20% (VAT on Expenses)', { code: 'INPUT2' }),
      entry('bank_accounts', 'b-1', 'Business Account', { code: '090' }),
      entry('currencies', 'GBP', 'Pound', { code: 'GBP' }),
    ])
    .execute();
  expect((await call('POST', '/rules', { contact: 'SUP1', category: '400', paymentAccount: 'Business Account', paid: true, autoPublish: true })).status).toBe(201);
}, 30_000);
afterAll(async () => {
  await server?.close();
});

describe('creating an item', () => {
  it('answers what reading it back shows: rule and default values, who set what, the check', async () => {
    const created = await call('POST', '/items', item({ contact: 'acme ltd', number: 'A-1' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      state: 'ready',
      contact: { name: 'Acme Ltd', externalId: 'c-acme' },
      lines: [{ category: { externalId: 'a-400', code: '400' }, taxRate: { externalId: 't-input2', code: 'INPUT2' } }],
      paid: true,
      paymentAccount: { externalId: 'b-1', name: 'Business Account' },
      sources: { 'lines.0.category': 'rule', 'lines.0.taxRate': 'default', paid: 'rule', paymentAccount: 'rule', destination: 'default', status: 'default' },
      submittedBy: { name: 'Ada Admin' },
      file: null,
      autoPublish: false,
    });
    expect((await call('GET', `/items/${created.body.id}`)).body).toEqual(created.body);
  });

  it('keeps an unknown supplier by name and says so in the check, as reading it back does', async () => {
    const created = await call('POST', '/items', item({ contact: 'New Supplier Ltd', number: 'N-1' }));
    expect(created.body).toMatchObject({ state: 'needs_attention', contact: { name: 'New Supplier Ltd', externalId: null } });
    expect(created.body.issues.map((i: { code: string }) => i.code)).toContain('contact_unknown');
    expect((await call('GET', `/items/${created.body.id}`)).body).toEqual(created.body);
  });

  it('finds the active entry of a reused name, and shows the attached file', async () => {
    const data = Buffer.from('%PDF-1.4 receipt').toString('base64');
    const created = await call('POST', '/items', item({ contact: 'old co', number: 'O-1', file: { name: 'r.pdf', contentType: 'application/pdf', data } }));
    expect(created.body).toMatchObject({ contact: { name: 'OLD CO', externalId: 'c-old-2' }, file: { name: 'r.pdf', contentType: 'application/pdf', size: 16 } });
    expect((await call('GET', `/items/${created.body.id}`)).body).toEqual(created.body);
  });

  it('queues at once when the supplier’s rule and the settings both auto-publish', async () => {
    const settings = (await call('GET', '/publishing-settings')).body.settings;
    expect((await call('PUT', '/publishing-settings', { ...settings, autoPublish: true })).status).toBe(200);
    const created = await call('POST', '/items', item({ contact: 'SUP1', number: 'A-2' }));
    expect(created.body).toMatchObject({ state: 'queued', autoPublish: true });
    expect((await call('GET', `/items/${created.body.id}`)).body).toEqual(created.body);
    // A second item with the same number for the same supplier is flagged as a duplicate.
    const again = await call('POST', '/items', item({ contact: 'c-acme', number: 'A-2' }));
    expect(again.body.state).toBe('needs_attention');
    expect(again.body.issues.map((i: { code: string }) => i.code)).toContain('duplicate_number');
  });
});
