/**
 * Supplier and customer rules: one per contact of the ledger connection. References are list
 * entry ids of that connection; a rule whose entry was archived or vanished on refresh is shown
 * flagged (seed: "rules that point at it are flagged") with the reason, and keeps working for
 * everything else.
 */
import type { Db } from '../db/database.js';
import type { ContactRulesTable } from '../db/schema.js';
import type { ListKind, ProviderEntry } from '../../shared/catalogue.js';
import type { Rule } from '../../shared/items.js';
import { loadSnapshot, refView, type ListSnapshot } from '../items/lists.js';
import { compiledOnce } from '../db/compiled.js';
import { readThrough } from '../db/read-cache.js';
import { describeEntry } from '../publishing/check.js';
import type { RuleValues } from './apply.js';

export const ruleRefs: { field: 'contact' | 'category' | 'taxRate' | 'project' | 'paymentAccount'; column: keyof ContactRulesTable; kind: ListKind }[] = [
  { field: 'contact', column: 'contact_external_id', kind: 'contacts' },
  { field: 'category', column: 'category', kind: 'categories' },
  { field: 'taxRate', column: 'tax_rate', kind: 'tax_rates' },
  { field: 'project', column: 'project', kind: 'projects' },
  { field: 'paymentAccount', column: 'payment_account', kind: 'bank_accounts' },
];

export function ruleValues(row: ContactRulesTable): RuleValues {
  return {
    id: row.id,
    category: row.category,
    taxRate: row.tax_rate,
    project: row.project,
    paymentAccount: row.payment_account,
    paid: row.paid === null ? null : row.paid === 1,
    destination: row.destination,
    description: row.description,
    autoPublish: row.auto_publish === 1,
  };
}

/** The contact's rule, kept until the rules change (read for every item created; issue 8), "no rule" too. Shared: read it, never change it. */
export async function ruleForContact(db: Db, connectionId: string, contactId: string | null): Promise<ContactRulesTable | undefined> {
  if (!contactId) return undefined;
  return (await readThrough(db, `rule:${connectionId}:${contactId}`, async () => ({ row: await ruleOf.first(db, { connectionId, contactId }) })))!.row;
}

const ruleOf = compiledOnce((db, v: { connectionId: string; contactId: string }) =>
  db.selectFrom('contact_rules').selectAll().where('connection_id', '=', v.connectionId).where('contact_external_id', '=', v.contactId),
);

export async function rulesSnapshot(db: Db, connectionId: string, rows: ContactRulesTable[]): Promise<ListSnapshot> {
  const refs: Partial<Record<ListKind, string[]>> = {};
  for (const r of rows) {
    for (const ref of ruleRefs) {
      const v = r[ref.column] as string | null;
      if (v) (refs[ref.kind] ??= []).push(v);
    }
  }
  return loadSnapshot(db, connectionId, refs);
}

export function ruleView(row: ContactRulesTable, lists: ListSnapshot, ledger: { connectionId: string | null; entry: ProviderEntry | null }): Rule {
  const name = ledger.entry?.name ?? 'the ledger';
  const flagged: Rule['flagged'] = [];
  if (row.connection_id !== ledger.connectionId) {
    flagged.push({
      field: 'contact',
      reason: 'other_connection',
      message: 'This rule belongs to your previous connection: map its entries with the List Merge Tool so it applies again.',
    });
  }
  const view = (field: (typeof ruleRefs)[number]) => {
    const id = row[field.column] as string | null;
    const entry = lists.get(field.kind, id);
    if (id && row.connection_id === ledger.connectionId) {
      if (!entry) {
        flagged.push({ field: field.field, reason: 'missing', message: `The ${field.kind === 'categories' ? 'category' : field.field} ${id} is no longer in ${name}'s lists: choose another.` });
      } else if (entry.status !== 'active') {
        const why = entry.archived_reason === 'upstream_deleted' ? 'was deleted' : 'is archived';
        flagged.push({ field: field.field, reason: 'archived', message: `The ${describeEntry(field.kind, entry, id)} ${why} in ${name}: choose another or restore it in ${name} and refresh lists.` });
      }
    }
    return refView(entry, id);
  };
  const [contact, category, taxRate, project, paymentAccount] = ruleRefs.map(view);
  return {
    id: row.id,
    connectionId: row.connection_id,
    contact: contact!,
    category: category!,
    taxRate: taxRate!,
    project: project!,
    paymentAccount: paymentAccount!,
    paid: row.paid === null ? null : row.paid === 1,
    destination: row.destination,
    description: row.description,
    autoPublish: row.auto_publish === 1,
    flagged,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
