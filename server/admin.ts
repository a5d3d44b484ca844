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

const usage = `Usage: npm run admin -- <command> [options]

Commands:
  create-admin --email E --name N --business B   Create a server admin who is business admin of a new business
  reset-password --email E                       Set a new password and end the user's sessions
  list-businesses                                Businesses with their members

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
    options: { email: { type: 'string' }, name: { type: 'string' }, business: { type: 'string' } },
    strict: true,
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(usage);
    return;
  }
  loadDotEnv();
  const config = loadConfig(process.env);
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
        const rows = await db
          .selectFrom('businesses')
          .leftJoin('memberships', 'memberships.business_id', 'businesses.id')
          .leftJoin('users', 'users.id', 'memberships.user_id')
          .select(['businesses.name as business', 'users.email', 'memberships.role'])
          .orderBy('businesses.name')
          .execute();
        for (const r of rows) console.log(`${r.business}\t${r.email ?? '-'}\t${r.role ?? '-'}`);
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
