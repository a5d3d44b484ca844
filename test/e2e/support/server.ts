/**
 * The real companion server as a child process with its own fresh data directory, exactly as a
 * user starts it (see test/support/server-process.ts), removed again when it stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServerProcess } from '../../support/server-process.js';

export { freePort } from '../../support/server-process.js';

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
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bookbridge-e2e-data-'));
  const server = await startServerProcess(dataDir, options.env).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const stop = () => server.stop().finally(() => rmSync(dataDir, { recursive: true, force: true }));
  // The code is printed right after the server starts listening.
  for (const end = Date.now() + 5_000; !/Bookbridge setup code: /.test(server.output()) && server.child.exitCode === null && Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: server.url, port: server.port, dataDir, output: server.output, setupCode: server.setupCode, stop };
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
