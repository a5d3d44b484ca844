/**
 * api.kashflow.com: the REST API v2 (paths under `/v2`). Sessions, lists, purchases, invoices,
 * expenses and files, with KashFlow's `{ Error, Message }` bodies.
 *
 * Emulator choices [?]: the API Settings flags (API enabled, IP restriction, password mode)
 * are applied to REST as well as to SOAP, so that a fresh account refuses every call until an
 * IP is listed (by hand or through AutoAuthIP). Status codes KashFlow does not publish: wrong
 * username or password 401 InvalidCredentials, wrong memorable word 401 InvalidMemorableWord,
 * unlisted IP 401 IPAddressNotAllowed, API switched off 403 APIDisabled, locked 403 AccountLocked.
 */
import { Hono, type Context } from 'hono';
import type { Account, Contact, FileObjectType } from './model.js';
import { countRequest, injectFaults, type SandboxContext } from './context.js';
import { createExpense, createInvoice, createPurchase, parseKashflowDate, type RuleError } from './rules.js';
import { kashflowDateTime, paymentMethods } from './seed.js';
import { apiPasswordMatches, countRefusal, findAccount, ipAllowed, recordFailedLogin } from './state.js';

type Env = { Variables: { account: Account } };

const maxPerPage = 100;

function kfError(c: Context, status: 400 | 401 | 403 | 404, Error: string, Message: string) {
  return c.json({ Error, Message }, status);
}

function ruleError(c: Context, error: RuleError) {
  return kfError(c, error.status, error.Error, error.Message);
}

/** Checks that apply to every API call of an account, in the order KashFlow would meet them. */
function refuseAccess(ctx: SandboxContext, c: Context, account: Account) {
  if (account.locked) {
    countRefusal(ctx.state, 'locked');
    return kfError(c, 403, 'AccountLocked', 'This account is locked after too many failed sign-in attempts. Reset your password in KashFlow.');
  }
  if (!account.api.APIEnabled || !account.api.RESTAPIEnabled) {
    countRefusal(ctx.state, 'api_disabled');
    return kfError(c, 403, 'APIDisabled', 'API access is switched off for this account. Turn it on in Apps > API Settings.');
  }
  const ip = ctx.callerIp(c);
  if (!ipAllowed(account, ip)) {
    countRefusal(ctx.state, 'ip');
    return kfError(c, 401, 'IPAddressNotAllowed', `Access from IP address ${ip} is not allowed. Add it in Apps > API Settings or use AutoAuth.`);
  }
  return null;
}

function intParam(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) ? n : fallback;
}

/** KashFlow's paged list: `{ MetaData, Data }`, 1-based `page`, `perpage` at most 100. */
function paged<T>(c: Context, items: T[], amount?: (item: T) => number) {
  const page = intParam(c.req.query('page'), 1);
  const perpage = intParam(c.req.query('perpage'), 50);
  const skip = c.req.query('skipperpagevalidation') === 'true';
  if (page < 1) return kfError(c, 400, 'InvalidPage', 'page must be 1 or more.');
  if (perpage < 1 || (perpage > maxPerPage && !skip)) {
    return kfError(c, 400, 'InvalidPerPage', `perpage must be between 1 and ${maxPerPage}.`);
  }
  const lastPage = Math.max(1, Math.ceil(items.length / perpage));
  const url = (p: number) => {
    const u = new URL(c.req.url);
    u.searchParams.set('page', String(p));
    u.searchParams.set('perpage', String(perpage));
    return u.toString();
  };
  return c.json({
    MetaData: {
      TotalRecords: items.length,
      FirstPageUrl: url(1),
      LastPageUrl: url(lastPage),
      PreviousPageUrl: page > 1 ? url(Math.min(page - 1, lastPage)) : null,
      NextPageUrl: page < lastPage ? url(page + 1) : null,
      TotalAmount: amount ? Math.round(items.reduce((s, i) => s + amount(i), 0) * 100) / 100 : 0,
      InvoiceLimitReached: false,
    },
    Data: items.slice((page - 1) * perpage, page * perpage),
  });
}

function sortOrder(c: Context) {
  return c.req.query('order')?.toLowerCase() === 'desc' ? -1 : 1;
}

function contactList(c: Context, contacts: Contact[]) {
  const starts = c.req.query('namestartswith')?.toLowerCase();
  const search = c.req.query('searchtext')?.toLowerCase();
  const hideArchived = c.req.query('filterarchived') === 'true';
  const from = c.req.query('startcreationdate');
  const to = c.req.query('endcreationdate');
  let list = contacts.filter(
    (x) =>
      (!starts || x.Name.toLowerCase().startsWith(starts)) &&
      (!search || x.Name.toLowerCase().includes(search) || x.Code.toLowerCase().includes(search)) &&
      (!hideArchived || !x.IsArchived) &&
      (!from || x.CreatedDate.slice(0, 10) >= from.slice(0, 10)) &&
      (!to || x.CreatedDate.slice(0, 10) <= to.slice(0, 10)),
  );
  // sortby: 0 Name, 1 Code (default here: Code, so pages stay stable while names change).
  const byName = c.req.query('sortby') === '0';
  const dir = sortOrder(c);
  list = [...list].sort((a, b) => dir * (byName ? a.Name.localeCompare(b.Name) || a.Code.localeCompare(b.Code) : a.Code.localeCompare(b.Code)));
  return paged(
    c,
    list.map((x) => ({
      Id: x.Id,
      Code: x.Code,
      Name: x.Name,
      Currency: x.Currency,
      IsArchived: x.IsArchived,
      DefaultVatRate: x.DefaultVatRate,
      VatExempt: x.VatExempt,
      VATNumber: x.VATNumber,
      DefaultNominalCode: x.DefaultNominalCode,
    })),
  );
}

const fileObjectTypes: readonly FileObjectType[] = ['purchases', 'invoices', 'expenses', 'customers', 'suppliers', 'quotes', 'purchaseorders'];

function objectExists(account: Account, type: FileObjectType, key: string): boolean {
  switch (type) {
    case 'purchases':
      return account.purchases.some((d) => String(d.Number) === key);
    case 'invoices':
      return account.invoices.some((d) => String(d.Number) === key);
    case 'expenses':
      return account.expenses.some((d) => String(d.Number) === key);
    case 'customers':
      return account.customers.some((d) => d.Code === key);
    case 'suppliers':
      return account.suppliers.some((d) => d.Code === key);
    default:
      return false;
  }
}

/** Files KashFlow takes as attachments [?]: it stores them through its Dropbox integration. */
const maxFileBytes = 10 * 1024 * 1024;
const allowedFileTypes = ['application/pdf', 'image/png', 'image/jpeg', 'image/gif'];

export function createRestApp(ctx: SandboxContext): Hono<Env> {
  const app = new Hono<Env>();
  const nowIso = () => kashflowDateTime(ctx.now());
  app.use('*', countRequest(ctx, 'api'));
  app.use('*', injectFaults(ctx, 'api'));

  // --- sessions (https://www.kashflow.com/developers/rest-api/sessiontoken/) ----------------
  app.post('/v2/sessiontoken', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { UserName?: unknown; Password?: unknown } | null;
    const username = typeof body?.UserName === 'string' ? body.UserName : '';
    const password = typeof body?.Password === 'string' ? body.Password : '';
    if (!username || !password) return kfError(c, 400, 'ValidationError', 'UserName and Password are required.');
    const account = findAccount(ctx.state, username);
    if (!account) {
      countRefusal(ctx.state, 'credentials');
      return kfError(c, 401, 'InvalidCredentials', 'The username or password is incorrect.');
    }
    const refused = refuseAccess(ctx, c, account);
    if (refused) return refused;
    if (!apiPasswordMatches(account, password)) {
      countRefusal(ctx.state, 'credentials');
      recordFailedLogin(account);
      return kfError(c, 401, 'InvalidCredentials', 'The username or password is incorrect.');
    }
    // Three distinct 1-based positions of the memorable word, as KashFlow asks for.
    const positions = new Set<number>();
    const length = account.memorableWord.length;
    while (positions.size < Math.min(3, length)) positions.add(ctx.state.rng.int(1, length));
    const sorted = [...positions].sort((a, b) => a - b);
    const token = ctx.state.rng.guid();
    ctx.state.temporaryTokens.set(token, { username: account.username, positions: sorted, expiresAt: ctx.now().getTime() + ctx.temporaryTokenTtlMs });
    return c.json(
      {
        TemporaryToken: token,
        MemorableWordList: sorted.map((Position) => ({ Position, Value: '' })),
        ...accountFlags(account),
      },
      201,
    );
  });

  app.put('/v2/sessiontoken', async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      TemporaryToken?: unknown;
      MemorableWordList?: Array<{ Position?: unknown; Value?: unknown }>;
    } | null;
    const token = typeof body?.TemporaryToken === 'string' ? body.TemporaryToken : '';
    const pending = ctx.state.temporaryTokens.get(token);
    // One answer per temporary token, right or wrong.
    ctx.state.temporaryTokens.delete(token);
    if (!pending || pending.expiresAt < ctx.now().getTime()) {
      return kfError(c, 401, 'InvalidTemporaryToken', 'The temporary token is invalid or has expired. Start again with POST /sessiontoken.');
    }
    const account = findAccount(ctx.state, pending.username);
    if (!account) return kfError(c, 401, 'InvalidTemporaryToken', 'The temporary token is invalid or has expired.');
    const refused = refuseAccess(ctx, c, account);
    if (refused) return refused;
    const answers = new Map<number, string>();
    for (const entry of body?.MemorableWordList ?? []) {
      if (typeof entry?.Position === 'number' && typeof entry.Value === 'string') answers.set(entry.Position, entry.Value);
    }
    const right = pending.positions.every(
      (p) => (answers.get(p) ?? '').toLowerCase() === (account.memorableWord[p - 1] ?? '').toLowerCase(),
    );
    if (!right) {
      countRefusal(ctx.state, 'memorable_word');
      recordFailedLogin(account);
      return kfError(c, 401, 'InvalidMemorableWord', 'The memorable word characters are incorrect.');
    }
    account.failedLogins = 0;
    const sessionToken = ctx.state.rng.guid();
    ctx.state.apiSessions.set(sessionToken, { username: account.username, lastUsedAt: ctx.now().getTime() });
    ctx.state.stats.sessionsCreated += 1;
    return c.json({
      SessionToken: sessionToken,
      ...accountFlags(account),
      StartPageUrl: '/dashboard',
      SubscriptionExpiryDate: kashflowDateTime(new Date(ctx.now().getTime() + 300 * 86_400_000)),
    });
  });

  app.delete('/v2/sessiontoken/:token', (c) => {
    ctx.state.apiSessions.delete(c.req.param('token'));
    return c.body(null, 200);
  });

  // --- everything else needs `Authorization: KfToken <SessionToken>` ------------------------
  app.use('/v2/*', async (c, next) => {
    if (c.req.path.endsWith('/v2/sessiontoken') || c.req.path.includes('/v2/sessiontoken/')) return next();
    const match = /^KfToken\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const session = match ? ctx.state.apiSessions.get(match[1] ?? '') : undefined;
    const now = ctx.now().getTime();
    if (!session || now - session.lastUsedAt > ctx.sessionIdleMs) {
      if (match && session) ctx.state.apiSessions.delete(match[1] ?? '');
      countRefusal(ctx.state, 'session');
      return kfError(c, 401, 'InvalidSessionToken', 'Session token provided is invalid.');
    }
    const account = findAccount(ctx.state, session.username);
    if (!account) return kfError(c, 401, 'InvalidSessionToken', 'Session token provided is invalid.');
    const refused = refuseAccess(ctx, c, account);
    if (refused) return refused;
    session.lastUsedAt = now; // sliding expiry
    c.set('account', account);
    await next();
  });

  app.get('/v2/settings', (c) => {
    const a = c.get('account');
    return c.json({
      CompanyId: a.companyId,
      CompanyName: a.companyName,
      VATNumber: a.vatNumber,
      BaseCurrency: 'GBP',
      Country: 'United Kingdom',
      FinancialYearStartMonth: 4,
    });
  });

  app.get('/v2/settings/api', (c) => {
    const { allowedIps, ...api } = c.get('account').api;
    return c.json({ ...api, Password: api.Password ? '********' : '', PasswordChanged: false, AllowedIPAddresses: allowedIps.map((e) => ({ IPAddress: e.ip, Comment: e.comment })) });
  });

  app.put('/v2/settings/api-autoauthkey', (c) => {
    const a = c.get('account');
    a.api.AutoAuthKey = ctx.state.rng.guid().toUpperCase();
    return c.json({ AutoAuthKey: a.api.AutoAuthKey });
  });

  // --- lists -----------------------------------------------------------------------------
  app.get('/v2/nominals', (c) => {
    const type = c.req.query('type')?.toLowerCase();
    const search = (c.req.query('searchText') ?? c.req.query('searchtext'))?.toLowerCase();
    return c.json(
      c
        .get('account')
        .nominals.filter((n) => (!type || n.Type.toLowerCase() === type) && (!search || n.Name.toLowerCase().includes(search) || String(n.Code).includes(search)))
        .sort((a, b) => a.Code - b.Code),
    );
  });
  app.get('/v2/nominals/:code', (c) => {
    const n = c.get('account').nominals.find((x) => String(x.Code) === c.req.param('code'));
    return n ? c.json(n) : kfError(c, 404, 'NotFound', `Nominal code ${c.req.param('code')} does not exist.`);
  });

  app.get('/v2/suppliers', (c) => contactList(c, c.get('account').suppliers));
  app.get('/v2/suppliers/:code', (c) => {
    const s = c.get('account').suppliers.find((x) => x.Code.toLowerCase() === c.req.param('code').toLowerCase());
    return s ? c.json(s) : kfError(c, 404, 'NotFound', `Supplier with code ${c.req.param('code')} does not exist.`);
  });
  app.get('/v2/customers', (c) => contactList(c, c.get('account').customers));
  app.get('/v2/customers/:code', (c) => {
    const s = c.get('account').customers.find((x) => x.Code.toLowerCase() === c.req.param('code').toLowerCase());
    return s ? c.json(s) : kfError(c, 404, 'NotFound', `Customer with code ${c.req.param('code')} does not exist.`);
  });

  app.get('/v2/vat/settings/vatrates', (c) => c.json(c.get('account').vatRates));
  app.get('/v2/vat/settings', (c) =>
    c.json({ IsVatRegistered: true, IsFRS: false, FRSRate: 0, VatCashAccountingPurchases: false, VATNumber: c.get('account').vatNumber }),
  );

  app.get('/v2/products', (c) => paged(c, [...c.get('account').products].sort((a, b) => a.Id - b.Id)));
  app.get('/v2/products/:nominal/:code', (c) => {
    const p = c.get('account').products.find((x) => String(x.NominalCode) === c.req.param('nominal') && x.Code === c.req.param('code'));
    return p ? c.json(p) : kfError(c, 404, 'NotFound', `Product ${c.req.param('code')} does not exist.`);
  });

  app.get('/v2/projects', (c) => {
    const statuses = c.req.queries('status[]') ?? c.req.queries('status');
    const search = c.req.query('searchtext')?.toLowerCase();
    const list = c
      .get('account')
      .projects.filter((p) => (!statuses || statuses.includes(String(p.Status))) && (!search || p.Name.toLowerCase().includes(search) || p.Reference.toLowerCase().includes(search)))
      .sort((a, b) => (c.req.query('sort') === '1' ? b.Number - a.Number : a.Number - b.Number));
    return paged(c, list);
  });
  app.get('/v2/projects/:number', (c) => {
    const p = c.get('account').projects.find((x) => String(x.Number) === c.req.param('number'));
    return p ? c.json(p) : kfError(c, 404, 'NotFound', `Project ${c.req.param('number')} does not exist.`);
  });

  app.get('/v2/bankaccounts', (c) => {
    const all = c.req.query('includeArchivedAccounts') === 'true';
    return c.json(c.get('account').bankAccounts.filter((b) => all || !b.IsArchived));
  });
  app.get('/v2/paymentmethods/:type', (c) => c.json(paymentMethods));

  // --- purchases, invoices, expenses -----------------------------------------------------
  app.get('/v2/purchases', (c) => {
    const supplier = c.req.query('suppliercode')?.toLowerCase();
    const search = c.req.query('searchtext')?.toLowerCase();
    const from = parseKashflowDate(c.req.query('issuedatefrom'));
    const to = parseKashflowDate(c.req.query('issuedateto'));
    const list = c
      .get('account')
      .purchases.filter(
        (p) =>
          (!supplier || p.SupplierCode.toLowerCase() === supplier) &&
          (!search || p.SupplierReference.toLowerCase().includes(search) || String(p.Number) === search || p.SupplierName.toLowerCase().includes(search)) &&
          (!from || p.IssuedDate >= from) &&
          (!to || p.IssuedDate <= to),
      )
      .sort((a, b) => b.Number - a.Number);
    return paged(c, list, (p) => p.GrossAmount);
  });
  app.get('/v2/purchases/:number', (c) => {
    const p = c.get('account').purchases.find((x) => String(x.Number) === c.req.param('number'));
    return p ? c.json(p) : kfError(c, 404, 'NotFound', `Purchase ${c.req.param('number')} does not exist.`);
  });
  app.post('/v2/purchases', async (c) => {
    const account = c.get('account');
    const result = createPurchase(account, await c.req.json().catch(() => null), nowIso());
    if (!result.ok) return ruleError(c, result.error);
    account.purchases.push(result.value);
    return c.json(result.value, 201);
  });

  app.get('/v2/invoices', (c) => {
    const customer = c.req.query('customercode')?.toLowerCase();
    const search = c.req.query('searchtext')?.toLowerCase();
    const list = c
      .get('account')
      .invoices.filter(
        (i) =>
          (!customer || i.CustomerCode.toLowerCase() === customer) &&
          (!search || i.CustomerReference.toLowerCase().includes(search) || String(i.Number) === search || i.CustomerName.toLowerCase().includes(search)),
      )
      .sort((a, b) => b.Number - a.Number);
    return paged(c, list, (i) => i.GrossAmount);
  });
  app.get('/v2/invoices/:number', (c) => {
    const i = c.get('account').invoices.find((x) => String(x.Number) === c.req.param('number'));
    return i ? c.json(i) : kfError(c, 404, 'NotFound', `Invoice ${c.req.param('number')} does not exist.`);
  });
  app.post('/v2/invoices', async (c) => {
    const account = c.get('account');
    const result = createInvoice(account, await c.req.json().catch(() => null), nowIso());
    if (!result.ok) return ruleError(c, result.error);
    account.invoices.push(result.value);
    return c.json(result.value, 201);
  });

  app.get('/v2/expenses', (c) => {
    const supplier = c.req.query('suppliercode')?.toLowerCase();
    const search = c.req.query('searchtext')?.toLowerCase();
    const list = c
      .get('account')
      .expenses.filter((e) => (!supplier || e.SupplierCode.toLowerCase() === supplier) && (!search || e.Comment.toLowerCase().includes(search) || String(e.Number) === search))
      .sort((a, b) => b.Number - a.Number);
    return paged(c, list, (e) => e.Amount);
  });
  app.get('/v2/expenses/:number', (c) => {
    const e = c.get('account').expenses.find((x) => String(x.Number) === c.req.param('number'));
    return e ? c.json(e) : kfError(c, 404, 'NotFound', `Expense ${c.req.param('number')} does not exist.`);
  });
  app.post('/v2/expenses', async (c) => {
    const account = c.get('account');
    const result = createExpense(account, await c.req.json().catch(() => null), nowIso());
    if (!result.ok) return ruleError(c, result.error);
    account.expenses.push(result.value);
    return c.json(result.value, 201);
  });

  // --- files (multipart field name not published [?]: we take `file`) --------------------
  app.get('/v2/:objectType/:number/files', (c) => {
    const type = c.req.param('objectType') as FileObjectType;
    if (!fileObjectTypes.includes(type)) return kfError(c, 404, 'NotFound', 'Unknown object type.');
    const files = c.get('account').files.filter((f) => f.ObjectType === type && f.ObjectNumber === c.req.param('number'));
    return c.json(files);
  });
  app.post('/v2/:objectType/:number/files', async (c) => {
    const account = c.get('account');
    const type = c.req.param('objectType') as FileObjectType;
    const key = c.req.param('number');
    if (!fileObjectTypes.includes(type)) return kfError(c, 404, 'NotFound', 'Unknown object type.');
    if (!objectExists(account, type, key)) return kfError(c, 404, 'NotFound', `${type} ${key} does not exist.`);
    const form = await c.req.formData().catch(() => null);
    const file = form?.get('file');
    if (!file || typeof file === 'string') return kfError(c, 400, 'ValidationError', 'Send the file as multipart/form-data in a field named "file".');
    if (file.size === 0) return kfError(c, 400, 'ValidationError', 'The file is empty.');
    if (file.size > maxFileBytes) return kfError(c, 400, 'FileTooLarge', 'Files must be 10 MB or smaller.');
    const contentType = file.type || 'application/octet-stream';
    if (!allowedFileTypes.includes(contentType)) return kfError(c, 400, 'InvalidFileType', `Files of type ${contentType} cannot be attached.`);
    const stored = {
      Id: account.nextId++,
      ObjectType: type,
      ObjectNumber: key,
      FileName: file.name || 'attachment',
      ContentType: contentType,
      Size: file.size,
      UploadedDate: nowIso(),
    };
    account.files.push(stored);
    return c.json(stored, 201);
  });

  app.notFound((c) => kfError(c, 404, 'NotFound', 'No HTTP resource was found that matches the request URI.'));
  return app;
}

function accountFlags(account: Account) {
  return {
    IsLockedOut: account.locked,
    HasTemporaryPassword: false,
    SubscriptionExpired: false,
    PackageName: 'KashFlow Business',
    PartnerId: 0,
    IsAdmin: true,
    CompanyId: account.companyId,
    CompanyName: account.companyName,
  };
}
