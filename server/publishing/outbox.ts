/**
 * The outbox side that requests and reconnects touch: queue items, wake the connection's
 * publishing job, and release items held for a reconnect. The sending is in drain.ts.
 */
import type { AppDeps } from '../app.js';
import type { ConnectionsTable } from '../db/schema.js';
import { audit } from '../audit.js';

export const PUBLISH_JOB = 'publish_items';

/** States a user (or auto-publish) can queue from. */
export const queueableStates = ['ready', 'needs_attention', 'failed'] as const;

export async function queueItems(
  deps: AppDeps,
  connection: Pick<ConnectionsTable, 'id' | 'business_id'>,
  itemIds: string[],
  by: { userId: string | null; auto: boolean },
): Promise<number> {
  if (itemIds.length === 0) return 0;
  const now = deps.clock.now().getTime();
  // One conditional update: a double click (or two tabs) queues once; a queued item stays queued.
  const result = await deps.db
    .updateTable('items')
    .set({ state: 'queued', connection_id: connection.id, error: null, updated_at: now })
    .where('business_id', '=', connection.business_id)
    .where('id', 'in', itemIds)
    .where('state', 'in', [...queueableStates])
    .executeTakeFirst();
  const queued = Number(result.numUpdatedRows);
  if (queued > 0) {
    for (const itemId of itemIds) {
      await audit(deps.db, {
        businessId: connection.business_id,
        userId: by.userId,
        action: by.auto ? 'item.auto_publish' : 'item.publish',
        detail: { itemId, connectionId: connection.id },
        at: now,
      });
    }
    await wakePublisher(deps, connection);
  }
  return queued;
}

/** Makes sure a publishing job will run for the connection (one waiting job is enough). */
export async function wakePublisher(deps: AppDeps, connection: Pick<ConnectionsTable, 'id' | 'business_id'>): Promise<void> {
  const waiting = await deps.db
    .selectFrom('jobs')
    .select('id')
    .where('connection_id', '=', connection.id)
    .where('kind', '=', PUBLISH_JOB)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  if (!waiting) await deps.jobs.enqueue(PUBLISH_JOB, { businessId: connection.business_id, connectionId: connection.id });
}

/**
 * Called by the connection lifecycle after a successful reconnect: items held because the
 * connection expired go back in the queue (nothing queued is lost), and attachments that were
 * waiting are sent too. Returns how many items were released.
 */
export async function requeueAfterReconnect(deps: AppDeps, connectionId: string): Promise<number> {
  const connection = await deps.db.selectFrom('connections').select(['id', 'business_id', 'status']).where('id', '=', connectionId).executeTakeFirst();
  if (!connection || connection.status !== 'active') return 0;
  const now = deps.clock.now().getTime();
  const released = await deps.db
    .updateTable('items')
    .set({ state: 'queued', error: null, connection_id: connection.id, updated_at: now })
    .where('business_id', '=', connection.business_id)
    .where('state', '=', 'waiting_for_reconnect')
    .where((eb) => eb.or([eb('connection_id', '=', connection.id), eb('connection_id', 'is', null)]))
    .executeTakeFirst();
  const pendingFiles = await deps.db
    .selectFrom('items')
    .select('id')
    .where('connection_id', '=', connection.id)
    .where('state', '=', 'published')
    .where('attachment_state', '=', 'pending')
    .executeTakeFirst();
  const count = Number(released.numUpdatedRows);
  if (count > 0 || pendingFiles) await wakePublisher(deps, connection);
  if (count > 0) {
    await audit(deps.db, { businessId: connection.business_id, userId: null, action: 'item.requeue_after_reconnect', detail: { connectionId, items: count }, at: now });
  }
  return count;
}
