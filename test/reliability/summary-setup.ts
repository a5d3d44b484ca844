/**
 * globalSetup of `npm run test:reliability`: a summary file of this run's own (other engineers'
 * `npm test` may run the fast variant meanwhile), and at the end one line per property with its
 * figures, printed after vitest's own report.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { resultsDir } from './support.js';

export function setup(project: TestProject) {
  const file = path.join(resultsDir, `reliability-summary-${process.pid}.jsonl`);
  rmSync(file, { force: true });
  project.provide('reliabilitySummary', file);
  const started = Date.now();
  return () => {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { property: string; line: string; ok: boolean }) : [];
    console.log(`\nReliability summary (${lines.length} properties, ${((Date.now() - started) / 1000).toFixed(0)} s; also in ${path.relative(process.cwd(), file)}):`);
    for (const l of lines) console.log(`  ${l.ok ? 'PASS' : 'FAIL'} ${l.property}: ${l.line}`);
  };
}
