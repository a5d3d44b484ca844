import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from './errors.js';
import { providerFetch, providerTransport, readJson } from './http.js';
import type { ProviderContext } from './types.js';

// A real server on 127.0.0.1: what the transport must do is what fetch does for adapters.
let server: http.Server;
let base = '';
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const encoders = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;
      const encoding = req.url!.slice(1) as keyof typeof encoders;
      if (encoding in encoders) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
        res.end(encoders[encoding](JSON.stringify({ Invoices: [{ InvoiceID: 'a' }] })));
      } else if (req.url === '/see-other') {
        res.writeHead(303, { location: '/echo?after=303' });
        res.end();
      } else if (req.url === '/temporary') {
        res.writeHead(307, { location: '/echo?after=307' });
        res.end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2_000).unref();
      } else if (req.url === '/none') {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(req.url === '/busy' ? 429 : 200, { 'content-type': 'application/json', 'x-twice': 'one', 'retry-after': '7' });
        res.end(JSON.stringify({ method: req.method }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const ctx = (timeoutMs = 1_000) => ({ entry: { name: 'Acme' }, fetch: providerTransport, now: () => new Date(0), timeoutMs }) as unknown as ProviderContext;

describe('provider transport (fetch over node:http)', () => {
  it('sends the body, headers and method given, and answers with a standard Response', async () => {
    seen.length = 0;
    const response = await providerTransport(`${base}/echo`, { method: 'PUT', headers: { 'content-type': 'application/json', 'Idempotency-Key': 'k1' }, body: '{"a":1}' });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-twice')).toBe('one');
    expect(await response.json()).toEqual({ method: 'PUT' });
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/echo', body: '{"a":1}' });
    expect(seen[0]!.headers['idempotency-key']).toBe('k1');
    expect(seen[0]!.headers['content-length']).toBe('7');
  });

  it('decodes gzip, deflate and br answers, and asks for them', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const response = await providerTransport(`${base}/${encoding}`);
      expect(response.headers.get('content-encoding')).toBeNull();
      expect(await readJson(ctx(), response)).toEqual({ Invoices: [{ InvoiceID: 'a' }] });
    }
    expect(seen.at(-1)!.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('follows redirects as fetch does: 303 becomes a GET without the body, 307 repeats the request', async () => {
    seen.length = 0;
    expect(await (await providerTransport(`${base}/see-other`, { method: 'POST', body: 'x=1' })).json()).toEqual({ method: 'GET' });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/see-other', 'x=1'],
      ['GET', '/echo?after=303', ''],
    ]);
    seen.length = 0;
    expect(await (await providerTransport(`${base}/temporary`, { method: 'PUT', body: 'y' })).json()).toEqual({ method: 'PUT' });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['PUT', '/temporary', 'y'],
      ['PUT', '/echo?after=307', 'y'],
    ]);
  });

  it('answers 204 with no body', async () => {
    const response = await providerTransport(`${base}/none`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('keeps providerFetch’s meaning: a timeout and a refused connection are transient, a 429 is rate_limited', async () => {
    await expect(providerFetch(ctx(100), { url: `${base}/slow` })).rejects.toMatchObject({ kind: 'transient', message: 'Acme did not answer in time.' });
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await providerFetch(ctx(), { url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused).toMatchObject({ kind: 'transient', message: 'Acme did not answer.' });
    await expect(providerFetch(ctx(), { url: `${base}/busy` })).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_000 });
  });

  it('rejects with the signal’s reason when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = providerTransport(`${base}/slow`, { signal: controller.signal });
    controller.abort(new Error('stopped by the job'));
    await expect(pending).rejects.toThrow('stopped by the job');
  });
});
