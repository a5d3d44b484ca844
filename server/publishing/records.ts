/**
 * The rows publishing writes for a batch, one statement each for the whole batch (issue 8): the
 * items moved to `publishing` with their attempts, then the attempts that succeeded, the items
 * published and their audit lines. Rows whose values differ are written with
 * `CASE id WHEN … THEN … END`: plain SQL, any database.
 *
 * Each statement is built and compiled by Kysely once per number of rows, as db/compiled.ts does
 * for one-row statements, and then run with the rows' values put straight into its parameters.
 * (compiledOnce names every value: a statement over 50 rows would name 250 of them, and building
 * and matching those names on every run cost more than Kysely's compile it saves.)
 */
import { sql, type Compilable, type CompiledQuery, type QueryResult, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { ItemsTable } from '../db/schema.js';

/** Stands for row `row`'s `field` (row -1: a value shared by all rows) while a statement is built. */
class Slot {
  constructor(
    readonly field: string,
    readonly row: number,
  ) {}
}

/**
 * A statement over `rows.length` rows, compiled once per row count. `build` receives a slot per
 * field of each row, and per shared value, and must use them only as values, in SQL that depends
 * on nothing but the row count. A slot that does not end up as a parameter is refused.
 */
function overRows<Row extends object, Shared extends object, R>(build: (db: Db, rows: Row[], shared: Shared) => Compilable<R>) {
  const compiled = new Map<number, { query: CompiledQuery; slots: unknown[] }>();
  return async (db: Db, rows: readonly Row[], shared: Shared): Promise<QueryResult<R>> => {
    let found = compiled.get(rows.length);
    if (!found) {
      const slotRows = rows.map((row, i) => Object.fromEntries(Object.keys(row).map((f) => [f, new Slot(f, i)])) as Row);
      const sharedSlots = Object.fromEntries(Object.keys(shared).map((f) => [f, new Slot(f, -1)])) as Shared;
      const query = build(db, slotRows, sharedSlots).compile();
      const bound = new Set(query.parameters.flatMap((p) => (p instanceof Slot ? [`${p.row}:${p.field}`] : [])));
      const expected = rows.reduce((n, row) => n + Object.keys(row).length, Object.keys(shared).length);
      if (bound.size !== expected) throw new Error(`records: ${expected - bound.size} values not bound as parameters in ${query.sql}`);
      found = { query, slots: [...query.parameters] };
      compiled.set(rows.length, found);
    }
    const parameters = found.slots.map((p) =>
      p instanceof Slot ? (p.row < 0 ? (shared as Record<string, unknown>)[p.field] : (rows[p.row] as Record<string, unknown>)[p.field]) : p,
    );
    return db.executeQuery<R>({ ...found.query, parameters });
  };
}

function byId<T>(ids: unknown[], values: unknown[]): RawBuilder<T> {
  return sql<T>`CASE ${sql.ref('id')} ${sql.join(
    ids.map((id, i) => sql`WHEN ${id} THEN ${values[i]}`),
    sql` `,
  )} END`;
}

/** At most this many rows per statement (SQLite takes 32,766 values in one). */
const ROWS = 200;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += ROWS) out.push(list.slice(i, i + ROWS));
  return out;
}

const toPublishing = overRows((db, rows: { id: string; attemptId: string }[], v: { now: number }) =>
  db
    .updateTable('items')
    .set({
      state: 'publishing',
      last_attempt_id: byId<string>(rows.map((r) => r.id), rows.map((r) => r.attemptId)),
      attempt_count: sql<number>`attempt_count + 1`,
      updated_at: v.now,
    })
    .where('id', 'in', rows.map((r) => r.id))
    .where('state', '=', 'queued')
    .returning('id'),
);

/** Queued items to `publishing`, each with its attempt; the ids of those still queued (moved). */
export async function moveToPublishing(db: Db, rows: readonly { id: string; attemptId: string }[], now: number): Promise<Set<string>> {
  const moved = new Set<string>();
  for (const part of chunks(rows)) {
    const { rows: found } = await toPublishing(db, part.map((r) => ({ id: r.id, attemptId: r.attemptId })), { now });
    for (const r of found) moved.add(r.id);
  }
  return moved;
}

export interface StartedAttempt {
  id: string;
  itemId: string;
  providerKey: string;
  /** The exact document sent, as JSON. */
  document: string;
}

const attemptsStarted = overRows((db, rows: StartedAttempt[], v: { connectionId: string; jobId: string; now: number }) =>
  db.insertInto('publish_attempts').values(
    rows.map((a) => ({
      id: a.id,
      item_id: a.itemId,
      connection_id: v.connectionId,
      job_id: v.jobId,
      provider_key: a.providerKey,
      document: a.document,
      status: 'started' as const,
      result: null,
      error: null,
      started_at: v.now,
      finished_at: null,
    })),
  ),
);

export async function recordStarted(db: Db, attempts: readonly StartedAttempt[], shared: { connectionId: string; jobId: string; now: number }): Promise<void> {
  for (const part of chunks(attempts)) {
    await attemptsStarted(db, part.map((a) => ({ id: a.id, itemId: a.itemId, providerKey: a.providerKey, document: a.document })), shared);
  }
}

export interface Published {
  itemId: string;
  attemptId: string;
  businessId: string;
  documentId: string;
  url: string;
  paymentId: string | null;
  /** The attempt's result, as JSON. */
  result: string;
  /** The audit line's detail, as JSON. */
  audit: string;
}

const attemptsSucceeded = overRows((db, rows: { attemptId: string; result: string }[], v: { now: number }) =>
  db
    .updateTable('publish_attempts')
    .set({
      status: 'succeeded',
      result: byId<string>(rows.map((r) => r.attemptId), rows.map((r) => r.result)),
      error: null,
      finished_at: v.now,
    })
    .where('id', 'in', rows.map((r) => r.attemptId)),
);

const itemsPublished = overRows((db, rows: { itemId: string; documentId: string; url: string; paymentId: string | null }[], v: { now: number }) => {
  const ids = rows.map((r) => r.itemId);
  return db
    .updateTable('items')
    .set({
      state: 'published',
      document_id: byId<string>(ids, rows.map((r) => r.documentId)),
      document_url: byId<string>(ids, rows.map((r) => r.url)),
      payment_id: byId<string | null>(ids, rows.map((r) => r.paymentId)),
      published_at: v.now,
      error: null,
      // A file goes up in its own step once the document exists (drain.ts attachments()).
      attachment_state: sql<ItemsTable['attachment_state']>`CASE WHEN EXISTS (SELECT 1 FROM item_files WHERE item_files.item_id = items.id) THEN 'pending' ELSE 'none' END`,
      updated_at: v.now,
    })
    .where('id', 'in', ids);
});

const auditPublished = overRows((db, rows: { businessId: string; audit: string }[], v: { now: number }) =>
  db.insertInto('audit_log').values(
    rows.map((r) => ({
      business_id: r.businessId,
      user_id: null,
      action: 'item.published',
      detail: r.audit,
      created_at: v.now,
    })),
  ),
);

/** Attempts succeeded, items published, and the audit lines `audit()` writes: call inside one transaction. */
export async function recordPublished(db: Db, done: readonly Published[], now: number): Promise<void> {
  for (const part of chunks(done)) {
    await attemptsSucceeded(db, part.map((d) => ({ attemptId: d.attemptId, result: d.result })), { now });
    await itemsPublished(db, part.map((d) => ({ itemId: d.itemId, documentId: d.documentId, url: d.url, paymentId: d.paymentId })), { now });
    await auditPublished(db, part.map((d) => ({ businessId: d.businessId, audit: d.audit })), { now });
  }
}
