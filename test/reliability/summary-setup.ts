/**
 * globalSetup of `npm run test:reliability`: starts the summary afresh, and at the end prints
 * one line per property with its figures, after vitest's own report.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { summaryFile } from './support.js';

export function setup() {
  rmSync(summaryFile, { force: true });
  const started = Date.now();
  return () => {
    const lines = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { property: string; line: string; ok: boolean }) : [];
    console.log(`\nReliability summary (${lines.length} properties, ${((Date.now() - started) / 1000).toFixed(0)} s):`);
    for (const l of lines) console.log(`  ${l.ok ? 'PASS' : 'FAIL'} ${l.property}: ${l.line}`);
  };
}
