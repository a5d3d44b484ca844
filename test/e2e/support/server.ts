/**
 * The real companion server as a child process (`node --import tsx server/index.ts`), on a free
 * port with its own fresh data directory, exactly as a user starts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface StartedServer {
  url: string;
  port: number;
  dataDir: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** The one-time code printed on first start (`Bookbridge setup code: <CODE>`). */
  setupCode(): string | undefined;
  stop(): Promise<void>;
}

export async function startServer(options: { env?: Record<string, string> } = {}): Promise<StartedServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bookbridge-e2e-data-'));
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const stop = () => stopChild(child).finally(() => rmSync(dataDir, { recursive: true, force: true }));
  try {
    await waitForHealth(url, child, () => output);
    // The code is printed right after the server starts listening.
    await waitFor(() => /Bookbridge setup code: /.test(output) || child.exitCode !== null, 5_000).catch(() => undefined);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port,
    dataDir,
    output: () => output,
    setupCode: () => /Bookbridge setup code: (\S+)/.exec(output)?.[1],
    stop,
  };
}

export interface FirstAdmin {
  email: string;
  password: string;
  name: string;
  businessName: string;
}

/** POST /api/setup with the printed code: what a server admin does once after installing. */
export async function createFirstAdmin(server: StartedServer, admin: FirstAdmin): Promise<unknown> {
  const setupCode = server.setupCode();
  if (!setupCode) throw new Error(`The server printed no setup code. Its output:\n${server.output()}`);
  const response = await fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ setupCode, ...admin }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`POST /api/setup answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Port 0 picks a free one; it is released again before the server takes it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`The server did not answer GET /health within 30 s:\n${output()}`);
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
