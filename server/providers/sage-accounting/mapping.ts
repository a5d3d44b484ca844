/**
 * Sage's objects ↔ Bookbridge's: list entries from v3.1 list items, and the create bodies for
 * each destination (sage-accounting.md §2, §3). Amounts are worked out with big.js and sent as
 * JSON numbers (the swagger's `number/double`), two decimals.
 */
import { createHash } from 'node:crypto';
import Big from 'big.js';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { ListEntry, PublishDocument, PublishLine } from '../types.js';

// --- list items ---------------------------------------------------------------------------------

const link = z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), displayed_as: z.string().nullish() }).nullish();

export const envelopeSchema = z.looseObject({
  $total: z.number().nullish(),
  $next: z.string().nullish(),
  $items: z.array(z.unknown()),
});

export const ledgerAccountSchema = z.looseObject({
  id: z.string(),
  displayed_as: z.string().nullish(),
  name: z.string().nullish(),
  nominal_code: z.union([z.number(), z.string()]).nullish(),
  ledger_account_type: link,
  tax_rate: link,
  included_in_chart: z.boolean().nullish(),
  is_control_account: z.boolean().nullish(),
  visible_scopes: z.array(z.string()).nullish(),
});

export const contactSchema = z.looseObject({
  id: z.string(),
  displayed_as: z.string().nullish(),
  name: z.string().nullish(),
  reference: z.string().nullish(),
  contact_types: z.array(link).nullish(),
  currency: link,
  email: z.string().nullish(),
  tax_number: z.string().nullish(),
  default_purchase_ledger_account: link,
  default_sales_ledger_account: link,
  default_sales_tax_rate: link,
  deleted_at: z.string().nullish(),
});

export const taxRateSchema = z.looseObject({
  id: z.string(),
  displayed_as: z.string().nullish(),
  name: z.string().nullish(),
  percentage: z.union([z.number(), z.string()]).nullish(),
  is_visible: z.boolean().nullish(),
});

export const catalogItemSchema = z.looseObject({
  id: z.string(),
  displayed_as: z.string().nullish(),
  item_code: z.string().nullish(),
  description: z.string().nullish(),
  active: z.boolean().nullish(),
  sales_ledger_account: link,
  purchase_ledger_account: link,
  sales_tax_rate: link,
  purchase_tax_rate: link,
  cost_price: z.number().nullish(),
});

export const bankAccountSchema = z.looseObject({
  id: z.string(),
  displayed_as: z.string().nullish(),
  bank_account_details: z.looseObject({ account_name: z.string().nullish(), account_number: z.string().nullish(), sort_code: z.string().nullish(), iban: z.string().nullish() }).nullish(),
  bank_account_type: link,
  ledger_account: link,
  nominal_code: z.union([z.number(), z.string()]).nullish(),
  currency: link,
});

export const analysisCategorySchema = z.looseObject({
  id: z.string(),
  displayed_as: z.string().nullish(),
  code: z.string().nullish(),
  name: z.string().nullish(),
  active: z.boolean().nullish(),
  analysis_type: link,
});

const nameOf = (x: { name?: string | null; displayed_as?: string | null }, fallback: string) => x.name ?? x.displayed_as ?? fallback;

export function ledgerAccountEntry(a: z.infer<typeof ledgerAccountSchema>): ListEntry {
  return {
    externalId: a.id,
    code: a.nominal_code === null || a.nominal_code === undefined ? undefined : String(a.nominal_code),
    name: nameOf(a, a.id),
    status: a.included_in_chart === false ? 'archived' : 'active',
    type: a.ledger_account_type?.id,
    taxRate: a.tax_rate?.id,
    extra: { visibleIn: a.visible_scopes ?? [] },
  };
}

export function contactEntry(c: z.infer<typeof contactSchema>): ListEntry {
  const types = new Set((c.contact_types ?? []).map((t) => t?.id));
  const supplier = types.has('VENDOR');
  const customer = types.has('CUSTOMER');
  return {
    externalId: c.id,
    code: c.reference ?? undefined,
    name: nameOf(c, c.id),
    status: c.deleted_at ? 'archived' : 'active',
    type: supplier && customer ? 'both' : customer ? 'customer' : 'supplier',
    currency: c.currency?.id,
    extra: {
      ...(c.email ? { email: c.email } : {}),
      ...(c.tax_number ? { taxNumber: c.tax_number } : {}),
      ...(c.default_purchase_ledger_account?.id ? { defaultPurchaseCategory: c.default_purchase_ledger_account.id } : {}),
      ...(c.default_sales_ledger_account?.id ? { defaultSalesCategory: c.default_sales_ledger_account.id } : {}),
      ...(c.default_sales_tax_rate?.id ? { defaultSalesTaxRate: c.default_sales_tax_rate.id } : {}),
    },
  };
}

export function taxRateEntry(t: z.infer<typeof taxRateSchema>): ListEntry {
  const percentage = t.percentage === null || t.percentage === undefined ? undefined : new Big(t.percentage).toFixed(2);
  return {
    externalId: t.id,
    code: t.id,
    name: nameOf(t, t.id),
    status: t.is_visible === false ? 'archived' : 'active',
    type: 'vat',
    taxRate: percentage,
  };
}

/** Products and services share one list; the prefix tells which id field a line needs. */
export const catalogId = (kind: 'product' | 'service', id: string) => `${kind}:${id}`;

export function catalogItemEntry(kind: 'product' | 'service', i: z.infer<typeof catalogItemSchema>): ListEntry {
  return {
    externalId: catalogId(kind, i.id),
    code: i.item_code ?? undefined,
    name: i.description ?? i.displayed_as ?? i.id,
    status: i.active === false ? 'archived' : 'active',
    type: kind,
    taxRate: i.purchase_tax_rate?.id ?? i.sales_tax_rate?.id,
    extra: {
      ...(i.purchase_ledger_account?.id ? { purchaseCategory: i.purchase_ledger_account.id } : {}),
      ...(i.sales_ledger_account?.id ? { salesCategory: i.sales_ledger_account.id } : {}),
      ...(i.sales_tax_rate?.id ? { salesTaxRate: i.sales_tax_rate.id } : {}),
    },
  };
}

export function bankAccountEntry(b: z.infer<typeof bankAccountSchema>): ListEntry {
  const d = b.bank_account_details;
  return {
    externalId: b.id,
    code: b.nominal_code === null || b.nominal_code === undefined ? undefined : String(b.nominal_code),
    name: d?.account_name ?? b.displayed_as ?? b.id,
    status: 'active',
    type: b.bank_account_type?.id,
    currency: b.currency?.id,
    extra: {
      ...(b.ledger_account?.id ? { ledgerAccountId: b.ledger_account.id } : {}),
      ...(d?.account_number ? { accountNumberEnding: d.account_number.slice(-4) } : {}),
      ...(d?.sort_code ? { sortCode: d.sort_code } : {}),
    },
  };
}

export function analysisCategoryEntry(c: z.infer<typeof analysisCategorySchema>): ListEntry {
  return {
    externalId: c.id,
    code: c.code ?? undefined,
    name: nameOf(c, c.id),
    status: c.active === false ? 'archived' : 'active',
    type: c.analysis_type?.displayed_as ?? undefined,
    extra: c.analysis_type?.id ? { analysisTypeId: c.analysis_type.id } : undefined,
  };
}

// --- documents ----------------------------------------------------------------------------------

export type SageDestination = 'purchase_invoice' | 'sales_invoice' | 'purchase_credit_note' | 'sales_credit_note' | 'other_payment' | 'other_receipt';

export interface DestinationSpec {
  path: string;
  root: string;
  /** Line array name; other payments have payment_lines. */
  lines: 'invoice_lines' | 'credit_note_lines' | 'payment_lines';
  /** attachment_context_type_id; other payments attach through their transaction. */
  contextType?: string;
  what: string;
  purchase: boolean;
}

export const destinations: Record<SageDestination, DestinationSpec> = {
  purchase_invoice: { path: '/purchase_invoices', root: 'purchase_invoice', lines: 'invoice_lines', contextType: 'PURCHASE_INVOICE', what: 'purchase invoice', purchase: true },
  sales_invoice: { path: '/sales_invoices', root: 'sales_invoice', lines: 'invoice_lines', contextType: 'SALES_INVOICE', what: 'sales invoice', purchase: false },
  purchase_credit_note: { path: '/purchase_credit_notes', root: 'purchase_credit_note', lines: 'credit_note_lines', contextType: 'PURCHASE_CREDIT_NOTE', what: 'purchase credit note', purchase: true },
  sales_credit_note: { path: '/sales_credit_notes', root: 'sales_credit_note', lines: 'credit_note_lines', contextType: 'SALES_CREDIT_NOTE', what: 'sales credit note', purchase: false },
  other_payment: { path: '/other_payments', root: 'other_payment', lines: 'payment_lines', what: 'other payment', purchase: true },
  other_receipt: { path: '/other_payments', root: 'other_payment', lines: 'payment_lines', what: 'other receipt', purchase: false },
};

export function isDestination(id: string): id is SageDestination {
  return id in destinations;
}

const money = (b: Big) => Number(b.toFixed(2));
const toBig = (value: string | undefined, field: string): Big => {
  try {
    return new Big(value ?? '0');
  } catch {
    throw new ProviderError('validation', `The item's ${field} is not a number: ${value}.`, { fields: [{ field, message: 'Not a number' }] });
  }
};

/** Short, stable tag for one item, kept in the document so a retry can find it (no idempotency key at Sage). */
export function marker(doc: PublishDocument): string {
  return `BB-${createHash('sha256').update(doc.idempotencyKey).digest('hex').slice(0, 10).toUpperCase()}`;
}

/** The reference Sage shows and searches (≤25); our tag when the item has none. */
export function referenceOf(doc: PublishDocument): string {
  return (doc.reference ?? doc.number ?? marker(doc)).slice(0, 25);
}

export const notesOf = (doc: PublishDocument) => `Published by Bookbridge (${marker(doc)})`;

interface Amounts {
  net: Big;
  tax: Big;
  total: Big;
}

function amountsOf(doc: PublishDocument, line: PublishLine, index: number): Amounts {
  const field = (name: string) => `lines[${index}].${name}`;
  const amount = toBig(line.lineAmount, field('lineAmount'));
  const tax = doc.taxMode === 'no_tax' ? new Big(0) : toBig(line.taxAmount, field('taxAmount'));
  if (doc.taxMode === 'inclusive') return { net: amount.minus(tax), tax, total: amount };
  return { net: amount, tax, total: amount.plus(tax) };
}

function analysisCategories(line: PublishLine): { analysis_type_categories?: string[] } {
  return line.project ? { analysis_type_categories: [line.project.externalId] } : {};
}

function productRef(line: PublishLine): Record<string, string> {
  const id = line.product?.externalId;
  if (!id) return {};
  if (id.startsWith('service:')) return { service_id: id.slice(8) };
  return { product_id: id.replace(/^product:/, '') };
}

function artefactLine(doc: PublishDocument, line: PublishLine, index: number) {
  const { net, tax, total } = amountsOf(doc, line, index);
  return {
    description: line.description.slice(0, 2000) || 'Item',
    ledger_account_id: line.category.externalId,
    quantity: Number(toBig(line.quantity, `lines[${index}].quantity`).toString()),
    unit_price: Number(toBig(line.unitAmount, `lines[${index}].unitAmount`).toString()),
    unit_price_includes_tax: doc.taxMode === 'inclusive',
    net_amount: money(net),
    ...(line.tax ? { tax_rate_id: line.tax.externalId } : {}),
    // v3.1 wants tax_amount on every line unless the rate is zero, exempt or no tax: always send it.
    tax_amount: money(tax),
    total_amount: money(total),
    ...productRef(line),
    ...analysisCategories(line),
  };
}

export function sum(lines: { net_amount: number; tax_amount: number; total_amount: number }[]) {
  const add = (key: 'net_amount' | 'tax_amount' | 'total_amount') => money(lines.reduce((s, l) => s.plus(l[key]), new Big(0)));
  return { net_amount: add('net_amount'), tax_amount: add('tax_amount'), total_amount: add('total_amount') };
}

function currencyFields(doc: PublishDocument) {
  return {
    currency_id: doc.currency,
    ...(doc.currencyRate ? { exchange_rate: Number(doc.currencyRate) } : {}),
  };
}

/** POST body for an invoice or credit note. */
export function artefactBody(destination: Exclude<SageDestination, 'other_payment' | 'other_receipt'>, doc: PublishDocument) {
  const spec = destinations[destination];
  if (doc.lines.length === 0) throw new ProviderError('validation', 'The item has no lines to publish.', { fields: [{ field: 'lines', message: 'Required' }] });
  const lines = doc.lines.map((line, i) => artefactLine(doc, line, i));
  const supplierNumber = doc.number ?? doc.reference;
  return {
    [spec.root]: {
      contact_id: doc.contact.externalId,
      date: doc.date,
      ...(destination.endsWith('invoice') ? { due_date: doc.dueDate ?? doc.date } : {}),
      reference: referenceOf(doc),
      ...(spec.purchase && supplierNumber ? { vendor_reference: supplierNumber.slice(0, 31) } : {}),
      notes: notesOf(doc),
      ...currencyFields(doc),
      [spec.lines]: lines,
      ...sum(lines),
    },
  };
}

/** POST body for a paid cost (other payment) or money received (other receipt). */
export function otherPaymentBody(destination: 'other_payment' | 'other_receipt', doc: PublishDocument) {
  if (!doc.paid) {
    throw new ProviderError('validation', `A Sage ${destinations[destination].what} needs the bank account the money ${destination === 'other_payment' ? 'left' : 'went into'}: mark the item as paid and choose the account.`, {
      fields: [{ field: 'paid.bankAccount', message: 'Required' }],
    });
  }
  if (doc.lines.length === 0) throw new ProviderError('validation', 'The item has no lines to publish.', { fields: [{ field: 'lines', message: 'Required' }] });
  const lines = doc.lines.map((line, i) => {
    const { net, tax, total } = amountsOf(doc, line, i);
    return {
      ledger_account_id: line.category.externalId,
      details: line.description.slice(0, 255),
      ...(line.tax ? { tax_rate_id: line.tax.externalId } : {}),
      net_amount: money(net),
      tax_amount: money(tax),
      total_amount: money(total),
      ...analysisCategories(line),
    };
  });
  const totals = sum(lines);
  return {
    other_payment: {
      transaction_type_id: destination === 'other_payment' ? 'OTHER_PAYMENT' : 'OTHER_RECEIPT',
      date: doc.paid.date ?? doc.date,
      bank_account_id: doc.paid.bankAccount.externalId,
      contact_id: doc.contact.externalId,
      reference: referenceOf(doc),
      payment_lines: lines,
      ...totals,
    },
  };
}

/** POST body for the payment of a paid invoice, allocated to it (bank match). */
export function contactPaymentBody(destination: SageDestination, doc: PublishDocument, invoiceId: string) {
  const paid = doc.paid as NonNullable<PublishDocument['paid']>;
  const amount = money(toBig(paid.amount, 'paid.amount'));
  return {
    contact_payment: {
      transaction_type_id: destinations[destination].purchase ? 'VENDOR_PAYMENT' : 'CUSTOMER_RECEIPT',
      contact_id: doc.contact.externalId,
      bank_account_id: paid.bankAccount.externalId,
      date: paid.date,
      total_amount: amount,
      reference: referenceOf(doc),
      allocated_artefacts: [{ artefact_id: invoiceId, amount }],
    },
  };
}

/** The document's total as we send it, for matching on lookup. */
export function totalOf(body: Record<string, { total_amount?: number }>): number {
  return Object.values(body)[0]?.total_amount ?? 0;
}
