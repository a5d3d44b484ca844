/**
 * Durable jobs: imports, refreshes and publishing run here, not in request handlers.
 *
 * A job is a row. A worker claims it with a lease (`locked_until`) and renews the lease each
 * time it saves a checkpoint; if the process dies, the lease runs out and any worker (this
 * process after a restart, or another) claims it again and resumes from the last checkpoint.
 * Transient provider failures put the job back in the queue with a delay (Retry-After when the
 * provider gave one); anything else fails it with a message a user can read.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { ProviderError } from '../providers/errors.js';

export interface JobContext<Input = unknown, Checkpoint = unknown, Progress = unknown> {
  id: string;
  businessId: string;
  connectionId: string | null;
  input: Input;
  attempts: number;
  /** The last saved checkpoint, or null on a first run. */
  checkpoint: Checkpoint | null;
  progress: Progress | null;
  /** Saves progress and checkpoint together and renews the lease. */
  save(update: { checkpoint?: Checkpoint | null; progress?: Progress }): Promise<void>;
  /**
   * This run got something done (e.g. an item published): the attempts start over from this
   * run, so a long job that keeps moving survives any number of transient faults, rate limits
   * and crashes; only runs in a row that achieve nothing use up `maxAttempts`.
   */
  progressed(): Promise<void>;
  signal: AbortSignal;
}

export interface JobHandler<Input = any, Checkpoint = any, Progress = any> {
  kind: string;
  run(job: JobContext<Input, Checkpoint, Progress>): Promise<Progress | void>;
  /** Called once when the job fails for good (e.g. to mark items). */
  onFailed?(job: JobContext<Input, Checkpoint, Progress>, error: Error): Promise<void>;
  maxAttempts?: number;
}

export interface JobView {
  id: string;
  kind: string;
  status: JobsTable['status'];
  progress: unknown;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export class JobFailure extends Error {
  constructor(message: string, readonly code = 'job_failed') {
    super(message);
  }
}

const LEASE_MS = 30_000;

export interface JobRunnerOptions {
  db: Db;
  now: () => Date;
  logger: Logger;
  handlers: JobHandler[];
  concurrency?: number;
  pollMs?: number;
  /** How long a silent worker keeps a job before another may take it (default 30 s). */
  leaseMs?: number;
  /** Back-off for transient failures: attempt → ms. */
  backoff?: (attempt: number) => number;
}

export class JobRunner {
  readonly workerId = randomUUID();
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private wake: (() => void) | undefined;

  private readonly leaseMs: number;

  constructor(private readonly options: JobRunnerOptions) {
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    for (const h of options.handlers) this.handlers.set(h.kind, h);
  }

  register(handler: JobHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  async enqueue(kind: string, job: { businessId: string; connectionId?: string | null; input?: unknown; createdBy?: string | null; runAfter?: number }): Promise<string> {
    const id = randomUUID();
    const now = this.options.now().getTime();
    await this.options.db
      .insertInto('jobs')
      .values({
        id,
        kind,
        business_id: job.businessId,
        connection_id: job.connectionId ?? null,
        status: 'queued',
        input: JSON.stringify(job.input ?? {}),
        progress: '{}',
        checkpoint: null,
        attempts: 0,
        error: null,
        run_after: job.runAfter ?? now,
        locked_by: null,
        locked_until: null,
        created_by: job.createdBy ?? null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .execute();
    this.wake?.();
    return id;
  }

  async get(id: string): Promise<JobView | undefined> {
    const row = await this.options.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && view(row);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  /** Stops taking work, aborts running jobs at their next checkpoint and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.running.values()) r.controller.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Runs jobs until none is ready (tests, the admin command). */
  async runUntilIdle(limit = 10_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      const row = await this.claim();
      if (!row) {
        if (this.running.size === 0) return;
        await Promise.race([...this.running.values()].map((r) => r.done));
        continue;
      }
      await this.execute(row);
    }
  }

  get isRunning(): boolean {
    return !this.stopped;
  }

  get activeCount(): number {
    return this.running.size;
  }

  private async loop(): Promise<void> {
    const concurrency = this.options.concurrency ?? 4;
    while (!this.stopped) {
      let claimed = false;
      if (this.running.size < concurrency) {
        try {
          const row = await this.claim();
          if (row) {
            claimed = true;
            const controller = new AbortController();
            const done = this.execute(row, controller).finally(() => {
              this.running.delete(row.id);
              this.wake?.();
            });
            this.running.set(row.id, { controller, done });
          }
        } catch (error) {
          this.options.logger.error({ err: error }, 'job claim failed');
        }
      }
      if (!claimed) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, this.options.pollMs ?? 250);
        });
        this.wake = undefined;
      }
    }
  }

  private async claim(): Promise<JobsTable | undefined> {
    const now = this.options.now().getTime();
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return undefined;
    const excluded = [...this.running.keys()];
    // One statement: safe against another process claiming the same row.
    return this.options.db
      .updateTable('jobs')
      .set({
        status: 'running',
        locked_by: this.workerId,
        locked_until: now + this.leaseMs,
        attempts: sql`attempts + 1`,
        updated_at: now,
      })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('kind', 'in', kinds)
          .where((w) =>
            w.or([
              w.and([w('status', '=', 'queued'), w('run_after', '<=', now)]),
              w.and([w('status', '=', 'running'), w('locked_until', '<', now)]),
            ]),
          )
          .$if(excluded.length > 0, (q) => q.where('id', 'not in', excluded))
          // One job of a kind per connection at a time. After a crash the taken-over publishing
          // job and the one queued behind it would otherwise run side by side, and with every
          // publish request adding another they fill all the slots: imports then starve.
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('jobs as other')
                  .select('other.id')
                  .whereRef('other.connection_id', '=', 'jobs.connection_id')
                  .whereRef('other.kind', '=', 'jobs.kind')
                  .whereRef('other.id', '!=', 'jobs.id')
                  .where('other.status', '=', 'running')
                  .where('other.locked_until', '>=', now),
              ),
            ),
          )
          .orderBy('run_after')
          .orderBy('created_at')
          .limit(1),
      )
      .returningAll()
      .executeTakeFirst();
  }

  private async execute(row: JobsTable, controller = new AbortController()): Promise<void> {
    const { db, now, logger } = this.options;
    const handler = this.handlers.get(row.kind)!;
    let checkpoint = row.checkpoint ? JSON.parse(row.checkpoint) : null;
    let progress = JSON.parse(row.progress);
    const owned = (q: any) => q.where('id', '=', row.id).where('locked_by', '=', this.workerId);
    let attempts = row.attempts;
    const claimedCheckpoint = row.checkpoint ?? 'null';
    const ctx: JobContext = {
      id: row.id,
      businessId: row.business_id,
      connectionId: row.connection_id,
      input: JSON.parse(row.input),
      attempts: row.attempts,
      checkpoint,
      progress,
      signal: controller.signal,
      save: async (update) => {
        if (update.checkpoint !== undefined) checkpoint = update.checkpoint;
        if (update.progress !== undefined) progress = update.progress;
        const t = now().getTime();
        const saved = checkpoint === null ? null : JSON.stringify(checkpoint);
        // A checkpoint past the one this run started from is progress (see `progressed`).
        const moved = attempts !== 1 && (saved ?? 'null') !== claimedCheckpoint;
        if (moved) attempts = 1;
        const result = await owned(
          db.updateTable('jobs').set({
            checkpoint: saved,
            progress: JSON.stringify(progress),
            locked_until: t + this.leaseMs,
            updated_at: t,
            ...(moved ? { attempts: 1 } : {}),
          }),
        ).executeTakeFirst();
        // Our lease was taken over (we stalled past it): stop, the other worker carries on.
        if (Number(result.numUpdatedRows) !== 1) throw new LeaseLost();
      },
      progressed: async () => {
        if (attempts === 1) return;
        attempts = 1;
        // Written now, so that a crash later in this run does not count against the job either.
        await owned(db.updateTable('jobs').set({ attempts: 1 })).execute();
      },
    };
    // Keep the lease while the job works (a slow provider call can outlast it); it lapses only
    // when this process stops beating, which is what lets another worker take over a crash.
    const heartbeat = setInterval(() => {
      void owned(db.updateTable('jobs').set({ locked_until: now().getTime() + this.leaseMs }))
        .execute()
        .catch(() => undefined);
    }, Math.max(250, Math.floor(this.leaseMs / 3)));
    heartbeat.unref();
    try {
      const final = await handler.run(ctx);
      clearInterval(heartbeat);
      const t = now().getTime();
      await owned(
        db.updateTable('jobs').set({
          status: 'done',
          progress: JSON.stringify(final ?? progress),
          locked_by: null,
          locked_until: null,
          error: null,
          updated_at: t,
          finished_at: t,
        }),
      ).execute();
    } catch (error) {
      clearInterval(heartbeat);
      if (error instanceof LeaseLost) return;
      const t = now().getTime();
      if (controller.signal.aborted) {
        // Shutting down: leave it for the next start, resuming from its checkpoint.
        await owned(db.updateTable('jobs').set({ status: 'queued', locked_by: null, locked_until: null, attempts: sql`attempts - 1`, updated_at: t })).execute();
        return;
      }
      const err = error instanceof Error ? error : new Error(String(error));
      const retryable = err instanceof ProviderError && (err.kind === 'transient' || err.kind === 'rate_limited');
      // "Slow down" is not a failure: the provider said when to come back, so it costs no attempt.
      const rateLimited = err instanceof ProviderError && err.kind === 'rate_limited';
      const max = handler.maxAttempts ?? 8;
      if (retryable && (rateLimited || attempts < max)) {
        const delay = (err as ProviderError).retryAfterMs ?? (this.options.backoff ?? defaultBackoff)(attempts);
        await owned(
          db.updateTable('jobs').set({
            status: 'queued',
            run_after: t + delay,
            locked_by: null,
            locked_until: null,
            error: err.message,
            updated_at: t,
            ...(rateLimited ? { attempts: sql`max(attempts - 1, 0)` } : {}),
          }),
        ).execute();
        logger.warn({ jobId: row.id, kind: row.kind, attempt: attempts, delay, reason: err.message }, 'job will retry');
        return;
      }
      await owned(
        db.updateTable('jobs').set({ status: 'failed', error: err.message, locked_by: null, locked_until: null, updated_at: t, finished_at: t }),
      ).execute();
      if (!(err instanceof ProviderError) && !(err instanceof JobFailure)) logger.error({ err, jobId: row.id, kind: row.kind }, 'job failed');
      await handler.onFailed?.(ctx, err).catch((e: unknown) => logger.error({ err: e, jobId: row.id }, 'job onFailed hook failed'));
    }
  }
}

class LeaseLost extends Error {}

export function defaultBackoff(attempt: number): number {
  // 1 s, 2 s, 4 s ... capped at 5 minutes, with jitter so retries do not line up.
  const base = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export function view(row: JobsTable): JobView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    progress: JSON.parse(row.progress),
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
