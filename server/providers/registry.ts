/**
 * Resolves each catalogue entry into what this server can do with it: its adapter, its hosts
 * (real, or the built-in sandbox's), its client credentials, and whether it can be connected.
 */
import { catalogue, providerIds, type ProviderId } from '../../shared/catalogue.js';
import type { ProviderSummary } from '../../shared/api.js';
import { providerCredentialEnv, type Config } from '../config.js';
import { ApiError } from '../errors.js';
import type { ProviderAdapter, ProviderContext } from './types.js';

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
        fetch: observed(id, options.fetch ?? globalThis.fetch, options.observe),
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
