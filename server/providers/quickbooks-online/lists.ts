/**
 * Importing QuickBooks lists (quickbooks-online.md §2). A full pass pages through the query
 * endpoint (`STARTPOSITION` from 1, `MAXRESULTS` up to 1000, `Active IN (true, false)` so
 * inactive entries come back as archived). A refresh uses change data capture when the last
 * import is at most 30 days old and the list is covered by CDC; otherwise (older, TaxCode and
 * TaxRate, or a CDC answer at its 1000-object cap) it falls back to a full pass.
 *
 * Vendors and customers share one "contacts" list but have separate Id sequences in
 * QuickBooks, so their external ids carry a prefix (`vendor:56`, `customer:12`); so do the
 * three kinds of project entry (`class:`, `department:`, `project:`).
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError } from '../errors.js';
import type { ImportOptions, ListEntry, ListPage, ProviderSession } from '../types.js';
import type { QboClient } from './client.js';

type Rec = Record<string, unknown>;

export const CDC_WINDOW_MS = 30 * 86_400_000;
/** Margin so a window at the edge is not refused because clocks differ. */
const CDC_MARGIN_MS = 60 * 60_000;
const CDC_CAP = 1000;

interface Step {
  entity: 'Account' | 'Vendor' | 'Customer' | 'Item' | 'Class' | 'Department' | 'TaxCode';
  where?: string;
  keep?: (r: Rec) => boolean;
  map: (r: Rec, rates: Map<string, Rec>) => ListEntry;
}

const str = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));
const ref = (v: unknown): string | undefined => (typeof v === 'object' && v !== null ? str((v as Rec).value) : undefined);
const status = (r: Rec): ListEntry['status'] => (r.Active === false ? 'archived' : 'active');
const isProject = (r: Rec) => r.IsProject === true;

const account = (r: Rec): ListEntry => ({
  externalId: String(r.Id),
  ...(str(r.AcctNum) ? { code: str(r.AcctNum) } : {}),
  name: str(r.FullyQualifiedName) ?? String(r.Name),
  status: status(r),
  type: str(r.AccountType),
  ...(ref(r.TaxCodeRef) ? { taxRate: ref(r.TaxCodeRef) } : {}),
  ...(ref(r.CurrencyRef) ? { currency: ref(r.CurrencyRef) } : {}),
  extra: { accountSubType: r.AccountSubType, classification: r.Classification, ...(r.ParentRef ? { parentId: ref(r.ParentRef) } : {}) },
});

const contact = (kind: 'vendor' | 'customer') => (r: Rec): ListEntry => ({
  externalId: `${kind}:${String(r.Id)}`,
  ...(str(r.AcctNum) ? { code: str(r.AcctNum) } : {}),
  name: String(r.DisplayName),
  status: status(r),
  type: kind === 'vendor' ? 'supplier' : 'customer',
  ...(ref(r.CurrencyRef) ? { currency: ref(r.CurrencyRef) } : {}),
  extra: {
    id: String(r.Id),
    ...(str(r.CompanyName) ? { companyName: str(r.CompanyName) } : {}),
    ...(r.PrimaryEmailAddr ? { email: str((r.PrimaryEmailAddr as Rec).Address) } : {}),
  },
});

/** "20.00" from the rates a code applies; undefined when the code has none (US TAX/NON, No VAT). */
function percent(code: Rec, rates: Map<string, Rec>, side: 'SalesTaxRateList' | 'PurchaseTaxRateList'): string | undefined {
  const details = ((code[side] as Rec | undefined)?.TaxRateDetail as Rec[] | undefined) ?? [];
  if (details.length === 0) return undefined;
  let total = 0;
  for (const d of details) total += Number(rates.get(ref(d.TaxRateRef) ?? '')?.RateValue ?? 0);
  return total.toFixed(2);
}

const taxCode = (r: Rec, rates: Map<string, Rec>): ListEntry => {
  const sales = percent(r, rates, 'SalesTaxRateList');
  const purchase = percent(r, rates, 'PurchaseTaxRateList');
  return {
    externalId: String(r.Id),
    code: String(r.Name),
    name: str(r.Description) && r.Description !== r.Name ? `${String(r.Name)} (${String(r.Description)})` : String(r.Name),
    status: r.Active === false || r.Hidden === true ? 'archived' : 'active',
    type: sales && purchase ? 'sales_and_purchases' : sales ? 'sales' : purchase ? 'purchases' : r.Taxable === true ? 'taxable' : 'none',
    ...((purchase ?? sales) ? { taxRate: purchase ?? sales } : {}),
    extra: { salesRate: sales, purchaseRate: purchase, taxGroup: r.TaxGroup },
  };
};

const item = (r: Rec): ListEntry => ({
  externalId: String(r.Id),
  ...(str(r.Sku) ? { code: str(r.Sku) } : {}),
  name: str(r.FullyQualifiedName) ?? String(r.Name),
  status: status(r),
  type: str(r.Type),
  ...((ref(r.PurchaseTaxCodeRef) ?? ref(r.SalesTaxCodeRef)) ? { taxRate: ref(r.PurchaseTaxCodeRef) ?? ref(r.SalesTaxCodeRef) } : {}),
  extra: {
    unitPrice: r.UnitPrice,
    incomeAccountId: ref(r.IncomeAccountRef),
    expenseAccountId: ref(r.ExpenseAccountRef),
    salesTaxCodeId: ref(r.SalesTaxCodeRef),
    purchaseTaxCodeId: ref(r.PurchaseTaxCodeRef),
  },
});

const tracking = (prefix: 'class' | 'department') => (r: Rec): ListEntry => ({
  externalId: `${prefix}:${String(r.Id)}`,
  name: str(r.FullyQualifiedName) ?? String(r.Name),
  status: status(r),
  type: prefix === 'class' ? 'class' : 'location',
});

const project = (r: Rec): ListEntry => ({
  externalId: `project:${String(r.Id)}`,
  name: String(r.DisplayName),
  status: status(r),
  type: 'project',
  extra: { customerId: ref(r.ParentRef), fullName: r.FullyQualifiedName },
});

export const steps: Record<ListKind, Step[]> = {
  categories: [{ entity: 'Account', map: account }],
  bank_accounts: [{ entity: 'Account', where: "AccountType IN ('Bank', 'Credit Card')", map: account }],
  contacts: [
    { entity: 'Vendor', map: contact('vendor') },
    { entity: 'Customer', keep: (r) => !isProject(r), map: contact('customer') },
  ],
  tax_rates: [{ entity: 'TaxCode', map: taxCode }],
  products: [{ entity: 'Item', map: item }],
  projects: [
    { entity: 'Class', map: tracking('class') },
    { entity: 'Department', map: tracking('department') },
    // Projects are customers flagged IsProject; sub-customers (Job = true) include them.
    { entity: 'Customer', where: 'Job = true', keep: isProject, map: project },
  ],
};

/** Prefix for an entity's deleted ids in a list (matches the externalIds above). */
function deletedId(kind: ListKind, entity: string, id: string): string[] {
  if (kind === 'contacts') return entity === 'Vendor' ? [`vendor:${id}`] : [`customer:${id}`];
  if (kind === 'projects') return entity === 'Class' ? [`class:${id}`] : entity === 'Department' ? [`department:${id}`] : [`project:${id}`];
  return [id];
}

interface Checkpoint {
  step: number;
  position: number;
  total?: number;
}

function parseCheckpoint(text: string | null | undefined): Checkpoint | null {
  if (!text) return null;
  try {
    const c = JSON.parse(text) as Checkpoint;
    if (Number.isInteger(c.step) && Number.isInteger(c.position) && c.position >= 1) return c;
  } catch {
    // fall through
  }
  throw new ProviderError('validation', 'The saved import position is not one Bookbridge made for QuickBooks: start the import again.');
}

function whereClause(step: Step): string {
  return `WHERE Active IN (true, false)${step.where ? ` AND ${step.where}` : ''}`;
}

function queryResponse(body: unknown): Rec {
  const qr = (body as Rec | null)?.QueryResponse;
  if (typeof qr !== 'object' || qr === null) throw new ProviderError('transient', 'QuickBooks sent a list in a shape we did not expect.');
  return qr as Rec;
}

export async function* importList(client: QboClient, session: ProviderSession, kind: ListKind, options: ImportOptions, now: () => Date, pageSize: number): AsyncIterable<ListPage> {
  const plan = steps[kind];
  const query = async (statement: string) => queryResponse(await client.call(session, { method: 'GET', path: 'query', query: { query: statement } }));

  // TaxCode rates live in TaxRate: read them all first (small list).
  const rates = new Map<string, Rec>();
  if (kind === 'tax_rates') {
    for (let position = 1; ; position += 1000) {
      const qr = await query(`SELECT * FROM TaxRate WHERE Active IN (true, false) STARTPOSITION ${position} MAXRESULTS 1000`);
      const rows = (qr.TaxRate as Rec[] | undefined) ?? [];
      for (const r of rows) rates.set(String(r.Id), r);
      if (rows.length < 1000) break;
    }
  }

  if (options.changedSince && !options.checkpoint) {
    const page = await changes(client, session, kind, options.changedSince, now());
    if (page) {
      yield page;
      return;
    }
  }

  let checkpoint = parseCheckpoint(options.checkpoint);
  let total = checkpoint?.total;
  if (total === undefined) {
    total = 0;
    for (const step of plan) {
      const qr = await query(`SELECT COUNT(*) FROM ${step.entity} ${whereClause(step)}`);
      total += Number(qr.totalCount ?? 0);
    }
  }
  let stepIndex = checkpoint?.step ?? 0;
  let position = checkpoint?.position ?? 1;
  while (stepIndex < plan.length) {
    const step = plan[stepIndex]!;
    const qr = await query(`SELECT * FROM ${step.entity} ${whereClause(step)} ORDERBY Id STARTPOSITION ${position} MAXRESULTS ${pageSize}`);
    const rows = (qr[step.entity] as Rec[] | undefined) ?? [];
    const entries = rows.filter((r) => !step.keep || step.keep(r)).map((r) => step.map(r, rates));
    if (rows.length < pageSize) {
      stepIndex++;
      position = 1;
    } else position += rows.length;
    checkpoint = stepIndex < plan.length ? { step: stepIndex, position, total } : null;
    yield { entries, checkpoint: checkpoint ? JSON.stringify(checkpoint) : null, total };
  }
}

/** One CDC page, or undefined when a full pass is needed instead. */
async function changes(client: QboClient, session: ProviderSession, kind: ListKind, since: Date, now: Date): Promise<ListPage | undefined> {
  const plan = steps[kind];
  if (plan.some((s) => s.entity === 'TaxCode')) return undefined; // CDC does not cover TaxCode/TaxRate
  if (now.getTime() - since.getTime() > CDC_WINDOW_MS - CDC_MARGIN_MS) return undefined;
  const entities = [...new Set(plan.map((s) => s.entity))];
  const body = (await client.call(session, { path: 'cdc', query: { entities: entities.join(','), changedSince: since.toISOString() } })) as Rec | null;
  const responses = (((body?.CDCResponse as Rec[] | undefined)?.[0]?.QueryResponse as Rec[] | undefined) ?? []);
  const entries: ListEntry[] = [];
  const deleted: string[] = [];
  let objects = 0;
  for (const qr of responses) {
    for (const entity of entities) {
      const rows = (qr[entity] as Rec[] | undefined) ?? [];
      objects += rows.length;
      for (const r of rows) {
        if (r.status === 'Deleted') {
          deleted.push(...deletedId(kind, entity, String(r.Id)));
          continue;
        }
        for (const step of plan.filter((s) => s.entity === entity)) {
          if (step.keep && !step.keep(r)) continue;
          if (step.where && kind === 'bank_accounts' && !['Bank', 'Credit Card'].includes(String(r.AccountType))) continue;
          entries.push(step.map(r, new Map()));
        }
      }
    }
  }
  // At the cap QuickBooks may have left changes out: read the list in full instead.
  if (objects >= CDC_CAP) return undefined;
  return { entries, ...(deleted.length ? { deleted } : {}), checkpoint: null };
}
