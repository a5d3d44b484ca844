#!/usr/bin/env node
// `npm test`: typecheck, unit + integration, extension build, end-to-end in Chromium; then one
// closing line with the totals of every test run ("N passed, N failed").
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
const out = 'test-results';
mkdirSync(out, { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;

function step(name, cmd, args) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.log(`=== ${name} failed (exit ${r.status ?? r.signal})`);
    ok = false;
  }
  return r.status === 0;
}

function vitest(name, config, file) {
  rmSync(file, { force: true });
  const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
  if (config) args.push('--config', config);
  step(name, 'npx', args);
  if (!existsSync(file)) {
    console.log(`=== ${name}: no results written`);
    failed += 1;
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
}

step('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
vitest('unit and integration', undefined, `${out}/unit.json`);
if (step('extension build', 'npm', ['run', '--silent', 'build:ext'])) {
  vitest('end-to-end', 'vitest.e2e.config.ts', `${out}/e2e.json`);
} else {
  failed += 1;
}

const status = ok && failed === 0;
console.log(`\nAll tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status ? 0 : 1);
