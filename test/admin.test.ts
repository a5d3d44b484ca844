/**
 * The server admin's tools against real SQLite files: online backup under concurrent writes,
 * restore, key rotation interrupted and resumed, and the command line itself.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, inspectBackup, Interrupted, restoreDatabase, rotateSecrets } from '../server/admin-ops.js';
import { SecretBox } from '../server/crypto/secret-box.js';
import { migrate, openDatabase, type OpenedDatabase } from '../server/db/database.js';
import { insertConnection } from '../server/connections/store.js';
import { readCredentials } from '../server/connections/provider-session.js';
import { addMembership, createBusiness, createUser } from '../server/auth/users.js';
import { testPasswordCost } from './support/test-server.js';
import { scratchDir } from './support/scratch.js';

const run = promisify(execFile);
let dir: string;
let opened: OpenedDatabase;
const now = () => new Date('2026-06-01T09:00:00Z');

beforeEach(async () => {
  dir = scratchDir('bookbridge-admin-');
  opened = openDatabase(path.join(dir, 'bookbridge.db'));
  await migrate(opened);
});
afterEach(async () => {
  await opened.close();
});

async function seedConnections(box: SecretBox, n: number) {
  const businessId = await createBusiness(opened.db, { name: 'Acme', now: now().getTime() });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await insertConnection({ db: opened.db, secrets: box, now }, {
      businessId: i === 0 ? businessId : await createBusiness(opened.db, { name: `B${i}`, now: now().getTime() }),
      provider: 'xero',
      organisation: { id: `org-${i}`, name: `Org ${i}` },
      credentials: { kind: 'oauth2', tokens: { accessToken: `access-${i}`, refreshToken: `refresh-${i}`, accessTokenExpiresAt: 0 } },
      createdBy: null,
    });
    ids.push(row.id);
  }
  return ids;
}

describe('backup and restore', () => {
  it('takes a consistent online backup while another connection keeps writing', async () => {
    const writer = openDatabase(path.join(dir, 'bookbridge.db'));
    let writes = 0;
    let stop = false;
    const writing = (async () => {
      while (!stop && writes < 5000) {
        await writer.db.insertInto('audit_log').values({ business_id: null, user_id: null, action: 'test.write', detail: '{}', created_at: writes }).execute();
        writes++;
        if (writes % 50 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    const backup = path.join(dir, 'backup.db');
    const { bytes } = await backupDatabase(opened, backup);
    stop = true;
    await writing;
    await writer.close();
    expect(bytes).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(0);
    const info = inspectBackup(backup); // integrity_check ok
    expect(info.migrations.length).toBeGreaterThan(0);
    await expect(backupDatabase(opened, backup)).rejects.toThrow(/already exists/);
  });

  it('restores a backup over a changed database', async () => {
    const userId = await createUser(opened.db, { email: 'keep@example.com', name: 'Keep', password: 'a long password here', now: 1, cost: testPasswordCost });
    const businessId = await createBusiness(opened.db, { name: 'Kept', now: 1 });
    await addMembership(opened.db, { userId, businessId, role: 'business_admin', now: 1 });
    const backup = path.join(dir, 'before.db');
    await backupDatabase(opened, backup);
    await opened.db.deleteFrom('users').execute();
    await opened.close();

    await restoreDatabase(backup, path.join(dir, 'bookbridge.db'));
    opened = openDatabase(path.join(dir, 'bookbridge.db'));
    const users = await opened.db.selectFrom('users').select('email').execute();
    expect(users).toEqual([{ email: 'keep@example.com' }]);
  });

  it('refuses to restore something that is not a Bookbridge database', async () => {
    const other = openDatabase(path.join(dir, 'other.db'));
    other.sqlite.exec('CREATE TABLE t (x)');
    await other.close();
    await expect(restoreDatabase(path.join(dir, 'other.db'), path.join(dir, 'bookbridge.db'))).rejects.toThrow(/not a Bookbridge database/);
  });
});

describe('key rotation', () => {
  it('re-encrypts every secret, survives an interruption, and leaves every secret readable', async () => {
    const oldBox = new SecretBox(randomBytes(32));
    const newBox = new SecretBox(randomBytes(32));
    const ids = await seedConnections(oldBox, 7);

    expect(() => rotateSecrets(opened, oldBox, newBox, { batch: 2, stopAfter: 3 })).toThrow(Interrupted);
    // Mixed state now: the old key can still read the untouched rows, the new key the rotated ones.
    const resumed = rotateSecrets(opened, oldBox, newBox, { batch: 2 });
    expect(resumed.rotated + resumed.already).toBe(7);
    expect(resumed.rotated).toBeGreaterThan(0);
    expect(resumed.already).toBeGreaterThan(0);

    for (const [i, id] of ids.entries()) {
      const creds = await readCredentials({ db: opened.db, secrets: newBox, now }, id);
      expect(creds).toMatchObject({ kind: 'oauth2', tokens: { refreshToken: `refresh-${i}` } });
      await expect(readCredentials({ db: opened.db, secrets: oldBox, now }, id)).rejects.toThrow();
    }
    expect(rotateSecrets(opened, oldBox, newBox)).toEqual({ rotated: 0, already: 7 });
  });
});

describe('npm run admin', () => {
  const admin = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ['--import', 'tsx', 'server/admin.ts', ...args], {
      env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', ...env },
      cwd: path.resolve(__dirname, '..'),
    });

  it('creates an admin, lists businesses, backs up and rotates the key file', async () => {
    await opened.close();
    const created = await admin(['create-admin', '--email', 'Boss@Example.com', '--name', 'Boss', '--business', 'Boss Ltd'], { BOOKBRIDGE_PASSWORD: 'a sufficiently long password' });
    expect(created.stdout).toContain('Created admin boss@example.com');
    const listed = await admin(['list-businesses']);
    expect(listed.stdout).toMatch(/Boss Ltd\s+1 member\(s\)\s+no connection/);
    const backup = await admin(['backup', '--to', path.join(dir, 'b1.db')]);
    expect(backup.stdout).toContain('Backed up');
    const keyFile = path.join(dir, 'secret.key');
    const rotated = await admin(['rotate-key']);
    expect(rotated.stdout).toMatch(/Re-encrypted 0 secret/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(existsSync(`${keyFile}.next`)).toBe(false);
    opened = openDatabase(path.join(dir, 'bookbridge.db'));
  }, 60_000);

  it('names the bad option', async () => {
    await expect(admin(['create-admin', '--email', 'nope', '--name', 'x', '--business', 'y'], { BOOKBRIDGE_PASSWORD: 'a sufficiently long password' })).rejects.toMatchObject({
      stderr: expect.stringContaining('--email must be an email address'),
    });
  }, 60_000);
});
