/**
 * Bad input (issue 9): requests generated for every endpoint of the OpenAPI document, each a
 * valid request (derived from the route's zod schemas) broken in one place: malformed JSON,
 * wrong types, missing and unknown fields, huge strings, bodies and files, unicode edge cases,
 * path traversal, bad path and query parameters, the wrong content type. Properties:
 * - never a 5xx;
 * - a request the schema refuses gets a 4xx in the error envelope that names the field;
 * - and changes nothing in the database (SQLite's total_changes() is the same after it).
 * Requests the schema accepts (unicode and "../" are valid text) must still not cause a 5xx.
 *
 * Endpoints come from GET /openapi.json, so a new endpoint is fuzzed without touching this file.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxServer } from '../../server/sandbox/index.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { connectQuickbooks, figures, json, qboBill, report, seconds } from './support.js';
import { fieldsOf, getAt, isStrictObject, setAt, unwrap, validArbitrary, type Field } from './zod-arbitrary.js';

const SECRET = 'reliability-bad-input-sandbox-secret';
const RUNS = figures.generatedInputs;
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

let sandbox: RunningServer;
let server: TestServer;
let token: string;
const ids: Record<string, string> = {};

interface Endpoint {
  method: string;
  /** OpenAPI form: /api/businesses/{businessId}/items */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Needs a session (bearer token). */
  secured: boolean;
  /** Statuses the OpenAPI document declares for it. */
  statuses: number[];
}

beforeAll(async () => {
  const { app } = createSandboxServer({ secret: SECRET, now: () => server?.clock.now() ?? new Date() });
  sandbox = await listen(app);
  server = await createTestServer({ SANDBOX_URL: sandbox.url, SANDBOX_CLIENT_SECRET: SECRET }, { sandboxBaseUrl: sandbox.url });
  const admin = await server.user({ role: 'business_admin' });
  token = await server.signIn(admin.email, admin.password);
  ids.businessId = admin.businessId;
  const qbo = await connectQuickbooks(server.request, token, admin.businessId);
  await server.deps.jobs.runUntilIdle();
  ids.connectionId = qbo.connectionId;
  ids.jobId = qbo.importJobId;
  ids.kind = 'categories';
  const item = await json(await server.request('POST', `/api/businesses/${admin.businessId}/items`, { token, json: { ...qboBill('FUZZ-1'), file: { name: 'receipt.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 fuzz').toString('base64') } } }));
  ids.itemId = item.id;
  const rule = await server.request('POST', `/api/businesses/${admin.businessId}/rules`, { token, json: { contact: 'Ashford Catering Ltd', category: '6100' } });
  expect(rule.status).toBe(201);
  ids.ruleId = (await json(rule)).id;
  const authorize = await json(await server.request('POST', `/api/businesses/${admin.businessId}/connections/authorize`, { token, json: { provider: 'xero' } }));
  ids.state = authorize.state;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

/** The app's endpoints: every operation of its OpenAPI document, with the zod schemas behind it. */
async function endpoints(): Promise<Endpoint[]> {
  const doc = await json(await server.request('GET', '/openapi.json'));
  const defs = ((server.app as any).openAPIRegistry.definitions as any[]).filter((d) => d.type === 'route').map((d) => d.route);
  const out: Endpoint[] = [];
  for (const [p, ops] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const route = defs.find((r) => r.method === method && r.path === p);
      if (!route) throw new Error(`${method.toUpperCase()} ${p} is in the OpenAPI document without a route definition`);
      out.push({
        method: method.toUpperCase(),
        path: p,
        params: route.request?.params,
        query: route.request?.query,
        body: route.request?.body?.content?.['application/json']?.schema,
        secured: Array.isArray(op.security) && op.security.length > 0,
        statuses: Object.keys(op.responses ?? {}).map(Number),
      });
    }
  }
  return out;
}

type Mutation =
  | { kind: 'wrong_type'; field: Field; value: unknown }
  | { kind: 'missing_field'; field: Field }
  | { kind: 'unknown_field'; at: (string | number)[]; key: string }
  | { kind: 'huge_string'; field: Field; length: number }
  | { kind: 'unicode'; field: Field; value: string }
  | { kind: 'traversal'; field: Field; value: string }
  | { kind: 'malformed_json'; text: string }
  | { kind: 'wrong_content_type'; contentType: string }
  | { kind: 'huge_body'; bytes: number }
  | { kind: 'huge_file'; bytes: number }
  | { kind: 'bad_param'; name: string; value: string }
  | { kind: 'bad_query'; name: string; value: string }
  | { kind: 'bad_auth'; header: string }
  | { kind: 'noise'; query: string };

interface Case {
  endpoint: Endpoint;
  base: unknown;
  query: Record<string, string>;
  mutation: Mutation;
}

const unicodeEdges = [
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u0000', // NUL
  '\u202e', // right-to-left override
  '\u200b\u200d\ufeff', // zero-width space, joiner, BOM
  'e\u0301'.repeat(200), // combining accents
  '👩‍👩‍👧‍👦🏴󠁧󠁢󠁳󠁣󠁴󠁿', // ZWJ sequence and tag characters
  '\uffff\ufffe',
  'ℌ𝔢𝔩𝔩𝔬 Ａ ﬁ', // compatibility forms (NFKC changes them)
  '<script>alert(1)</script>',
  "'; DROP TABLE items; --",
  '%00%ff%fe',
];
const traversals = ['../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fsecret.key', '/etc/passwd\u0000.pdf', '....//....//data/bookbridge.db', 'C:\\Windows\\System32\\config\\SAM', '~/.ssh/id_rsa'];
const malformed = (base: unknown) => {
  const text = JSON.stringify(base ?? {});
  return fc.constantFrom(text.slice(0, Math.max(1, Math.floor(text.length / 2))), '{', '[1,2', "{'a':1}", 'undefined', 'NaN', '{"a":1,}', `${text}garbage`, '\u0000', '\ufeff' + text, '['.repeat(5000), '{"__proto__":{"isServerAdmin":true}}x', '');
};
const wrongValues = fc.constantFrom<unknown>(12345, -1.5, true, null, [], ['x'], {}, { nested: { deep: 1 } }, 'a string', '', 1e308);

function typeMismatch(field: Field, value: unknown): boolean {
  const t = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const kind = field.kind === 'enum' ? 'string' : field.kind === 'record' ? 'object' : field.kind;
  return t !== kind;
}

function paramNames(e: Endpoint): string[] {
  return e.params ? Object.keys((unwrap(e.params).schema as any)._zod.def.shape) : [];
}
function queryNames(e: Endpoint): string[] {
  return e.query ? Object.keys((unwrap(e.query).schema as any)._zod.def.shape) : [];
}

/** A valid request for the endpoint, broken in one place. */
function caseArbitrary(all: Endpoint[]): fc.Arbitrary<Case> {
  return fc.constantFrom(...all).chain((endpoint) => {
    const base = endpoint.body ? validArbitrary(endpoint.body) : fc.constant(undefined);
    const query = endpoint.query ? (validArbitrary(endpoint.query) as fc.Arbitrary<Record<string, string>>) : fc.constant({});
    return fc.tuple(base, query).chain(([b, q]) => {
      // Fields whose parent is in the base request, so that one field is broken and nothing else.
      const fields = (endpoint.body ? fieldsOf(endpoint.body) : []).filter((f) => {
        const parent = getAt(b, f.path.slice(0, -1));
        return f.path.length === 1 || (parent !== null && typeof parent === 'object');
      });
      const strings = fields.filter((f) => f.kind === 'string');
      const choices: [number, fc.Arbitrary<Mutation>][] = [];
      if (endpoint.body) {
        if (fields.length) {
          choices.push([20, fc.tuple(fc.constantFrom(...fields), wrongValues).filter(([f, v]) => typeMismatch(f, v)).map(([field, value]) => ({ kind: 'wrong_type' as const, field, value }))]);
          const required = fields.filter((f) => !f.optional && getAt(b, f.path) !== undefined && !f.path.some((p) => typeof p === 'number'));
          if (required.length) choices.push([8, fc.constantFrom(...required).map((field) => ({ kind: 'missing_field' as const, field }))]);
        }
        const objects = [[] as (string | number)[], ...fields.filter((f) => f.kind === 'object' && isStrictObject(f.schema) && getAt(b, f.path) !== undefined).map((f) => f.path)];
        if (isStrictObject(endpoint.body)) choices.push([8, fc.tuple(fc.constantFrom(...objects), fc.constantFrom('admin', 'isServerAdmin', 'businessId', '__proto__', 'constructor', 'extra', 'x'.repeat(300))).map(([at, key]) => ({ kind: 'unknown_field' as const, at, key }))]);
        if (strings.length) {
          choices.push([4, fc.tuple(fc.constantFrom(...strings), fc.integer({ min: 100_000, max: 1_000_000 })).map(([field, length]) => ({ kind: 'huge_string' as const, field, length }))]);
          choices.push([10, fc.tuple(fc.constantFrom(...strings), fc.constantFrom(...unicodeEdges)).map(([field, value]) => ({ kind: 'unicode' as const, field, value }))]);
          choices.push([6, fc.tuple(fc.constantFrom(...strings), fc.constantFrom(...traversals)).map(([field, value]) => ({ kind: 'traversal' as const, field, value }))]);
        }
        choices.push([10, malformed(b).map((text) => ({ kind: 'malformed_json' as const, text }))]);
        choices.push([4, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml').map((contentType) => ({ kind: 'wrong_content_type' as const, contentType }))]);
        choices.push([1, fc.constant({ kind: 'huge_body' as const, bytes: 16 * 1024 * 1024 })]);
        if (fieldsOf(endpoint.body).some((f) => f.path.join('.') === 'file.data')) choices.push([1, fc.constant({ kind: 'huge_file' as const, bytes: 10 * 1024 * 1024 + 1 })]);
      }
      const params = paramNames(endpoint);
      if (params.length) choices.push([6, fc.tuple(fc.constantFrom(...params), fc.constantFrom('not-an-id', '..', '../../etc/passwd', '%2e%2e', "1' OR '1'='1", 'é', '\u0000', '0', 'x'.repeat(5000), '00000000-0000-0000-0000-00000000000g')).map(([name, value]) => ({ kind: 'bad_param' as const, name, value }))]);
      const queries = queryNames(endpoint);
      if (queries.length) choices.push([8, fc.tuple(fc.constantFrom(...queries), fc.constantFrom('-1', '0', '1e9', 'abc', 'x'.repeat(10_000), '\u0000', '[]', 'NaN', 'null')).map(([name, value]) => ({ kind: 'bad_query' as const, name, value }))]);
      if (endpoint.secured) choices.push([2, fc.constantFrom('Bearer', 'Bearer ' + 'a'.repeat(10_000), 'Basic dXNlcjpwYXNz', 'Bearer ../../x.y', 'Bearer \u00e9.\u00e9', 'bearer a.b.c').map((header) => ({ kind: 'bad_auth' as const, header }))]);
      // No input to break (e.g. /health): unknown query parameters and a stray body at least.
      if (choices.length === 0) choices.push([1, fc.constantFrom('x=1', 'debug=true&admin=1', `q=${'%00'.repeat(50)}`, '__proto__[admin]=1').map((query) => ({ kind: 'noise' as const, query }))]);
      return fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary }))).map((mutation) => ({ endpoint, base: b, query: q, mutation }));
    });
  });
}

interface Built {
  url: string;
  init: { method: string; headers: Record<string, string>; body?: string };
  /** Whether the route's zod schemas refuse it (then: 4xx naming `field`, nothing changed). */
  invalid: boolean;
  /** Where the fault is: a body path ("lines.0.amount"), "param.x", "query.x", "body", "authorization". */
  field: string;
}

function build(c: Case): Built {
  const { endpoint, mutation: m } = c;
  const params: Record<string, string> = {};
  for (const name of paramNames(endpoint)) params[name] = ids[name] ?? 'missing';
  const query: Record<string, string> = { ...c.query };
  let body: unknown = c.base;
  let raw: string | undefined;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let invalid = true;
  let field = 'body';
  const pathText = (p: (string | number)[]) => p.join('.') || 'body';
  switch (m.kind) {
    case 'wrong_type':
      body = setAt(body, m.field.path, m.value);
      field = pathText(m.field.path);
      break;
    case 'missing_field':
      body = setAt(body, m.field.path, undefined);
      field = pathText(m.field.path);
      break;
    case 'unknown_field':
      body = setAt(body, [...m.at, m.key], 'surprise');
      if (m.key === '__proto__') {
        // JSON text, so the key is a real own property (as an attacker would send it).
        const inner = JSON.stringify(getAt(body, m.at) ?? {});
        raw = m.at.length === 0 ? `{"__proto__":{"isServerAdmin":true},${inner.slice(1)}` : undefined;
      }
      field = m.key;
      break;
    case 'huge_string':
      body = setAt(body, m.field.path, 'x'.repeat(m.length));
      field = pathText(m.field.path);
      break;
    case 'unicode':
    case 'traversal':
      body = setAt(body, m.field.path, m.value);
      field = pathText(m.field.path);
      break;
    case 'malformed_json':
      raw = m.text;
      break;
    case 'wrong_content_type':
      raw = m.contentType.startsWith('application/x-www') ? 'a=1&b=2' : JSON.stringify(body);
      headers['content-type'] = m.contentType;
      break;
    case 'huge_body':
      raw = `{"pad":"${'x'.repeat(m.bytes)}"}`;
      break;
    case 'huge_file':
      body = setAt(body, ['file'], { name: 'big.pdf', contentType: 'application/pdf', data: Buffer.alloc(m.bytes, 7).toString('base64') });
      field = 'file.data';
      break;
    case 'bad_param':
      params[m.name] = m.value;
      field = `param.${m.name}`;
      break;
    case 'bad_query':
      query[m.name] = m.value;
      field = `query.${m.name}`;
      break;
    case 'bad_auth':
      headers.authorization = m.header;
      field = 'authorization';
      break;
    case 'noise':
      for (const [k, v] of new URLSearchParams(m.query)) query[k] = v;
      invalid = false;
      break;
  }
  if (['wrong_type', 'unicode', 'traversal', 'huge_string', 'missing_field', 'unknown_field', 'huge_file'].includes(m.kind)) {
    invalid = raw === undefined ? !endpoint.body!.safeParse(body).success : true;
  }
  // A byte-order mark before JSON is allowed (the Fetch standard's UTF-8 decode drops it).
  if (m.kind === 'malformed_json' && m.text.startsWith('\ufeff') && m.text.length > 1) invalid = false;
  if (m.kind === 'wrong_content_type') field = 'content-type';
  if (m.kind === 'bad_param') invalid = !endpoint.params!.safeParse(params).success;
  if (m.kind === 'bad_query') invalid = !endpoint.query!.safeParse(query).success;
  const url = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!)) + (Object.keys(query).length ? `?${new URLSearchParams(query)}` : '');
  if (endpoint.body && raw === undefined) raw = JSON.stringify(body);
  if (raw !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  return { url, init: { method: endpoint.method, headers, ...(raw !== undefined && endpoint.method !== 'GET' ? { body: raw } : {}) }, invalid, field };
}

/** Does the error name the field that was broken? */
function namesField(error: { message?: string; issues?: { path: string; message: string }[] }, b: Built, c: Case): boolean {
  const issues = error.issues ?? [];
  const f = b.field;
  if (c.mutation.kind === 'unknown_field') return issues.some((i) => i.message.includes(f.slice(0, 40)));
  return issues.some((i) => i.path === f || i.path.startsWith(`${f}.`) || f.startsWith(`${i.path}.`) || (i.path === 'body' && f === 'body'));
}

describe(`bad input: ${RUNS} generated requests over every endpoint (seed ${SEED})`, () => {
  it('never answers 5xx; a refused request names the field and changes nothing', async () => {
    const started = Date.now();
    const all = await endpoints();
    const cases = fc.sample(caseArbitrary(all), { numRuns: RUNS, seed: SEED });
    const totalChanges = () => (server.database.sqlite.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    const perEndpoint = new Map<string, number>();
    const violations: string[] = [];
    let invalidCount = 0;
    let named = 0;
    let unchanged = 0;
    let accepted = 0;
    for (const c of cases) {
      const b = build(c);
      const before = totalChanges();
      const res = await server.app.request(b.url, b.init);
      const text = await res.text();
      const changed = totalChanges() !== before;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      kinds.set(c.mutation.kind, (kinds.get(c.mutation.kind) ?? 0) + 1);
      const key = `${c.endpoint.method} ${c.endpoint.path}`;
      perEndpoint.set(key, (perEndpoint.get(key) ?? 0) + 1);
      const where = `${c.mutation.kind} ${key} ${b.field} → ${res.status} ${text.slice(0, 200)}`;
      // A 5xx only where the document declares it for a request that passed validation (e.g.
      // /ready's 503 here, where no job runner is started; a provider's 502).
      if (res.status >= 500 && (b.invalid || !c.endpoint.statuses.includes(res.status))) violations.push(`5xx: ${where}`);
      const expectRefusal = b.invalid;
      if (!expectRefusal) {
        if (res.status < 500) accepted++;
        continue;
      }
      invalidCount++;
      if (res.status < 400 || res.status >= 500) {
        violations.push(`accepted an invalid request: ${where}`);
        continue;
      }
      let error: any;
      try {
        error = JSON.parse(text).error;
      } catch {
        error = undefined;
      }
      if (!error?.code || !error?.message) violations.push(`no error envelope: ${where}`);
      if (changed) violations.push(`database changed: ${where}`);
      else unchanged++;
      // 401 is about the session, not a field; a bad id may be answered 404 "That business was not found".
      // A path parameter that is not an id may be answered 404 (the route, or "That business was not found").
      const naming = c.mutation.kind === 'bad_auth' ? res.status === 401 : c.mutation.kind === 'bad_param' && res.status === 404 ? error?.code === 'not_found' : error && namesField(error, b, c);
      if (naming) named++;
      else {
        violations.push(`does not name ${b.field}: ${where}`);
        if (process.env.RELIABILITY_DEBUG) console.log(JSON.stringify(b.init.body).slice(0, 600), text.slice(0, 800));
      }
    }
    const histogram = (m: Map<string | number, number>) => [...m].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([k, v]) => `${k}:${v}`).join(' ');
    const fiveXX = violations.filter((v) => v.startsWith('5xx')).length;
    const documented = [...statuses].filter(([s]) => s >= 500).reduce((n, [, v]) => n + v, 0) - fiveXX;
    report(
      'bad input',
      `${cases.length} generated requests over ${perEndpoint.size}/${all.length} endpoints (seed ${SEED}): ${fiveXX} × 5xx (besides ${documented} documented 503s of /ready, which has no job runner here); ${invalidCount} refused as invalid, ${named} naming the field, ${unchanged} with the database unchanged; ${accepted} valid edge inputs (unicode, "../") accepted without error; ` +
        `kinds ${histogram(kinds)}; statuses ${histogram(statuses)}; ${seconds(Date.now() - started)}`,
      violations.length === 0,
    );
    if (violations.length) console.log(`${violations.length} violations, first ones:\n${[...new Set(violations)].slice(0, 25).join('\n')}`);
    expect(perEndpoint.size).toBe(all.length);
    expect(violations).toEqual([]);
  }, 900_000);

  it('path traversal outside the JSON API: docs assets, OAuth callback, job events, item file', async () => {
    const b = ids.businessId;
    const probes = [
      '/docs/assets/..%2f..%2fpackage.json',
      '/docs/assets/%2e%2e%2f%2e%2e%2fdata%2fsecret.key',
      '/docs/assets/../../../etc/passwd',
      '/docs/assets/swagger-ui.css%00.js',
      `/oauth/callback?state=..%2f..%2fetc%2fpasswd&code=%00`,
      `/oauth/callback?state=${'x'.repeat(10_000)}`,
      `/api/businesses/${b}/jobs/..%2f..%2f/events`,
      `/api/businesses/${b}/jobs/${'%ff'.repeat(100)}/events`,
      `/api/businesses/${b}/items/..%2f${ids.itemId}/file`,
      `/api/businesses/..%2f${b}/items`,
      '/sandbox/xero/../../secret.key',
      '/%2e%2e/%2e%2e/etc/passwd',
    ];
    const answers: string[] = [];
    for (const p of probes) {
      const res = await server.app.request(p, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      answers.push(`${res.status}`);
      expect(res.status, p).toBeLessThan(500);
      expect(res.status, p).not.toBe(200);
      expect(text, p).not.toMatch(/root:x:0|"name": "bookbridge"|BEGIN|[A-Za-z0-9+/]{43}=/);
    }
    report('bad input (path traversal, non-API routes)', `${probes.length} probes: statuses ${answers.join(' ')}; no file contents or key served`);
  });
});
