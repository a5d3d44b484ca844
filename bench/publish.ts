/**
 * Publish 1,000 bills to the Xero sandbox under Xero's real limits (60 calls a rolling minute,
 * 5 at once), on a minute scaled to one second in both the sandbox and our limiter so the ratios
 * stay honest. Measures provider calls against the minimum (batches of 50), 429s received, and
 * wall time against the floor: the time the provider itself needs (rate-window waits, its answer
 * time per round of calls, and its busy time), measured in the sandbox's process.
 *   node --import tsx bench/publish.ts 1000 [--profile file.cpuprofile]
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
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
    // `--profile <file>`: a CPU profile of the sending phase only (open it in Chrome's DevTools).
    const profileAt = process.argv.indexOf('--profile');
    const profiler = profileAt > 0 ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.post('Profiler.start');
    }
    const busy0 = await sandbox.busy();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const provider0 = c.providerMs();
    const t0 = performance.now();
    // Until the publishing job has finished (it stops only when nothing is left to send): timed
    // to the moment, where polling the item states every 20 ms added up to 20 ms to the figure.
    await c.runtime.deps.jobs.runUntilIdle();
    // A job that must wait (a 429's Retry-After) is not ready yet: run the runner until it is done.
    const left = () => c.runtime.deps.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['queued', 'publishing']).executeTakeFirstOrThrow();
    if (Number((await left()).n) > 0) {
      c.runtime.deps.jobs.start();
      while (Number((await left()).n) > 0) await new Promise((r) => setTimeout(r, 20));
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const busy1 = await sandbox.busy();
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(process.argv[profileAt + 1] ?? 'publish.cpuprofile', JSON.stringify(profile));
      profiler.disconnect();
    }
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
    const totalCalls = Math.max(1, Object.values(calls).reduce((a, b) => a + b, 0));
    // The floor is the time the provider itself needs, measured in the sandbox's process:
    // - calls beyond the first minute's allowance wait for the window;
    // - at most `concurrent` calls are in flight, each taking the sandbox's answer time;
    // - the sandbox answers on one thread, so it needs at least the time that thread was busy
    //   (the smaller of its event-loop busy time and its CPU time, each of which over-counts).
    // The answer time is not measured here, around our fetch: that includes the time an answer
    // waits for our own event loop, so our own work would raise the floor it is judged against.
    const windowMs = Math.max(0, Math.ceil(minimum / perMinute) - 1) * minuteMs;
    const answerMs = busy1.answeringMs / totalCalls;
    const latencyMs = Math.ceil(minimum / concurrent) * answerMs;
    const sandboxBusyMs = Math.min(busy1.activeMs - busy0.activeMs, busy1.cpuMs - busy0.cpuMs);
    const floorMs = Math.max(windowMs, latencyMs, sandboxBusyMs);
    const ourMs = (cpu.user + cpu.system) / 1000;
    note(`publish: states ${JSON.stringify(states)}, calls ${JSON.stringify(calls)}`);
    return [
      report({ bench: 'publish', metric: `bills published of ${count}`, value: published, unit: 'items', target: count, better: 'higher' }),
      report({ bench: 'publish', metric: 'bills in Xero (distinct, no duplicates)', value: distinct, unit: 'docs', target: count, better: 'higher', ok: distinct === count && bills.length === count }),
      report({ bench: 'publish', metric: 'Invoices calls / minimum', value: invoiceCalls / minimum, unit: 'ratio', target: 1, better: 'lower' }),
      report({ bench: 'publish', metric: '429s received', value: (stats1.sent429 ?? 0) - (stats0.sent429 ?? 0), unit: 'count', target: 0, better: 'lower' }),
      report({ bench: 'publish', metric: 'wall time', value: wall, unit: 'ms' }),
      report({ bench: 'publish', metric: `floor (${minimum} calls, ${perMinute}/min, ${concurrent} at once)`, value: floorMs, unit: 'ms' }),
      report({ bench: 'publish', metric: 'floor: rate-window waits', value: windowMs, unit: 'ms' }),
      report({ bench: 'publish', metric: `floor: ${Math.ceil(minimum / concurrent)} rounds × answer time`, value: latencyMs, unit: 'ms' }),
      report({ bench: 'publish', metric: 'floor: sandbox busy', value: sandboxBusyMs, unit: 'ms' }),
      report({ bench: 'publish', metric: 'answer time per call, in the sandbox', value: answerMs, unit: 'ms' }),
      report({ bench: 'publish', metric: 'answer time per call, seen here', value: providerMs / totalCalls, unit: 'ms' }),
      report({ bench: 'publish', metric: 'wall time / floor', value: wall / floorMs, unit: 'ratio', target: 1.1, better: 'lower' }),
      report({ bench: 'publish', metric: 'local CPU', value: ourMs, unit: 'ms' }),
      report({ bench: 'publish', metric: 'local CPU per bill', value: (ourMs * 1000) / count, unit: 'µs' }),
      // The main thread's busy time (event-loop utilisation): the part that cannot overlap itself.
      report({ bench: 'publish', metric: 'local event loop busy per bill', value: (elu.active * 1000) / count, unit: 'µs' }),
    ];
  } finally {
    await c.close();
    await sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await publishBench(Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1000));
