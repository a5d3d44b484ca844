/**
 * Publish 1,000 bills to the Xero sandbox under Xero's real limits (60 calls a rolling minute,
 * 5 at once), on a minute scaled to one second in both the sandbox and our limiter so the ratios
 * stay honest. Measures provider calls against the minimum (batches of 50), 429s received, and
 * wall time against the rate-limit floor.
 */
import { randomBytes } from 'node:crypto';
import { catalogue } from '../shared/catalogue.js';
import { connectXero, startCompanion, startXeroSandboxProcess, waitForJob } from './support/companion.js';
import { note, report, type Figure } from './support/report.js';

export async function publishBench(count = 1000): Promise<Figure[]> {
  const secret = randomBytes(18).toString('base64url');
  const scale = 60;
  const sandbox = await startXeroSandboxProcess({ contacts: 200, 'time-scale': scale, secret });
  const c = await startCompanion(sandbox.url, secret, { rateLimitScale: scale });
  try {
    const { connectionId, jobId } = await connectXero(c);
    c.runtime.deps.jobs.start();
    await waitForJob(c, jobId);
    const suppliers = await c.api('GET', `/api/businesses/${c.businessId}/connections/${connectionId}/lists/contacts?status=active&limit=50`);
    const supplier = suppliers.entries.find((e: any) => e.type === 'supplier' || e.type === 'both') ?? suppliers.entries[0];
    await c.runtime.deps.jobs.stop();

    note(`publish: creating ${count} bills`);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const item = await c.api('POST', `/api/businesses/${c.businessId}/items`, {
        type: 'cost',
        contact: supplier.externalId,
        date: '2026-11-02',
        dueDate: '2026-12-02',
        number: `BENCH-${i}`,
        currency: 'GBP',
        lines: [{ description: `Stationery ${i}`, amount: '100.00', taxAmount: '20.00', category: '429', taxRate: 'INPUT2' }],
        total: '120.00',
        totalTax: '20.00',
      });
      if (!item?.id) throw new Error(`item not created: ${JSON.stringify(item)}`);
      ids.push(item.id);
    }
    for (const id of ids) {
      const r = await c.api('POST', `/api/businesses/${c.businessId}/items/${id}/publish`);
      if (r?.error) throw new Error(`publish refused: ${JSON.stringify(r.error)}`);
    }
    await sandbox.resetCalls();
    const stats0 = await (await fetch(`${sandbox.url}/xero/_control/stats`)).json();
    note('publish: sending');
    const cpu0 = process.cpuUsage();
    const provider0 = c.providerMs();
    const t0 = performance.now();
    c.runtime.deps.jobs.start();
    for (;;) {
      const left = await c.runtime.deps.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['queued', 'publishing']).executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const providerMs = c.providerMs() - provider0;
    const calls = await sandbox.calls();
    const stats1 = await (await fetch(`${sandbox.url}/xero/_control/stats`)).json();
    const states = await c.runtime.deps.db.selectFrom('items').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
    const published = Number(states.find((s) => s.state === 'published')?.n ?? 0);
    const docs = await (await fetch(`${sandbox.url}/xero/_control/documents?tenantId=${sandbox.tenantId}`)).json();
    const bills = docs.organisations[0].invoices.filter((x: any) => String(x.InvoiceNumber ?? '').startsWith('BENCH-') || String(x.Reference ?? '').startsWith('BENCH-'));
    const distinct = new Set(bills.map((b: any) => b.InvoiceNumber ?? b.Reference)).size;

    const { perMinute, concurrent } = catalogue.xero.rateLimit;
    const batch = catalogue.xero.capabilities.batchSize;
    const minimum = Math.ceil(count / batch);
    const invoiceCalls = Object.entries(calls).filter(([k]) => /Invoices/.test(k)).reduce((a, [, v]) => a + v, 0);
    const minuteMs = 60_000 / scale;
    const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    const perCall = providerMs / Math.max(1, totalCalls);
    // Floor: the calls beyond the first minute's allowance wait for the window; and at most
    // `concurrent` are in flight, each taking the sandbox's answer time.
    const floorMs = Math.max(Math.max(0, Math.ceil(minimum / perMinute) - 1) * minuteMs, Math.ceil(minimum / concurrent) * perCall);
    note(`publish: states ${JSON.stringify(states)}, calls ${JSON.stringify(calls)}`);
    return [
      report({ bench: 'publish', metric: `bills published of ${count}`, value: published, unit: 'items', target: count, better: 'higher' }),
      report({ bench: 'publish', metric: 'bills in Xero (distinct, no duplicates)', value: distinct, unit: 'docs', target: count, better: 'higher', ok: distinct === count && bills.length === count }),
      report({ bench: 'publish', metric: 'Invoices calls / minimum', value: invoiceCalls / minimum, unit: 'ratio', target: 1, better: 'lower' }),
      report({ bench: 'publish', metric: '429s received', value: (stats1.sent429 ?? 0) - (stats0.sent429 ?? 0), unit: 'count', target: 0, better: 'lower' }),
      report({ bench: 'publish', metric: 'wall time', value: wall, unit: 'ms' }),
      report({ bench: 'publish', metric: `floor (${minimum} calls, ${perMinute}/min, ${concurrent} at once)`, value: floorMs, unit: 'ms' }),
      report({ bench: 'publish', metric: 'wall time / floor', value: wall / floorMs, unit: 'ratio', target: 1.1, better: 'lower' }),
      report({ bench: 'publish', metric: 'local CPU', value: (cpu.user + cpu.system) / 1000, unit: 'ms' }),
    ];
  } finally {
    await c.close();
    await sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await publishBench(Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1000));
