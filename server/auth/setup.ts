/**
 * First run: there is no default password. While no user exists the server holds a one-time
 * setup code (only its hash is stored) and prints it once; POST /api/setup with it creates the
 * first admin and the code is gone.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import type { Db } from '../db/database.js';
import { countUsers } from './users.js';

const KEY = 'setup_code_sha256';

const hash = (code: string) => createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');

/** Returns a fresh code to print when setup is still needed, or null when a user exists. */
export async function issueSetupCode(db: Db): Promise<string | null> {
  if ((await countUsers(db)) > 0) {
    await db.deleteFrom('meta').where('key', '=', KEY).execute();
    return null;
  }
  const raw = encodeBase32UpperCaseNoPadding(randomBytes(10)); // 16 characters, 80 bits
  const code = raw.match(/.{4}/g)!.join('-');
  await db
    .insertInto('meta')
    .values({ key: KEY, value: hash(code) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: hash(code) }))
    .execute();
  return code;
}

/** Checks and consumes the code (single use). */
export async function consumeSetupCode(db: Db, code: string): Promise<boolean> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirst();
  if (!row) return false;
  const ok = timingSafeEqual(Buffer.from(row.value, 'hex'), Buffer.from(hash(code), 'hex'));
  if (!ok) return false;
  const deleted = await db.deleteFrom('meta').where('key', '=', KEY).where('value', '=', row.value).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}
