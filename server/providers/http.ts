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
