import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../test/support/test-server.js';
import { providerIds } from '../shared/catalogue.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

let server: TestServer;
beforeAll(async () => {
  server = await createTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('operations', () => {
  it('reports health with version and database status', async () => {
    const res = await server.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), database: 'ok', sandbox: true });
  });

  it('serves an OpenAPI 3.1 document with every API route and a docs page', async () => {
    const doc = (await (await server.request('GET', '/openapi.json')).json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/api/auth/login', '/api/me', '/api/providers', '/api/setup']));
    expect(doc.paths['/api/auth/login'].post.responses['400']).toBeDefined();
    const docs = await server.request('GET', '/docs');
    expect(await docs.text()).toContain('/openapi.json');
    expect((await server.request('GET', '/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });

  it('serves Prometheus metrics a Prometheus parser reads', async () => {
    await server.request('GET', '/health');
    await server.request('GET', '/api/nope');
    const res = await server.request('GET', '/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const families = parsePrometheusTextFormat(await res.text()) as { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];
    const names = families.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['bookbridge_http_requests_total', 'bookbridge_jobs', 'bookbridge_provider_calls_total', 'bookbridge_publish_outcomes', 'bookbridge_provider_rate_limited_total']));
    const requests = families.find((f) => f.name === 'bookbridge_http_requests_total')!;
    expect(requests.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ labels: { method: 'GET', route: '/health', status: '200' } })]));
    expect(requests.metrics.some((m) => m.labels?.route === 'unmatched' && m.labels?.status === '404')).toBe(true);
  });

  it('is not ready until background jobs run', async () => {
    expect((await server.request('GET', '/ready')).status).toBe(503);
    server.deps.jobs.start();
    const res = await server.request('GET', '/ready');
    await server.deps.jobs.stop();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, database: true, jobs: true });
  });

  it('sets security headers', async () => {
    const res = await server.request('GET', '/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('lets the extension’s pages call the API, and no web page', async () => {
    const extension = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
    const fromExtension = await server.request('GET', '/api/providers', { headers: { origin: extension } });
    expect(fromExtension.headers.get('access-control-allow-origin')).toBe(extension);
    expect(fromExtension.headers.get('vary')).toContain('Origin');
    expect(fromExtension.headers.get('x-content-type-options')).toBe('nosniff');
    const fromWeb = await server.request('GET', '/api/providers', { headers: { origin: 'https://evil.example' } });
    expect(fromWeb.headers.get('access-control-allow-origin')).toBeNull();
    expect(fromWeb.headers.get('vary')).toContain('Origin');

    const preflight = await server.request('OPTIONS', '/api/auth/login', { headers: { origin: extension, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(extension);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const webPreflight = await server.request('OPTIONS', '/api/auth/login', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(webPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a body over the limit, naming it, and reads no body on GET', async () => {
    const big = await server.request('POST', '/api/auth/login', { body: 'x'.repeat(16 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(JSON.stringify(await big.json())).toContain('"path":"body"');
    expect((await server.request('GET', '/api/providers')).status).toBe(401);
  });
});

describe('the body limit over real HTTP', () => {
  let live: TestServer;
  beforeAll(async () => {
    live = await createTestServer({}, { listen: true });
  });
  afterAll(() => live.close());

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${live.url}/api/auth/login`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, duplex: 'half' } as RequestInit);
  const chunked = (bytes: number) => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= bytes) return controller.close();
        const chunk = new Uint8Array(Math.min(1024 * 1024, bytes - sent)).fill(120);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
  };

  it('reads a body within the limit, declared or chunked', async () => {
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not the password' });
    const declared = await post(body);
    expect(declared.status).toBe(401);
    const streamed = await post(new Blob([body]).stream());
    expect(streamed.status).toBe(401);
  });

  // Last: the server answers these without reading the rest, and closes the connection.
  it('refuses a declared length over the limit, and a chunked body once it passes the limit, naming the body', async () => {
    const declared = await post('x'.repeat(16 * 1024 * 1024));
    expect(declared.status).toBe(413);
    expect(JSON.stringify(await declared.json())).toContain('"path":"body"');
    const streamed = await post(chunked(16 * 1024 * 1024));
    expect(streamed.status).toBe(413);
    expect(JSON.stringify(await streamed.json())).toContain('"path":"body"');
  });
});

describe('provider catalogue', () => {
  it('lists the seven providers to a signed-in user', async () => {
    const u = await server.user({ role: 'standard' });
    const token = await server.signIn(u.email, u.password);
    const res = await server.request('GET', '/api/providers', { token });
    expect(res.status).toBe(200);
    const { providers } = (await res.json()) as any;
    expect(providers.map((p: any) => p.id)).toEqual([...providerIds]);
    const qbo = providers.find((p: any) => p.id === 'quickbooks-online');
    expect(qbo.destinations.expense_claim).toEqual([]);
    expect(providers.find((p: any) => p.id === 'xero').bankMatch).toBe(true);
    expect(providers.find((p: any) => p.id === 'kashflow').bankMatch).toBe(false);
  });

  it('refuses an anonymous caller', async () => {
    expect((await server.request('GET', '/api/providers')).status).toBe(401);
  });
});
