import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createProviderRegistry } from './registry.js';
import { listen } from '../sandbox/serve.js';
import { catalogue } from '../../shared/catalogue.js';

describe('provider rate limits', () => {
  it('never starts more than perMinute calls in a rolling minute, nor more than `concurrent` at once, per organisation', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const starts: { t: number; tenant: string }[] = [];
    const app = new Hono().all('*', async (c) => {
      starts.push({ t: performance.now(), tenant: c.req.header('xero-tenant-id') ?? '' });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return c.json({});
    });
    const server = await listen(app);
    // 60 a "minute" of 1.2 s (scale 50), 5 at once: 70 calls for one tenant, 10 for another.
    const registry = createProviderRegistry({
      config: { sandboxProviders: new Set(['xero']), providerClients: {}, providerTimeoutMs: 5000, publicUrl: 'http://x' },
      factories: {},
      rateLimitScale: 50,
    });
    const { fetch: limited } = registry.context('xero');
    const call = (tenant: string) => limited(`${server.url}/api`, { headers: { 'xero-tenant-id': tenant } });
    const started = performance.now();
    await Promise.all([...Array.from({ length: 70 }, () => call('a')), ...Array.from({ length: 10 }, () => call('b'))]);
    const elapsed = performance.now() - started;
    await server.close();

    const a = starts.filter((s) => s.tenant === 'a').map((s) => s.t);
    for (let i = catalogue.xero.rateLimit.perMinute; i < a.length; i++) {
      expect(a[i]! - a[i - catalogue.xero.rateLimit.perMinute]!).toBeGreaterThanOrEqual(1200);
    }
    expect(maxInFlight).toBeLessThanOrEqual(10); // 5 per tenant, two tenants
    // The 61st call waited for the window; the other tenant did not wait for tenant a.
    expect(elapsed).toBeGreaterThanOrEqual(1200);
    const b = starts.filter((s) => s.tenant === 'b').map((s) => s.t);
    expect(Math.max(...b) - started).toBeLessThan(1000);
  });
});
