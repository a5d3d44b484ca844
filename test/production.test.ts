/** The real server process refusing unsafe production start-ups, naming the setting. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './support/scratch.js';

const run = promisify(execFile);
const start = (env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { PATH: process.env.PATH, DATA_DIR: scratchDir('bb-prod-'), LOG_LEVEL: 'silent', PORT: '0', ...env },
    timeout: 20_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );

describe('start-up refusals', () => {
  it('stops on a bad PORT, naming it', async () => {
    const r = await start({ PORT: 'abc' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('PORT: must be a number');
  }, 30_000);

  it('refuses production without a key source, on a public address without a proxy, and over plain HTTP', async () => {
    const r = await start({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('ENCRYPTION_KEY: must be set in production');
    expect(r.stderr).toContain('HOST: binds beyond loopback');
    expect(r.stderr).toContain('PUBLIC_URL: must be an https:// URL');
  }, 30_000);

  it('refuses the sandbox in production', async () => {
    const r = await start({ NODE_ENV: 'production', SANDBOX: 'on', ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), PUBLIC_URL: 'https://b.example.com' });
    expect(r.stderr).toContain('SANDBOX: must not be on when NODE_ENV is production');
  }, 30_000);
});
