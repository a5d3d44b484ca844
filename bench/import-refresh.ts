/**
 * Local work is this process's CPU time (user + system) while the job runs: the sandbox lives
 * in another process, and time spent waiting for the provider or its rate limit is not work.
 *
 * Import of a large Xero organisation, then a refresh after 10 upstream changes. Run once per
 * size in a fresh process (`--contacts N`) so peak memory is this run's alone; prints one JSON
 * line with the raw figures. bench/run.ts compares the sizes.
 *
 * Peak heap is sampled every 10 ms, so it includes garbage V8 has not collected yet, which moves
 * with its heuristics from run to run (30–85 MB for the same 100k import). With `--live-heap`
 * each sample is taken after a full GC: the memory the import actually holds. That run's CPU
 * figures are not comparable (it spends its time collecting).
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { catalogue } from '../shared/catalogue.js';
import { connectXero, startCompanion, startXeroSandboxProcess, waitForJob } from './support/companion.js';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '10000' }, accounts: { type: 'string', default: '5000' }, 'live-heap': { type: 'boolean', default: false } } });
const liveHeap = values['live-heap'];
if (liveHeap && !global.gc) throw new Error('--live-heap needs node --expose-gc');
const contacts = Number(values.contacts);
const secret = randomBytes(18).toString('base64url');
// Real limits, on a minute scaled to one second (the sandbox and our limiter agree).
const scale = 60;
const sandbox = await startXeroSandboxProcess({ contacts, accounts: values.accounts, 'time-scale': scale, secret });
const companion = await startCompanion(`${sandbox.url}`, secret, { rateLimitScale: scale });
const { connectionId, jobId } = await connectXero(companion);

let peakHeap = 0;
let peakRss = 0;
global.gc?.();
const baseHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  if (liveHeap) global.gc!();
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
}, liveHeap ? 25 : 10);

// The import job was queued by Finish; run it now and time it.
await sandbox.resetCalls();
const providerBefore = companion.providerMs();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
companion.runtime.deps.jobs.start();
const job = await waitForJob(companion, jobId);
const importMs = performance.now() - t0;
const importProviderMs = companion.providerMs() - providerBefore;
const importCpu = process.cpuUsage(cpu0);
clearInterval(sampler);
if (job.status !== 'done') throw new Error(`import failed: ${job.error}`);
const importCalls = await sandbox.calls();

// Minimum: per list, ceil(N / the provider's largest page). Xero pages only Contacts (1000).
const pageSize = 1000;
const minimumImport = catalogue.xero.lists.length - 1 + Math.ceil((contacts + 0) / pageSize);

// 10 changes upstream (5 renamed, 5 archived), then Refresh integration data.
const targets = await companion.runtime.deps.db
  .selectFrom('list_entries')
  .select('external_id')
  .where('connection_id', '=', connectionId)
  .where('kind', '=', 'contacts')
  .where('status', '=', 'active')
  .orderBy('external_id')
  .limit(10)
  .execute();
for (const [i, t] of targets.entries()) {
  await fetch(`${sandbox.url}/xero/_control/mutate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: sandbox.tenantId, list: 'contacts', action: i % 2 ? 'rename' : 'archive', target: t.external_id, name: `Renamed ${i}` }),
  }).then(async (r) => {
    if (!r.ok) throw new Error(`mutate: ${r.status} ${await r.text()}`);
  });
}
await new Promise((r) => setTimeout(r, 1100)); // If-Modified-Since has one-second resolution
await sandbox.resetCalls();
const refreshProviderBefore = companion.providerMs();
const cpu1 = process.cpuUsage();
const t1 = performance.now();
const refresh = await companion.api('POST', `/api/businesses/${companion.businessId}/connections/${connectionId}/refresh`);
const refreshJob = await waitForJob(companion, refresh.jobId);
const refreshMs = performance.now() - t1;
const refreshProviderMs = companion.providerMs() - refreshProviderBefore;
const refreshCpu = process.cpuUsage(cpu1);
if (refreshJob.status !== 'done') throw new Error(`refresh failed: ${refreshJob.error}`);
const refreshCalls = await sandbox.calls();

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    contacts,
    import: { calls: sum(importCalls), byResource: importCalls, minimum: minimumImport, wallMs: importMs, providerMs: importProviderMs, localCpuMs: (importCpu.user + importCpu.system) / 1000, peakHeapMB: (peakHeap - baseHeap) / 2 ** 20, peakRssMB: peakRss / 2 ** 20, imported: job.progress.lists.contacts.done },
    refresh: { calls: sum(refreshCalls), byResource: refreshCalls, listKinds: catalogue.xero.lists.length, wallMs: refreshMs, providerMs: refreshProviderMs, localCpuMs: (refreshCpu.user + refreshCpu.system) / 1000, changed: refreshJob.progress.lists.contacts.done },
  }),
);
await companion.close();
await sandbox.stop();
process.exit(0);
