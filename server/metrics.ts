/**
 * Prometheus metrics (prom-client), one registry per app so tests and several apps in one
 * process do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './db/database.js';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  requestSeconds: Histogram<'method' | 'route'>;
  providerCalls: Counter<'provider' | 'status'>;
  providerRateLimited: Counter<'provider'>;
}

export function createMetrics(db: Db, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'bookbridge_' });
  const requests = new Counter({
    name: 'bookbridge_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'bookbridge_http_request_duration_seconds',
    help: 'Time to answer HTTP requests.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const providerCalls = new Counter({
    name: 'bookbridge_provider_calls_total',
    help: 'Calls to accounting providers, by provider and HTTP status (or "error" for no answer).',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const providerRateLimited = new Counter({
    name: 'bookbridge_provider_rate_limited_total',
    help: '429 answers from accounting providers.',
    labelNames: ['provider'] as const,
    registers: [registry],
  });
  // Read from the items table at scrape time, so every path that changes an item's state is
  // counted (and a restart loses nothing).
  new Gauge({
    name: 'bookbridge_publish_outcomes',
    help: 'Items by publishing state (published, failed, waiting_for_reconnect, queued...) and provider.',
    labelNames: ['provider', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('items')
        .leftJoin('connections', 'connections.id', 'items.connection_id')
        .select(['connections.provider', 'items.state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['connections.provider', 'items.state'])
        .execute();
      for (const r of rows) this.set({ provider: r.provider ?? 'none', state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'bookbridge_jobs',
    help: 'Background jobs by kind and status (queue depth: status="queued").',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('jobs')
        .select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['queued', 'running', 'failed'])
        .groupBy(['kind', 'status'])
        .execute();
      for (const r of rows) this.set({ kind: r.kind, status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'bookbridge_connections',
    help: 'Connections by provider and status.',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('connections')
        .select(['provider', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['provider', 'status'])
        .execute();
      for (const r of rows) this.set({ provider: r.provider, status: r.status }, Number(r.n));
    },
  });
  return { registry, requests, requestSeconds, providerCalls, providerRateLimited };
}
