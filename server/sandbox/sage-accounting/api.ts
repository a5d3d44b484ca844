/**
 * api.accounting.sage.com/v3.1: bearer check, business choice (`X-Business`, else the user's
 * lead business), subscription, limits and injected faults in one middleware; then tier and
 * role checks per endpoint (from the swagger's "Endpoint Availability" and "Access Control
 * Restrictions"), the lists with Sage's paging envelope and delta filters, and the documents.
 */
import { Hono, type Context } from 'hono';
import { activeFaults as faultsFor, HANG_MS, rolls, sleep, takeRate429 } from '../common/faults.js';
import {
  SageError,
  createArtefact,
  createAttachment,
  createContactPayment,
  createOtherPayment,
  diagnosis,
  type Diagnosis,
} from './documents.js';
import { checkBearer } from './oauth.js';
import {
  artefactPaths,
  link,
  named,
  presentArtefact,
  presentAttachment,
  presentBankAccount,
  presentBusiness,
  presentCatalogItem,
  presentContact,
  presentContactPayment,
  presentLedgerAccount,
  presentOtherPayment,
  presentTaxRate,
  presentUser,
  ts,
  type Json,
} from './present.js';
import { tierNames, type AnalysisTypeRecord, type Area, type Tier } from './seed.js';
import type { ArtefactKind, BusinessState, Faults, Grant, SandboxState, SandboxUser } from './state.js';

type Env = { Variables: { biz: BusinessState; grant: Grant; user: SandboxUser } };
type Ctx = Context<Env>;

export const API_PREFIX = '/api/v3.1';

function errors(c: Context, status: number, list: Diagnosis[]) {
  return c.json(list, status as 400);
}

// --- tiers and roles --------------------------------------------------------------------------

const allTiers: Tier[] = ['START', 'STANDARD', 'PLUS'];

interface Rule {
  tiers: Tier[];
  area?: Area;
  what: string;
}

/** Which tiers and role area an endpoint needs (swagger "Endpoint Availability", GB rows). */
function ruleFor(method: string, resource: string): Rule {
  const write = method !== 'GET';
  switch (resource) {
    case 'purchase_invoices':
      return { tiers: write ? ['STANDARD', 'PLUS'] : allTiers, area: 'Purchases', what: 'purchase invoices' };
    case 'purchase_credit_notes':
      return { tiers: write ? ['PLUS'] : allTiers, area: 'Purchases', what: 'purchase credit notes' };
    case 'sales_invoices':
      return { tiers: allTiers, area: 'Sales', what: 'sales invoices' };
    case 'sales_credit_notes':
      // The 2022 swagger lists Plus and Start (not Standard) for creating sales credit notes.
      return { tiers: write ? ['START', 'PLUS'] : allTiers, area: 'Sales', what: 'sales credit notes' };
    case 'other_payments':
    case 'contact_payments':
    case 'bank_accounts':
      return { tiers: allTiers, area: 'Bank', what: resource.replace(/_/g, ' ') };
    case 'contacts':
      return { tiers: allTiers, area: 'Contacts', what: 'contacts' };
    case 'analysis_types':
    case 'analysis_type_categories':
      return { tiers: ['STANDARD', 'PLUS'], what: 'analysis types' };
    default:
      return { tiers: allTiers, what: resource.replace(/_/g, ' ') };
  }
}

function activeFaults(state: SandboxState, businessId: string): { faults: Faults; owner: Faults } {
  // A business's own failNext is used up like its 429 burst, so either makes its faults the owner.
  return faultsFor(state.faults.all, state.faults.businesses.get(businessId), (f) => f.rate429 || f.failNext);
}

// --- lists --------------------------------------------------------------------------------------

/** Parses Sage's date or date-time-with-offset filter values; undefined when absent, NaN when bad. */
function parseSince(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return Date.parse(value);
  return Number.NaN;
}

const baseKeys = new Set(['id', 'displayed_as', '$path']);

function pick(full: Json, attributes: string | undefined): Json {
  if (attributes === 'all') return full;
  const wanted = new Set((attributes ?? '').split(',').map((a) => a.trim()).filter(Boolean));
  return Object.fromEntries(Object.entries(full).filter(([k]) => baseKeys.has(k) || wanted.has(k)));
}

interface ListSpec<T> {
  records: (biz: BusinessState) => T[];
  present: (biz: BusinessState, record: T) => Json;
  stamp: (record: T) => { updated_at: number; deleted_at?: number };
  /** Whether the endpoint takes `deleted_since` (not ledger accounts or tax rates). */
  deletedSince: boolean;
  filter?: (c: Ctx, record: T) => boolean;
  /** Base attributes are always there; some endpoints return everything without `attributes`. */
  alwaysFull?: boolean;
}

function listHandler<T>(spec: ListSpec<T>) {
  return (c: Ctx) => {
    const q = c.req.query();
    const problems: Diagnosis[] = [];
    const perPage = q.items_per_page === undefined ? 20 : Number(q.items_per_page);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200) problems.push(diagnosis('items_per_page', 'must be an integer between 1 and 200'));
    const pageNo = q.page === undefined ? 1 : Number(q.page);
    if (!Number.isInteger(pageNo) || pageNo < 1) problems.push(diagnosis('page', 'must be a positive integer'));
    const since = parseSince(q.updated_or_created_since);
    if (Number.isNaN(since)) problems.push(diagnosis('updated_or_created_since', 'is not a valid date or date-time (YYYY-MM-DDThh:mm:ss+hh:mm)'));
    const deletedSince = spec.deletedSince ? parseSince(q.deleted_since) : undefined;
    if (Number.isNaN(deletedSince)) problems.push(diagnosis('deleted_since', 'is not a valid date or date-time (YYYY-MM-DDThh:mm:ss+hh:mm)'));
    if (problems.length) return errors(c, 422, problems);
    const biz = c.get('biz');
    const all = spec.records(biz).filter((r) => {
      const s = spec.stamp(r);
      // deleted_since: only what was deleted after it (exclusive); otherwise deleted records are gone.
      if (deletedSince !== undefined) return s.deleted_at !== undefined && s.deleted_at > deletedSince;
      if (s.deleted_at !== undefined) return false;
      if (since !== undefined && s.updated_at < since) return false;
      return !spec.filter || spec.filter(c, r);
    });
    const start = (pageNo - 1) * perPage;
    const slice = all.slice(start, start + perPage);
    const path = c.req.path.slice(c.req.path.indexOf(API_PREFIX) + API_PREFIX.length);
    const pathFor = (n: number) => {
      const params = new URLSearchParams(q);
      params.set('page', String(n));
      params.set('items_per_page', String(perPage));
      return `${path}?${params.toString()}`;
    };
    return c.json({
      $total: all.length,
      $page: pageNo,
      $next: start + perPage < all.length ? pathFor(pageNo + 1) : null,
      $back: pageNo > 1 ? pathFor(pageNo - 1) : null,
      $itemsPerPage: perPage,
      $items: slice.map((r) => {
        const full = spec.present(biz, r);
        return spec.alwaysFull ? full : pick(full, q.attributes);
      }),
    });
  };
}

/** What the payment list filters read. */
interface PaymentLike {
  bank_account_id: string;
  contact_id?: string;
  transaction_type_id: string;
  date: string;
  updated_at: number;
  deleted_at?: number;
}

const notFound = (c: Context) => errors(c, 404, [diagnosis('', 'Resource not found', 'RecordNotFound')]);

// --- the API --------------------------------------------------------------------------------

export function createApi(state: SandboxState): Hono<Env> {
  const api = new Hono<Env>();

  api.onError((error, c) => {
    if (error instanceof SageError) return errors(c, error.status, error.diagnoses);
    if (error instanceof SyntaxError) return errors(c, 400, [diagnosis('', 'The request body is not valid JSON', 'BadRequest')]);
    throw error;
  });

  api.use('*', async (c, next) => {
    const auth = checkBearer(state, c.req.header('authorization'));
    if (!auth.ok) return errors(c, 401, [diagnosis('', auth.message, 'AuthorizationFailure')]);
    const path = c.req.path.slice(c.req.path.indexOf(API_PREFIX) + API_PREFIX.length);
    const resource = path.split('/')[1] ?? '';
    const userLevel = resource === 'businesses' || resource === 'user';
    const requested = c.req.header('x-business')?.trim();
    const membership = requested ? auth.user.memberships.find((m) => m.businessId === requested) : auth.user.memberships[0];
    const biz = membership ? state.businesses.get(membership.businessId) : undefined;
    if (!membership || !biz) {
      if (!userLevel) return errors(c, 401, [diagnosis('', 'Access denied.', 'AuthorizationFailure')]);
    }
    c.set('grant', auth.grant);
    c.set('user', auth.user);
    if (biz) c.set('biz', biz);
    if (userLevel) return next();
    const business = biz as BusinessState;
    if (!business.data.subscriptionActive) {
      return errors(c, 401, [diagnosis('', 'No active subscription. (MSE)', 'AuthorizationFailure')]);
    }
    const businessId = business.data.id;
    state.stats.log.push(`${c.req.method} ${path}`);
    if (state.stats.log.length > 5000) state.stats.log.splice(0, 1000);

    const { faults, owner } = activeFaults(state, businessId);
    const now = state.now();
    const tooMany = (retryAfterSeconds: number) => {
      state.stats.sent429++;
      c.header('Retry-After', state.timeScale === 1 ? String(Math.max(0, Math.ceil(retryAfterSeconds))) : String(retryAfterSeconds));
      return errors(c, 429, [diagnosis('', 'Too many requests. Please retry later.', 'TooManyRequests')]);
    };
    const burst = takeRate429(owner.rate429);
    if (burst) return tooMany(burst.retryAfterSeconds);
    if (business.day.count(now) >= state.limits.perDay) return tooMany(business.day.waitMs(now) / 1000);
    if (business.minute.count(now) >= state.limits.perMinute) return tooMany(business.minute.waitMs(now) / 1000);
    business.minute.add(now);
    business.day.add(now);
    state.stats.calls[businessId] = (state.stats.calls[businessId] ?? 0) + 1;

    const fail = owner.failNext;
    if (fail && fail.count > 0 && path.startsWith(fail.path) && (!fail.method || fail.method.toUpperCase() === c.req.method)) {
      fail.count--;
      if (fail.status >= 500) state.stats.sent5xx++;
      return errors(c, fail.status, [diagnosis('', fail.status >= 500 ? 'Something went wrong. Please try again later.' : 'Injected failure', fail.status >= 500 ? 'InternalServerError' : 'RecordInvalid')]);
    }
    if (faults.slowMs) await sleep(faults.slowMs, c.req.raw.signal);
    if (rolls(state.dice, faults.error5xxRate)) {
      state.stats.sent5xx++;
      return errors(c, 500, [diagnosis('', 'Something went wrong. Please try again later.', 'InternalServerError')]);
    }

    const rule = ruleFor(c.req.method, resource);
    const write = c.req.method !== 'GET';
    if (!rule.tiers.includes(business.data.tier)) {
      const needs = rule.tiers.map((t) => tierNames[t]).join(' or ');
      return errors(c, 403, [
        diagnosis('', `Your subscription (${tierNames[business.data.tier]}) does not include access to ${rule.what}. Available with ${needs}.`, 'SubscriptionNotSupported'),
      ]);
    }
    if (write && auth.grant.scope === 'readonly') {
      return errors(c, 403, [diagnosis('', 'The access token only allows reading (scope readonly).', 'AuthorizationFailure')]);
    }
    if (rule.area && membership) {
      const access = membership.access[rule.area];
      if (access === 'none' || (write && access === 'read_only')) {
        return errors(c, 403, [diagnosis('', `You do not have the access rights needed in the ${rule.area} area.`, 'AuthorizationFailure')]);
      }
    }
    // A timeout is the worst case for a client: the call is carried out, then no answer comes.
    const hang = rolls(state.dice, faults.timeoutRate);
    await next();
    if (hang) {
      state.stats.timeouts++;
      await sleep(HANG_MS, c.req.raw.signal);
    }
  });

  // --- user and businesses (the "user/businesses" swagger) ---
  api.get('/user', (c) => c.json(presentUser(c.get('user'))));
  api.get('/businesses', (c) => {
    const user = c.get('user');
    const items = user.memberships.map((m) => state.businesses.get(m.businessId)).filter((b): b is BusinessState => !!b);
    return c.json({ $total: items.length, $page: 1, $next: null, $back: null, $itemsPerPage: items.length, $items: items.map((b) => presentBusiness(b.data)) });
  });
  api.get('/businesses/:key', (c) => {
    const user = c.get('user');
    const key = c.req.param('key');
    const id = key === 'lead' ? user.memberships[0]?.businessId : key;
    const biz = user.memberships.some((m) => m.businessId === id) ? state.businesses.get(id ?? '') : undefined;
    return biz ? c.json(presentBusiness(biz.data)) : notFound(c);
  });

  // --- settings-type lists ---
  api.get('/financial_settings', (c) => {
    const biz = c.get('biz');
    return c.json({
      $path: '/financial_settings',
      year_end_date: '2026-03-31',
      accounts_start_date: '2024-04-01',
      base_currency: named(biz.data.baseCurrency, 'currencies'),
      multi_currency_enabled: biz.data.tier !== 'START',
      use_live_exchange_rates: true,
      mtd_activation_status: 'active',
      mtd_connected: true,
      tax_number: 'GB123456789',
      sales_tax_calculation: 'invoice',
      purchase_tax_calculation: 'invoice',
      updated_at: ts(Date.UTC(2026, 0, 5)),
    });
  });
  const simple = (path: string, entries: [string, string][]) =>
    api.get(`/${path}`, (c) =>
      c.json({ $total: entries.length, $page: 1, $next: null, $back: null, $itemsPerPage: entries.length, $items: entries.map(([id, name]) => link(id, name, `/${path}/${id}`)) }),
    );
  simple('payment_methods', [['BANK_TRANSFER', 'Bank Transfer'], ['CASH', 'Cash'], ['CHEQUE', 'Cheque'], ['CREDIT_DEBIT', 'Credit/Debit Card'], ['ALTERNATIVE_PAYMENT', 'Alternative Payment']]);
  simple('attachment_context_types', [['PURCHASE_INVOICE', 'Purchase Invoice'], ['SALES_INVOICE', 'Sales Invoice'], ['PURCHASE_CREDIT_NOTE', 'Purchase Credit Note'], ['SALES_CREDIT_NOTE', 'Sales Credit Note'], ['CONTACT', 'Contact']]);
  simple('currencies', [['GBP', 'Pound Sterling (GBP)'], ['EUR', 'Euro (EUR)'], ['USD', 'US Dollar (USD)']]);

  api.get(
    '/ledger_accounts',
    listHandler({
      records: (b) => b.data.ledgerAccounts,
      present: presentLedgerAccount,
      stamp: (r) => r,
      deletedSince: false,
      filter: (c, a) => {
        const q = c.req.query();
        if (q.visible_in && !a.visible_in.includes(q.visible_in)) return false;
        if (q.ledger_account_type_id && a.ledger_account_type_id !== q.ledger_account_type_id) return false;
        if (q.show_included_in_chart !== undefined && String(a.included_in_chart) !== q.show_included_in_chart) return false;
        if (q.show_control_accounts !== undefined && String(a.is_control_account) !== q.show_control_accounts) return false;
        if (q.search && !`${a.nominal_code} ${a.name}`.toLowerCase().includes(q.search.toLowerCase())) return false;
        return true;
      },
    }),
  );
  api.get(
    '/tax_rates',
    listHandler({ records: (b) => b.data.taxRates, present: (_b, r) => presentTaxRate(r), stamp: (r) => r, deletedSince: false }),
  );
  api.get(
    '/contacts',
    listHandler({
      records: (b) => b.data.contacts,
      present: presentContact,
      stamp: (r) => r,
      deletedSince: true,
      filter: (c, x) => {
        const q = c.req.query();
        if (q.contact_type_id && !x.contact_types.includes(q.contact_type_id as 'VENDOR')) return false;
        if (q.exclude_system === 'true' && x.system) return false;
        if (q.email && x.email?.toLowerCase() !== q.email.toLowerCase()) return false;
        if (q.search && !`${x.name} ${x.reference}`.toLowerCase().includes(q.search.toLowerCase())) return false;
        return true;
      },
    }),
  );
  for (const kind of ['product', 'service'] as const) {
    api.get(
      `/${kind}s`,
      listHandler({
        records: (b) => b.data.items.filter((i) => i.kind === kind),
        present: presentCatalogItem,
        stamp: (r) => r,
        deletedSince: true,
        filter: (c, i) => {
          const q = c.req.query();
          if (q.active !== undefined && String(i.active) !== q.active) return false;
          if (q.search && !`${i.item_code} ${i.description}`.toLowerCase().includes(q.search.toLowerCase())) return false;
          return true;
        },
      }),
    );
  }
  api.get('/bank_accounts', listHandler({ records: (b) => b.data.bankAccounts, present: presentBankAccount, stamp: (r) => r, deletedSince: true }));

  // Analysis types (added October 2022; not in the 2022 swagger): types with their categories.
  const presentType = (t: AnalysisTypeRecord): Json => ({
    id: t.id,
    displayed_as: t.name,
    $path: `/analysis_types/${t.id}`,
    created_at: ts(t.created_at),
    updated_at: ts(t.updated_at),
    name: t.name,
    analysis_type_level: { id: t.level, displayed_as: t.level === 1 ? 'TRANSACTION' : 'GROUP' },
    active_areas: t.active_areas,
    analysis_type_categories: t.categories.filter((x) => !x.deleted_at).map((x) => link(x.id, x.name, `/analysis_type_categories/${x.id}`)),
  });
  api.get('/analysis_types', listHandler({ records: (b) => b.data.analysisTypes, present: (_b, t) => presentType(t), stamp: (r) => r, deletedSince: false }));
  api.get(
    '/analysis_type_categories',
    listHandler({
      records: (b) => b.data.analysisTypes.flatMap((t) => t.categories.map((category) => ({ type: t, category }))),
      present: (_b, { type, category }) => ({
        id: category.id,
        displayed_as: category.name,
        $path: `/analysis_type_categories/${category.id}`,
        created_at: ts(category.created_at),
        updated_at: ts(category.updated_at),
        code: category.code,
        name: category.name,
        combined_id: `${type.id}:${category.id}`,
        active: category.active,
        analysis_type: link(type.id, type.name, `/analysis_types/${type.id}`),
      }),
      stamp: ({ category }) => category,
      deletedSince: false,
      filter: (c, { type }) => {
        const q = c.req.query();
        if (q.analysis_type_id && type.id !== q.analysis_type_id) return false;
        return !q.analysis_type_level || (q.analysis_type_level === 'TRANSACTION' ? type.level === 1 : type.level === 2);
      },
    }),
  );

  // --- documents ---
  const searchText = (biz: BusinessState, a: { contact_id?: string; reference?: string; vendor_reference?: string; number?: string }) =>
    [a.reference, a.vendor_reference, a.number, biz.data.contacts.find((x) => x.id === a.contact_id)?.name].filter(Boolean).join(' ').toLowerCase();
  const dateFilter = (c: Ctx, day: string) => {
    const q = c.req.query();
    return (!q.from_date || day >= q.from_date) && (!q.to_date || day <= q.to_date);
  };

  for (const [kind, path] of Object.entries(artefactPaths) as [ArtefactKind, string][]) {
    api.get(
      path,
      listHandler({
        records: (b) => [...b.artefacts.values()].filter((a) => a.kind === kind),
        present: presentArtefact,
        stamp: (r) => r,
        deletedSince: true,
        filter: (c, a) => {
          const q = c.req.query();
          const biz = c.get('biz');
          if (q.contact_id && a.contact_id !== q.contact_id) return false;
          if (q.search && !searchText(biz, a).includes(q.search.toLowerCase())) return false;
          if (q.has_attachments !== undefined && String([...biz.attachments.values()].some((x) => x.context_id === a.id && !x.deleted_at)) !== q.has_attachments) return false;
          return dateFilter(c, a.date);
        },
      }),
    );
    api.get(`${path}/:id`, (c) => {
      const a = c.get('biz').artefacts.get(c.req.param('id'));
      return a && a.kind === kind && !a.deleted_at ? c.json(presentArtefact(c.get('biz'), a)) : notFound(c);
    });
    api.post(path, async (c) => {
      const record = createArtefact(state, c.get('biz'), kind, await c.req.json(), c.get('grant').clientId);
      return c.json(presentArtefact(c.get('biz'), record), 201);
    });
    api.delete(`${path}/:id`, (c) => {
      const a = c.get('biz').artefacts.get(c.req.param('id'));
      if (!a || a.kind !== kind || a.deleted_at) return notFound(c);
      a.deleted_at = a.updated_at = state.now();
      return c.body(null, 204);
    });
  }

  // Other payments and contact payments: the same list filters, read and create; only other
  // payments can be deleted here.
  const paymentRoutes = <T extends PaymentLike>(
    path: string,
    spec: {
      records: (biz: BusinessState) => Map<string, T>;
      present: (biz: BusinessState, record: T) => Json;
      create: (state: SandboxState, biz: BusinessState, body: unknown, clientId: string) => T;
      deletable: boolean;
    },
  ) => {
    api.get(
      path,
      listHandler({
        records: (b) => [...spec.records(b).values()],
        present: spec.present,
        stamp: (r) => r,
        deletedSince: true,
        filter: (c, p) => {
          const q = c.req.query();
          if (q.bank_account_id && p.bank_account_id !== q.bank_account_id) return false;
          if (q.contact_id && p.contact_id !== q.contact_id) return false;
          if (q.transaction_type_id && p.transaction_type_id !== q.transaction_type_id) return false;
          return dateFilter(c, p.date);
        },
      }),
    );
    api.get(`${path}/:id`, (c) => {
      const p = spec.records(c.get('biz')).get(c.req.param('id'));
      return p && !p.deleted_at ? c.json(spec.present(c.get('biz'), p)) : notFound(c);
    });
    api.post(path, async (c) => {
      const record = spec.create(state, c.get('biz'), await c.req.json(), c.get('grant').clientId);
      return c.json(spec.present(c.get('biz'), record), 201);
    });
    if (!spec.deletable) return;
    api.delete(`${path}/:id`, (c) => {
      const p = spec.records(c.get('biz')).get(c.req.param('id'));
      if (!p || p.deleted_at) return notFound(c);
      p.deleted_at = p.updated_at = state.now();
      return c.body(null, 204);
    });
  };
  paymentRoutes('/other_payments', { records: (b) => b.otherPayments, present: presentOtherPayment, create: createOtherPayment, deletable: true });
  paymentRoutes('/contact_payments', { records: (b) => b.contactPayments, present: presentContactPayment, create: createContactPayment, deletable: false });

  api.get(
    '/attachments',
    listHandler({
      records: (b) => [...b.attachments.values()],
      present: (_b, a) => presentAttachment(a),
      stamp: (r) => r,
      deletedSince: true,
      filter: (c, a) => {
        const q = c.req.query();
        if (q.attachment_context_id && a.context_id !== q.attachment_context_id) return false;
        if (q.attachment_context_type_id && a.context_type_id !== q.attachment_context_type_id) return false;
        return true;
      },
    }),
  );
  api.post('/attachments', async (c) => {
    const record = createAttachment(state, c.get('biz'), await c.req.json());
    return c.json(presentAttachment(record), 201);
  });
  api.get('/attachments/:id', (c) => {
    const a = c.get('biz').attachments.get(c.req.param('id'));
    return a && !a.deleted_at ? c.json(presentAttachment(a)) : notFound(c);
  });
  api.get('/attachments/:id/file', (c) => {
    const a = c.get('biz').attachments.get(c.req.param('id'));
    if (!a || a.deleted_at) return notFound(c);
    c.header('content-type', a.mime_type);
    c.header('content-disposition', `attachment; filename="${a.file_name.replace(/"/g, '')}"`);
    return c.body(new Uint8Array(a.data));
  });

  api.all('*', (c) => notFound(c));
  return api;
}
