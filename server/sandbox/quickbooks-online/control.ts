/**
 * The sandbox's control API (`/_control`, not an Intuit path), shaped like the Xero sandbox's:
 * reset, inject faults, read what was created, change upstream lists, read counters.
 */
import type { Hono } from 'hono';
import { ControlError, createControlApp, jsonBody } from '../common/control.js';
import { z } from 'zod';
import { faultFields, grantFaultFields } from '../common/faults.js';
import { classificationOf, metaData, qboTime, type EntityName, type Json } from './seed.js';
import { nextId, type CompanyState, type SandboxState } from './state.js';

const faultsSchema = z.object({
  realmId: z.string().optional(),
  /** Alias of realmId, for tests written against the Xero sandbox. */
  tenantId: z.string().optional(),
  ...faultFields,
  // Retry-After is optional here: Intuit's own 429s carry none (quickbooks-online.md §4).
  rate429: z.object({ count: z.number().int().min(0), retryAfterSeconds: z.number().min(0).optional() }).optional(),
  ...grantFaultFields,
});

const listNames = { accounts: 'Account', vendors: 'Vendor', customers: 'Customer', items: 'Item', taxCodes: 'TaxCode', classes: 'Class', departments: 'Department' } as const;

export const mutationSchema = z.object({
  realmId: z.string().optional(),
  tenantId: z.string().optional(),
  list: z.enum(Object.keys(listNames) as [keyof typeof listNames, ...(keyof typeof listNames)[]]),
  action: z.enum(['rename', 'archive', 'unarchive', 'delete', 'add']),
  /** Which entry: its Id, AcctNum/Sku, or name. Not needed for `add`. */
  target: z.string().optional(),
  name: z.string().optional(),
  /** add: the new entry's fields in QuickBooks' names (e.g. {Name, AccountType, AcctNum}). */
  entry: z.record(z.string(), z.unknown()).optional(),
});
export type Mutation = z.infer<typeof mutationSchema>;

export function createControlApi(state: SandboxState, reset: () => void): Hono {
  const control = createControlApp(reset);

  control.post('/faults', async (c) => {
    const body = faultsSchema.parse(await jsonBody(c));
    const { realmId: r, tenantId, revokeGrants, expireAccessTokens, ...faults } = body;
    const realmId = r ?? tenantId;
    if (realmId) state.faults.realms.set(realmId, faults);
    else state.faults.all = faults;
    const grants = [...state.grants.values()].filter((g) => !realmId || g.realmId === realmId);
    if (revokeGrants) for (const g of grants) g.revoked = true;
    if (expireAccessTokens) {
      const ids = new Set(grants.map((g) => g.id));
      for (const t of state.accessTokens.values()) if (ids.has(t.grantId)) t.expiresAt = Math.min(t.expiresAt, state.now());
    }
    return c.json({ ok: true });
  });

  control.get('/documents', (c) => {
    const realmId = c.req.query('realmId') ?? c.req.query('tenantId');
    const companies = [...state.companies.values()].filter((co) => !realmId || co.data.realmId === realmId);
    const all = (co: CompanyState, e: EntityName) => [...(co.entities.get(e)?.values() ?? [])];
    return c.json({
      companies: companies.map((co) => ({
        realmId: co.data.realmId,
        name: co.data.name,
        bills: all(co, 'Bill'),
        purchases: all(co, 'Purchase'),
        invoices: all(co, 'Invoice'),
        vendorCredits: all(co, 'VendorCredit'),
        creditMemos: all(co, 'CreditMemo'),
        billPayments: all(co, 'BillPayment'),
        attachables: all(co, 'Attachable'),
      })),
    });
  });

  control.post('/mutate', async (c) => c.json({ entry: mutate(state, mutationSchema.parse(await c.req.json())) }));

  control.get('/stats', (c) =>
    c.json({ ...state.stats, grants: [...state.grants.values()].filter((g) => !g.revoked).length, replays: state.stats.requestIdReplays }),
  );

  control.get('/companies', (c) =>
    c.json([...state.companies.values()].map((co) => ({ realmId: co.data.realmId, name: co.data.name, country: co.data.country, currency: co.data.currency }))),
  );

  return control;
}

function matchesTarget(record: Json, target: string | undefined): boolean {
  if (!target) return false;
  const t = target.toLowerCase();
  return ['Id', 'AcctNum', 'Sku', 'Name', 'DisplayName', 'FullyQualifiedName'].some((k) => record[k] !== undefined && String(record[k]).toLowerCase() === t);
}

/** Changes an upstream list the way a user editing in QuickBooks would (bumping LastUpdatedTime and SyncToken). */
export function mutate(state: SandboxState, m: Mutation): Json {
  const realmId = m.realmId ?? m.tenantId ?? [...state.companies.keys()][0];
  const company = realmId ? state.companies.get(realmId) : undefined;
  if (!company) throw new ControlError(`No company ${realmId}`);
  const entity = listNames[m.list] as EntityName;
  let store = company.entities.get(entity);
  if (!store) company.entities.set(entity, (store = new Map()));
  const now = state.now();
  if (m.action === 'add') {
    const e = m.entry ?? {};
    const id = nextId(company);
    const name = String(e.Name ?? e.DisplayName ?? `New ${entity}`);
    const base: Json = { Id: id, SyncToken: '0', domain: 'QBO', sparse: false, Active: true, MetaData: metaData(now) };
    const record: Json =
      entity === 'Vendor' || entity === 'Customer'
        ? { ...base, DisplayName: name, CompanyName: name, ...(entity === 'Customer' ? { FullyQualifiedName: name, IsProject: false, Job: false } : {}), CurrencyRef: { value: company.data.currency }, Balance: 0, ...e }
        : entity === 'Account'
          ? { ...base, Name: name, FullyQualifiedName: name, AccountType: 'Expense', Classification: classificationOf(String(e.AccountType ?? 'Expense')), SubAccount: false, CurrentBalance: 0, CurrencyRef: { value: company.data.currency }, ...e }
          : { ...base, Name: name, FullyQualifiedName: name, ...e };
    store.set(id, record);
    return record;
  }
  const record = [...store.values()].find((r) => matchesTarget(r, m.target));
  if (!record) throw new ControlError(`No ${entity} ${m.target}`);
  if (m.action === 'delete') {
    // Name lists are made inactive in QuickBooks; a hard delete (as for a removed tax code) leaves a CDC tombstone.
    store.delete(String(record.Id));
    company.tombstones.push({ entity, Id: String(record.Id), at: now });
    return { Id: record.Id, status: 'Deleted' };
  }
  if (m.action === 'rename') {
    const name = m.name ?? String(record.Name ?? record.DisplayName);
    if ('DisplayName' in record) record.DisplayName = name;
    else record.Name = name;
    if ('FullyQualifiedName' in record) record.FullyQualifiedName = name;
  } else if (m.action === 'archive') record.Active = false;
  else if (m.action === 'unarchive') record.Active = true;
  record.SyncToken = String(Number(record.SyncToken ?? 0) + 1);
  record.MetaData = { ...(record.MetaData as Json), LastUpdatedTime: qboTime(now) };
  return record;
}
