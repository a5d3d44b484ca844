import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { Role } from '../../shared/api.js';
import { hashPassword, type PasswordCost } from './passwords.js';

export async function createUser(
  db: Db,
  input: { email: string; name: string; password: string; isServerAdmin?: boolean; now: number; cost?: PasswordCost },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('users')
    .values({
      id,
      email: input.email.trim().toLowerCase(),
      name: input.name,
      password_hash: await hashPassword(input.password, input.cost),
      is_server_admin: input.isServerAdmin ? 1 : 0,
      created_at: input.now,
    })
    .execute();
  return id;
}

export async function createBusiness(db: Db, input: { name: string; now: number }): Promise<string> {
  const id = randomUUID();
  await db.insertInto('businesses').values({ id, name: input.name, standard_users_can_publish: 0, created_at: input.now }).execute();
  return id;
}

export async function addMembership(db: Db, input: { userId: string; businessId: string; role: Role; now: number }): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ user_id: input.userId, business_id: input.businessId, role: input.role, created_at: input.now })
    .onConflict((oc) => oc.columns(['user_id', 'business_id']).doUpdateSet({ role: input.role }))
    .execute();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
