/**
 * The real companion as a child process (`node --import tsx server/index.ts`) on a free loopback
 * port and a data directory the test owns, exactly as a user starts it. It can be stopped,
 * killed (SIGKILL, SIGTERM) and started again on the same database, as an admin would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** The one-time code printed on first start (`Bookbridge setup code: <CODE>`). */
  setupCode(): string | undefined;
  /** Sends the signal and resolves with the exit code (null when killed by the signal). */
  signal(signal: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not stopped within 5 s. */
  stop(): Promise<void>;
}

export async function startServerProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  const stop = async () => {
    const kill = setTimeout(() => void signal('SIGKILL'), 5_000);
    await signal('SIGTERM');
    clearTimeout(kill);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready in 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, child, output: () => output, setupCode: () => /Bookbridge setup code: (\S+)/.exec(output)?.[1], signal, stop };
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
