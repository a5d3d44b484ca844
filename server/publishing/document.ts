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

export function buildDocument(item: ItemModel, lists: ListSnapshot, ledger: Ledger, key: string): PublishDocument {
  const { entry, settings } = ledger;
  const destination = entry.destinations[item.type].find((d) => d.id === item.destination);
  const ref = (kind: Parameters<ListSnapshot['get']>[0], id: string | null) => {
    if (!id) return undefined;
    const e = lists.get(kind, id);
    return { externalId: id, ...(e?.code ? { code: e.code } : {}), ...(e ? { name: e.name } : {}) };
  };
  const lines = item.lines.map((line) => {
    const tax = item.taxMode === 'no_tax' ? undefined : lists.get('tax_rates', line.taxRate);
    const taxAmount = line.taxAmount ?? (tax?.tax_rate ? lineTax(line.amount, tax.tax_rate, item.taxMode) : undefined);
    const category = ref('categories', line.category)!;
    const project = ref('projects', line.project);
    return {
      description: line.description ?? item.description ?? item.contactName,
      quantity: line.quantity,
      unitAmount: line.unitAmount,
      lineAmount: line.amount,
      ...(taxAmount !== undefined ? { taxAmount } : {}),
      category: { externalId: category.externalId, ...(category.code ? { code: category.code } : {}) },
      ...(line.taxRate && item.taxMode !== 'no_tax'
        ? { tax: { externalId: line.taxRate, ...(tax?.code ? { code: tax.code } : {}), ...(tax?.tax_rate ? { rate: tax.tax_rate } : {}) } }
        : {}),
      ...(project ? { project } : {}),
    };
  });
  const computedTax = lines.every((l) => l.taxAmount !== undefined) ? sum(lines.map((l) => l.taxAmount!)) : '0.00';
  const contact = ref('contacts', item.contactId)!;
  const bank = ref('bank_accounts', item.paymentAccount);
  // Payment goes with the document when bank match is on (Xero, Sage) or the destination is a
  // paid-only one (spend money, expense); otherwise the ledger shows it unpaid, as Dext does.
  const sendPayment = item.paid && bank && (destination?.paidOnly || (settings.bankMatch && entry.capabilities.bankMatch));
  return {
    itemId: item.id,
    idempotencyKey: key,
    itemType: item.type,
    destination: item.destination!,
    ...(item.status ? { status: item.status } : {}),
    contact: { externalId: contact.externalId, ...(contact.code ? { code: contact.code } : {}), name: contact.name ?? item.contactName },
    date: item.date,
    ...(item.dueDate ? { dueDate: item.dueDate } : {}),
    ...(item.reference ? { reference: item.reference } : {}),
    ...(item.number ? { number: item.number } : {}),
    currency: item.currency,
    ...(item.currencyRate ? { currencyRate: item.currencyRate } : {}),
    taxMode: item.taxMode,
    lines,
    total: item.total,
    totalTax: item.taxMode === 'no_tax' ? '0.00' : (item.totalTax ?? computedTax),
    ...(sendPayment
      ? { paid: { date: item.paymentDate ?? item.date, amount: item.total, bankAccount: { externalId: bank.externalId, ...(bank.code ? { code: bank.code } : {}) } } }
      : {}),
  };
}
