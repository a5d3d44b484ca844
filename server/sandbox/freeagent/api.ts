/**
 * api.freeagent.com/v2 as the sandbox emulates it: bearer tokens from the token endpoint, one
 * company per token, access levels, FreeAgent's per-user limits (120/min, 3,600/hour, fixed
 * windows, 429 + Retry-After; `X-RateLimit-Test: true` lowers it to 5/min as FreeAgent's
 * sandbox does), page/per_page paging with Link and X-Total-Count, `updated_since`, wrapped
 * bodies, 201 + Location on create, and 422 `{"errors":{"error":{"message":…}}}`.
 */
import { Hono, type Context } from 'hono';
import { activeFaults as faultsFor, HANG_MS, rolls, sleep, takeRate429 } from '../common/faults.js';
import { bearerLookup } from '../common/oauth.js';
import {
  createBill,
  createExpenses,
  createExplanation,
  createSalesDocument,
  deleteExplanation,
  transition,
  Unprocessable,
  updateBill,
  updateExpense,
  updateExplanation,
  type WriteContext,
} from './documents.js';
import {
  bankBalance,
  categoryGroupKey,
  presentBankAccount,
  presentBill,
  presentCategory,
  presentCompany,
  presentContact,
  presentExpense,
  presentExplanation,
  presentPriceListItem,
  presentProject,
  presentSalesDocument,
  presentUser,
  presentAttachment,
  billStatus,
  salesStatus,
} from './present.js';
import type { UserRecord } from './seed.js';
import { admit, type CompanyState, type Faults, type Grant, type SandboxState } from './state.js';
import { apiBase, linkHeader, numericIdFromUrl, resourceUrl } from './urls.js';

type Env = { Variables: { company: CompanyState; user: UserRecord; grant: Grant; base: string } };
type Ctx = Context<Env>;

/** FreeAgent's error body: one message as an object, several as an array. */
export function errorBody(messages: string[]) {
  return messages.length === 1 ? { errors: { error: { message: messages[0] } } } : { errors: messages.map((message) => ({ message })) };
}

const levelNames: Record<number, string> = { 1: 'Time', 2: 'My Money', 3: 'Contacts & Projects', 4: 'Invoices, Estimates & Files', 5: 'Bills', 6: 'Banking', 7: 'Tax, Accounting & Users', 8: 'Full' };

/** Bearer check shared with the control API: the grant behind an unexpired access token. */
export function grantFor(state: SandboxState, header: string | undefined): Grant | undefined {
  const { record, grant } = bearerLookup(state, header);
  if (!record || !grant || grant.revoked || record.expiresAt <= state.now()) return undefined;
  return grant;
}

function activeFaults(state: SandboxState, companyId: string): { faults: Faults; owner: Faults } {
  return faultsFor(state.faults.all, state.faults.companies.get(companyId));
}

export function createApi(state: SandboxState): Hono<Env> {
  const api = new Hono<Env>();

  api.onError((error, c) => {
    if (error instanceof Unprocessable) return c.json(errorBody(error.messages), 422);
    if (error instanceof SyntaxError) return c.json(errorBody(['The request body is not valid JSON']), 400);
    throw error;
  });

  // --- auth, limits, faults ---
  api.use('/v2/*', async (c, next) => {
    const path = c.req.path.slice(c.req.path.indexOf('/v2/'));
    if (path === '/v2/approve_app' || path === '/v2/token_endpoint') return next();
    const grant = grantFor(state, c.req.header('authorization'));
    const company = grant ? state.companies.get(grant.companyId) : undefined;
    const user = company?.data.users.find((u) => u.id === grant?.userId);
    if (!grant || !company || !user) return c.json(errorBody(['Access token not recognised']), 401);

    const route = `${c.req.method} ${path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    state.stats.routes[route] = (state.stats.routes[route] ?? 0) + 1;
    const { faults, owner } = activeFaults(state, company.data.id);
    const tooMany = (seconds: number, words: string) => {
      state.stats.sent429++;
      c.header('Retry-After', String(seconds));
      return c.text(`You must not exceed ${words}`, 429);
    };
    const burst = takeRate429(owner.rate429);
    if (burst) return tooMany(burst.retryAfterSeconds, `${state.limits.perMinute} requests per 60 seconds`);
    const test = /^(true|1|yes)$/i.test(c.req.header('x-ratelimit-test') ?? '');
    const who = `${company.data.id}:${user.id}:${grant.clientId}`;
    // The test header lowers the same minute's allowance; it is not a separate one.
    const perMinute = test ? state.limits.testPerMinute : state.limits.perMinute;
    const admission = admit(state, [
      { key: `${who}:minute`, windowMs: 60_000, limit: perMinute, words: `${perMinute} requests per 60 seconds` },
      { key: `${who}:hour`, windowMs: 3_600_000, limit: state.limits.perHour, words: `${state.limits.perHour} requests per 3600 seconds` },
    ]);
    if (!admission.ok) return tooMany(admission.retryAfterSeconds, admission.words);

    state.stats.calls[company.data.id] = (state.stats.calls[company.data.id] ?? 0) + 1;
    c.set('grant', grant);
    c.set('company', company);
    c.set('user', user);
    c.set('base', apiBase(c));
    if (faults.slowMs) await sleep(faults.slowMs, c.req.raw.signal);
    if (rolls(state.dice, faults.error5xxRate)) {
      state.stats.sent5xx++;
      return c.json(errorBody(['We are sorry, but something went wrong.']), 500);
    }
    // A timeout is the worst case for a client: the call is carried out, then no answer comes.
    const hang = rolls(state.dice, faults.timeoutRate);
    await next();
    if (hang) {
      state.stats.timeouts++;
      await sleep(HANG_MS, c.req.raw.signal);
    }
  });

  const forbidden = (c: Ctx, level: number) =>
    c.json(errorBody([`You need the "${levelNames[level]}" access level or higher to do this`]), 403);
  const notFound = (c: Ctx) => c.json(errorBody(['Resource not found']), 404);
  const can = (c: Ctx, level: number) => c.get('user').permissionLevel >= level;
  const ctxOf = (c: Ctx): WriteContext => ({ state, company: c.get('company'), clientId: c.get('grant').clientId, user: c.get('user') });
  const readBody = async (c: Ctx): Promise<unknown> => {
    const raw = await c.req.text();
    return raw === '' ? {} : JSON.parse(raw);
  };
  const created = (c: Ctx, url: string, body: unknown) => {
    c.header('Location', url);
    return c.json(body, 201);
  };

  /** `updated_since` (ISO timestamp): undefined when absent, NaN when unreadable. */
  const updatedSince = (c: Ctx): number | undefined => {
    const v = c.req.query('updated_since');
    return v === undefined ? undefined : Date.parse(v);
  };
  const badTimestamp = (c: Ctx) => c.json(errorBody(['updated_since is not a valid ISO 8601 timestamp']), 400);

  /** FreeAgent paging: page (1-based), per_page (default 25, at most 100), Link and X-Total-Count. */
  function paged<T>(c: Ctx, items: T[]): T[] {
    const perPage = Math.min(100, Math.max(1, Number.parseInt(c.req.query('per_page') ?? '', 10) || 25));
    const page = Math.max(1, Number.parseInt(c.req.query('page') ?? '', 10) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    c.header('X-Total-Count', String(items.length));
    c.header('Link', linkHeader(c.req.url, page, last));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  function sorted<T extends { createdAt: number; updatedAt: number }>(c: Ctx, items: T[], byName: (x: T) => string, fallback: 'name' | 'created_at'): T[] {
    const raw = c.req.query('sort') ?? fallback;
    const desc = raw.startsWith('-');
    const key = raw.replace(/^-/, '');
    const cmp = (a: T, b: T) =>
      key === 'created_at' ? a.createdAt - b.createdAt : key === 'updated_at' ? a.updatedAt - b.updatedAt : byName(a).localeCompare(byName(b), 'en-GB');
    const out = [...items].sort((a, b) => cmp(a, b) || (a as unknown as { id: number }).id - (b as unknown as { id: number }).id);
    return desc ? out.reverse() : out;
  }

  const inDates = (c: Ctx, datedOn: string) => {
    const from = c.req.query('from_date');
    const to = c.req.query('to_date');
    return (!from || datedOn >= from) && (!to || datedOn <= to);
  };

  // --- company and users ---
  api.get('/v2/company', (c) => c.json({ company: presentCompany(c.get('base'), c.get('company').data) }));

  api.get('/v2/users/me', (c) => c.json({ user: presentUser(c.get('base'), c.get('user')) }));
  api.get('/v2/users', (c) => {
    if (!can(c, 7)) return forbidden(c, 7);
    return c.json({ users: c.get('company').data.users.map((u) => presentUser(c.get('base'), u)) });
  });
  api.get('/v2/users/:id', (c) => {
    const user = c.get('company').data.users.find((u) => String(u.id) === c.req.param('id'));
    if (!user) return notFound(c);
    if (user.id !== c.get('user').id && !can(c, 7)) return forbidden(c, 7);
    return c.json({ user: presentUser(c.get('base'), user) });
  });

  // --- categories (grouped, not paged) ---
  api.get('/v2/categories', (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const company = c.get('company');
    const groups: Record<string, unknown[]> = { admin_expenses_categories: [], cost_of_sales_categories: [], income_categories: [], general_categories: [] };
    for (const category of company.data.categories) groups[categoryGroupKey(category)]!.push(presentCategory(c.get('base'), category));
    if (c.req.query('sub_accounts') === 'true') {
      // Each bank account is also a 750-x sub-account.
      for (const b of company.data.bankAccounts) {
        groups.general_categories!.push({
          url: resourceUrl(c.get('base'), 'categories', `750-${b.id}`),
          description: `${b.name}`,
          nominal_code: `750-${b.id}`,
          bank_account: resourceUrl(c.get('base'), 'bank_accounts', b.id),
        });
      }
    }
    return c.json(groups);
  });
  api.get('/v2/categories/:code', (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const category = c.get('company').data.categories.find((x) => x.nominalCode === c.req.param('code'));
    if (!category) return notFound(c);
    return c.json({ [categoryGroupKey(category)]: presentCategory(c.get('base'), category) });
  });

  // --- contacts ---
  api.get('/v2/contacts', (c) => {
    if (!can(c, 3)) return forbidden(c, 3);
    const since = updatedSince(c);
    if (since !== undefined && Number.isNaN(since)) return badTimestamp(c);
    const view = c.req.query('view') ?? 'active';
    const company = c.get('company');
    const openBills = (id: number) => [...company.bills.values()].some((b) => b.contactId === id && ['Open', 'Overdue'].includes(billStatus(state, company, b).status));
    const openInvoices = (id: number) => [...company.invoices.values()].some((i) => i.contactId === id && ['Open', 'Overdue'].includes(salesStatus(state, company, i, 'invoice').status));
    const views: Record<string, (x: (typeof company.data.contacts)[number]) => boolean> = {
      all: () => true,
      active: (x) => x.status === 'Active',
      clients: (x) => x.isClient,
      suppliers: (x) => x.isSupplier && x.status === 'Active',
      active_projects: (x) => company.data.projects.some((p) => p.contactId === x.id && p.status === 'Active'),
      completed_projects: (x) => company.data.projects.some((p) => p.contactId === x.id && p.status === 'Completed'),
      open_clients: (x) => openInvoices(x.id),
      open_suppliers: (x) => openBills(x.id),
      hidden: (x) => x.status === 'Hidden',
    };
    const filter = views[view];
    if (!filter) return c.json(errorBody([`View ${view} is not valid`]), 400);
    const contacts = company.data.contacts.filter((x) => filter(x) && (since === undefined || x.updatedAt > since));
    const sortName = (x: (typeof contacts)[number]) => `${x.organisationName ?? ''}${x.lastName ?? ''}${x.firstName ?? ''}`;
    return c.json({ contacts: paged(c, sorted(c, contacts, sortName, 'name')).map((x) => presentContact(c.get('base'), x)) });
  });
  api.get('/v2/contacts/:id', (c) => {
    if (!can(c, 3)) return forbidden(c, 3);
    const contact = c.get('company').data.contacts.find((x) => String(x.id) === c.req.param('id'));
    return contact ? c.json({ contact: presentContact(c.get('base'), contact) }) : notFound(c);
  });

  // --- projects ---
  api.get('/v2/projects', (c) => {
    if (!can(c, 3)) return forbidden(c, 3);
    const view = c.req.query('view');
    const contactId = c.req.query('contact') === undefined ? undefined : numericIdFromUrl(c.req.query('contact'), 'contacts');
    const wanted: Record<string, string> = { active: 'Active', completed: 'Completed', cancelled: 'Cancelled', hidden: 'Hidden' };
    if (view !== undefined && !wanted[view]) return c.json(errorBody([`View ${view} is not valid`]), 400);
    const projects = c.get('company').data.projects.filter((p) => (!view || p.status === wanted[view]) && (contactId === undefined || p.contactId === contactId));
    return c.json({ projects: paged(c, sorted(c, projects, (p) => p.name, 'name')).map((p) => presentProject(c.get('base'), p)) });
  });
  api.get('/v2/projects/:id', (c) => {
    if (!can(c, 3)) return forbidden(c, 3);
    const project = c.get('company').data.projects.find((x) => String(x.id) === c.req.param('id'));
    return project ? c.json({ project: presentProject(c.get('base'), project) }) : notFound(c);
  });

  // --- bank accounts ---
  api.get('/v2/bank_accounts', (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const types: Record<string, string> = { standard_bank_accounts: 'StandardBankAccount', credit_card_accounts: 'CreditCardAccount', paypal_accounts: 'PaypalAccount' };
    const view = c.req.query('view');
    if (view !== undefined && !types[view]) return c.json(errorBody([`View ${view} is not valid`]), 400);
    const company = c.get('company');
    const accounts = company.data.bankAccounts.filter((b) => !view || b.type === types[view]);
    return c.json({ bank_accounts: paged(c, accounts).map((b) => presentBankAccount(c.get('base'), b, bankBalance(company, b))) });
  });
  api.get('/v2/bank_accounts/:id', (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const company = c.get('company');
    const account = company.data.bankAccounts.find((x) => String(x.id) === c.req.param('id'));
    return account ? c.json({ bank_account: presentBankAccount(c.get('base'), account, bankBalance(company, account)) }) : notFound(c);
  });

  // --- price list items ---
  api.get('/v2/price_list_items', (c) => {
    if (!can(c, 4)) return forbidden(c, 4);
    const items = sorted(c, c.get('company').data.priceListItems, (p) => p.code, 'name');
    return c.json({ price_list_items: paged(c, items).map((p) => presentPriceListItem(c.get('base'), p)) });
  });
  api.get('/v2/price_list_items/:id', (c) => {
    if (!can(c, 4)) return forbidden(c, 4);
    const item = c.get('company').data.priceListItems.find((x) => String(x.id) === c.req.param('id'));
    return item ? c.json({ price_list_item: presentPriceListItem(c.get('base'), item) }) : notFound(c);
  });

  // --- bills ---
  api.get('/v2/bills', (c) => {
    if (!can(c, 5)) return forbidden(c, 5);
    const since = updatedSince(c);
    if (since !== undefined && Number.isNaN(since)) return badTimestamp(c);
    const company = c.get('company');
    const contactId = c.req.query('contact') === undefined ? undefined : numericIdFromUrl(c.req.query('contact'), 'contacts');
    const projectId = c.req.query('project') === undefined ? undefined : numericIdFromUrl(c.req.query('project'), 'projects');
    const view = c.req.query('view') ?? 'all';
    const status = (b: Parameters<typeof billStatus>[2]) => billStatus(state, company, b).status;
    const views: Record<string, (b: Parameters<typeof billStatus>[2]) => boolean> = {
      all: () => true,
      open: (b) => status(b) === 'Open',
      overdue: (b) => status(b) === 'Overdue',
      open_or_overdue: (b) => ['Open', 'Overdue'].includes(status(b)),
      paid: (b) => status(b) === 'Paid',
    };
    const filter = views[view];
    if (!filter) return c.json(errorBody([`View ${view} is not valid`]), 400);
    const bills = [...company.bills.values()].filter(
      (b) => filter(b) && inDates(c, b.datedOn) && (since === undefined || b.updatedAt > since) && (contactId === undefined || b.contactId === contactId) && (projectId === undefined || b.projectId === projectId),
    );
    const nested = c.req.query('nested_bill_items') === 'true';
    return c.json({ bills: paged(c, bills).map((b) => presentBill(c.get('base'), state, company, b, nested)) });
  });
  api.get('/v2/bills/:id', (c) => {
    if (!can(c, 5)) return forbidden(c, 5);
    const bill = c.get('company').bills.get(Number(c.req.param('id')));
    return bill ? c.json({ bill: presentBill(c.get('base'), state, c.get('company'), bill, true) }) : notFound(c);
  });
  api.post('/v2/bills', async (c) => {
    if (!can(c, 5)) return forbidden(c, 5);
    const bill = createBill(ctxOf(c), await readBody(c));
    const body = presentBill(c.get('base'), state, c.get('company'), bill, true);
    return created(c, body.url as string, { bill: body });
  });
  api.put('/v2/bills/:id', async (c) => {
    if (!can(c, 5)) return forbidden(c, 5);
    const bill = c.get('company').bills.get(Number(c.req.param('id')));
    if (!bill) return notFound(c);
    updateBill(ctxOf(c), bill, await readBody(c));
    return c.json({ bill: presentBill(c.get('base'), state, c.get('company'), bill, true) });
  });
  api.delete('/v2/bills/:id', (c) => {
    if (!can(c, 5)) return forbidden(c, 5);
    const company = c.get('company');
    const bill = company.bills.get(Number(c.req.param('id')));
    if (!bill) return notFound(c);
    if ([...company.explanations.values()].some((x) => x.paidBillId === bill.id)) {
      return c.json(errorBody(['This bill has payments: delete the bank explanations that pay it first']), 422);
    }
    company.bills.delete(bill.id);
    if (bill.attachmentId !== undefined) company.attachments.delete(bill.attachmentId);
    return c.body(null, 200);
  });

  // --- invoices and credit notes ---
  for (const kind of ['invoice', 'credit_note'] as const) {
    const resource = kind === 'invoice' ? 'invoices' : 'credit_notes';
    const collection = (c: Ctx) => (kind === 'invoice' ? c.get('company').invoices : c.get('company').creditNotes);
    const present = (c: Ctx, doc: Parameters<typeof presentSalesDocument>[3], nested: boolean) => presentSalesDocument(c.get('base'), state, c.get('company'), doc, kind, nested);

    api.get(`/v2/${resource}`, (c) => {
      if (!can(c, 4)) return forbidden(c, 4);
      const since = updatedSince(c);
      if (since !== undefined && Number.isNaN(since)) return badTimestamp(c);
      const contactId = c.req.query('contact') === undefined ? undefined : numericIdFromUrl(c.req.query('contact'), 'contacts');
      const projectId = c.req.query('project') === undefined ? undefined : numericIdFromUrl(c.req.query('project'), 'projects');
      const view = c.req.query('view') ?? 'all';
      const status = (d: Parameters<typeof salesStatus>[2]) => salesStatus(state, c.get('company'), d, kind).status;
      const views: Record<string, (d: Parameters<typeof salesStatus>[2]) => boolean> = {
        all: () => true,
        draft: (d) => status(d) === 'Draft',
        open: (d) => status(d) === 'Open',
        overdue: (d) => status(d) === 'Overdue',
        open_or_overdue: (d) => ['Open', 'Overdue'].includes(status(d)),
        paid: (d) => status(d) === 'Paid',
        refunded: (d) => status(d) === 'Refunded',
      };
      const filter = views[view];
      if (!filter) return c.json(errorBody([`View ${view} is not valid`]), 400);
      const docs = [...collection(c).values()].filter(
        (d) => filter(d) && (since === undefined || d.updatedAt > since) && (contactId === undefined || d.contactId === contactId) && (projectId === undefined || d.projectId === projectId),
      );
      const nested = c.req.query(`nested_${kind}_items`) === 'true';
      return c.json({ [resource]: paged(c, sorted(c, docs, (d) => d.reference, 'created_at')).map((d) => present(c, d, nested)) });
    });
    api.get(`/v2/${resource}/:id`, (c) => {
      if (!can(c, 4)) return forbidden(c, 4);
      const doc = collection(c).get(Number(c.req.param('id')));
      return doc ? c.json({ [kind]: present(c, doc, true) }) : notFound(c);
    });
    api.post(`/v2/${resource}`, async (c) => {
      if (!can(c, 4)) return forbidden(c, 4);
      const doc = createSalesDocument(ctxOf(c), await readBody(c), kind);
      const body = present(c, doc, true);
      return created(c, body.url as string, { [kind]: body });
    });
    api.put(`/v2/${resource}/:id/transitions/:name`, (c) => {
      if (!can(c, 4)) return forbidden(c, 4);
      const doc = collection(c).get(Number(c.req.param('id')));
      if (!doc) return notFound(c);
      const changed = transition(ctxOf(c), doc, kind, c.req.param('name'));
      return changed ? c.json({ [kind]: present(c, changed, true) }) : notFound(c);
    });
    api.delete(`/v2/${resource}/:id`, (c) => {
      if (!can(c, 4)) return forbidden(c, 4);
      const doc = collection(c).get(Number(c.req.param('id')));
      if (!doc) return notFound(c);
      collection(c).delete(doc.id);
      return c.body(null, 200);
    });
  }

  // --- expenses ---
  api.get('/v2/expenses', (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const since = updatedSince(c);
    if (since !== undefined && Number.isNaN(since)) return badTimestamp(c);
    const company = c.get('company');
    const mine = !can(c, 7);
    const projectId = c.req.query('project') === undefined ? undefined : numericIdFromUrl(c.req.query('project'), 'projects');
    const expenses = [...company.expenses.values()].filter(
      (e) => (!mine || e.userId === c.get('user').id) && inDates(c, e.datedOn) && (since === undefined || e.updatedAt > since) && (projectId === undefined || e.projectId === projectId),
    );
    return c.json({ expenses: paged(c, expenses).map((e) => presentExpense(c.get('base'), state, company, e)) });
  });
  api.get('/v2/expenses/:id', (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const expense = c.get('company').expenses.get(Number(c.req.param('id')));
    if (!expense || (expense.userId !== c.get('user').id && !can(c, 7))) return notFound(c);
    return c.json({ expense: presentExpense(c.get('base'), state, c.get('company'), expense) });
  });
  api.post('/v2/expenses', async (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const { batch, expenses } = createExpenses(ctxOf(c), await readBody(c));
    const bodies = expenses.map((e) => presentExpense(c.get('base'), state, c.get('company'), e));
    if (batch) return c.json({ expenses: bodies }, 201);
    return created(c, bodies[0]!.url as string, { expense: bodies[0] });
  });
  api.put('/v2/expenses/:id', async (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const expense = c.get('company').expenses.get(Number(c.req.param('id')));
    if (!expense) return notFound(c);
    updateExpense(ctxOf(c), expense, await readBody(c));
    return c.json({ expense: presentExpense(c.get('base'), state, c.get('company'), expense) });
  });
  api.delete('/v2/expenses/:id', (c) => {
    if (!can(c, 2)) return forbidden(c, 2);
    const company = c.get('company');
    const expense = company.expenses.get(Number(c.req.param('id')));
    if (!expense) return notFound(c);
    company.expenses.delete(expense.id);
    if (expense.attachmentId !== undefined) company.attachments.delete(expense.attachmentId);
    return c.body(null, 200);
  });

  // --- bank transaction explanations ---
  api.get('/v2/bank_transaction_explanations', (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const since = updatedSince(c);
    if (since !== undefined && Number.isNaN(since)) return badTimestamp(c);
    const company = c.get('company');
    const accountId = numericIdFromUrl(c.req.query('bank_account'), 'bank_accounts');
    if (accountId === undefined || !company.data.bankAccounts.some((b) => b.id === accountId)) {
      return c.json(errorBody(['A bank_account must be given to list bank transaction explanations']), 400);
    }
    const list = [...company.explanations.values()].filter((x) => x.bankAccountId === accountId && inDates(c, x.datedOn) && (since === undefined || x.updatedAt > since));
    return c.json({ bank_transaction_explanations: paged(c, list).map((x) => presentExplanation(c.get('base'), state, company, x)) });
  });
  api.get('/v2/bank_transaction_explanations/:id', (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const x = c.get('company').explanations.get(Number(c.req.param('id')));
    return x ? c.json({ bank_transaction_explanation: presentExplanation(c.get('base'), state, c.get('company'), x) }) : notFound(c);
  });
  api.post('/v2/bank_transaction_explanations', async (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const x = createExplanation(ctxOf(c), await readBody(c));
    const body = presentExplanation(c.get('base'), state, c.get('company'), x);
    return created(c, body.url as string, { bank_transaction_explanation: body });
  });
  api.put('/v2/bank_transaction_explanations/:id', async (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const x = c.get('company').explanations.get(Number(c.req.param('id')));
    if (!x) return notFound(c);
    updateExplanation(ctxOf(c), x, await readBody(c));
    return c.json({ bank_transaction_explanation: presentExplanation(c.get('base'), state, c.get('company'), x) });
  });
  api.delete('/v2/bank_transaction_explanations/:id', (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const company = c.get('company');
    const x = company.explanations.get(Number(c.req.param('id')));
    if (!x) return notFound(c);
    deleteExplanation(company, x);
    return c.body(null, 200);
  });
  api.get('/v2/bank_transactions/:id', (c) => {
    if (!can(c, 6)) return forbidden(c, 6);
    const t = c.get('company').bankTransactions.get(Number(c.req.param('id')));
    if (!t) return notFound(c);
    const base = c.get('base');
    return c.json({
      bank_transaction: {
        url: resourceUrl(base, 'bank_transactions', t.id),
        bank_account: resourceUrl(base, 'bank_accounts', t.bankAccountId),
        dated_on: t.datedOn,
        amount: t.amount,
        description: t.description,
        unexplained_amount: '0.0',
        is_manual: true,
        created_at: new Date(t.createdAt).toISOString(),
        updated_at: new Date(t.updatedAt).toISOString(),
        bank_transaction_explanations: [...c.get('company').explanations.values()]
          .filter((x) => x.bankTransactionId === t.id)
          .map((x) => presentExplanation(base, state, c.get('company'), x)),
      },
    });
  });

  // --- attachments ---
  api.get('/v2/attachments/:id', (c) => {
    const a = c.get('company').attachments.get(Number(c.req.param('id')));
    return a ? c.json({ attachment: presentAttachment(c.get('base'), a, state.now()) }) : notFound(c);
  });
  api.delete('/v2/attachments/:id', (c) => {
    const company = c.get('company');
    const a = company.attachments.get(Number(c.req.param('id')));
    if (!a) return notFound(c);
    company.attachments.delete(a.id);
    const parent =
      a.parent.kind === 'bill' ? company.bills.get(a.parent.id) : a.parent.kind === 'expense' ? company.expenses.get(a.parent.id) : company.explanations.get(a.parent.id);
    if (parent && parent.attachmentId === a.id) parent.attachmentId = undefined;
    return c.body(null, 200);
  });

  return api;
}

/** The file behind an attachment's `content_src` (FreeAgent: an expiring S3 link; no bearer token). */
export function createAttachmentContent(state: SandboxState): Hono {
  const files = new Hono();
  files.get('/v2/attachments/:id/original', (c) => {
    const expires = Number(c.req.query('Expires'));
    if (!Number.isFinite(expires) || expires * 1000 < state.now()) return c.text('Request has expired', 403);
    for (const company of state.companies.values()) {
      const a = company.attachments.get(Number(c.req.param('id')));
      if (a) return c.body(Buffer.from(a.data), 200, { 'content-type': a.contentType, 'content-disposition': `inline; filename="${a.fileName}"` });
    }
    return c.text('Not found', 404);
  });
  return files;
}

