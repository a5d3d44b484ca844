/**
 * Import and refresh of the ledger's lists (seed 001 "Before you start"; seed 004 "Refreshing
 * ... No data will be lost"). One durable job per run: lists in catalogue order, page by page,
 * a checkpoint after every page, so a crash resumes where it stopped and memory stays flat.
 *
 * Refresh is incremental for the lists the provider can filter by "changed since"; the others
 * get a full pass, after which entries that were not seen are archived (never deleted), so rules
 * that point at them can be flagged.
 */
import type { AppDeps } from '../app.js';
import type { ConnectionsTable } from '../db/schema.js';
import type { JobContext, JobHandler } from '../jobs/runner.js';
import { ProviderError } from '../providers/errors.js';
import type { ListEntry } from '../providers/types.js';
import { catalogue, type ListKind, type ProviderId } from '../../shared/catalogue.js';
import { createProviderSession } from './provider-session.js';
import { markExpired } from './expiry.js';

export const IMPORT_JOB = 'import_lists';
const UPSERT_CHUNK = 500;

export interface ImportInput {
  mode: 'full' | 'refresh';
  /** Only these lists (e.g. one list after a "not found" publish error); default all. */
  kinds?: ListKind[];
}

export interface ListProgress {
  status: 'pending' | 'running' | 'done';
  done: number;
  total: number | null;
  archived: number;
  incremental: boolean;
}

export interface ImportProgress {
  mode: 'full' | 'refresh';
  lists: Partial<Record<ListKind, ListProgress>>;
}

interface ImportCheckpoint {
  /** When the run started: the next refresh asks for changes since then. */
  startedAt: number;
  kind: ListKind | null;
  cursor: string | null;
}

export async function enqueueImport(
  deps: AppDeps,
  connection: Pick<ConnectionsTable, 'id' | 'business_id' | 'provider'>,
  options: { mode: 'full' | 'refresh'; kinds?: ListKind[]; createdBy?: string | null },
): Promise<string> {
  // One import at a time per connection: a second request joins the one already queued/running.
  const running = await deps.db
    .selectFrom('jobs')
    .select('id')
    .where('connection_id', '=', connection.id)
    .where('kind', '=', IMPORT_JOB)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (running && !options.kinds) return running.id;
  const input: ImportInput = { mode: options.mode, ...(options.kinds ? { kinds: options.kinds } : {}) };
  return deps.jobs.enqueue(IMPORT_JOB, { businessId: connection.business_id, connectionId: connection.id, input, createdBy: options.createdBy });
}

/** Re-import one list now (publishing calls this after a "not found / archived" answer). */
export async function refreshList(deps: AppDeps, connectionId: string, kind: ListKind): Promise<void> {
  const connection = await deps.db.selectFrom('connections').selectAll().where('id', '=', connectionId).executeTakeFirstOrThrow();
  const progress: ImportProgress = { mode: 'refresh', lists: {} };
  await importLists(deps, connection, { mode: 'refresh', kinds: [kind] }, { jobId: `inline-${Date.now()}`, checkpoint: null, save: async (u) => void Object.assign(progress, u.progress ?? {}) });
}

export function importJobHandler(deps: AppDeps): JobHandler<ImportInput, ImportCheckpoint, ImportProgress> {
  return {
    kind: IMPORT_JOB,
    async run(job: JobContext<ImportInput, ImportCheckpoint, ImportProgress>) {
      const connection = await deps.db.selectFrom('connections').selectAll().where('id', '=', job.connectionId!).executeTakeFirst();
      if (!connection || connection.status !== 'active') return job.progress ?? undefined;
      return importLists(deps, connection, job.input, { jobId: job.id, checkpoint: job.checkpoint, save: job.save, signal: job.signal, progress: job.progress });
    },
  };
}

async function importLists(
  deps: AppDeps,
  connection: ConnectionsTable,
  input: ImportInput,
  job: {
    jobId: string;
    checkpoint: ImportCheckpoint | null;
    progress?: ImportProgress | null;
    save: (u: { checkpoint?: ImportCheckpoint | null; progress?: ImportProgress }) => Promise<void>;
    signal?: AbortSignal;
  },
): Promise<ImportProgress> {
  const provider = connection.provider as ProviderId;
  const entry = catalogue[provider];
  const adapter = deps.providers.adapter(provider);
  const session = createProviderSession({ db: deps.db, secrets: deps.secrets, now: () => deps.clock.now() }, adapter, { id: connection.id, organisationId: connection.organisation_id }, job.signal);
  const kinds = entry.lists.filter((k) => !input.kinds || input.kinds.includes(k));
  const checkpoint: ImportCheckpoint = job.checkpoint ?? { startedAt: deps.clock.now().getTime(), kind: null, cursor: null };
  const since = input.mode === 'refresh' && connection.last_refresh_at ? new Date(connection.last_refresh_at) : undefined;

  const progress: ImportProgress =
    job.progress && Object.keys(job.progress.lists ?? {}).length > 0
      ? job.progress
      : {
          mode: input.mode,
          lists: Object.fromEntries(
            kinds.map((k) => [k, { status: 'pending', done: 0, total: null, archived: 0, incremental: Boolean(since && entry.incrementalLists.includes(k)) }]),
          ),
        };
  await job.save({ progress, checkpoint });

  let resumeFrom = checkpoint.kind ? kinds.indexOf(checkpoint.kind) : 0;
  if (resumeFrom < 0) resumeFrom = 0;
  try {
    for (let i = resumeFrom; i < kinds.length; i++) {
      const kind = kinds[i]!;
      const incremental = Boolean(since && entry.incrementalLists.includes(kind));
      const state = progress.lists[kind]!;
      state.status = 'running';
      let cursor = checkpoint.kind === kind ? checkpoint.cursor : null;
      for await (const page of adapter.importList(session, kind, { checkpoint: cursor, changedSince: incremental ? since : undefined })) {
        job.signal?.throwIfAborted();
        const now = deps.clock.now().getTime();
        await deps.db.transaction().execute(async (trx) => {
          // In chunks: SQLite caps the variables of one statement (13 per row here), and a
          // provider page can hold thousands of entries (Xero's unpaged chart of accounts).
          for (let from = 0; from < page.entries.length; from += UPSERT_CHUNK) {
            await trx
              .insertInto('list_entries')
              .values(page.entries.slice(from, from + UPSERT_CHUNK).map((e) => row(connection.id, kind, e, job.jobId, now)))
              .onConflict((oc) =>
                oc.columns(['connection_id', 'kind', 'external_id']).doUpdateSet((eb) => ({
                  code: eb.ref('excluded.code'),
                  name: eb.ref('excluded.name'),
                  status: eb.ref('excluded.status'),
                  type: eb.ref('excluded.type'),
                  tax_rate: eb.ref('excluded.tax_rate'),
                  currency: eb.ref('excluded.currency'),
                  extra: eb.ref('excluded.extra'),
                  archived_reason: eb.ref('excluded.archived_reason'),
                  seen_by_job: eb.ref('excluded.seen_by_job'),
                  updated_at: eb.ref('excluded.updated_at'),
                })),
              )
              .execute();
          }
          if (page.deleted?.length) {
            const r = await trx
              .updateTable('list_entries')
              .set({ status: 'archived', archived_reason: 'upstream_deleted', updated_at: now })
              .where('connection_id', '=', connection.id)
              .where('kind', '=', kind)
              .where('external_id', 'in', page.deleted)
              .where('status', '=', 'active')
              .executeTakeFirst();
            state.archived += Number(r.numUpdatedRows);
          }
        });
        state.done += page.entries.length;
        if (page.total !== undefined) state.total = page.total;
        cursor = page.checkpoint;
        checkpoint.kind = kind;
        checkpoint.cursor = cursor;
        await job.save({ checkpoint, progress });
      }
      if (!incremental) {
        // A full pass saw everything upstream has: what it did not see has gone upstream.
        const r = await deps.db
          .updateTable('list_entries')
          .set({ status: 'archived', archived_reason: 'upstream_deleted', updated_at: deps.clock.now().getTime() })
          .where('connection_id', '=', connection.id)
          .where('kind', '=', kind)
          .where('status', '=', 'active')
          .where((eb) => eb.or([eb('seen_by_job', 'is', null), eb('seen_by_job', '!=', job.jobId)]))
          .executeTakeFirst();
        state.archived += Number(r.numUpdatedRows);
      }
      state.status = 'done';
      // A finished list has exactly what was read: the provider's count is an estimate (QuickBooks
      // counts projects among customers, Xero gives none), and "95 of 98, done" reads as a loss.
      state.total = state.done;
      checkpoint.kind = kinds[i + 1] ?? null;
      checkpoint.cursor = null;
      await job.save({ checkpoint, progress });
    }
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'expired') {
      await markExpired({ db: deps.db, now: () => deps.clock.now() }, connection.id, error.message);
    }
    throw error;
  }
  if (!input.kinds) {
    await deps.db
      .updateTable('connections')
      .set({ last_refresh_at: checkpoint.startedAt, updated_at: deps.clock.now().getTime() })
      .where('id', '=', connection.id)
      .execute();
  }
  return progress;
}

function row(connectionId: string, kind: ListKind, e: ListEntry, jobId: string, now: number) {
  return {
    connection_id: connectionId,
    kind,
    external_id: e.externalId,
    code: e.code ?? null,
    name: e.name,
    status: e.status,
    type: e.type ?? null,
    tax_rate: e.taxRate ?? null,
    currency: e.currency ?? null,
    extra: e.extra ? JSON.stringify(e.extra) : null,
    archived_reason: e.status === 'archived' ? 'upstream_archived' : null,
    seen_by_job: jobId,
    updated_at: now,
  };
}

