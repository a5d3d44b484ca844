/** Reads and writes of the connections table; the lifecycle rules live in lifecycle.ts. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { ConnectionsTable } from '../db/schema.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Credentials } from '../providers/types.js';
import { catalogue, type ProviderId } from '../../shared/catalogue.js';
import { CONNECTION_LIFETIME_MS } from './expiry.js';
import { credentialsContext } from './provider-session.js';

export async function insertConnection(
  deps: { db: Db; secrets: SecretBox; now: () => Date },
  input: {
    businessId: string;
    provider: ProviderId;
    organisation: { id: string; name: string };
    credentials: Credentials;
    createdBy: string | null;
  },
): Promise<ConnectionsTable> {
  const id = randomUUID();
  const now = deps.now().getTime();
  const row: ConnectionsTable = {
    id,
    business_id: input.businessId,
    provider: input.provider,
    role: catalogue[input.provider].role,
    status: 'active',
    organisation_id: input.organisation.id,
    organisation_name: input.organisation.name,
    credentials: deps.secrets.sealJson(input.credentials, credentialsContext(id)),
    authorised_at: now,
    expires_at: now + CONNECTION_LIFETIME_MS,
    expired_reason: null,
    last_refresh_at: null,
    replaced_by: null,
    refresh_lock_owner: null,
    refresh_lock_until: null,
    created_by: input.createdBy,
    created_at: now,
    updated_at: now,
  };
  await deps.db.insertInto('connections').values(row).execute();
  return row;
}

export function getConnection(db: Db, businessId: string, connectionId: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('id', '=', connectionId)
    .where('business_id', '=', businessId)
    .executeTakeFirst();
}

/** The business's ledger connection that publishing uses (active or expired), if any. */
export function getLedgerConnection(db: Db, businessId: string) {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('role', '=', 'ledger')
    .where('status', 'in', ['active', 'expired'])
    .executeTakeFirst();
}
