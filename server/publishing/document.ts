/** Maps a checked item to the adapter's PublishDocument (the one contract every provider reads). */
import type { ItemsTable } from '../db/schema.js';
import type { PublishDocument } from '../providers/types.js';
import type { Ledger } from '../items/evaluate.js';
import type { ListSnapshot } from '../items/lists.js';
import { lineTax, sum } from '../items/money.js';
import type { ItemModel } from '../items/model.js';

/** The key the provider sees: the item's lifelong key, suffixed only after a definite refusal. */
export function providerKey(row: Pick<ItemsTable, 'idempotency_key' | 'key_generation'>): string {
  return row.key_generation === 0 ? row.idempotency_key : `${row.idempotency_key}.${row.key_generation}`;
}

type RefKind = Parameters<ListSnapshot['get']>[0];
type Ref = { externalId: string; code?: string; name?: string };

function refOf(lists: ListSnapshot, kind: RefKind, id: string | null): Ref | undefined {
  if (!id) return undefined;
  const e = lists.get(kind, id);
  const out: Ref = { externalId: id };
  if (e?.code) out.code = e.code;
  if (e) out.name = e.name;
  return out;
}

// Built field by field rather than with spreads of small objects, in the same key order: it runs
// for every item published (issue 8), and the stored attempt keeps the same JSON.
export function buildDocument(item: ItemModel, lists: ListSnapshot, ledger: Ledger, key: string): PublishDocument {
  const { entry, settings } = ledger;
  const destination = entry.destinations[item.type].find((d) => d.id === item.destination);
  const taxed = item.taxMode !== 'no_tax';
  const lines: PublishDocument['lines'] = [];
  let allTaxed = true;
  for (const line of item.lines) {
    const tax = taxed ? lists.get('tax_rates', line.taxRate) : undefined;
    const taxAmount = line.taxAmount ?? (tax?.tax_rate ? lineTax(line.amount, tax.tax_rate, item.taxMode) : undefined);
    const category = refOf(lists, 'categories', line.category)!;
    const project = refOf(lists, 'projects', line.project);
    const out: PublishDocument['lines'][number] = {
      description: line.description ?? item.description ?? item.contactName,
      quantity: line.quantity,
      unitAmount: line.unitAmount,
      lineAmount: line.amount,
    } as PublishDocument['lines'][number];
    if (taxAmount !== undefined) out.taxAmount = taxAmount;
    else allTaxed = false;
    out.category = category.code ? { externalId: category.externalId, code: category.code } : { externalId: category.externalId };
    if (line.taxRate && taxed) {
      const t: NonNullable<PublishDocument['lines'][number]['tax']> = { externalId: line.taxRate };
      if (tax?.code) t.code = tax.code;
      if (tax?.tax_rate) t.rate = tax.tax_rate;
      out.tax = t;
    }
    if (project) out.project = project;
    lines.push(out);
  }
  const computedTax = allTaxed ? sum(lines.map((l) => l.taxAmount!)) : '0.00';
  const contact = refOf(lists, 'contacts', item.contactId)!;
  const bank = refOf(lists, 'bank_accounts', item.paymentAccount);
  // Payment goes with the document when bank match is on (Xero, Sage) or the destination is a
  // paid-only one (spend money, expense); otherwise the ledger shows it unpaid, as Dext does.
  const sendPayment = item.paid && bank && (destination?.paidOnly || (settings.bankMatch && entry.capabilities.bankMatch));
  const document = { itemId: item.id, idempotencyKey: key, itemType: item.type, destination: item.destination! } as PublishDocument;
  if (item.status) document.status = item.status;
  const to: PublishDocument['contact'] = { externalId: contact.externalId } as PublishDocument['contact'];
  if (contact.code) to.code = contact.code;
  to.name = contact.name ?? item.contactName;
  document.contact = to;
  document.date = item.date;
  if (item.dueDate) document.dueDate = item.dueDate;
  if (item.reference) document.reference = item.reference;
  if (item.number) document.number = item.number;
  document.currency = item.currency;
  if (item.currencyRate) document.currencyRate = item.currencyRate;
  document.taxMode = item.taxMode;
  document.lines = lines;
  document.total = item.total;
  document.totalTax = taxed ? (item.totalTax ?? computedTax) : '0.00';
  if (sendPayment) {
    document.paid = { date: item.paymentDate ?? item.date, amount: item.total, bankAccount: bank.code ? { externalId: bank.externalId, code: bank.code } : { externalId: bank.externalId } };
  }
  return document;
}
