/**
 * `/_control`: the test and demo handle on the sandbox (not part of KashFlow). Reset, faults,
 * account switches, list changes, the documents created, and counters.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Account } from './model.js';
import type { SandboxContext } from './context.js';
import { kashflowDateTime } from './seed.js';
import { findAccount, type FaultRule } from './state.js';

const faultSchema = z.object({
  kind: z.enum(['rate_limit', 'server_error', 'slow', 'timeout']),
  host: z.enum(['api', 'soap']).default('api'),
  method: z.string().optional(),
  path: z.string().optional(),
  count: z.number().int().positive().optional(),
  rate: z.number().min(0).max(1).optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  status: z.number().int().min(500).max(599).optional(),
  delayMs: z.number().int().nonnegative().max(120_000).optional(),
  afterCommit: z.boolean().optional(),
});

const settingsSchema = z.object({
  username: z.string().optional(),
  APIEnabled: z.boolean().optional(),
  RESTAPIEnabled: z.boolean().optional(),
  AccessToSpecificIPAddressesOnly: z.boolean().optional(),
  AutoAuthEnabled: z.boolean().optional(),
  AutoAuthKey: z.string().optional(),
  UseSeparateSOAPAPIPassword: z.boolean().optional(),
  Password: z.string().optional(),
  allowedIps: z.array(z.object({ ip: z.string(), comment: z.string().default('') })).optional(),
  password: z.string().optional(),
  memorableWord: z.string().optional(),
  locked: z.boolean().optional(),
});

const lists = ['nominals', 'suppliers', 'customers', 'vatRates', 'products', 'projects', 'bankAccounts'] as const;
type ListName = (typeof lists)[number];

const mutateSchema = z.object({
  username: z.string().optional(),
  list: z.enum(lists),
  action: z.enum(['add', 'update', 'archive', 'unarchive', 'remove']),
  /** The entry's key: Code (nominals, suppliers, customers, products), VATId, Number (projects), Id (bank accounts). */
  key: z.union([z.string(), z.number()]).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const keyField: Record<ListName, string> = {
  nominals: 'Code',
  suppliers: 'Code',
  customers: 'Code',
  vatRates: 'VATId',
  products: 'Code',
  projects: 'Number',
  bankAccounts: 'Id',
};

function setArchived(list: ListName, entry: Record<string, unknown>, archived: boolean) {
  if (list === 'nominals') entry.Archived = archived;
  else if (list === 'projects') entry.Status = archived ? 2 : 0;
  else entry.IsArchived = archived;
}

function bad(c: Context, message: string, status: 400 | 404 = 400) {
  return c.json({ error: { code: status === 404 ? 'not_found' : 'invalid_request', message } }, status);
}

export function createControlApp(ctx: SandboxContext): Hono {
  const app = new Hono();
  const account = (username?: string): Account | undefined =>
    username ? findAccount(ctx.state, username) : ctx.state.accounts[0];

  app.post('/reset', (c) => {
    ctx.reset();
    return c.json({ ok: true });
  });

  app.get('/faults', (c) => c.json({ faults: ctx.state.faults }));
  app.post('/faults', async (c) => {
    const raw = await c.req.json().catch(() => null);
    const parsed = z.union([faultSchema, z.object({ faults: z.array(faultSchema) })]).safeParse(raw);
    if (!parsed.success) return bad(c, parsed.error.message);
    const inputs = 'faults' in parsed.data ? parsed.data.faults : [parsed.data];
    const added: FaultRule[] = inputs.map(({ count, ...rule }) => ({ ...rule, id: ctx.state.nextFaultId++, remaining: count }));
    ctx.state.faults.push(...added);
    return c.json({ faults: added }, 201);
  });
  app.delete('/faults', (c) => {
    ctx.state.faults = [];
    return c.json({ ok: true });
  });

  app.post('/lock', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { username?: string; locked?: boolean };
    const a = account(body.username);
    if (!a) return bad(c, 'No such account.', 404);
    a.locked = body.locked ?? true;
    if (!a.locked) a.failedLogins = 0;
    return c.json({ username: a.username, locked: a.locked });
  });

  /** Changes API Settings (or the password / memorable word) as if the user had done it. */
  app.post('/settings', async (c) => {
    const parsed = settingsSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return bad(c, parsed.error.message);
    const { username, allowedIps, password, memorableWord, locked, ...api } = parsed.data;
    const a = account(username);
    if (!a) return bad(c, 'No such account.', 404);
    Object.assign(a.api, api);
    if (allowedIps) a.api.allowedIps = allowedIps.map((e) => ({ ...e, added: kashflowDateTime(ctx.now()) }));
    if (password !== undefined) a.password = password;
    if (memorableWord !== undefined) a.memorableWord = memorableWord;
    if (locked !== undefined) a.locked = locked;
    return c.json({ username: a.username, api: a.api });
  });

  /** Ends every REST session now (as 60 idle minutes would). */
  app.post('/expire-sessions', (c) => {
    const n = ctx.state.apiSessions.size;
    ctx.state.apiSessions.clear();
    return c.json({ expired: n });
  });

  app.get('/accounts', (c) =>
    c.json({
      accounts: ctx.state.accounts.map((a) => ({
        username: a.username,
        companyId: a.companyId,
        companyName: a.companyName,
        locked: a.locked,
        api: a.api,
      })),
    }),
  );

  app.get('/documents', (c) => {
    const a = account(c.req.query('username'));
    if (!a) return bad(c, 'No such account.', 404);
    return c.json({
      counts: { purchases: a.purchases.length, invoices: a.invoices.length, expenses: a.expenses.length, files: a.files.length },
      purchases: a.purchases,
      invoices: a.invoices,
      expenses: a.expenses,
      files: a.files,
    });
  });

  app.post('/mutate', async (c) => {
    const parsed = mutateSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return bad(c, parsed.error.message);
    const { list, action, key, data } = parsed.data;
    const a = account(parsed.data.username);
    if (!a) return bad(c, 'No such account.', 404);
    const entries = a[list] as unknown as Array<Record<string, unknown>>;
    const field = keyField[list];
    if (action === 'add') {
      if (!data) return bad(c, 'data is required to add an entry.');
      const template = entries[0] ?? {};
      const entry: Record<string, unknown> = { ...structuredClone(template), Id: a.nextId++, ...data };
      if (entries.some((e) => String(e[field]) === String(entry[field]))) return bad(c, `${field} ${String(entry[field])} already exists.`);
      setArchived(list, entry, data.Archived === true || data.IsArchived === true || data.Status === 2);
      entries.push(entry);
      return c.json({ entry }, 201);
    }
    const index = entries.findIndex((e) => String(e[field]).toLowerCase() === String(key ?? '').toLowerCase());
    if (index < 0) return bad(c, `No ${list} entry with ${field} ${String(key)}.`, 404);
    const entry = entries[index] as Record<string, unknown>;
    if (action === 'remove') entries.splice(index, 1);
    else if (action === 'archive') setArchived(list, entry, true);
    else if (action === 'unarchive') setArchived(list, entry, false);
    else Object.assign(entry, data ?? {});
    return c.json({ entry });
  });

  app.get('/stats', (c) =>
    c.json({
      ...ctx.state.stats,
      sessions: { web: ctx.state.webSessions.size, api: ctx.state.apiSessions.size },
    }),
  );

  return app;
}
