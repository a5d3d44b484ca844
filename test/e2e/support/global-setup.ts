/**
 * Builds the Chrome extension once before the end-to-end tests, so they always test the current
 * source. Set E2E_SKIP_BUILD=1 when `.output/chrome-mv3` was just built (e.g. by `npm run build:ext`).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export default function setup(): void {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/wxt/bin/wxt.mjs'), 'build'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
