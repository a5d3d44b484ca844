/**
 * The publishing job: one per connection at a time, sending its queued items in batches of the
 * provider's batch size, as many at once as the provider takes (its per-minute limit is kept by
 * the provider registry, for every call).
 *
 * Exactly once, in effect:
 * - every item has one idempotency key for life (`items.idempotency_key`);
 * - an attempt row (`publish_attempts`, status `started`, with the exact document) is committed
 *   BEFORE the provider is called, in the same transaction that moves the item to `publishing`;
 * - the answer is recorded afterwards: `succeeded` (the document exists), `failed` (the
 *   provider refused it: nothing was created), or `unknown` (timeout, 5xx, crash);
 * - an attempt left `started` or `unknown` is never blindly resent: it is resolved first by
 *   looking the document up (`findPublished`), and where the provider has idempotency (Xero's
 *   Idempotency-Key, QuickBooks' requestid) by replaying the very same request with the same key;
 * - only one job touches an attempt: another job takes it over only when its owner is no
 *   longer running (crashed: its lease ran out).
 */
import PQueue from 'p-queue';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app.js';
import type { ConnectionsTable, ItemsTable, PublishAttemptsTable } from '../db/schema.js';
import type { JobContext, JobHandler } from '../jobs/runner.js';
import { catalogue, type ItemType, type ProviderEntry, type ProviderId } from '../../shared/catalogue.js';
import type { PublishError } from '../../shared/items.js';
import { ProviderError } from '../providers/errors.js';
import type { PublishDocument, PublishOutcome, PublishResult, ProviderAdapter, ProviderSession } from '../providers/types.js';
import { createProviderSession } from '../connections/provider-session.js';
import { markExpired } from '../connections/expiry.js';
import { refreshList } from '../connections/import-lists.js';
import { evaluate, evaluateMany, loadLedger, type Ledger } from '../items/evaluate.js';
import { loadSnapshot } from '../items/lists.js';
import { contentColumns, toModel, type ItemModel } from '../items/model.js';
import { itemRefs } from '../items/evaluate.js';
import { buildDocument, providerKey } from './document.js';
import { documentLabel, publishError, reconnectMessage } from './messages.js';
import { PUBLISH_JOB } from './outbox.js';
import { moveToPublishing, recordPublished, recordStarted, type StartedAttempt } from './records.js';
import { compiledOnce } from '../db/compiled.js';

// An item whose content the check rewrote moves with its content, one by one (compiled once, see
// db/compiled.ts); the others move, and are recorded published, a batch per statement (records.ts).
type Bookkeeping = { attemptId: string; attempts: number; now: number; id: string };
const toPublishingWith = compiledOnce(
  (db, { attemptId, attempts, now, id, ...content }: ReturnType<typeof contentColumns> & Bookkeeping) =>
    db.updateTable('items').set({ ...content, state: 'publishing', last_attempt_id: attemptId, attempt_count: attempts, updated_at: now }).where('id', '=', id).where('state', '=', 'queued'),
);

/** Test hooks: e.g. stop the world between the provider's answer and recording it (a crash). */
export interface PublishingHooks {
  /** After "attempt started" is committed, before the provider is called. */
  beforeSend?(documents: PublishDocument[]): Promise<void>;
  /** After the provider answered, before the answer is recorded. */
  afterSend?(documents: PublishDocument[]): Promise<void>;
}

/**
 * Per-process publishing state: one queue per connection, shared by all its jobs, holding as many
 * batches in flight as the provider takes calls at once. Calls per minute are the provider
 * registry's to keep (server/providers/registry.ts): it sees every call to the organisation,
 * lookups included, on the same rolling window.
 */
export class Publisher {
  private readonly limiters = new Map<string, PQueue>();
  hooks: PublishingHooks = {};

  limiter(connectionId: string, entry: ProviderEntry): PQueue {
    let queue = this.limiters.get(connectionId);
    if (!queue) {
      queue = new PQueue({ concurrency: entry.rateLimit.concurrent });
      this.limiters.set(connectionId, queue);
    }
    return queue;
  }
}

/** The fields `contentColumns` stores (drain.test.ts checks that they cover every column it writes). */
export const contentFields = [
  'contactName', 'contactId', 'date', 'dueDate', 'number', 'reference', 'currency', 'currencyRate', 'taxMode', 'lines', 'total',
  'totalTax', 'paid', 'paymentDate', 'paymentAccount', 'destination', 'status', 'description', 'sources', 'issues', 'autoPublish',
] as const satisfies readonly (keyof ItemModel)[];

/**
 * Whether the check changed what an item says (a rule or default applied since it was queued),
 * compared field by field with the model read from its row: its columns are then written again.
 * (Serialising every item's content to compare the text cost more than the rest of the claim.)
 */
export function contentChanged(before: ItemModel, after: ItemModel): boolean {
  for (const field of contentFields) if (!sameJson(before[field], after[field])) return true;
  return false;
}

/** Equal as JSON values (what the columns hold): same scalars, arrays and plain objects. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    n++;
    if (!sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) n--;
  return n === 0;
}

const MAX_PASSES = 20;
/** Items read from the queue at a time. */
const PAGE = 500;
/** Batches claimed (attempts committed) and waiting for a slot in the limiter, at most. */
const LOOKAHEAD = 1;
const HEARTBEAT_MS = 10_000;

export function publishJobHandler(deps: AppDeps, publisher: Publisher): JobHandler {
  return {
    kind: PUBLISH_JOB,
    maxAttempts: 10,
    async run(job) {
      // Waiting for the rate limiter can outlast the lease: keep it while we work.
      let lost = false;
      const beat = setInterval(() => void job.save({}).catch(() => (lost = true)), HEARTBEAT_MS);
      beat.unref();
      try {
        await new Drain(deps, publisher, job, () => lost).run();
      } finally {
        clearInterval(beat);
      }
    },
    async onFailed(job, error) {
      // Retries are used up (or something unexpected broke): tell the user on each item. An
      // attempt whose outcome is unknown stays so, and is looked up before any resend.
      if (!job.connectionId) return;
      // Only the worker whose job it still was: a stalled worker whose job was taken over
      // (and may since have published everything) must not touch the items.
      const mine = await deps.db.selectFrom('jobs').select('status').where('id', '=', job.id).executeTakeFirst();
      if (mine?.status !== 'failed') return;
      const connection = await deps.db.selectFrom('connections').selectAll().where('id', '=', job.connectionId).executeTakeFirst();
      const entry = connection ? catalogue[connection.provider as ProviderId] : undefined;
      if (!connection || !entry) return;
      const rows = await deps.db
        .selectFrom('items')
        .selectAll()
        .where('connection_id', '=', connection.id)
        .where('state', 'in', ['queued', 'publishing'])
        .execute();
      for (const row of rows) {
        const err = publishError(error, { entry, item: toModel(row), at: deps.clock.now() });
        await deps.db
          .updateTable('items')
          .set({ state: 'failed', error: JSON.stringify(err), updated_at: deps.clock.now().getTime() })
          .where('id', '=', row.id)
          .where('state', '=', row.state)
          .execute();
      }
    },
  };
}

interface Claimed {
  row: ItemsTable;
  attemptId: string;
  document: PublishDocument;
}

class Drain {
  private connection!: ConnectionsTable;
  private entry!: ProviderEntry;
  private adapter!: ProviderAdapter;
  private session!: ProviderSession;
  private limiter!: PQueue;
  /** Where items of each type publish (the ledger, or a connection beside it such as Bill.com). */
  private readonly ledgers = new Map<ItemType, Promise<Ledger | null>>();
  /** Set when the connection turned out expired: hold everything. */
  private expired = false;
  /** Set on a transient failure or 429: stop and let the job runner retry after this long. */
  private retry: ProviderError | null = null;
  private unexpected: unknown = null;
  /** Claimed batches waiting for the limiter, and who waits for one of them to start. */
  private waiting = 0;
  private readonly slotTaken: (() => void)[] = [];

  constructor(
    private readonly deps: AppDeps,
    private readonly publisher: Publisher,
    private readonly job: JobContext,
    private readonly leaseLost: () => boolean,
  ) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private get stopped(): boolean {
    return this.expired || this.retry !== null || this.unexpected !== null || this.leaseLost() || this.job.signal.aborted;
  }

  async run(): Promise<void> {
    const { deps } = this;
    const connection = await deps.db.selectFrom('connections').selectAll().where('id', '=', this.job.connectionId!).executeTakeFirst();
    if (!connection) return;
    this.connection = connection;
    this.entry = catalogue[connection.provider as ProviderId];

    if (connection.status === 'replaced' || connection.status === 'disconnected') {
      await this.failAll({
        code: 'connection_gone',
        message: `This ${this.entry.name} connection was ${connection.status === 'replaced' ? 'replaced' : 'disconnected'}. Check the item against your current connection and publish it again.`,
        providerMessage: null,
        at: new Date(this.now()).toISOString(),
      });
      return;
    }
    if (connection.status === 'expired' || connection.expires_at <= this.now()) {
      if (connection.status === 'active') await markExpired({ db: deps.db, now: () => deps.clock.now() }, connection.id, 'The yearly authorisation has ended: reconnect to keep publishing.');
      await this.holdAll();
      return;
    }
    try {
      this.adapter = deps.providers.adapter(connection.provider as ProviderId);
    } catch (error) {
      await this.failAll({ code: 'provider_unavailable', message: error instanceof Error ? error.message : String(error), providerMessage: null, at: new Date(this.now()).toISOString() });
      return;
    }
    this.session = createProviderSession(
      { db: deps.db, secrets: deps.secrets, now: () => deps.clock.now() },
      this.adapter,
      { id: connection.id, organisationId: connection.organisation_id },
      this.job.signal,
    );
    this.limiter = this.publisher.limiter(connection.id, this.entry);

    for (let pass = 0; pass < MAX_PASSES && !this.stopped; pass++) {
      const progressed = await this.pass();
      if (!progressed) break;
    }
    if (!this.stopped) await this.attachments();

    if (this.expired) {
      await this.holdAll();
      return;
    }
    if (this.unexpected) throw this.unexpected;
    if (this.retry) throw this.retry;
  }

  /**
   * One pass over the queue: resolve unclear attempts, then send fresh items in batches. Fresh
   * items stream through page by page; each batch is checked and its attempts recorded while
   * earlier batches are in flight, so our own work overlaps the provider's.
   */
  private async pass(): Promise<boolean> {
    const { db } = this.deps;
    const rows = await db
      .selectFrom('items')
      .selectAll()
      .where('connection_id', '=', this.connection.id)
      .where('state', 'in', ['queued', 'publishing'])
      .orderBy('created_at')
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return false;

    const attemptIds = rows.map((r) => r.last_attempt_id).filter((id): id is string => id !== null);
    const attempts = new Map<string, PublishAttemptsTable>();
    for (let i = 0; i < attemptIds.length; i += PAGE) {
      const found = await db.selectFrom('publish_attempts').selectAll().where('id', 'in', attemptIds.slice(i, i + PAGE)).execute();
      for (const a of found) attempts.set(a.id, a);
    }
    const unresolved: { row: ItemsTable; attempt: PublishAttemptsTable }[] = [];
    const fresh: ItemsTable[] = [];
    for (const row of rows) {
      const attempt = row.last_attempt_id ? attempts.get(row.last_attempt_id) : undefined;
      if (attempt && (attempt.status === 'started' || attempt.status === 'unknown')) {
        if (await this.takeOver(attempt)) unresolved.push({ row, attempt });
      } else if (row.state === 'queued') {
        fresh.push(row);
      } else if (attempt?.status === 'succeeded' && attempt.result) {
        // A crash between recording the attempt and the item: finish what was recorded.
        await this.published([{ c: { row, attemptId: attempt.id, document: JSON.parse(attempt.document) as PublishDocument }, result: JSON.parse(attempt.result) as PublishResult }]);
      } else {
        // `publishing` with a refused attempt (crash before the item was updated): send again.
        await db.updateTable('items').set({ state: 'queued', updated_at: this.now() }).where('id', '=', row.id).where('state', '=', 'publishing').execute();
        fresh.push({ ...row, state: 'queued' });
      }
    }

    const work = unresolved.map((u) => this.limited(() => this.resolve(u.row, u.attempt)));
    let sent = 0;
    try {
      let page = fresh;
      let last = rows[rows.length - 1]!;
      let more = rows.length === PAGE;
      for (;;) {
        sent += await this.sendPage(page, work);
        if (!more || this.stopped) break;
        // The next page of queued items, after the last one seen (those before it are in hand).
        const next = await db
          .selectFrom('items')
          .selectAll()
          .where('connection_id', '=', this.connection.id)
          .where('state', '=', 'queued')
          .where((eb) => eb.or([eb('created_at', '>', last.created_at), eb.and([eb('created_at', '=', last.created_at), eb('id', '>', last.id)])]))
          .orderBy('created_at')
          .orderBy('id')
          .limit(PAGE)
          .execute();
        if (next.length === 0) break;
        page = next;
        last = next[next.length - 1]!;
        more = next.length === PAGE;
      }
    } finally {
      // Never leave with calls in flight: a retry of this job must not find their attempts
      // "started" and resolve them while the answers are still on their way.
      await Promise.all(work);
    }
    return unresolved.length + sent > 0;
  }

  /**
   * Batches of one destination each (one provider call shape), up to the provider's batch size.
   * Each batch is claimed (checked, attempts committed) before it waits for a slot in the
   * limiter; at most LOOKAHEAD claimed batches wait, so a stop leaves little to hand back.
   */
  private async sendPage(rows: ItemsTable[], work: Promise<void>[]): Promise<number> {
    const groups = new Map<string, ItemsTable[]>();
    for (const row of rows) {
      const key = `${row.type}:${row.destination}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push(row);
    }
    const size = Math.max(1, this.entry.capabilities.batchSize);
    let batches = 0;
    for (const group of groups.values()) {
      for (let i = 0; i < group.length && !this.stopped; i += size) {
        while (this.waiting >= LOOKAHEAD) await new Promise<void>((resolve) => this.slotTaken.push(resolve));
        if (this.stopped) break;
        let claimed: Claimed[];
        try {
          claimed = await this.claim(group.slice(i, i + size));
        } catch (error) {
          this.unexpected ??= error;
          break;
        }
        batches++;
        if (claimed.length === 0) continue;
        this.waiting++;
        work.push(
          this.limited(
            () => this.send(claimed),
            () => this.handBack(claimed),
            () => {
              this.waiting--;
              this.slotTaken.shift()?.();
            },
          ),
        );
      }
    }
    return batches;
  }

  private limited(task: () => Promise<void>, skipped?: () => Promise<void>, started?: () => void): Promise<void> {
    return this.limiter
      .add(async () => {
        started?.();
        if (this.stopped) {
          await skipped?.();
          return;
        }
        await task();
      })
      .catch((error: unknown) => {
        this.unexpected ??= error;
      });
  }

  /**
   * An attempt left `started`/`unknown` by this job's earlier run (a crash), or by a job that is
   * no longer running, becomes ours; one owned by a live job elsewhere is left alone.
   */
  private async takeOver(attempt: PublishAttemptsTable): Promise<boolean> {
    if (attempt.job_id === this.job.id) return true;
    if (attempt.job_id) {
      const owner = await this.deps.db.selectFrom('jobs').select(['status', 'locked_until']).where('id', '=', attempt.job_id).executeTakeFirst();
      if (owner && owner.status === 'running' && (owner.locked_until ?? 0) > this.now()) return false;
    }
    const r = await this.deps.db
      .updateTable('publish_attempts')
      .set({ job_id: this.job.id })
      .where('id', '=', attempt.id)
      .where((eb) => (attempt.job_id ? eb('job_id', '=', attempt.job_id) : eb('job_id', 'is', null)))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  private ledgerFor(type: ItemType): Promise<Ledger | null> {
    let ledger = this.ledgers.get(type);
    if (!ledger) this.ledgers.set(type, (ledger = loadLedger(this.deps.db, this.connection.business_id, type)));
    return ledger;
  }

  /**
   * Checks each item of a batch against the current lists, then records "attempt started" for
   * those that pass, all in one transaction, before any call. Returns the items to send.
   */
  private async claim(rows: ItemsTable[]): Promise<Claimed[]> {
    const { deps } = this;
    const elsewhere: ItemsTable[] = [];
    const attention: ItemModel[] = [];
    const ready: { row: ItemsTable; item: ItemModel; rewritten: boolean; document: PublishDocument }[] = [];
    // Rows of one type (one batch is one destination): one ledger, and one check for all of them.
    const byType = new Map<ItemType, ItemsTable[]>();
    for (const row of rows) (byType.get(row.type) ?? byType.set(row.type, []).get(row.type)!).push(row);
    for (const [type, ofType] of byType) {
      const ledger = await this.ledgerFor(type);
      if (this.stopped) return [];
      if (!ledger || ledger.connection.id !== this.connection.id) {
        elsewhere.push(...ofType);
        continue;
      }
      const models = ofType.map(toModel);
      const checked = await evaluateMany(deps.db, models, ledger);
      checked.forEach(({ item, lists }, i) => {
        const row = ofType[i]!;
        if (item.issues.length > 0) attention.push(item);
        else ready.push({ row, item, rewritten: contentChanged(models[i]!, item), document: buildDocument(item, lists, ledger, providerKey(row)) });
      });
    }
    // Let answers to the calls in flight be read before the batch is recorded.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.stopped) return [];
    const now = this.now();
    const claimed: Claimed[] = [];
    await deps.db.transaction().execute(async (trx) => {
      for (const row of elsewhere) {
        const error: PublishError = {
          code: 'connection_changed',
          message: `The business's ledger connection changed since this item was queued. Check it and publish again.`,
          providerMessage: null,
          at: new Date(now).toISOString(),
        };
        await trx.updateTable('items').set({ state: 'failed', error: JSON.stringify(error), updated_at: now }).where('id', '=', row.id).execute();
      }
      // Lists changed since it was queued: say what to fix; nothing is sent.
      for (const item of attention) {
        await trx
          .updateTable('items')
          .set({ ...contentColumns(item), state: 'needs_attention', updated_at: now })
          .where('id', '=', item.id)
          .where('state', '=', 'queued')
          .execute();
      }
      // The content is written only where the check changed it (a rule or default applied
      // since): those one by one; the others, nearly all, in one statement for the batch.
      const attempted = ready.map((r) => ({ ...r, attemptId: randomUUID() }));
      const moved = new Set<string>();
      const plain: typeof attempted = [];
      for (const a of attempted) {
        if (!a.rewritten) {
          plain.push(a);
          continue;
        }
        const content = contentColumns(a.item);
        const bookkeeping = { attemptId: a.attemptId, attempts: a.row.attempt_count + 1, now, id: a.row.id };
        if ((await toPublishingWith.run(trx, { ...content, ...bookkeeping })) === 1n) moved.add(a.row.id);
      }
      for (const id of await moveToPublishing(trx, plain.map((a) => ({ id: a.row.id, attemptId: a.attemptId })), now)) moved.add(id);
      const attempts: StartedAttempt[] = [];
      for (const { row, document, attemptId } of attempted) {
        if (!moved.has(row.id)) continue; // changed meanwhile (unqueued, edited)
        attempts.push({ id: attemptId, itemId: row.id, providerKey: document.idempotencyKey, document: JSON.stringify(document) });
        claimed.push({ row: { ...row, state: 'publishing', last_attempt_id: attemptId }, attemptId, document });
      }
      await recordStarted(trx, attempts, { connectionId: this.connection.id, jobId: this.job.id, now });
    });
    return claimed;
  }

  /**
   * Claimed, but the job stopped before the call was made: nothing was sent, so the items go
   * back in the queue with the same key (no lookup needed). Only while the attempts are ours.
   */
  private async handBack(claimed: Claimed[]): Promise<void> {
    if (this.leaseLost()) return; // another worker may own them now: it resolves them by lookup
    const now = this.now();
    await this.deps.db.transaction().execute(async (trx) => {
      for (const c of claimed) {
        const released = await trx
          .updateTable('publish_attempts')
          .set({ status: 'failed', error: 'not sent: the job stopped before this call', finished_at: now })
          .where('id', '=', c.attemptId)
          .where('job_id', '=', this.job.id)
          .where('status', '=', 'started')
          .executeTakeFirst();
        if (Number(released.numUpdatedRows) !== 1) continue;
        await trx
          .updateTable('items')
          .set({ state: 'queued', updated_at: now })
          .where('id', '=', c.row.id)
          .where('state', '=', 'publishing')
          .where('last_attempt_id', '=', c.attemptId)
          .execute();
      }
    });
  }

  /** The call, then its outcome per document: the documents created are recorded together. */
  private async send(claimed: Claimed[]): Promise<void> {
    let outcomes: PublishOutcome[];
    await this.publisher.hooks.beforeSend?.(claimed.map((c) => c.document));
    try {
      outcomes = await this.adapter.publish(this.session, claimed.map((c) => c.document));
      if (outcomes.length !== claimed.length) throw new Error(`adapter answered ${outcomes.length} outcomes for ${claimed.length} documents`);
    } catch (error) {
      for (const c of claimed) await this.failed(c, error);
      return;
    }
    await this.publisher.hooks.afterSend?.(claimed.map((c) => c.document));
    const created: { c: Claimed; result: PublishResult }[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) created.push({ c: claimed[i]!, result: outcome.result });
    });
    await this.published(created);
    for (let i = 0; i < claimed.length; i++) {
      const outcome = outcomes[i]!;
      if (!outcome.ok) await this.failed(claimed[i]!, outcome.error);
    }
  }

  /**
   * An attempt whose outcome is unknown: look it up; if the provider does not have it, replay
   * the same document with the same key (idempotent where the provider supports it).
   */
  private async resolve(row: ItemsTable, attempt: PublishAttemptsTable): Promise<void> {
    const { deps } = this;
    const document = JSON.parse(attempt.document) as PublishDocument;
    const c: Claimed = { row, attemptId: attempt.id, document };
    await deps.db.updateTable('items').set({ state: 'publishing', updated_at: this.now() }).where('id', '=', row.id).where('state', 'in', ['queued', 'publishing']).execute();
    if (this.adapter.findPublished) {
      let found: PublishResult | null;
      try {
        found = await this.adapter.findPublished(this.session, document);
      } catch (error) {
        if (error instanceof ProviderError && (error.kind === 'expired' || error.kind === 'transient' || error.kind === 'rate_limited')) {
          this.stopFor(error);
          if (error.kind === 'expired') await this.setAttempt(attempt.id, 'unknown', null, error);
          return;
        }
        throw error;
      }
      if (found) {
        deps.logger.info({ itemId: row.id, documentId: found.documentId }, 'publish outcome resolved by lookup: it had arrived');
        await this.published([{ c, result: found }]);
        return;
      }
      if (this.entry.capabilities.idempotency === 'reference_lookup') await this.setAttempt(attempt.id, 'not_found', null, null);
    } else if (this.entry.capabilities.idempotency === 'reference_lookup') {
      // No way to ask, no way to replay safely: a person must look.
      await this.setState(row, 'failed', {
        code: 'outcome_unknown',
        message: `We could not tell whether ${this.entry.name} received this item. Check in ${this.entry.name} before publishing it again.`,
        providerMessage: attempt.error,
        at: new Date(this.now()).toISOString(),
      });
      return;
    }
    // Replay: the same document and key. Header/requestid providers answer with the original.
    await deps.db
      .updateTable('publish_attempts')
      .set({ status: 'started', job_id: this.job.id, started_at: this.now(), finished_at: null })
      .where('id', '=', attempt.id)
      .execute();
    deps.logger.info({ itemId: row.id, key: attempt.provider_key }, 'replaying a publish whose outcome was unknown');
    await this.send([c]);
  }

  /** Records documents that exist in the provider: attempts, items and audit lines in one transaction. */
  private async published(done: { c: Claimed; result: PublishResult }[]): Promise<void> {
    if (done.length === 0) return;
    const { deps } = this;
    await this.job.progressed();
    const now = this.now();
    const rows = done.map(({ c, result }) => ({
      itemId: c.row.id,
      attemptId: c.attemptId,
      businessId: c.row.business_id,
      documentId: result.documentId,
      url: result.url,
      paymentId: result.paymentId ?? null,
      result: JSON.stringify(result),
      audit: JSON.stringify({ itemId: c.row.id, provider: this.entry.id, documentId: result.documentId, paymentId: result.paymentId ?? null }),
    }));
    await deps.db.transaction().execute((trx) => recordPublished(trx, rows, now));
  }

  private async failed(c: Claimed, error: unknown): Promise<void> {
    const { deps } = this;
    if (!(error instanceof ProviderError)) {
      // A bug or an unreadable answer: we cannot know whether it arrived.
      await this.setAttempt(c.attemptId, 'unknown', null, error);
      this.unexpected ??= error;
      return;
    }
    switch (error.kind) {
      case 'transient':
        // A timeout or 5xx may have created it: unknown, resolved by lookup/replay on retry.
        await this.setAttempt(c.attemptId, 'unknown', null, error);
        this.stopFor(error);
        return;
      case 'rate_limited':
        // A 429 was refused before anything happened: send again later, same key.
        await this.setAttempt(c.attemptId, 'failed', null, error);
        await deps.db.updateTable('items').set({ state: 'queued', updated_at: this.now() }).where('id', '=', c.row.id).execute();
        this.stopFor(error);
        return;
      case 'expired':
        await this.setAttempt(c.attemptId, 'failed', null, error);
        await deps.db.updateTable('items').set({ state: 'queued', updated_at: this.now() }).where('id', '=', c.row.id).execute();
        await markExpired({ db: deps.db, now: () => deps.clock.now() }, this.connection.id, error.message);
        this.expired = true;
        return;
      case 'stale_reference':
        if (await this.createdAnyway(c, error)) return;
        await this.stale(c, error);
        return;
      default: {
        if (await this.createdAnyway(c, error)) return;
        // A definite refusal: nothing was created. The next send is a new request (new key suffix).
        await this.setAttempt(c.attemptId, 'failed', null, error);
        const lists = await loadSnapshot(deps.db, this.connection.id, itemRefs(toModel(c.row)));
        await deps.db
          .updateTable('items')
          .set({
            state: 'failed',
            error: JSON.stringify(publishError(error, { entry: this.entry, item: toModel(c.row), lists, at: deps.clock.now() })),
            key_generation: c.row.key_generation + 1,
            updated_at: this.now(),
          })
          .where('id', '=', c.row.id)
          .execute();
      }
    }
  }

  /**
   * A document sent with its payment is two calls at most providers (Xero: the bill, then the
   * payment): a refusal may concern only the payment while the document exists. Before calling
   * it refused, look: if the document is there, it is published, with the payment problem said.
   */
  private async createdAnyway(c: Claimed, error: ProviderError): Promise<boolean> {
    if (!c.document.paid || !this.adapter.findPublished) return false;
    let found: PublishResult | null;
    try {
      found = await this.adapter.findPublished(this.session, c.document);
    } catch (lookupError) {
      // Cannot tell: unknown, looked up again before any resend.
      await this.setAttempt(c.attemptId, 'unknown', null, error);
      if (lookupError instanceof ProviderError) this.stopFor(lookupError.kind === 'expired' ? lookupError : new ProviderError('transient', lookupError.message));
      else this.unexpected ??= lookupError;
      return true;
    }
    if (!found) return false;
    await this.published([{ c, result: found }]);
    const words = publishError(error, { entry: this.entry, item: toModel(c.row), at: this.deps.clock.now() });
    const label = documentLabel(this.entry, toModel(c.row));
    await this.deps.db
      .updateTable('items')
      .set({
        error: JSON.stringify({
          ...words,
          code: 'payment_not_recorded',
          message: `The ${label} is in ${this.entry.name}, but its payment was not recorded: ${error.message} Record the payment in ${this.entry.name}.`,
        }),
      })
      .where('id', '=', c.row.id)
      .execute();
    return true;
  }

  /** "Not found / archived": refresh that one list, check again, and retry once. */
  private async stale(c: Claimed, error: ProviderError): Promise<void> {
    const { deps } = this;
    await this.setAttempt(c.attemptId, 'failed', null, error);
    const row = await deps.db.selectFrom('items').selectAll().where('id', '=', c.row.id).executeTakeFirstOrThrow();
    if (error.list) {
      try {
        await refreshList(deps, this.connection.id, error.list);
      } catch (refreshError) {
        deps.logger.warn({ connectionId: this.connection.id, list: error.list, err: refreshError }, 'list refresh after stale reference failed');
      }
    }
    const { item, lists } = await evaluate(deps.db, toModel(row), await this.ledgerFor(row.type));
    const message = publishError(error, { entry: this.entry, item, lists, at: deps.clock.now() });
    const retry = row.stale_retries === 0 && item.issues.length === 0;
    await deps.db
      .updateTable('items')
      .set({
        ...contentColumns(item),
        state: retry ? 'queued' : item.issues.length > 0 ? 'needs_attention' : 'failed',
        error: retry ? null : JSON.stringify(message),
        stale_retries: row.stale_retries + 1,
        key_generation: row.key_generation + 1,
        updated_at: this.now(),
      })
      .where('id', '=', row.id)
      .execute();
  }

  private stopFor(error: ProviderError): void {
    if (error.kind === 'expired') {
      this.expired = true;
      return;
    }
    // Keep the longest wait any call was asked for.
    if (!this.retry || (error.retryAfterMs ?? 0) > (this.retry.retryAfterMs ?? 0)) this.retry = error;
  }

  private async setAttempt(id: string, status: PublishAttemptsTable['status'], result: unknown, error: unknown): Promise<void> {
    const message = error instanceof ProviderError ? `${error.kind}: ${error.providerMessage ?? error.message}` : error instanceof Error ? error.message : null;
    await this.deps.db
      .updateTable('publish_attempts')
      .set({ status, result: result ? JSON.stringify(result) : null, error: message, finished_at: status === 'started' ? null : this.now() })
      .where('id', '=', id)
      .execute();
  }

  private async setState(row: Pick<ItemsTable, 'id'>, state: ItemsTable['state'], error: PublishError): Promise<void> {
    await this.deps.db.updateTable('items').set({ state, error: JSON.stringify(error), updated_at: this.now() }).where('id', '=', row.id).execute();
  }

  /** Expired: every item on its way waits for the reconnect, with the reason on it. */
  private async holdAll(): Promise<void> {
    const error: PublishError = { code: 'reconnect_required', message: reconnectMessage(this.entry), providerMessage: this.connection.expired_reason, at: new Date(this.now()).toISOString() };
    await this.deps.db
      .updateTable('items')
      .set({ state: 'waiting_for_reconnect', error: JSON.stringify(error), updated_at: this.now() })
      .where('connection_id', '=', this.connection.id)
      .where('state', 'in', ['queued', 'publishing'])
      .execute();
  }

  private async failAll(error: PublishError): Promise<void> {
    await this.deps.db
      .updateTable('items')
      .set({ state: 'failed', error: JSON.stringify(error), updated_at: this.now() })
      .where('connection_id', '=', this.connection.id)
      .where('state', 'in', ['queued', 'publishing'])
      .execute();
  }

  /** Attachments: their own step after the document exists; a failure never republishes it. */
  private async attachments(): Promise<void> {
    const { deps } = this;
    const rows = await deps.db
      .selectFrom('items')
      .innerJoin('item_files', 'item_files.item_id', 'items.id')
      .select(['items.id', 'items.business_id', 'items.last_attempt_id', 'items.document_id', 'items.document_url', 'items.payment_id', 'item_files.name', 'item_files.content_type', 'item_files.size'])
      .where('items.connection_id', '=', this.connection.id)
      .where('items.state', '=', 'published')
      .where('items.attachment_state', '=', 'pending')
      .limit(500)
      .execute();
    const caps = this.entry.capabilities.attachments;
    const mark = (id: string, state: ItemsTable['attachment_state'], error: string | null) =>
      deps.db.updateTable('items').set({ attachment_state: state, attachment_error: error, updated_at: this.now() }).where('id', '=', id).execute();
    await Promise.all(
      rows.map((r) =>
        this.limited(async () => {
          if (!caps || !this.adapter.uploadAttachment) {
            await mark(r.id, 'unsupported', `${this.entry.name} does not take attachments through its API: the file stays in Bookbridge.`);
            return;
          }
          if (!caps.types.includes(r.content_type)) {
            await mark(r.id, 'failed', `${this.entry.name} takes ${caps.types.map(typeName).join(', ')} files, not ${typeName(r.content_type)}: the ${this.entry.name} document was published without it.`);
            return;
          }
          if (r.size > caps.maxBytes) {
            await mark(r.id, 'failed', `The file is ${mb(r.size)}; ${this.entry.name} takes at most ${mb(caps.maxBytes)}: the document was published without it.`);
            return;
          }
          const file = await deps.db.selectFrom('item_files').select('data').where('item_id', '=', r.id).executeTakeFirstOrThrow();
          const attempt = await deps.db.selectFrom('publish_attempts').select('document').where('id', '=', r.last_attempt_id!).executeTakeFirstOrThrow();
          const published: PublishResult = { documentId: r.document_id!, url: r.document_url ?? '', ...(r.payment_id ? { paymentId: r.payment_id } : {}) };
          try {
            await this.adapter.uploadAttachment(this.session, published, JSON.parse(attempt.document) as PublishDocument, {
              fileName: r.name,
              contentType: r.content_type,
              data: new Uint8Array(file.data),
            });
            await mark(r.id, 'uploaded', null);
          } catch (error) {
            if (error instanceof ProviderError && (error.kind === 'transient' || error.kind === 'rate_limited' || error.kind === 'expired')) {
              this.stopFor(error);
              if (error.kind === 'expired') await markExpired({ db: deps.db, now: () => deps.clock.now() }, this.connection.id, error.message);
              return; // stays pending: retried with the job, or after the reconnect
            }
            const words = error instanceof ProviderError ? error.message : 'Something went wrong in Bookbridge while attaching the file.';
            await mark(r.id, 'failed', `The ${this.entry.name} document was published, but the file was not attached: ${words} Re-publish to try attaching it again.`);
          }
        }),
      ),
    );
  }
}

const typeName = (t: string) => ({ 'application/pdf': 'PDF', 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP' })[t] ?? t;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;

