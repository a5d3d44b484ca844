/**
 * A batch is recorded in one statement per table (records.ts): each row must get its own values
 * (its attempt, its document id and link, its payment), whatever the batch size, and only items
 * still queued move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type OpenedDatabase } from '../db/database.js';
import { moveToPublishing, recordPublished, recordStarted } from './records.js';

let opened: OpenedDatabase;
const ids = ['item-a', 'item-b', 'item-c', 'item-d', 'item-e'];

beforeAll(async () => {
  opened = openDatabase(':memory:');
  await migrate(opened);
  opened.sqlite.pragma('foreign_keys = OFF'); // items without a business: only the writes are under test
  const columns = opened.sqlite.prepare("SELECT name, type, \"notnull\" AS required FROM pragma_table_info('items')").all() as { name: string; type: string; required: number }[];
  const fixed: Record<string, unknown> = { type: 'cost', state: 'queued', tax_mode: 'exclusive', attachment_state: 'none', lines: '[]', sources: '{}', issues: '[]' };
  const insert = opened.sqlite.prepare(`INSERT INTO items (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  for (const id of ids) {
    insert.run(...columns.map((c) => (c.name === 'id' ? id : c.name === 'idempotency_key' ? `key-${id}` : c.name in fixed ? fixed[c.name] : c.type === 'INTEGER' ? 0 : c.required ? 'x' : null)));
  }
  opened.sqlite.prepare("UPDATE items SET state = 'ready' WHERE id = 'item-c'").run();
  opened.sqlite.prepare("INSERT INTO item_files (item_id, name, content_type, size, data) VALUES ('item-b', 'r.pdf', 'application/pdf', 1, x'00')").run();
});
afterAll(() => opened.close());

const item = (id: string) => opened.sqlite.prepare('SELECT state, last_attempt_id, attempt_count, document_id, document_url, payment_id, attachment_state FROM items WHERE id = ?').get(id);

describe('records', () => {
  it('moves and records each item of a batch with its own values, for any batch size', async () => {
    const { db } = opened;
    const batches = [ids.slice(0, 3), ids.slice(3)]; // 3 rows, then 2: two compiled statements
    for (const batch of batches) {
      const rows = batch.map((id) => ({ id, attemptId: `att-${id}` }));
      const moved = await db.transaction().execute(async (trx) => {
        const moved = await moveToPublishing(trx, rows, 1000);
        await recordStarted(trx, rows.filter((r) => moved.has(r.id)).map((r) => ({ id: r.attemptId, itemId: r.id, providerKey: `key-${r.id}`, document: `{"for":"${r.id}"}` })), { connectionId: 'conn', jobId: 'job', now: 1000 });
        return moved;
      });
      const done = rows.filter((r) => moved.has(r.id));
      await db.transaction().execute((trx) =>
        recordPublished(
          trx,
          done.map((r) => ({
            itemId: r.id,
            attemptId: r.attemptId,
            businessId: 'biz',
            documentId: `doc-${r.id}`,
            url: `https://x/${r.id}`,
            paymentId: r.id === 'item-e' ? 'pay-e' : null,
            result: `{"documentId":"doc-${r.id}"}`,
            audit: `{"itemId":"${r.id}"}`,
          })),
          2000,
        ),
      );
    }
    expect(item('item-a')).toEqual({ state: 'published', last_attempt_id: 'att-item-a', attempt_count: 1, document_id: 'doc-item-a', document_url: 'https://x/item-a', payment_id: null, attachment_state: 'none' });
    expect(item('item-b')).toMatchObject({ state: 'published', last_attempt_id: 'att-item-b', document_id: 'doc-item-b', attachment_state: 'pending' });
    // Not queued (a user took it back): not moved, no attempt, untouched.
    expect(item('item-c')).toMatchObject({ state: 'ready', last_attempt_id: null, document_id: null });
    expect(item('item-d')).toMatchObject({ state: 'published', last_attempt_id: 'att-item-d', document_id: 'doc-item-d', payment_id: null });
    expect(item('item-e')).toMatchObject({ state: 'published', last_attempt_id: 'att-item-e', document_id: 'doc-item-e', document_url: 'https://x/item-e', payment_id: 'pay-e' });
    const attempts = opened.sqlite.prepare('SELECT id, item_id, status, result, document, job_id FROM publish_attempts ORDER BY id').all();
    expect(attempts).toEqual(
      ['item-a', 'item-b', 'item-d', 'item-e'].map((id) => ({ id: `att-${id}`, item_id: id, status: 'succeeded', result: `{"documentId":"doc-${id}"}`, document: `{"for":"${id}"}`, job_id: 'job' })),
    );
    const audit = opened.sqlite.prepare("SELECT detail FROM audit_log WHERE action = 'item.published' ORDER BY id").pluck().all();
    expect(audit).toEqual(['item-a', 'item-b', 'item-d', 'item-e'].map((id) => `{"itemId":"${id}"}`));
  });
});
