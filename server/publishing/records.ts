/**
 * The rows publishing writes for a batch, one statement each for the whole batch (issue 8): the
 * items moved to `publishing` with their attempts, then the attempts that succeeded, the items
 * published and their audit lines. Each statement is compiled once per batch size: its values are
 * named per row (`id0`, `id1`, …), and db/compiled.ts keys a compiled statement by the names it
 * is given, so the names fix the number of rows and the SQL is the same for every run with them.
 * Rows whose values differ are written with `CASE id WHEN … THEN … END`: plain SQL, any database.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { ItemsTable } from '../db/schema.js';
import { compiledOnce } from '../db/compiled.js';

type Values = Record<string, unknown>;

/** `${field}${i}`, made once per field and row number. */
const names = new Map<string, string[]>();
function nameOf(field: string, i: number): string {
  let list = names.get(field);
  if (!list) names.set(field, (list = []));
  return (list[i] ??= `${field}${i}`);
}

/** Values named `${field}${i}` for row i, beside the shared ones. */
function perRow<T>(rows: readonly T[], fields: Record<string, (row: T) => unknown>, shared: Values): Values {
  const values: Values = { ...shared };
  for (const field of Object.keys(fields)) {
    const value = fields[field]!;
    for (let i = 0; i < rows.length; i++) values[nameOf(field, i)] = value(rows[i]!);
  }
  return values;
}

/** The rows' `field` values, in order (placeholders while the statement is built). */
function column<T = unknown>(values: Values, field: string): T[] {
  const out: T[] = [];
  for (let i = 0; `${field}${i}` in values; i++) out.push(values[`${field}${i}`] as T);
  return out;
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

const toPublishing = compiledOnce((db, v: Values) =>
  db
    .updateTable('items')
    .set({
      state: 'publishing',
      last_attempt_id: byId<string>(column(v, 'id'), column(v, 'attempt')),
      attempt_count: sql<number>`attempt_count + 1`,
      updated_at: v.now as number,
    })
    .where('id', 'in', column<string>(v, 'id'))
    .where('state', '=', 'queued')
    .returning('id'),
);

/** Queued items to `publishing`, each with its attempt; the ids of those still queued (moved). */
export async function moveToPublishing(db: Db, rows: readonly { id: string; attemptId: string }[], now: number): Promise<Set<string>> {
  const moved = new Set<string>();
  for (const part of chunks(rows)) {
    for (const r of await toPublishing.all(db, perRow(part, { id: (r) => r.id, attempt: (r) => r.attemptId }, { now }))) moved.add(r.id);
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

const attemptsStarted = compiledOnce((db, v: Values) => {
  const ids = column(v, 'id');
  const items = column(v, 'item');
  const keys = column(v, 'key');
  const documents = column(v, 'document');
  return db.insertInto('publish_attempts').values(
    ids.map((id, i) => ({
      id: id as string,
      item_id: items[i] as string,
      connection_id: v.connection as string,
      job_id: v.job as string,
      provider_key: keys[i] as string,
      document: documents[i] as string,
      status: 'started' as const,
      result: null,
      error: null,
      started_at: v.now as number,
      finished_at: null,
    })),
  );
});

export async function recordStarted(db: Db, attempts: readonly StartedAttempt[], shared: { connectionId: string; jobId: string; now: number }): Promise<void> {
  for (const part of chunks(attempts)) {
    await attemptsStarted.run(
      db,
      perRow(part, { id: (a) => a.id, item: (a) => a.itemId, key: (a) => a.providerKey, document: (a) => a.document }, { connection: shared.connectionId, job: shared.jobId, now: shared.now }),
    );
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

const attemptsSucceeded = compiledOnce((db, v: Values) =>
  db
    .updateTable('publish_attempts')
    .set({ status: 'succeeded', result: byId<string>(column(v, 'id'), column(v, 'result')), error: null, finished_at: v.now as number })
    .where('id', 'in', column<string>(v, 'id')),
);

const itemsPublished = compiledOnce((db, v: Values) => {
  const ids = column<string>(v, 'id');
  return db
    .updateTable('items')
    .set({
      state: 'published',
      document_id: byId<string>(ids, column(v, 'document')),
      document_url: byId<string>(ids, column(v, 'url')),
      payment_id: byId<string | null>(ids, column(v, 'payment')),
      published_at: v.now as number,
      error: null,
      // A file goes up in its own step once the document exists (drain.ts attachments()).
      attachment_state: sql<ItemsTable['attachment_state']>`CASE WHEN EXISTS (SELECT 1 FROM item_files WHERE item_files.item_id = items.id) THEN 'pending' ELSE 'none' END`,
      updated_at: v.now as number,
    })
    .where('id', 'in', ids);
});

const auditPublished = compiledOnce((db, v: Values) => {
  const businesses = column(v, 'business');
  return db.insertInto('audit_log').values(
    column(v, 'detail').map((detail, i) => ({
      business_id: businesses[i] as string,
      user_id: null,
      action: 'item.published',
      detail: detail as string,
      created_at: v.now as number,
    })),
  );
});

/** Attempts succeeded, items published, and the audit lines `audit()` writes: call inside one transaction. */
export async function recordPublished(db: Db, done: readonly Published[], now: number): Promise<void> {
  for (const part of chunks(done)) {
    await attemptsSucceeded.run(db, perRow(part, { id: (d) => d.attemptId, result: (d) => d.result }, { now }));
    await itemsPublished.run(db, perRow(part, { id: (d) => d.itemId, document: (d) => d.documentId, url: (d) => d.url, payment: (d) => d.paymentId }, { now }));
    await auditPublished.run(db, perRow(part, { business: (d) => d.businessId, detail: (d) => d.audit }, { now }));
  }
}
