/**
 * `/_control`: the test and demo handle on the sandbox (not part of BILL), with the same paths
 * and body shapes as the Xero sandbox's where they apply: reset, faults, documents created,
 * list changes (bumping updatedTime, as an edit in BILL would), stats; plus BILL's own: limits,
 * ending sessions, a user's password change, and moving the clock forward.
 */
import type { Hono } from 'hono';
import { createControlApp, jsonBody } from '../common/control.js';
import { z } from 'zod';
import { faultFields } from '../common/faults.js';
import type { SandboxContext } from './context.js';
import { billId, type IdKind } from './random.js';
import { emptyStats, type Faults, type OrganizationData } from './state.js';

const faultsSchema = z.object({
  organizationId: z.string().optional(),
  path: z.string().optional(),
  method: z.string().optional(),
  ...faultFields,
  hourlyLimit: z.object({ count: z.number().int().min(0) }).optional(),
  concurrencyLimit: z.object({ count: z.number().int().min(0) }).optional(),
  failUploads: z.number().int().min(0).optional(),
  /** End every API session now (as 35 idle minutes would). */
  expireSessions: z.literal(true).optional(),
  /** The user changed their password in BILL: sessions end and the saved password stops working. */
  revokeGrants: z.literal(true).optional(),
});

const lists = ['chartOfAccounts', 'vendors', 'customers', 'jobs', 'departments', 'locations', 'accountingClasses', 'employees', 'items', 'bankAccounts'] as const;
type ListName = (typeof lists)[number];

const idKinds: Record<ListName, IdKind> = {
  chartOfAccounts: 'chartOfAccount',
  vendors: 'vendor',
  customers: 'customer',
  jobs: 'job',
  departments: 'department',
  locations: 'location',
  accountingClasses: 'accountingClass',
  employees: 'employee',
  items: 'item',
  bankAccounts: 'bankAccount',
};

const mutationSchema = z.object({
  organizationId: z.string().optional(),
  list: z.enum(lists),
  action: z.enum(['add', 'rename', 'archive', 'unarchive', 'update']),
  /** Which entry: its id, name, or (chart of accounts) account number. Not needed for `add`. */
  target: z.string().optional(),
  name: z.string().optional(),
  /** add/update: fields in BILL's names. */
  entry: z.record(z.string(), z.unknown()).optional(),
});

type Entry = { id: string; name?: string; archived: boolean; updatedTime: string; createdTime: string; account?: { number?: string } };

export function createControl(ctx: SandboxContext): Hono {
  const { state } = ctx;
  const control = createControlApp(() => ctx.reset());
  const orgOf = (id?: string): OrganizationData | undefined => (id ? state.organizations.get(id) : state.organizations.values().next().value);

  control.get('/organizations', (c) =>
    c.json([...state.organizations.values()].map((o) => ({ id: o.id, name: o.name, vendors: o.vendors.length, developerKeys: o.developerKeys.map((k) => k.key) }))),
  );
  control.get('/users', (c) => c.json(state.users.map((u) => ({ id: u.id, email: u.email, organizationIds: u.organizationIds, rememberMeId: u.rememberMeId }))));

  control.post('/faults', async (c) => {
    const { organizationId, expireSessions, revokeGrants, ...faults } = faultsSchema.parse(await jsonBody(c));
    if (organizationId) state.faults.organizations.set(organizationId, faults as Faults);
    else state.faults.all = faults as Faults;
    if (expireSessions || revokeGrants) {
      for (const [id, s] of state.sessions) if (!organizationId || s.organizationId === organizationId) state.sessions.delete(id);
    }
    if (revokeGrants) for (const u of state.users) if (!organizationId || u.organizationIds.includes(organizationId)) u.password = `changed-${state.rng.alnum(8)}`;
    return c.json({ ok: true });
  });
  control.delete('/faults', (c) => {
    state.faults = { all: {}, organizations: new Map() };
    return c.json({ ok: true });
  });

  control.post('/expire-sessions', (c) => {
    const n = state.sessions.size;
    state.sessions.clear();
    return c.json({ expired: n });
  });

  control.post('/limits', async (c) => {
    const body = z.object({ perHour: z.number().int().min(0).optional(), loginsPerHour: z.number().int().min(0).optional(), concurrent: z.number().int().min(1).optional() }).parse(await c.req.json());
    Object.assign(state.limits, body);
    return c.json({ limits: state.limits });
  });

  /** Moves the sandbox clock forward (sessions idle out, the hourly window turns, uploads finish). */
  control.post('/time', async (c) => {
    const { advanceMs } = z.object({ advanceMs: z.number().int().min(0) }).parse(await c.req.json());
    state.clockOffsetMs += advanceMs;
    return c.json({ now: ctx.now().toISOString() });
  });

  control.post('/users', async (c) => {
    const body = z.object({ email: z.string(), password: z.string().min(1) }).parse(await c.req.json());
    const user = state.users.find((u) => u.email.toLowerCase() === body.email.toLowerCase());
    if (!user) return c.json({ error: 'no such user' }, 404);
    user.password = body.password;
    return c.json({ ok: true });
  });

  control.get('/documents', (c) => {
    const org = orgOf(c.req.query('organizationId'));
    if (!org) return c.json({ error: 'no such organization' }, 404);
    return c.json({
      organizationId: org.id,
      counts: { bills: org.bills.length, vendorCredits: org.vendorCredits.length, payments: org.payments.length, documents: org.uploads.length },
      bills: org.bills,
      vendorCredits: org.vendorCredits,
      payments: org.payments,
      documents: org.uploads.map(({ bytes, createdAt: _, ...u }) => ({ ...u, size: bytes.byteLength, status: u.failed ? 'FAILED' : u.documentId ? 'UPLOADED' : 'IN_PROGRESS' })),
    });
  });

  control.post('/mutate', async (c) => {
    const m = mutationSchema.parse(await c.req.json());
    const org = orgOf(m.organizationId);
    if (!org) return c.json({ error: 'no such organization' }, 404);
    const entries = org[m.list] as unknown as Entry[];
    const now = ctx.now().toISOString();
    if (m.action === 'add') {
      const template = structuredClone(entries.find((e) => !e.archived) ?? {}) as Record<string, unknown>;
      delete template.parentId;
      const entry = { ...template, ...(m.name ? { name: m.name } : {}), ...m.entry, id: billId(state.rng, idKinds[m.list]), archived: false, createdTime: now, updatedTime: now } as Entry;
      entries.push(entry);
      return c.json({ entry }, 201);
    }
    const t = (m.target ?? '').toLowerCase();
    const entry = entries.find((e) => e.id.toLowerCase() === t || e.name?.toLowerCase() === t || e.account?.number === m.target);
    if (!entry) return c.json({ error: `No ${m.list} entry ${m.target}` }, 404);
    if (m.action === 'rename') entry.name = m.name ?? entry.name;
    else if (m.action === 'archive') entry.archived = true;
    else if (m.action === 'unarchive') entry.archived = false;
    else Object.assign(entry, m.entry ?? {});
    entry.updatedTime = now;
    return c.json({ entry });
  });

  control.get('/stats', (c) =>
    c.json({
      ...state.stats,
      sessions: state.sessions.size,
      inFlight: Object.fromEntries([...state.inFlight].filter(([, n]) => n > 0)),
      limits: state.limits,
    }),
  );
  control.post('/stats/reset', (c) => {
    state.stats = emptyStats();
    return c.json({ ok: true });
  });

  return control;
}
