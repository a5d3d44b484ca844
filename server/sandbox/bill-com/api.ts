/**
 * gateway.*.bill.com/connect: the BILL v3 AP API (paths as in BILL's Postman collection).
 *
 * `POST /v3/login` turns username + password + organizationId + devKey into a sessionId; every
 * other call sends the `devKey` and `sessionId` headers. A session ends after 35 idle minutes
 * (BDC_1109). Limits: 20,000 calls per developer key per clock hour and 200 logins (BDC_1144),
 * 3 calls in progress per developer key per organisation (BDC_1322). Errors are JSON arrays.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { HANG_MS, rolls, takeRate429 } from '../common/faults.js';
import { developerKeyValid, sleep, type SandboxContext } from './context.js';
import { createBills, createVendorCredits, recordPayment } from './documents.js';
import { BdcFailure, bdcError, fail, type BdcKind, type BdcParam } from './errors.js';
import { parseListQuery, runList, specs, type ListSpec } from './lists.js';
import { billId } from './random.js';
import { countRefusal, findUser, type ApiSession, type Bill, type Faults, type OrganizationData, type Upload } from './state.js';

type Env = { Variables: { session: ApiSession; org: OrganizationData } };
type Ctx = Context<Env>;

const maxUploadBytes = 6 * 1024 * 1024;

/** The path on the emulated host (`/v3/...`), wherever the sandbox is mounted. */
export function apiPath(path: string): string {
  const i = path.indexOf('/v3/');
  return i >= 0 ? path.slice(i) : path;
}

/** `<origin><mount>/api/connect`: the base BILL's links (downloadLink) are built on. */
function connectBase(c: Context): string {
  const url = new URL(c.req.url);
  const i = url.pathname.indexOf('/v3/');
  return `${url.origin}${url.pathname.slice(0, i)}`;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    return fail(400, 'malformed', 'The request body is not valid JSON.');
  }
}

function currentHour(ctx: SandboxContext): number {
  return Math.floor(ctx.now().getTime() / 3_600_000);
}

/** Counts one call against the developer key's hourly budget; false when it is used up. */
function spendHourly(ctx: SandboxContext, devKey: string, login: boolean): boolean {
  const { hourly, limits } = ctx.state;
  const hour = currentHour(ctx);
  if (hourly.hour !== hour) {
    hourly.hour = hour;
    hourly.calls.clear();
    hourly.logins.clear();
  }
  const calls = hourly.calls.get(devKey) ?? 0;
  if (calls >= limits.perHour) return false;
  if (login) {
    const logins = hourly.logins.get(devKey) ?? 0;
    if (logins >= limits.loginsPerHour) return false;
    hourly.logins.set(devKey, logins + 1);
  }
  hourly.calls.set(devKey, calls + 1);
  return true;
}

function refuse(c: Context, ctx: SandboxContext, status: 400 | 401 | 403 | 404 | 429 | 500, kind: BdcKind, detail?: { message?: string; params?: BdcParam[] }) {
  const error = bdcError(kind, ctx.now(), detail);
  countRefusal(ctx.state, error.code);
  return c.json([error], status);
}

function applies(f: Faults | undefined, method: string, path: string): f is Faults {
  return !!f && (!f.path || path === f.path || path.startsWith(`${f.path}/`) || path.startsWith(`${f.path}?`)) && (!f.method || f.method.toUpperCase() === method);
}

/** The faults that apply to this call: the organisation's own over the global ones. */
function activeFaults(ctx: SandboxContext, orgId: string, method = '', path = ''): Faults {
  const all = ctx.state.faults.all;
  const own = ctx.state.faults.organizations.get(orgId);
  return { ...(applies(all, method, path) ? all : {}), ...(applies(own, method, path) ? own : {}) };
}

/** The fault record that holds a counted fault (an organisation's own, else the global one). */
function owner(ctx: SandboxContext, orgId: string, key: 'rate429' | 'hourlyLimit' | 'concurrencyLimit' | 'failUploads', method = '', path = ''): Faults {
  const own = ctx.state.faults.organizations.get(orgId);
  if (applies(own, method, path) && own[key] !== undefined) return own;
  return applies(ctx.state.faults.all, method, path) ? ctx.state.faults.all : {};
}

/** An upload in progress finishes once it has been processing for `uploadProcessingMs`. */
function settle(ctx: SandboxContext, org: OrganizationData, upload: Upload): void {
  if (upload.documentId || upload.failed) return;
  if (ctx.now().getTime() - upload.createdAt < ctx.uploadProcessingMs) return;
  // Any upload-related call may be the one that finishes it: the fault follows the organisation.
  const own = ctx.state.faults.organizations.get(org.id);
  const faults = own?.failUploads !== undefined ? own : ctx.state.faults.all;
  if (faults.failUploads && faults.failUploads > 0) {
    faults.failUploads -= 1;
    upload.failed = true;
    return;
  }
  upload.documentId = billId(ctx.state.rng, 'document');
}

function uploadStatus(upload: Upload): 'IN_PROGRESS' | 'UPLOADED' | 'FAILED' {
  return upload.failed ? 'FAILED' : upload.documentId ? 'UPLOADED' : 'IN_PROGRESS';
}

function presentDocument(c: Context, upload: Upload) {
  return {
    id: upload.documentId!,
    name: upload.name,
    createdTime: upload.createdTime,
    downloadLink: `${connectBase(c)}/v3/documents/${upload.documentId}/download`,
  };
}

export function createApi(ctx: SandboxContext): Hono<Env> {
  const { state } = ctx;
  const api = new Hono<Env>();

  api.onError((error, c) => {
    if (error instanceof BdcFailure) {
      const errors = error.errors.map((e) => bdcError(e.kind, ctx.now(), { message: e.message, params: e.params }));
      for (const e of errors) countRefusal(state, e.code);
      return c.json(errors, error.status);
    }
    return c.json([bdcError('system', ctx.now())], 500);
  });

  api.use('*', async (c, next) => {
    state.stats.requests += 1;
    const key = `${c.req.method} ${apiPath(c.req.path).replace(/\/(00n|009|0cu|vcr|stp|00h|0du|0ca|008|bac|0jb|0de|0lc|0cl|0em|0ii)01[A-Za-z0-9]{15}/g, '/{id}')}`;
    state.stats.routes[key] = (state.stats.routes[key] ?? 0) + 1;
    await next();
  });

  // --- sign-in (no session yet) ---------------------------------------------------------------
  api.post('/v3/login', async (c) => {
    const body = (await readJson(c)) as Record<string, unknown> | null;
    const field = (name: string) => (body && typeof body[name] === 'string' ? (body[name] as string) : '');
    const missing = ['username', 'password', 'organizationId', 'devKey'].filter((k) => !field(k));
    if (missing.length > 0) {
      return refuse(c, ctx, 400, 'required', { message: `Missing required field: ${missing.join(', ')}.`, params: missing.map((name) => ({ name, value: '' })) });
    }
    const devKey = field('devKey');
    if (!developerKeyValid(ctx, devKey)) return refuse(c, ctx, 401, 'badDevKey');
    if (!spendHourly(ctx, devKey, true)) {
      return refuse(c, ctx, ctx.limitStatus, 'hourly', { message: `Max number of allowed requests per hour reached: ${state.limits.loginsPerHour}.` });
    }
    state.stats.logins += 1;
    const user = findUser(state, field('username'));
    if (!user || user.password !== field('password')) {
      state.stats.failedLogins += 1;
      return refuse(c, ctx, 401, 'badLogin');
    }
    const org = state.organizations.get(field('organizationId'));
    if (!org || !user.organizationIds.includes(org.id)) {
      state.stats.failedLogins += 1;
      return refuse(c, ctx, 401, 'badOrganization', { params: [{ name: 'organizationId', value: field('organizationId') }] });
    }
    const trusted = field('rememberMeId') !== '' && field('rememberMeId') === user.rememberMeId && field('device') !== '';
    // BILL session ids are opaque; unguessable here too, as the sandbox may be shared.
    const sessionId = `!${randomBytes(18).toString('base64url')}`;
    state.sessions.set(sessionId, { sessionId, devKey, organizationId: org.id, userId: user.id, trusted, lastUsedAt: ctx.now().getTime() });
    state.stats.sessionsCreated += 1;
    return c.json({ organizationId: org.id, sessionId, trusted, userId: user.id });
  });

  // --- every other call: developer key, hourly budget, session, faults, concurrency -------------
  const authenticated: MiddlewareHandler<Env> = async (c, next) => {
    const devKey = c.req.header('devKey') ?? '';
    if (!developerKeyValid(ctx, devKey)) return refuse(c, ctx, 401, 'badDevKey');
    if (!spendHourly(ctx, devKey, false)) return refuse(c, ctx, ctx.limitStatus, 'hourly', { message: `Max number of allowed requests per hour reached: ${state.limits.perHour}.` });
    const session = state.sessions.get(c.req.header('sessionId') ?? '');
    const now = ctx.now().getTime();
    if (!session || session.devKey !== devKey) return refuse(c, ctx, 401, 'sessionInvalid');
    if (now - session.lastUsedAt > ctx.sessionIdleMs) {
      state.sessions.delete(session.sessionId);
      return refuse(c, ctx, 401, 'sessionInvalid');
    }
    const org = state.organizations.get(session.organizationId);
    const user = state.users.find((u) => u.id === session.userId);
    if (!org || !user || !user.organizationIds.includes(org.id)) {
      state.sessions.delete(session.sessionId);
      return refuse(c, ctx, 401, 'sessionInvalid');
    }
    session.lastUsedAt = now;

    const method = c.req.method;
    const path = apiPath(c.req.path);
    const faults = activeFaults(ctx, org.id, method, path);
    const rate = owner(ctx, org.id, 'rate429', method, path);
    const burst = takeRate429(rate.rate429);
    if (burst) {
      state.stats.faultsInjected += 1;
      // A throttling gateway in front of BILL, not BILL itself: no BDC body.
      c.header('Retry-After', String(burst.retryAfterSeconds));
      return c.text('Too Many Requests', 429);
    }
    const hourlyFault = owner(ctx, org.id, 'hourlyLimit', method, path);
    if (hourlyFault.hourlyLimit && hourlyFault.hourlyLimit.count > 0) {
      hourlyFault.hourlyLimit.count -= 1;
      state.stats.faultsInjected += 1;
      return refuse(c, ctx, ctx.limitStatus, 'hourly');
    }
    const busyFault = owner(ctx, org.id, 'concurrencyLimit', method, path);
    if (busyFault.concurrencyLimit && busyFault.concurrencyLimit.count > 0) {
      busyFault.concurrencyLimit.count -= 1;
      state.stats.faultsInjected += 1;
      return refuse(c, ctx, ctx.limitStatus, 'concurrent');
    }
    const slot = `${devKey}\u0000${org.id}`;
    const inFlight = state.inFlight.get(slot) ?? 0;
    if (inFlight >= state.limits.concurrent) return refuse(c, ctx, ctx.limitStatus, 'concurrent');
    state.inFlight.set(slot, inFlight + 1);
    state.stats.peakConcurrent[org.id] = Math.max(state.stats.peakConcurrent[org.id] ?? 0, inFlight + 1);
    c.set('session', session);
    c.set('org', org);
    let hang = false;
    try {
      if (faults.slowMs) await sleep(faults.slowMs, c.req.raw.signal);
      if (rolls(state.dice, faults.error5xxRate)) {
        state.stats.faultsInjected += 1;
        return refuse(c, ctx, 500, 'system');
      }
      // The worst case for a client: the call is carried out, then no answer comes.
      hang = rolls(state.dice, faults.timeoutRate);
      await next();
    } finally {
      state.inFlight.set(slot, (state.inFlight.get(slot) ?? 1) - 1);
    }
    if (hang) {
      state.stats.faultsInjected += 1;
      await sleep(HANG_MS, c.req.raw.signal);
    }
  };
  api.use('/v3/*', authenticated);

  // --- session ------------------------------------------------------------------------------
  api.get('/v3/login/session', (c) => {
    const session = c.get('session');
    return c.json({ organizationId: session.organizationId, userId: session.userId, mfaStatus: session.trusted ? 'ENABLED' : 'DISABLED', mfaBypass: false });
  });
  // [?] shape: the 2025 changelog names the endpoint but the collection has no example.
  api.get('/v3/login/organizations', (c) => {
    const user = state.users.find((u) => u.id === c.get('session').userId)!;
    return c.json({ results: user.organizationIds.map((id) => ({ id, name: state.organizations.get(id)?.name ?? '' })) });
  });
  api.post('/v3/logout', (c) => {
    state.sessions.delete(c.get('session').sessionId);
    return c.body(null, 200);
  });

  api.get('/v3/organizations/:organizationId', (c) => {
    const org = c.get('org');
    if (c.req.param('organizationId') !== org.id) fail(403, 'badOrganization', 'This session cannot read that organization.');
    return c.json({ id: org.id, archived: false, name: org.name, address: org.address, phone: org.phone, industry: org.industry, createdTime: org.createdTime, updatedTime: org.updatedTime });
  });

  // --- lists ------------------------------------------------------------------------------
  const list = <T extends { id: string }>(path: string, spec: ListSpec, records: (org: OrganizationData) => T[], what: string) => {
    api.get(path, (c) => {
      const q = parseListQuery((n) => c.req.query(n), spec);
      return c.json(runList(records(c.get('org')), q));
    });
    api.get(`${path}/:id`, (c) => {
      const found = records(c.get('org')).find((r) => r.id === c.req.param('id'));
      if (!found) fail(404, 'notFound', `${what} ${c.req.param('id')} was not found.`, [{ name: 'id', value: c.req.param('id') }]);
      return c.json(found);
    });
  };
  list('/v3/classifications/chart-of-accounts', specs.chartOfAccounts, (o) => o.chartOfAccounts, 'Chart of account');
  list('/v3/classifications/jobs', specs.classification, (o) => o.jobs, 'Job');
  list('/v3/classifications/departments', specs.classification, (o) => o.departments, 'Department');
  list('/v3/classifications/locations', specs.classification, (o) => o.locations, 'Location');
  list('/v3/classifications/accounting-classes', specs.classification, (o) => o.accountingClasses, 'Accounting class');
  list('/v3/classifications/employees', specs.classification, (o) => o.employees, 'Employee');
  list('/v3/classifications/items', specs.classification, (o) => o.items, 'Item');
  list('/v3/vendors', specs.vendors, (o) => o.vendors, 'Vendor');
  list('/v3/customers', specs.customers, (o) => o.customers, 'Customer');
  list('/v3/vendor-credits', specs.vendorCredits, (o) => o.vendorCredits, 'Vendor credit');
  list('/v3/payments', specs.payments, (o) => o.payments, 'Payment');

  // Bank accounts are filtered by `bankAccountId` (BILL's name for their id in filters).
  api.get('/v3/funding-accounts/banks', (c) => {
    const q = parseListQuery((n) => c.req.query(n), specs.bankAccounts);
    const rows = c.get('org').bankAccounts.map((b) => ({ ...b, bankAccountId: b.id }));
    return c.json(runList(rows, q, ({ bankAccountId: _, ...b }) => b));
  });
  api.get('/v3/funding-accounts/banks/:id', (c) => {
    const found = c.get('org').bankAccounts.find((b) => b.id === c.req.param('id'));
    if (!found) fail(404, 'notFound', `Bank account ${c.req.param('id')} was not found.`);
    return c.json(found);
  });

  // --- bills, vendor credits, payments recorded outside BILL ---------------------------------
  // The create answers carry no vendorName (only lists and reads do, per BILL's examples).
  const created = ({ vendorName: _, ...bill }: Bill) => bill;
  api.post('/v3/bills/bulk', async (c) => c.json(createBills(c.get('org'), state.rng, await readJson(c), ctx.now(), true).map(created), 201));
  api.post('/v3/bills/record-payment', async (c) => c.json(recordPayment(c.get('org'), state.rng, await readJson(c), ctx.now(), c.get('session').userId)));
  api.post('/v3/bills', async (c) => c.json(created(createBills(c.get('org'), state.rng, await readJson(c), ctx.now(), false)[0]!), 201));
  list('/v3/bills', specs.bills, (o) => o.bills, 'Bill');
  api.post('/v3/bills/:id/archive', (c) => {
    const bill = c.get('org').bills.find((b) => b.id === c.req.param('id'));
    if (!bill) fail(404, 'notFound', `Bill ${c.req.param('id')} was not found.`);
    bill.archived = true;
    bill.updatedTime = ctx.now().toISOString();
    return c.json(bill);
  });

  // Unlike bills/bulk, the answer wraps the list: {"vendorCredits": [...]} (BILL's example).
  api.post('/v3/vendor-credits/bulk', async (c) => c.json({ vendorCredits: createVendorCredits(c.get('org'), state.rng, await readJson(c), ctx.now(), true) }, 201));
  api.post('/v3/vendor-credits', async (c) => c.json(createVendorCredits(c.get('org'), state.rng, await readJson(c), ctx.now(), false)[0], 201));

  /** Paying through BILL moves money: BILL wants an MFA-trusted session (bill-com.md §1). */
  api.post('/v3/payments', async (c) => {
    if (!c.get('session').trusted) fail(403, 'mfaRequired');
    const body = (await readJson(c)) as Record<string, unknown>;
    const org = c.get('org');
    const bill = org.bills.find((b) => b.id === body?.billId && b.vendorId === body?.vendorId);
    if (!bill) fail(400, 'invalidReference', 'Bill or vendor does not exist.', [{ name: 'billId', value: String(body?.billId ?? '') }]);
    const t = ctx.now().toISOString();
    const amount = typeof body.amount === 'number' ? body.amount : bill.dueAmount;
    const payment = {
      id: billId(state.rng, 'payment'),
      vendorId: bill.vendorId,
      billPayments: [{ id: billId(state.rng, 'billPayment'), billId: bill.id, amount }],
      processDate: typeof body.processDate === 'string' ? body.processDate : t.slice(0, 10),
      amount,
      transactionNumber: `ACH-${state.rng.int(100_000, 999_999)}`,
      confirmationNumber: `P${state.rng.alnum(10).toUpperCase()}`,
      status: 'SCHEDULED' as const,
      onlinePayment: true,
      disbursementType: 'ACH' as const,
      toPrintCheck: false,
      createdBy: c.get('session').userId,
      createdTime: t,
      updatedTime: t,
    };
    bill.scheduledAmount = amount;
    bill.paymentStatus = 'SCHEDULED';
    org.payments.push(payment);
    return c.json(payment, 201);
  });

  // --- documents: asynchronous upload (0du… in progress, 00h… when done) ----------------------
  api.post('/v3/documents/bills/:billId', async (c) => {
    const org = c.get('org');
    const bill = org.bills.find((b) => b.id === c.req.param('billId'));
    if (!bill) fail(400, 'invalidReference', `Bill ${c.req.param('billId')} does not exist.`, [{ name: 'billId', value: c.req.param('billId') }]);
    const name = c.req.query('name');
    if (!name) fail(400, 'required', 'name is required.', [{ name: 'name', value: '' }]);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) fail(400, 'required', 'The request body must be the file.', [{ name: 'file', value: '' }]);
    if (bytes.byteLength > maxUploadBytes) fail(400, 'fileTooLarge', undefined, [{ name: 'file', value: String(bytes.byteLength) }]);
    const upload: Upload = {
      uploadId: billId(state.rng, 'upload'),
      billId: bill.id,
      name,
      contentType: c.req.header('content-type') ?? 'application/octet-stream',
      bytes,
      createdAt: ctx.now().getTime(),
      createdTime: ctx.now().toISOString(),
    };
    org.uploads.push(upload);
    settle(ctx, org, upload);
    return c.json(upload.documentId ? presentDocument(c, upload) : { id: upload.uploadId, name: upload.name });
  });

  api.get('/v3/documents/upload-status', (c) => {
    const org = c.get('org');
    const ids = (c.req.query('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) fail(400, 'required', 'ids is required.', [{ name: 'ids', value: '' }]);
    state.stats.uploadStatusPolls += 1;
    return c.json(
      ids.map((id) => {
        const upload = org.uploads.find((u) => u.uploadId === id || u.documentId === id);
        if (!upload) return fail(400, 'invalidReference', `Upload ${id} does not exist.`, [{ name: 'ids', value: id }]);
        settle(ctx, org, upload);
        return { uploadId: upload.uploadId, ...(upload.documentId ? { documentId: upload.documentId } : {}), status: uploadStatus(upload) };
      }),
    );
  });

  api.get('/v3/documents/bills/:billId', (c) => {
    const org = c.get('org');
    if (!org.bills.some((b) => b.id === c.req.param('billId'))) fail(400, 'invalidReference', `Bill ${c.req.param('billId')} does not exist.`, [{ name: 'billId', value: c.req.param('billId') }]);
    const q = parseListQuery((n) => c.req.query(n), specs.documents);
    const done = org.uploads.filter((u) => u.billId === c.req.param('billId') && (settle(ctx, org, u), u.documentId));
    return c.json(runList(done, q, (u) => presentDocument(c, u)));
  });

  api.get('/v3/documents/:documentId/download', (c) => {
    const upload = c.get('org').uploads.find((u) => u.documentId === c.req.param('documentId'));
    if (!upload) fail(404, 'notFound', 'Document not found.');
    return c.body(upload.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': upload.contentType, 'content-disposition': `attachment; filename="${upload.name.replace(/"/g, '')}"` });
  });

  api.get('/v3/documents/:documentId', (c) => {
    const org = c.get('org');
    const upload = org.uploads.find((u) => u.documentId === c.req.param('documentId'));
    if (!upload) fail(404, 'notFound', `Document ${c.req.param('documentId')} was not found.`, [{ name: 'documentId', value: c.req.param('documentId') }]);
    return c.json(presentDocument(c, upload));
  });

  // Last: any other path or method (a sub-app's notFound is not used once it is mounted).
  api.all('*', (c) => refuse(c, ctx, 404, 'notSupported'));
  return api;
}
