import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { AUTOMATIC_CHECKPOINT_PAGES, startCheckpointer } from './checkpointer.js';
import { openDatabase } from './database.js';
import { scratchDir } from '../../test/support/scratch.js';

const logger = createLogger({ level: 'silent', format: 'json' });
const until = async (check: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('WAL checkpointer', () => {
  it('copies the WAL into the database from its own thread, so commits never do', async () => {
    const file = path.join(scratchDir('bb-ckpt-'), 'bookbridge.db');
    const opened = openDatabase(file);
    const checkpointer = startCheckpointer(opened.sqlite, file, logger, 50);
    expect(opened.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    opened.sqlite.exec('CREATE TABLE t (x TEXT)');
    const insert = opened.sqlite.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(500)); // ~2,000 commits, well past SQLite's 1,000-page threshold
    const before = statSync(file).size;
    await until(() => (checkpointer.last?.checkpointed ?? 0) > 0 && statSync(file).size > before);
    expect(statSync(file).size).toBeGreaterThan(1_000_000);
    await checkpointer.stop();
    expect(opened.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0); // stopped on purpose: the database closes next
    await opened.close();
  });

  it('hands checkpoints back to SQLite if the worker dies', async () => {
    const file = path.join(scratchDir('bb-ckpt-'), 'bookbridge.db');
    const opened = openDatabase(file);
    startCheckpointer(opened.sqlite, path.join(file, 'not-a-directory', 'x.db'), logger, 50);
    await until(() => opened.sqlite.pragma('wal_autocheckpoint', { simple: true }) === AUTOMATIC_CHECKPOINT_PAGES);
    await opened.close();
  });
});
