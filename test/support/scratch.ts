/**
 * A temporary directory for the running test, removed when it ends, or kept when it failed, for a
 * look at what it left (its path is in the test's output). Call it inside a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(({ task }) => {
    if (task.result?.state === 'fail') console.error(`kept for a look: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
