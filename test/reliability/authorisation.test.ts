/**
 * The authorisation matrix (issue 9): every endpoint of the OpenAPI document × every role (and
 * no session) × the caller's own business, another business, and the caller's business path
 * with another business's ids in it. Every forbidden cell must be denied (401 without a session,
 * 403 or 404 otherwise), every allowed cell must get past the permission check, and no answer
 * to anyone outside business B may carry B's data. The whole matrix is written to
 * test-results/reliability-authz-matrix.txt.
 *
 * A new endpoint is enumerated automatically; it fails here until it is given a policy below,
 * so nobody adds an endpoint without saying who may call it.
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxServer } from '../../server/sandbox/index.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import type { Role } from '../../shared/api.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { connectQuickbooks, json, qboBill, report, resultsDir } from './support.js';
import { validArbitrary } from './zod-arbitrary.js';

const SECRET = 'reliability-authz-sandbox-secret';

/** Who may call what. `member`: any role in the business; `admin`: every role but standard; `publisher`: admins, and standard users where the business allows it. */
type Policy = 'public' | 'signed_in' | 'member' | 'admin' | 'publisher';
const B = '/api/businesses/{businessId}';
const policies: Record<string, Policy> = {
  'GET /ready': 'public',
  'GET /health': 'public',
  'POST /api/setup': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'signed_in',
  'POST /api/auth/logout-all': 'signed_in',
  'GET /api/me': 'signed_in',
  'GET /api/providers': 'signed_in',
  'POST /api/oauth/complete': 'signed_in',
  'GET /api/oauth/states/{state}': 'signed_in',
  [`GET ${B}/connections`]: 'member',
  [`POST ${B}/connections/authorize`]: 'admin',
  [`POST ${B}/connections/key`]: 'admin',
  [`POST ${B}/connections/finish`]: 'admin',
  [`POST ${B}/connections/{connectionId}/refresh`]: 'admin',
  [`POST ${B}/connections/{connectionId}/disconnect`]: 'admin',
  [`GET ${B}/jobs/{jobId}`]: 'member',
  [`GET ${B}/connections/{connectionId}/lists/{kind}`]: 'member',
  [`GET ${B}/connections/{connectionId}/merge`]: 'admin',
  [`POST ${B}/connections/{connectionId}/merge`]: 'admin',
  [`POST ${B}/connections/{connectionId}/merge/undo`]: 'admin',
  [`GET ${B}/audit`]: 'admin',
  [`POST ${B}/items`]: 'member',
  [`GET ${B}/items`]: 'member',
  [`POST ${B}/items/import`]: 'member',
  [`GET ${B}/items/{itemId}`]: 'member',
  [`PATCH ${B}/items/{itemId}`]: 'member',
  [`POST ${B}/items/{itemId}/publish`]: 'publisher',
  [`POST ${B}/items/{itemId}/republish`]: 'publisher',
  [`GET ${B}/items/{itemId}/file`]: 'member',
  [`GET ${B}/rules`]: 'member',
  [`POST ${B}/rules`]: 'admin',
  [`GET ${B}/rules/{ruleId}`]: 'member',
  [`PUT ${B}/rules/{ruleId}`]: 'admin',
  [`DELETE ${B}/rules/{ruleId}`]: 'admin',
  [`GET ${B}/publishing-settings`]: 'member',
  [`PUT ${B}/publishing-settings`]: 'admin',
  [`POST ${B}/items/approvals/refresh`]: 'member',
};

const roles: Role[] = ['business_admin', 'user_admin', 'accountant', 'standard'];
type Actor = Role | 'anonymous';

let sandbox: RunningServer;
let server: TestServer;
/** Business A: one user per role. Business B: its admin, and data that must never leak. */
const tokens: Partial<Record<Actor, string>> = {};
const users: Partial<Record<Role, { email: string; password: string }>> = {};
let ownerB: string;
const idsA: Record<string, string> = {};
const idsB: Record<string, string> = {};
const statesA: Partial<Record<Role, string>> = {};
let markersB: string[] = [];

beforeAll(async () => {
  const { app } = createSandboxServer({ secret: SECRET, now: () => server?.clock.now() ?? new Date() });
  sandbox = await listen(app);
  server = await createTestServer({ SANDBOX_URL: sandbox.url, SANDBOX_CLIENT_SECRET: SECRET }, { sandboxBaseUrl: sandbox.url });

  const adminA = await server.user({ role: 'business_admin', name: 'Alice Owner' });
  users.business_admin = adminA;
  tokens.business_admin = await server.signIn(adminA.email, adminA.password);
  for (const role of roles.slice(1)) {
    const u = await server.user({ role, businessId: adminA.businessId });
    users[role] = u;
    tokens[role] = await server.signIn(u.email, u.password);
  }
  const b = await server.user({ role: 'business_admin', email: 'owner-b-secret@example.com', name: 'Bea SecretOwner' });
  await server.deps.db.updateTable('businesses').set({ name: 'SECRET-B Holdings' }).where('id', '=', b.businessId).execute();
  ownerB = await server.signIn(b.email, b.password);

  async function populate(token: string, businessId: string, ids: Record<string, string>, company: string, prefix: string) {
    ids.businessId = businessId;
    const qbo = await connectQuickbooks(server.request, token, businessId, company);
    await server.deps.jobs.runUntilIdle();
    ids.connectionId = qbo.connectionId;
    ids.realmId = qbo.realmId;
    ids.jobId = qbo.importJobId;
    ids.kind = 'contacts';
    const supplier = await server.deps.db.selectFrom('list_entries').select('name').where('connection_id', '=', qbo.connectionId).where('kind', '=', 'contacts').where('type', '=', 'supplier').orderBy('name').executeTakeFirstOrThrow();
    const item = await server.request('POST', `/api/businesses/${businessId}/items`, {
      token,
      json: { ...qboBill(`${prefix}-1`), contact: supplier.name, lines: [{ description: `${prefix} line`, amount: '12.00' }], description: `${prefix} description`, file: { name: `${prefix}.pdf`, contentType: 'application/pdf', data: Buffer.from(`%PDF ${prefix}`).toString('base64') } },
    });
    expect(item.status, await item.clone().text()).toBe(201);
    ids.itemId = (await json(item)).id;
    const rule = await server.request('POST', `/api/businesses/${businessId}/rules`, { token, json: { contact: supplier.name, description: `${prefix} rule` } });
    expect(rule.status).toBe(201);
    ids.ruleId = (await json(rule)).id;
    const authorize = await json(await server.request('POST', `/api/businesses/${businessId}/connections/authorize`, { token, json: { provider: 'xero', purpose: 'change', connectionId: qbo.connectionId } }));
    ids.state = authorize.state;
  }
  await populate(tokens.business_admin!, adminA.businessId, idsA, 'Harbour Lane Studio Ltd', 'OWN-A');
  await populate(ownerB, b.businessId, idsB, 'Bramble & Oak Landscaping LLC', 'SECRET-B');
  // Each user's own authorisation in progress (states are bound to the user who started them).
  for (const role of roles) {
    if (role === 'standard') continue;
    const a = await json(await server.request('POST', `/api/businesses/${adminA.businessId}/connections/authorize`, { token: tokens[role], json: { provider: 'xero', purpose: 'change', connectionId: idsA.connectionId } }));
    statesA[role] = a.state;
  }
  markersB = [b.businessId, idsB.connectionId, idsB.itemId, idsB.ruleId, idsB.jobId, idsB.realmId, idsB.state, 'SECRET-B', 'Bramble', 'owner-b-secret@example.com', 'SecretOwner'].filter(Boolean) as string[];
}, 90_000);
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

interface Endpoint {
  key: string;
  method: string;
  path: string;
  secured: boolean;
  body?: z.ZodType;
  query?: z.ZodType;
}

async function endpoints(): Promise<Endpoint[]> {
  const doc = await json(await server.request('GET', '/openapi.json'));
  const defs = ((server.app as any).openAPIRegistry.definitions as any[]).filter((d) => d.type === 'route').map((d) => d.route);
  const out: Endpoint[] = [];
  for (const [p, ops] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const route = defs.find((r) => r.method === method && r.path === p);
      out.push({ key: `${method.toUpperCase()} ${p}`, method: method.toUpperCase(), path: p, secured: Array.isArray(op.security) && op.security.length > 0, body: route?.request?.body?.content?.['application/json']?.schema, query: route?.request?.query });
    }
  }
  return out;
}

const sample = (schema: z.ZodType | undefined) => (schema ? fc.sample(validArbitrary(schema), { numRuns: 1, seed: 7 })[0] : undefined);

type Target = 'own' | 'other' | 'cross';

interface Cell {
  endpoint: string;
  actor: Actor;
  target: Target;
  status: number;
  expected: 'allowed' | 'denied';
  ok: boolean;
  note: string;
}

describe('authorisation matrix', () => {
  it('denies every forbidden cell, lets every allowed one through, and never leaks another business’s data', async () => {
    const all = await endpoints();
    const missing = all.filter((e) => !policies[e.key]).map((e) => e.key);
    expect(missing, 'endpoints without a policy in test/reliability/authorisation.test.ts').toEqual([]);

    const cells: Cell[] = [];
    const leaks: string[] = [];
    // Signing out everywhere ends every session of the user: those cells go last.
    const ordered = [...all.filter((e) => !e.key.includes('/logout')), ...all.filter((e) => e.key.includes('/logout'))];
    for (const e of ordered) {
      const policy = policies[e.key]!;
      if (policy === 'public') continue;
      const params = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const business = params.includes('businessId');
      const resources = params.filter((p) => p !== 'businessId');
      const targets: Target[] = business ? (resources.length ? ['own', 'other', 'cross'] : ['own', 'other']) : e.key.includes('{state}') || e.key.includes('oauth/complete') ? ['own', 'other'] : ['own'];
      for (const actor of ['anonymous', ...roles] as Actor[]) {
        for (const target of targets) {
          if (actor === 'anonymous' && target !== 'own') continue;
          // Ids: own business with ids that do not exist for writes (an allowed caller then meets
          // "not found" instead of changing anything), real ones for reads; another business's
          // real ids; or our business with another business's ids in it.
          const values: Record<string, string> = {};
          for (const p of params) {
            if (p === 'kind') values[p] = 'contacts';
            else if (p === 'state') values[p] = target === 'other' ? idsB.state! : (statesA[actor as Role] ?? idsA.state!);
            else if (p === 'businessId') values[p] = target === 'other' ? idsB.businessId! : idsA.businessId!;
            else if (target === 'own') values[p] = e.method === 'GET' ? idsA[p]! : randomUUID();
            else values[p] = idsB[p]!;
          }
          const url = e.path.replace(/\{(\w+)\}/g, (_, p: string) => values[p]!);
          let body = sample(e.body);
          if (e.key === 'POST /api/oauth/complete') body = { state: target === 'other' ? idsB.state : (statesA[actor as Role] ?? idsA.state), error: 'access_denied' };
          let token = actor === 'anonymous' ? undefined : tokens[actor];
          // Signing out is tested on a session of its own, so the other cells keep theirs.
          if (e.key.includes('/logout') && actor !== 'anonymous') token = await server.signIn(users[actor]!.email, users[actor]!.password);
          const res = await server.request(e.method, url, { token, json: body });
          const text = await res.text();
          let error: any;
          try {
            error = JSON.parse(text).error;
          } catch {
            error = undefined;
          }
          const roleAllowed = actor !== 'anonymous' && (policy === 'signed_in' || policy === 'member' || ((policy === 'admin' || policy === 'publisher') && actor !== 'standard'));
          const expected: Cell['expected'] = roleAllowed && target === 'own' ? 'allowed' : 'denied';
          const membershipDenied = res.status === 404 && /That business was not found/.test(error?.message ?? '');
          let ok: boolean;
          let note = '';
          if (expected === 'allowed') {
            ok = res.status < 500 && ![401, 403].includes(res.status) && !membershipDenied;
          } else if (actor === 'anonymous') {
            ok = res.status === 401;
          } else if (target === 'cross') {
            // Our business, their ids: nothing of theirs is found (403 first where the role may not act at all).
            ok = res.status === 404 || (!roleAllowed && res.status === 403);
          } else if (e.key === 'POST /api/oauth/complete') {
            ok = res.status === 400 && error?.code === 'invalid_state';
          } else {
            ok = res.status === 403 || res.status === 404;
          }
          if (!ok) note = text.slice(0, 160);
          // Nothing of business B in any answer to A's people (beyond the ids they sent).
          for (const m of markersB) if (text.includes(m) && !url.includes(m) && !JSON.stringify(body ?? '').includes(m)) leaks.push(`${e.key} as ${actor} (${target}): contains ${m}`);
          cells.push({ endpoint: e.key, actor, target, status: res.status, expected, ok, note });
        }
      }
    }
    // B's state was only looked at, never used up: its owner can still complete it.
    const stillB = await json(await server.request('GET', `/api/oauth/states/${idsB.state}`, { token: ownerB }));
    expect(stillB.status).toBe('waiting');

    const denied = cells.filter((c) => c.expected === 'denied');
    const allowed = cells.filter((c) => c.expected === 'allowed');
    const bad = cells.filter((c) => !c.ok);
    const file = path.join(resultsDir, 'reliability-authz-matrix.txt');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, cells.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.expected.padEnd(7)} ${String(c.status).padEnd(3)} ${c.actor.padEnd(14)} ${c.target.padEnd(5)} ${c.endpoint}${c.note ? `  ${c.note}` : ''}`).join('\n') + '\n');
    const histogram = (list: Cell[]) => [...list.reduce((m, c) => m.set(c.status, (m.get(c.status) ?? 0) + 1), new Map<number, number>())].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
    report(
      'authorisation matrix',
      `${all.length} endpoints × ${roles.length} roles + no session × own/other/cross business = ${cells.length} cells: ${denied.length} forbidden (${denied.filter((c) => c.ok).length} denied: ${histogram(denied)}), ` +
        `${allowed.length} allowed (${allowed.filter((c) => c.ok).length} let through); ${leaks.length} answers with another business's data; matrix in ${path.relative(process.cwd(), file)}`,
      bad.length === 0 && leaks.length === 0,
    );
    if (bad.length) console.log(bad.map((c) => `${c.endpoint} as ${c.actor} (${c.target}) → ${c.status}, expected ${c.expected}: ${c.note}`).join('\n'));
    expect(bad.map((c) => `${c.endpoint} as ${c.actor} (${c.target}) → ${c.status}`)).toEqual([]);
    expect(leaks).toEqual([]);
  }, 120_000);
});
