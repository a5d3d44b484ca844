import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
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
 * `fetch` for provider calls over undici's `request` (issue 8): the library Node's own fetch is
 * built on, without fetch's web streams, which cost a publishing batch more than the rest of its
 * call. The answer is read into one buffer and handed back as a standard `Response`. Same contract
 * as fetch for what adapters send (a string, byte or form body, header records, a signal):
 * redirects followed (up to 20, by undici's redirect interceptor), gzip/deflate/br answers decoded
 * (by node:zlib: undici's decompress interceptor is still experimental), an abort rejects with the signal's reason, a network failure with
 * `TypeError('fetch failed')`. Anything else (a Request, a stream body, `redirect: 'manual'`) goes
 * to `globalThis.fetch` unchanged.
 */
export const providerTransport: typeof fetch = async (input, init) => {
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
  const method = (init?.method ?? 'GET').toUpperCase();
  const signal = init?.signal ?? undefined;
  signal?.throwIfAborted();
  let answer: Dispatcher.ResponseData;
  let data: Uint8Array;
  try {
    answer = await request(input, { method: method as Dispatcher.HttpMethod, headers, body: payload, signal, dispatcher: providerAgent });
    data = await decoded(String(answer.headers['content-encoding'] ?? ''), new Uint8Array(await answer.body.arrayBuffer()));
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError('fetch failed', { cause });
  }
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name === 'content-encoding' || name === 'content-length') continue; // describe the body as sent, not as handed back
    if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
    else if (value !== undefined) responseHeaders.append(name, value);
  }
  const status = answer.statusCode;
  const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : (data as Uint8Array<ArrayBuffer>), { status, statusText: answer.statusText ?? '', headers: responseHeaders });
};

const providerAgent = new Agent().compose(interceptors.redirect({ maxRedirections: 20 }));

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

/** The body as the provider meant it: gzip, deflate or br undone, as fetch does. */
async function decoded(encoding: string, body: Uint8Array): Promise<Uint8Array> {
  switch (encoding.trim().toLowerCase()) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzip(body);
    case 'deflate':
      return inflate(body);
    case 'br':
      return brotli(body);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}
