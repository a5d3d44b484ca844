/** An item as the rules, the check and publishing see it, and its mapping to and from the row. */
import type { ItemsTable } from '../db/schema.js';
import type { ItemType } from '../../shared/catalogue.js';
import type { CheckIssue, FieldSource, ItemState, PublishError, TaxMode } from '../../shared/items.js';

export interface ItemLine {
  description: string | null;
  amount: string;
  quantity: string;
  unitAmount: string;
  taxAmount: string | null;
  /** External ids in the ledger connection's list_entries. */
  category: string | null;
  taxRate: string | null;
  project: string | null;
}

export interface ItemModel {
  id: string;
  businessId: string;
  type: ItemType;
  state: ItemState;
  contactName: string;
  contactId: string | null;
  date: string;
  dueDate: string | null;
  number: string | null;
  reference: string | null;
  currency: string;
  currencyRate: string | null;
  taxMode: TaxMode;
  lines: ItemLine[];
  total: string;
  totalTax: string | null;
  paid: boolean;
  paymentDate: string | null;
  paymentAccount: string | null;
  destination: string | null;
  status: string | null;
  description: string | null;
  sources: Record<string, FieldSource>;
  issues: CheckIssue[];
  autoPublish: boolean;
}

export function toModel(row: ItemsTable): ItemModel {
  return {
    id: row.id,
    businessId: row.business_id,
    type: row.type,
    state: row.state,
    contactName: row.contact_name,
    contactId: row.contact_external_id,
    date: row.document_date,
    dueDate: row.due_date,
    number: row.number,
    reference: row.reference,
    currency: row.currency,
    currencyRate: row.currency_rate,
    taxMode: row.tax_mode,
    lines: JSON.parse(row.lines) as ItemLine[],
    total: row.total,
    totalTax: row.total_tax,
    paid: row.paid === 1,
    paymentDate: row.payment_date,
    paymentAccount: row.payment_account,
    destination: row.destination,
    status: row.status,
    description: row.description,
    sources: JSON.parse(row.sources) as Record<string, FieldSource>,
    issues: JSON.parse(row.issues) as CheckIssue[],
    autoPublish: row.auto_publish === 1,
  };
}

/** The columns an item's content lives in (not its publishing bookkeeping). */
export function contentColumns(item: ItemModel) {
  return {
    contact_name: item.contactName,
    contact_external_id: item.contactId,
    document_date: item.date,
    due_date: item.dueDate,
    number: item.number,
    reference: item.reference,
    currency: item.currency,
    currency_rate: item.currencyRate,
    tax_mode: item.taxMode,
    lines: JSON.stringify(item.lines),
    total: item.total,
    total_tax: item.totalTax,
    paid: item.paid ? 1 : 0,
    payment_date: item.paymentDate,
    payment_account: item.paymentAccount,
    destination: item.destination,
    status: item.status,
    description: item.description,
    sources: JSON.stringify(item.sources),
    issues: JSON.stringify(item.issues),
    auto_publish: item.autoPublish ? 1 : 0,
  } satisfies Partial<ItemsTable>;
}

export function parseError(text: string | null): PublishError | null {
  return text ? (JSON.parse(text) as PublishError) : null;
}

/** Items whose content may still change (by an edit, a rule or a default). */
export const editableStates: readonly ItemState[] = ['needs_attention', 'ready', 'failed', 'waiting_for_reconnect'];

/** Which way the money goes, for tax defaults and tax validity. */
export function direction(type: ItemType): 'purchases' | 'sales' {
  return type === 'sales' || type === 'sales_credit_note' ? 'sales' : 'purchases';
}

export function contactNoun(type: ItemType): 'supplier' | 'customer' {
  return direction(type) === 'sales' ? 'customer' : 'supplier';
}
