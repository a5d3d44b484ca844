/**
 * Resolves each catalogue entry into what this server can do with it: its adapter, its hosts
 * (real, or the built-in sandbox's), its client credentials, and whether it can be connected.
 */
import { catalogue, providerIds, type ProviderId } from '../../shared/catalogue.js';
import type { ProviderSummary } from '../../shared/api.js';
import { providerCredentialEnv, type Config } from '../config.js';
import { ApiError } from '../errors.js';
import PQueue from 'p-queue';
import type { ProviderEntry } from '../../shared/catalogue.js';
import type { ProviderAdapter, ProviderContext } from './types.js';
import { providerTransport } from './http.js';

export type AdapterFactory = (ctx: ProviderContext) => ProviderAdapter;

export interface ProviderRegistry {
  summaries(): ProviderSummary[];
  isSandbox(id: ProviderId): boolean;
  /** The adapter, or a 422 that says why this provider cannot be connected here. */
  adapter(id: ProviderId): ProviderAdapter;
  context(id: ProviderId): ProviderContext;
}

export interface RegistryOptions {
  config: Pick<Config, 'sandboxProviders' | 'providerClients' | 'providerTimeoutMs' | 'publicUrl'>;
  factories: Partial<Record<ProviderId, AdapterFactory>>;
  /** Client credentials the built-in sandboxes accept. */
  sandboxClients?: Partial<Record<ProviderId, { id: string; secret: string }>>;
  /** Where the sandboxes are served; defaults to `<publicUrl>/sandbox`. A function is read on first use. */
  sandboxBaseUrl?: string | (() => string);
  fetch?: typeof fetch;
  now?: () => Date;
  /** Told of every provider call's status ("error" when no answer came), for metrics. */
  observe?: (provider: ProviderId, status: number | 'error') => void;
  /** Benchmarks only: >1 shortens the rate-limit minute to match a sandbox's `timeScale`. */
  rateLimitScale?: number;
}

export function sandboxHosts(id: ProviderId, base: string): Record<string, string> {
  return Object.fromEntries(Object.keys(catalogue[id].hosts).map((host) => [host, `${base}/${id}/${host}`]));
}

export function createProviderRegistry(options: RegistryOptions): ProviderRegistry {
  const { config, factories } = options;
  const sandboxBase = () => {
    const base = typeof options.sandboxBaseUrl === 'function' ? options.sandboxBaseUrl() : options.sandboxBaseUrl;
    return (base ?? `${config.publicUrl}/sandbox`).replace(/\/$/, '');
  };
  const contexts = new Map<ProviderId, ProviderContext>();
  const adapters = new Map<ProviderId, ProviderAdapter>();

  const isSandbox = (id: ProviderId) => config.sandboxProviders.has(id);

  const unavailableReason = (id: ProviderId): string | undefined => {
    const entry = catalogue[id];
    if (!factories[id]) return `Bookbridge cannot connect ${entry.name} yet.`;
    if (isSandbox(id)) return undefined;
    const env = providerCredentialEnv[id];
    if (env && !config.providerClients[id]) {
      const names = env.id === env.secret ? env.id : `${env.id} and ${env.secret}`;
      return `This server has no ${entry.name} app configured: set ${names} (see the README).`;
    }
    return undefined;
  };

  const context = (id: ProviderId): ProviderContext => {
    let ctx = contexts.get(id);
    if (!ctx) {
      const entry = catalogue[id];
      ctx = {
        entry,
        hosts: isSandbox(id) ? sandboxHosts(id, sandboxBase()) : { ...entry.hosts },
        client: isSandbox(id) ? options.sandboxClients?.[id] : config.providerClients[id],
        fetch: rateLimited(entry, observed(id, options.fetch ?? providerTransport, options.observe), options.rateLimitScale ?? 1),
        now: options.now ?? (() => new Date()),
        timeoutMs: config.providerTimeoutMs,
      };
      contexts.set(id, ctx);
    }
    return ctx;
  };

  return {
    isSandbox,
    context,
    summaries: () =>
      providerIds.map((id) => {
        const entry = catalogue[id];
        const reason = unavailableReason(id);
        return {
          id,
          name: entry.name,
          authKind: entry.authKind,
          role: entry.role,
          lists: [...entry.lists],
          destinations: Object.fromEntries(
            Object.entries(entry.destinations).map(([type, list]) => [
              type,
              list.map((d) => ({ id: d.id, label: d.label, statuses: [...d.statuses] })),
            ]),
          ) as ProviderSummary['destinations'],
          bankMatch: entry.capabilities.bankMatch,
          ...(entry.limitations ? { limitations: entry.limitations } : {}),
          available: reason === undefined,
          ...(reason ? { unavailableReason: reason } : {}),
          sandbox: isSandbox(id),
        };
      }),
    adapter: (id) => {
      const reason = unavailableReason(id);
      if (reason) throw new ApiError(422, 'provider_unavailable', reason);
      let adapter = adapters.get(id);
      if (!adapter) {
        adapter = factories[id]!(context(id));
        adapters.set(id, adapter);
      }
      return adapter;
    },
  };
}

function observed(id: ProviderId, inner: typeof fetch, observe?: RegistryOptions['observe']): typeof fetch {
  if (!observe) return inner;
  return async (input, init) => {
    try {
      const response = await inner(input, init);
      observe(id, response.status);
      return response;
    } catch (error) {
      observe(id, 'error');
      throw error;
    }
  };
}

/**
 * Keeps every call to a provider within its published limits, per scope (organisation or
 * token): at most `concurrent` in flight (p-queue), and never more than `perMinute` in any
 * rolling minute. The minute is a sliding log rather than p-queue's fixed interval: a fixed window
 * lets twice the limit through across a window edge, which Xero (a rolling-window limiter)
 * answers with 429s, while spacing every call evenly would make a 20-call job wait 20 s for no
 * reason. Each call is logged when its answer came back, the one time known to be after the
 * provider counted it (logged when it started, a call held up on its way out by a busy event
 * loop could reach the provider inside the window of the one 60 calls later: a 429 in the
 * 5,000-bill benchmark); calls still in flight count too.
 */
function rateLimited(entry: ProviderEntry, inner: typeof fetch, scale: number): typeof fetch {
  const scopes = new Map<string, { queue: PQueue; answered: number[]; inFlight: number }>();
  const { perMinute, concurrent, scopeHeader, scopePath } = entry.rateLimit;
  // 2% over the minute: the provider's clock sees our calls a little late or early.
  const windowMs = (60_000 / scale) * 1.02;
  const pathScope = scopePath ? new RegExp(scopePath) : undefined;
  return (input, init) => {
    const headers = new Headers(init?.headers);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const key =
      (scopeHeader && headers.get(scopeHeader)) ||
      (pathScope && pathScope.exec(new URL(url).pathname)?.[1]) ||
      headers.get('authorization') ||
      'client';
    let scope = scopes.get(key);
    if (!scope) {
      scope = { queue: new PQueue({ concurrency: concurrent }), answered: [], inFlight: 0 };
      scopes.set(key, scope);
    }
    const log = scope;
    return log.queue.add(
      async () => {
        for (;;) {
          const now = performance.now();
          while (log.answered.length > 0 && log.answered[0]! <= now - windowMs) log.answered.shift();
          if (log.answered.length + log.inFlight < perMinute) break;
          // Full: the oldest answered call frees a place (all in flight only if perMinute ≤ concurrent).
          const oldest = log.answered[0];
          await new Promise((r) => setTimeout(r, oldest === undefined ? 10 : oldest + windowMs - now + 1));
        }
        log.inFlight++;
        try {
          return await inner(input, init);
        } finally {
          log.inFlight--;
          log.answered.push(performance.now());
        }
      },
      { signal: init?.signal ?? undefined },
    ) as Promise<Response>;
  };
}
