/**
 * The server admin's command line: `npm run admin -- <command> [options]`.
 * Works on the same database the server uses (DATA_DIR / DATABASE_PATH), also while it runs.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { migrate, openDatabase } from './db/database.js';
import { addMembership, createBusiness, createUser } from './auth/users.js';
import { hashPassword } from './auth/passwords.js';
import { invalidateUserSessions } from './auth/sessions.js';
import { Email, Password } from '../shared/api.js';
import { audit } from './audit.js';
import { backupDatabase, inspectBackup, listBusinessHealth, promoteKeyFile, restoreDatabase, rotateSecrets } from './admin-ops.js';
import { loadSecretBox } from './runtime.js';
import { SecretBox, loadOrCreateKeyFile } from './crypto/secret-box.js';

const usage = `Usage: npm run admin -- <command> [options]

Commands:
  create-admin --email E --name N --business B   Create a server admin who is business admin of a new business
  reset-password --email E                       Set a new password and end the user's sessions
  list-businesses                                Businesses, members and the health of their connections
  backup --to FILE                               Online backup of the database (safe while the server runs)
  restore --from FILE                            Restore a backup (stop the server first)
  rotate-key                                     Re-encrypt every stored secret under a new key (resumable;
                                                 stop the server first). With ENCRYPTION_KEY, give the new
                                                 key in NEW_ENCRYPTION_KEY; with a key file, a new one is made.

Passwords are read from the BOOKBRIDGE_PASSWORD environment variable, or asked for on the terminal.`;

async function readPassword(): Promise<string> {
  const fromEnv = process.env.BOOKBRIDGE_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error('Set BOOKBRIDGE_PASSWORD, or run this in a terminal to be asked for the password.');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question('New password (at least 12 characters): ');
  rl.close();
  return answer;
}

function check<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, value: unknown, name: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`--${name} ${r.error.issues[0]?.message ?? 'is not valid'}`);
  return r.data;
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, name: { type: 'string' }, business: { type: 'string' }, to: { type: 'string' }, from: { type: 'string' } },
    strict: true,
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(usage);
    return;
  }
  loadDotEnv();
  const config = loadConfig(process.env);
  if (command === 'restore') {
    if (!values.from) throw new Error('--from is required');
    const info = inspectBackup(values.from);
    await restoreDatabase(values.from, config.databasePath);
    console.log(`Restored ${values.from} (${info.users} users, ${info.migrations.length} migrations) into ${config.databasePath}. Start the server.`);
    return;
  }
  const opened = openDatabase(config.databasePath);
  await migrate(opened, { file: config.databasePath });
  const { db } = opened;
  const now = Date.now();
  try {
    switch (command) {
      case 'create-admin': {
        const email = check(Email, values.email, 'email');
        if (!values.name) throw new Error('--name is required');
        if (!values.business) throw new Error('--business is required');
        const password = check(Password, await readPassword(), 'password');
        const userId = await createUser(db, { email, name: values.name, password, isServerAdmin: true, now });
        const businessId = await createBusiness(db, { name: values.business, now });
        await addMembership(db, { userId, businessId, role: 'business_admin', now });
        await db.deleteFrom('meta').where('key', '=', 'setup_code_sha256').execute();
        await audit(db, { businessId, userId: null, action: 'admin.create_admin', detail: { email }, at: now });
        console.log(`Created admin ${email} for business "${values.business}".`);
        break;
      }
      case 'reset-password': {
        const email = check(Email, values.email, 'email');
        const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
        if (!user) throw new Error(`No user has the email ${email}.`);
        const password = check(Password, await readPassword(), 'password');
        await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', user.id).execute();
        await invalidateUserSessions(db, user.id);
        await audit(db, { businessId: null, userId: null, action: 'admin.reset_password', detail: { email }, at: now });
        console.log(`Password reset for ${email}; their sessions have ended.`);
        break;
      }
      case 'list-businesses': {
        for (const b of await listBusinessHealth(opened, now)) {
          const health = b.connections.map((c) => `${c.provider} (${c.organisation}): ${c.health}${c.daysLeft !== null ? `, ${c.daysLeft} days left` : ''}`);
          console.log(`${b.name}\t${b.members} member(s)\t${health.length ? health.join('; ') : 'no connection'}`);
        }
        break;
      }
      case 'backup': {
        if (!values.to) throw new Error('--to is required');
        const { bytes } = await backupDatabase(opened, values.to);
        console.log(`Backed up ${config.databasePath} to ${values.to} (${bytes} bytes). Keep the encryption key with it.`);
        break;
      }
      case 'rotate-key': {
        const current = loadSecretBox(config);
        let next: SecretBox;
        let nextFile: string | undefined;
        if ('key' in config.encryption) {
          const raw = process.env.NEW_ENCRYPTION_KEY;
          if (!raw || Buffer.from(raw, 'base64').length !== 32) throw new Error('NEW_ENCRYPTION_KEY must hold the new 32-byte base64 key.');
          next = new SecretBox(Buffer.from(raw, 'base64'));
        } else {
          nextFile = `${config.encryption.keyFile}.next`;
          next = new SecretBox(loadOrCreateKeyFile(nextFile).key);
        }
        const { rotated, already } = rotateSecrets(opened, current, next);
        if (nextFile && 'keyFile' in config.encryption) {
          const retired = promoteKeyFile(config.encryption.keyFile, nextFile, new Date(now).toISOString().replace(/[:.]/g, '-'));
          console.log(`Re-encrypted ${rotated} secret(s) (${already} already done). The new key is in ${config.encryption.keyFile}; the old one was kept as ${retired} — delete it once a new backup exists.`);
        } else {
          console.log(`Re-encrypted ${rotated} secret(s) (${already} already done). Now set ENCRYPTION_KEY to the value of NEW_ENCRYPTION_KEY and restart.`);
        }
        break;
      }
      default:
        throw new Error(`Unknown command "${command}".\n\n${usage}`);
    }
  } finally {
    await opened.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
