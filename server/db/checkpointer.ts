/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * crosses the threshold, so one request in a few hundred waited while the WAL was copied into
 * the database (28–55 ms per 40 MB in bench/throughput.ts). The server instead checkpoints from
 * a worker thread with its own connection, once a second, in PASSIVE mode: it never waits for
 * or blocks this process's readers and writers, and SQLite rewinds the WAL once it is all
 * copied. This is the remedy better-sqlite3's performance guide gives for busy servers.
 *
 * If the worker stops for any reason, the connection goes back to automatic checkpoints, so the
 * WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import type { Logger } from '../logger.js';

/** SQLite's own default threshold (pages), used whenever the worker is not running. */
export const AUTOMATIC_CHECKPOINT_PAGES = 1000;

// Plain CommonJS, run with `eval`: no loader or build step is needed for the worker.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ checkpointed: result.checkpointed, log: result.log });
  } catch (error) {
    // Another connection is checkpointing (SQLITE_BUSY): it does the same work.
  }
}, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export interface Checkpointer {
  /** Resolves once the worker has closed its connection. */
  stop(): Promise<void>;
  /** Frames copied by the last checkpoint (tests, metrics). */
  readonly last: { checkpointed: number; log: number } | undefined;
}

export function startCheckpointer(sqlite: SQLite.Database, file: string, logger: Logger, everyMs = 1000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { driver, file, everyMs } });
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  let last: Checkpointer['last'];
  worker.on('message', (m: { checkpointed: number; log: number }) => (last = m));
  const fallBack = (reason: unknown) => {
    if (stopping || !sqlite.open) return;
    sqlite.pragma(`wal_autocheckpoint = ${AUTOMATIC_CHECKPOINT_PAGES}`);
    logger.error({ err: reason }, 'the WAL checkpoint worker stopped: back to automatic checkpoints');
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => fallBack(new Error(`exit code ${code}`)));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    get last() {
      return last;
    },
    async stop() {
      stopping = true;
      // Held by the process until it has gone: unreferenced, the process could end first (nothing
      // else left to wait for on shutdown) without closing the database behind it.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
