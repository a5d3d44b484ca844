import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the reliability suite (issue 9) with its full figures — 20 kill -9
 * rounds × 1,000 items, 10,000 generated inputs, 1,000 items through provider faults — one file
 * at a time (the crash rounds run on the real clock). `npm test` runs the same files with the
 * fast figures. Loopback only; about 5 minutes on 2 cores.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    env: { RELIABILITY: 'full' },
    globalSetup: ['test/reliability/summary-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
