import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { ProviderError, retryAfterMs } from './errors.js';
import type { ProviderContext } from './types.js';

export interface ProviderRequest {
  method?: string;
  url: string | URL;
  headers?: Record<string, string>;
  /** JSON body (serialised here) or a raw body. */
  json?: unknown;
  body?: BodyInit;
  signal?: AbortSignal;
}

/**
 * One call to a provider with the context's timeout. Network failures and timeouts become
 * `transient` ProviderErrors, and 429 becomes `rate_limited` with its Retry-After, so every
 * adapter classifies those the same way; other statuses are left to the adapter, which knows
 * its provider's error bodies.
 */
export async function providerFetch(ctx: ProviderContext, req: ProviderRequest): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body = req.body;
  if (req.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(req.json);
  }
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await ctx.fetch(req.url, { method: req.method ?? 'GET', headers, body, signal });
  } catch (cause) {
    if (req.signal?.aborted) throw cause;
    const timedOut = timeout.aborted;
    throw new ProviderError('transient', `${ctx.entry.name} did not answer${timedOut ? ' in time' : ''}.`, { cause });
  }
  if (response.status === 429) {
    await response.body?.cancel();
    throw new ProviderError('rate_limited', `${ctx.entry.name} asked us to slow down.`, {
      status: 429,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after'), ctx.now()) ?? 60_000,
      providerMessage: response.headers.get('x-rate-limit-problem') ?? undefined,
    });
  }
  if (response.status >= 500) {
    const text = await response.text().catch(() => '');
    throw new ProviderError('transient', `${ctx.entry.name} had a problem on its side (${response.status}).`, {
      status: response.status,
      providerMessage: text.slice(0, 500),
    });
  }
  return response;
}

/** Reads a JSON body, turning an unreadable one into a transient error (a proxy's HTML page...). */
export async function readJson(ctx: ProviderContext, response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text === '' ? null : JSON.parse(text);
  } catch (cause) {
    throw new ProviderError('transient', `${ctx.entry.name} sent an answer we could not read.`, {
      status: response.status,
      providerMessage: text.slice(0, 500),
      cause,
    });
  }
}

/**
 * `fetch` for provider calls over node:http(s) with keep-alive sockets (issue 8). Node's fetch
 * (undici) reads each answer through web streams, which cost a publishing batch more than the
 * rest of its call: this reads the answer into one buffer and hands back a standard `Response`.
 * Same contract as fetch for what adapters send (a string or byte body, header records, a
 * signal): redirects followed (up to 20, 303 and POST 301/302 become GET), gzip/deflate/br
 * answers decoded, an abort rejects with the signal's reason, a network failure with
 * `TypeError('fetch failed')`. Anything else (a Request, a stream or form body) goes to
 * `globalThis.fetch` unchanged.
 */
export const providerTransport: typeof fetch = (input, init) => {
  const body = init?.body;
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof URLSearchParams;
  if ((typeof input !== 'string' && !(input instanceof URL)) || !plainBody || (init?.redirect !== undefined && init.redirect !== 'follow')) {
    return globalThis.fetch(input, init);
  }
  const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br' };
  if (init?.headers) new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  let payload: string | Uint8Array | undefined;
  if (body instanceof URLSearchParams) {
    payload = body.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  } else if (typeof body === 'string') {
    payload = body;
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
  } else if (body) payload = body;
  return send(new URL(input), (init?.method ?? 'GET').toUpperCase(), headers, payload, init?.signal ?? undefined, 0);
};

// An idle socket is closed after 4 s, as undici does: a server that drops idle connections first
// would otherwise fail the next call sent on one (the agent's timeout applies to idle sockets only;
// a slow answer is bounded by the caller's signal).
const agents = { 'http:': new http.Agent({ keepAlive: true, timeout: 4_000 }), 'https:': new https.Agent({ keepAlive: true, timeout: 4_000 }) };

function send(url: URL, method: string, headers: Record<string, string>, payload: string | Uint8Array | undefined, signal: AbortSignal | undefined, redirects: number): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) }));
    const length = payload === undefined ? (method === 'GET' || method === 'HEAD' ? undefined : '0') : String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
    const request = lib.request(url, { method, headers: length === undefined ? headers : { ...headers, 'content-length': length }, agent: agents[url.protocol as 'http:' | 'https:'] });
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      request.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (cause) => fail(new TypeError('fetch failed', { cause })));
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (location && [301, 302, 303, 307, 308].includes(status)) {
        res.resume();
        if (redirects >= 20) return fail(new TypeError('fetch failed', { cause: new Error('redirect count exceeded') }));
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const toGet = status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST';
        const next = new URL(location, url);
        const nextHeaders = { ...headers };
        if (toGet) for (const h of ['content-type', 'content-encoding', 'content-language', 'content-location']) delete nextHeaders[h];
        if (next.origin !== url.origin) delete nextHeaders.authorization;
        resolve(send(next, toGet ? 'GET' : method, nextHeaders, toGet ? undefined : payload, signal, redirects + 1));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (cause) => fail(new TypeError('fetch failed', { cause })));
      res.on('end', () => {
        if (settled) return;
        const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        let data: Buffer;
        try {
          const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
          data = encoding === 'gzip' || encoding === 'x-gzip' ? zlib.gunzipSync(raw) : encoding === 'deflate' ? zlib.inflateSync(raw) : encoding === 'br' ? zlib.brotliDecompressSync(raw) : raw;
        } catch (cause) {
          return fail(new TypeError('fetch failed', { cause }));
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const responseHeaders = new Headers();
        const rawHeaders = res.rawHeaders;
        for (let i = 0; i < rawHeaders.length; i += 2) responseHeaders.append(rawHeaders[i]!, rawHeaders[i + 1]!);
        const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
        resolve(new Response(empty ? null : new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
      });
    });
    request.end(payload);
  });
}
