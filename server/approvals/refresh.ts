/**
 * The approvals refresh (issue 7): a durable job per ApprovalMax connection that reads
 * ApprovalMax's decisions on the business's published bills and stores them on the items
 * (state, who decided, when, their comment). It runs on demand (the refresh route, Finish) and
 * then re-schedules itself while the connection is active: every 15 minutes while something
 * waits for a decision, hourly otherwise (ApprovalMax itself pulls from Xero about hourly).
 *
 * Calls go through the registry's limiter (100 a minute per token, approvalmax.md §5) and are
 * batched: one `approvalStatuses` call settles up to BATCH items. The checkpoint is the last
 * item id done, so a crashed run resumes where it stopped.
 */
import type { AppDeps } from '../app.js';
import { audit } from '../audit.js';
import { markExpired } from '../connections/expiry.js';
import { createProviderSession } from '../connections/provider-session.js';
import { getLedgerConnection } from '../connections/store.js';
import type { ConnectionsTable } from '../db/schema.js';
import type { JobContext, JobHandler } from '../jobs/runner.js';
import type { ApprovalmaxAdapter, ApprovalStatus } from '../providers/approvalmax/index.js';
import { ProviderError } from '../providers/errors.js';
import type { ProviderId } from '../../shared/catalogue.js';
import { approvalItemTypes, approvalLedgers } from './beside.js';

export const APPROVALS_JOB = 'refresh_approvals';

/** While something awaits a decision. */
export const OPEN_INTERVAL_MS = 15 * 60_000;
/** Nothing open: look for newly published bills about as often as ApprovalMax pulls them. */
export const IDLE_INTERVAL_MS = 60 * 60_000;
/** Items one `approvalStatuses` call settles. */
const BATCH = 25;
/** Bounds one run; the rest waits for the next. */
const MAX_ITEMS_PER_RUN = 2_000;
/** A bill ApprovalMax has not pulled this long after publishing is no longer asked about. */
const GIVE_UP_MS = 30 * 86_400_000;
/** Finished runs are kept a day (the job re-schedules itself, so rows would pile up). */
const KEEP_FINISHED_MS = 86_400_000;

interface Checkpoint {
  /** Items are read in id order; the last one done. */
  after: string;
}

export interface ApprovalsProgress {
  checked: number;
  awaiting: number;
  approved: number;
  rejected: number;
  notFound: number;
}

type Row = { id: string; business_id: string; document_id: string | null; number: string | null; published_at: number | null; previous: string | null };

/** Published bills ApprovalMax may have a decision on that is not final yet, after `after` in id order. */
function openItems(deps: AppDeps, ledger: ConnectionsTable, after: string, limit: number): Promise<Row[]> {
  const rule = approvalLedgers[ledger.provider as ProviderId]!;
  const cutoff = deps.clock.now().getTime() - GIVE_UP_MS;
  return deps.db
    .selectFrom('items')
    .leftJoin('item_approvals', 'item_approvals.item_id', 'items.id')
    .select(['items.id', 'items.business_id', 'items.document_id', 'items.number', 'items.published_at', 'item_approvals.state as previous'])
    .where('items.business_id', '=', ledger.business_id)
    .where('items.connection_id', '=', ledger.id)
    .where('items.state', '=', 'published')
    .where('items.document_id', 'is not', null)
    .where('items.type', 'in', [...approvalItemTypes])
    .where('items.destination', 'in', [...rule.destinations])
    .$if(rule.status !== null, (q) => q.where('items.status', '=', rule.status!))
    .where((eb) =>
      eb.or([
        eb('item_approvals.state', '=', 'awaiting_approval'),
        eb.and([eb.or([eb('item_approvals.state', 'is', null), eb('item_approvals.state', '=', 'not_found')]), eb('items.published_at', '>=', cutoff)]),
      ]),
    )
    .where('items.id', '>', after)
    .orderBy('items.id')
    .limit(limit)
    .execute();
}

async function store(deps: AppDeps, approvalConnectionId: string, row: Row, status: ApprovalStatus): Promise<void> {
  const now = deps.clock.now().getTime();
  const values = {
    connection_id: approvalConnectionId,
    provider: 'approvalmax',
    state: status.state,
    request_status: status.requestStatus ?? null,
    request_id: status.requestId ?? null,
    decided_by: status.decidedBy ?? null,
    decided_at: status.decidedAt ?? null,
    comment: status.comment ?? null,
    checked_at: now,
  };
  await deps.db
    .insertInto('item_approvals')
    .values({ item_id: row.id, business_id: row.business_id, ...values })
    .onConflict((oc) => oc.column('item_id').doUpdateSet(values))
    .execute();
  if (status.state !== row.previous && (status.state === 'approved' || status.state === 'rejected')) {
    await audit(deps.db, {
      businessId: row.business_id,
      userId: null,
      action: `item.${status.state}`,
      detail: { itemId: row.id, provider: 'approvalmax', requestId: status.requestId, decidedBy: status.decidedBy, decidedAt: status.decidedAt },
      at: now,
    });
  }
}

/** Makes sure the next run is queued (one queued run per connection), and drops old finished ones. */
export async function scheduleApprovals(deps: AppDeps, connection: Pick<ConnectionsTable, 'id' | 'business_id'>, delayMs: number): Promise<string> {
  const now = deps.clock.now().getTime();
  await deps.db
    .deleteFrom('jobs')
    .where('kind', '=', APPROVALS_JOB)
    .where('connection_id', '=', connection.id)
    .where('status', 'in', ['done', 'failed'])
    .where('finished_at', '<', now - KEEP_FINISHED_MS)
    .execute();
  const waiting = await deps.db
    .selectFrom('jobs')
    .select(['id', 'run_after'])
    .where('kind', '=', APPROVALS_JOB)
    .where('connection_id', '=', connection.id)
    .where('status', '=', 'queued')
    .orderBy('run_after')
    .executeTakeFirst();
  if (!waiting) return deps.jobs.enqueue(APPROVALS_JOB, { businessId: connection.business_id, connectionId: connection.id, runAfter: now + delayMs });
  // Asked for sooner than planned (on demand): bring the waiting run forward.
  if (waiting.run_after > now + delayMs) {
    await deps.db.updateTable('jobs').set({ run_after: now + delayMs, updated_at: now }).where('id', '=', waiting.id).where('status', '=', 'queued').execute();
  }
  return waiting.id;
}

export function approvalsJobHandler(deps: AppDeps): JobHandler<unknown, Checkpoint, ApprovalsProgress> {
  const activeConnection = async (id: string | null) => {
    const row = id ? await deps.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    return row && row.status === 'active' && row.provider === 'approvalmax' ? row : undefined;
  };
  return {
    kind: APPROVALS_JOB,
    maxAttempts: 6,
    async run(job: JobContext<unknown, Checkpoint, ApprovalsProgress>) {
      const progress: ApprovalsProgress = { checked: 0, awaiting: 0, approved: 0, rejected: 0, notFound: 0, ...job.progress };
      // Disconnected, replaced or expired: nothing to read; Finish (connect or reconnect) wakes it again.
      const connection = await activeConnection(job.connectionId);
      if (!connection) return progress;
      const ledger = await getLedgerConnection(deps.db, connection.business_id);
      let open = false;
      if (ledger && approvalLedgers[ledger.provider as ProviderId]) {
        const adapter = deps.providers.adapter('approvalmax') as ApprovalmaxAdapter;
        const session = createProviderSession(
          { db: deps.db, secrets: deps.secrets, now: () => deps.clock.now() },
          adapter,
          { id: connection.id, organisationId: connection.organisation_id },
          job.signal,
        );
        let after = job.checkpoint?.after ?? '';
        while (progress.checked < MAX_ITEMS_PER_RUN) {
          const rows = await openItems(deps, ledger, after, BATCH);
          if (rows.length === 0) break;
          let statuses: ApprovalStatus[];
          try {
            statuses = await adapter.approvalStatuses(
              session,
              rows.map((r) => ({
                ledgerDocumentId: r.document_id!,
                ...(r.number ? { documentNumber: r.number } : {}),
                ...(r.published_at ? { since: new Date(r.published_at) } : {}),
              })),
            );
          } catch (error) {
            if (error instanceof ProviderError && error.kind === 'expired') {
              await markExpired({ db: deps.db, now: () => deps.clock.now() }, connection.id, error.message);
            }
            throw error;
          }
          for (const [i, row] of rows.entries()) {
            const status = statuses[i] ?? { state: 'not_found' as const };
            await store(deps, connection.id, row, status);
            progress.checked++;
            if (status.state === 'awaiting_approval') progress.awaiting++;
            else if (status.state === 'approved') progress.approved++;
            else if (status.state === 'rejected') progress.rejected++;
            else progress.notFound++;
            if (status.state === 'awaiting_approval' || status.state === 'not_found') open = true;
          }
          after = rows.at(-1)!.id;
          await job.save({ checkpoint: { after }, progress });
        }
        if (progress.checked >= MAX_ITEMS_PER_RUN) open = true;
      }
      await scheduleApprovals(deps, connection, open ? OPEN_INTERVAL_MS : IDLE_INTERVAL_MS);
      return progress;
    },
    async onFailed(job) {
      // Retries used up, or ApprovalMax refused (e.g. the organisation left the Premium plan):
      // the failure is on the job; try again at the idle pace while the connection is active.
      const connection = await activeConnection(job.connectionId);
      if (connection) await scheduleApprovals(deps, connection, IDLE_INTERVAL_MS);
    },
  };
}
