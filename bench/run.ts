/**
 * `npm run bench` runs every benchmark and prints its figures against the targets;
 * `npm run bench -- --json` prints one JSON object per line instead. Not part of `npm test`.
 * A few minutes on 2 cores. Figures on a shared machine are noisy: run twice and compare.
 */
import { execFileSync } from 'node:child_process';
import { extensionBench } from './extension.js';
import { publishBench } from './publish.js';
import { throughputBench } from './throughput.js';
import { jsonOutput, note, report, type Figure } from './support/report.js';

interface ImportRun {
  contacts: number;
  import: { calls: number; minimum: number; localCpuMs: number; peakHeapMB: number; peakRssMB: number; imported: number };
  refresh: { calls: number; listKinds: number; localCpuMs: number; changed: number };
}

function importRun(contacts: number, liveHeap = false): ImportRun {
  note(`import: ${contacts} contacts${liveHeap ? ', live heap (a full GC before each sample)' : ''}`);
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/import-refresh.ts', '--contacts', String(contacts), ...(liveHeap ? ['--live-heap'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ImportRun;
}

const figures: Figure[] = [];
const small = importRun(10_000);
const large = importRun(100_000);
for (const run of [small, large]) {
  const n = `${run.contacts / 1000}k`;
  figures.push(report({ bench: 'import', metric: `${n} contacts imported`, value: run.import.imported, unit: 'entries', target: run.contacts, better: 'higher' }));
  figures.push(report({ bench: 'import', metric: `${n}: API calls / minimum`, value: run.import.calls / run.import.minimum, unit: 'ratio', target: 1, better: 'lower' }));
  figures.push(report({ bench: 'import', metric: `${n}: local work (CPU)`, value: run.import.localCpuMs, unit: 'ms', ...(run.contacts === 100_000 ? { target: 5000, better: 'lower' as const } : {}) }));
  figures.push(report({ bench: 'import', metric: `${n}: peak heap above start, garbage included`, value: run.import.peakHeapMB, unit: 'MB' }));
}
// Flat memory: ten times the contacts should not need ten times the memory (pages are streamed).
// Judged on what the import holds (sampled after a full GC): the sampled peak above also counts
// garbage not yet collected, which V8's heuristics let grow to 30–85 MB from run to run.
const smallLive = importRun(10_000, true);
const largeLive = importRun(100_000, true);
figures.push(report({ bench: 'import', metric: '10k: peak live heap above start', value: smallLive.import.peakHeapMB, unit: 'MB' }));
figures.push(report({ bench: 'import', metric: '100k: peak live heap above start', value: largeLive.import.peakHeapMB, unit: 'MB' }));
figures.push(report({ bench: 'import', metric: 'peak live heap 100k / 10k', value: largeLive.import.peakHeapMB / smallLive.import.peakHeapMB, unit: 'ratio', target: 3, better: 'lower' }));
figures.push(report({ bench: 'import', metric: '100k: peak RSS', value: large.import.peakRssMB, unit: 'MB' }));
figures.push(report({ bench: 'refresh', metric: '100k, 10 changes: API calls', value: large.refresh.calls, unit: 'calls', target: large.refresh.listKinds, better: 'lower' }));
figures.push(report({ bench: 'refresh', metric: '100k, 10 changes: entries re-read', value: large.refresh.changed, unit: 'entries' }));
figures.push(report({ bench: 'refresh', metric: '100k, 10 changes: local work (CPU)', value: large.refresh.localCpuMs, unit: 'ms', target: 200, better: 'lower' }));

figures.push(...(await publishBench(1000)));
figures.push(...(await throughputBench()));
figures.push(...(await extensionBench()));

const missed = figures.filter((f) => !f.ok);
if (!jsonOutput) console.log(`\n${figures.length - missed.length} of ${figures.length} figures on target${missed.length ? `; missed: ${missed.map((f) => `${f.bench} ${f.metric}`).join('; ')}` : ''}`);
process.exit(0);
