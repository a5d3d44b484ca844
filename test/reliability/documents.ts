/**
 * The provider documents for items, built exactly as the publishing job builds them (the item
 * checked against the connection's lists, then mapped), for tests that call an adapter directly.
 */
import type { Db } from '../../server/db/database.js';
import { evaluate, loadLedger } from '../../server/items/evaluate.js';
import { toModel } from '../../server/items/model.js';
import { buildDocument, providerKey } from '../../server/publishing/document.js';
import type { PublishDocument } from '../../server/providers/types.js';

export async function documentsFor(db: Db, businessId: string, itemIds: string[]): Promise<PublishDocument[]> {
  const ledger = await loadLedger(db, businessId);
  if (!ledger) throw new Error('the business has no ledger connection');
  const documents: PublishDocument[] = [];
  for (const id of itemIds) {
    const row = await db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const { item, lists } = await evaluate(db, toModel(row), ledger);
    if (item.issues.length > 0) throw new Error(`item ${row.number} does not pass the check: ${JSON.stringify(item.issues)}`);
    documents.push(buildDocument(item, lists, ledger, providerKey(row)));
  }
  return documents;
}
