/**
 * BILL records ↔ Bookbridge: list entries from BILL's lists, and the bill / vendor credit bodies
 * built from a PublishDocument. BILL has no tax objects on AP documents (bill-com.md §2): a line
 * carries what is owed, so tax is folded into each line's amount (a separate "Sales tax" line when
 * the item's tax is not split by line), and the lines always add up to the item's total.
 */
import Big from 'big.js';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { ListEntry, PublishDocument, PublishLine } from '../types.js';

// --- lists ---------------------------------------------------------------------------------

const base = { id: z.string(), archived: z.boolean().nullish() };

export const chartOfAccountSchema = z.looseObject({
  ...base,
  name: z.string(),
  description: z.string().nullish(),
  parentId: z.string().nullish(),
  account: z.looseObject({ type: z.string().nullish(), number: z.string().nullish() }).nullish(),
});

export const vendorSchema = z.looseObject({
  ...base,
  name: z.string(),
  shortName: z.string().nullish(),
  accountNumber: z.string().nullish(),
  accountType: z.string().nullish(),
  email: z.string().nullish(),
  billCurrency: z.string().nullish(),
});

export const customerSchema = z.looseObject({
  ...base,
  name: z.string(),
  companyName: z.string().nullish(),
  accountNumber: z.string().nullish(),
  email: z.string().nullish(),
  invoiceCurrency: z.string().nullish(),
});

export const classificationSchema = z.looseObject({
  ...base,
  name: z.string(),
  shortName: z.string().nullish(),
  description: z.string().nullish(),
  parentId: z.string().nullish(),
});

export const bankAccountSchema = z.looseObject({
  ...base,
  bankName: z.string().nullish(),
  nameOnAccount: z.string().nullish(),
  accountNumber: z.string().nullish(),
  type: z.string().nullish(),
  status: z.string().nullish(),
  chartOfAccountId: z.string().nullish(),
  default: z.looseObject({ payables: z.boolean().nullish(), receivables: z.boolean().nullish() }).nullish(),
});

const status = (archived: boolean | null | undefined) => (archived ? 'archived' : 'active') as ListEntry['status'];
const compact = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<T>;

export function categoryEntry(a: z.infer<typeof chartOfAccountSchema>): ListEntry {
  return {
    externalId: a.id,
    ...(a.account?.number ? { code: a.account.number } : {}),
    name: a.name,
    status: status(a.archived),
    ...(a.account?.type ? { type: a.account.type } : {}),
    extra: compact({ parentId: a.parentId, description: a.description }),
  };
}

export function vendorEntry(v: z.infer<typeof vendorSchema>): ListEntry {
  return {
    externalId: v.id,
    ...(v.shortName ? { code: v.shortName } : {}),
    name: v.name,
    status: status(v.archived),
    type: 'supplier',
    ...(v.billCurrency ? { currency: v.billCurrency } : {}),
    // PERSON vendors are usually employees paid back for expense claims.
    extra: compact({ accountType: v.accountType, accountNumber: v.accountNumber, email: v.email }),
  };
}

export function customerEntry(c: z.infer<typeof customerSchema>): ListEntry {
  return {
    externalId: c.id,
    name: c.name,
    status: status(c.archived),
    type: 'customer',
    ...(c.invoiceCurrency ? { currency: c.invoiceCurrency } : {}),
    extra: compact({ companyName: c.companyName, accountNumber: c.accountNumber, email: c.email }),
  };
}

/**
 * BILL's line classifications that Bookbridge offers as projects. The list they came from is
 * kept in the id (`job:0jb…`), because a line must name the right field (jobId, departmentId…).
 */
export const projectParts = [
  { kind: 'job', path: '/classifications/jobs', field: 'jobId', label: 'Job' },
  { kind: 'department', path: '/classifications/departments', field: 'departmentId', label: 'Department' },
  { kind: 'location', path: '/classifications/locations', field: 'locationId', label: 'Location' },
  { kind: 'class', path: '/classifications/accounting-classes', field: 'accountingClassId', label: 'Class' },
] as const;

export type ProjectKind = (typeof projectParts)[number]['kind'];

export function projectEntry(kind: ProjectKind, p: z.infer<typeof classificationSchema>): ListEntry {
  const part = projectParts.find((x) => x.kind === kind)!;
  return {
    externalId: `${kind}:${p.id}`,
    ...(p.shortName ? { code: p.shortName } : {}),
    name: p.name,
    status: status(p.archived),
    type: part.label,
    extra: compact({ parentId: p.parentId ? `${kind}:${p.parentId}` : undefined, description: p.description }),
  };
}

export function bankAccountEntry(b: z.infer<typeof bankAccountSchema>): ListEntry {
  const last4 = (b.accountNumber ?? '').replace(/\D/g, '').slice(-4);
  const kind = b.type ? b.type.charAt(0) + b.type.slice(1).toLowerCase() : 'Account';
  return {
    externalId: b.id,
    name: [b.bankName ?? b.nameOnAccount ?? 'Bank account', kind, last4 ? `••${last4}` : ''].filter(Boolean).join(' '),
    status: status(b.archived),
    ...(b.type ? { type: b.type } : {}),
    currency: 'USD',
    extra: compact({ chartOfAccountId: b.chartOfAccountId, verification: b.status, defaultForPayables: b.default?.payables ?? undefined }),
  };
}

// --- publishing ----------------------------------------------------------------------------

export type BillDocumentKind = 'bill' | 'vendor_credit';

/** Destinations (catalogue) → BILL document. */
export function documentKind(doc: PublishDocument): BillDocumentKind {
  const byDestination: Record<string, BillDocumentKind> = { bill: 'bill', paid_bill: 'bill', vendor_credit: 'vendor_credit' };
  const kind = byDestination[doc.destination];
  const fits = kind === 'vendor_credit' ? doc.itemType === 'purchase_credit_note' : doc.itemType === 'cost' || doc.itemType === 'expense_claim';
  if (!kind || !fits) {
    throw new ProviderError('validation', 'BILL takes cost items and expense claims as bills, and purchase credit notes as vendor credits.', {
      fields: [{ field: 'destination', message: `BILL cannot take a ${doc.itemType.replace(/_/g, ' ')} as "${doc.destination}"` }],
    });
  }
  return kind;
}

/** The number BILL files the document under, and what it is found by later (with the vendor). */
export function referenceOf(doc: PublishDocument): string {
  const ref = (doc.number ?? doc.reference ?? '').trim();
  if (ref) return ref.slice(0, 50);
  return `BB-${doc.idempotencyKey.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase()}`;
}

export interface BillLineOut {
  amount: number;
  description: string;
  quantity?: number;
  price?: number;
  classifications: Record<string, string>;
}

/** `job:0jb…` → `{ jobId: '0jb…' }`; a bare id (older lists) is taken as a job. */
export function projectClassification(project: PublishLine['project']): Record<string, string> {
  if (!project) return {};
  const [kind, id] = project.externalId.includes(':') ? project.externalId.split(':', 2) : ['job', project.externalId];
  const part = projectParts.find((p) => p.kind === kind);
  if (!part || !id) {
    throw new ProviderError('stale_reference', 'The project on this item is not one BILL knows. Refresh the lists and choose another.', { list: 'projects' });
  }
  return { [part.field]: id };
}

function invalid(message: string, field: string): ProviderError {
  return new ProviderError('validation', message, { fields: [{ field, message }] });
}

function money(value: string | undefined, field: string): Big {
  try {
    return new Big(value ?? '0');
  } catch {
    throw invalid(`"${value}" is not an amount.`, field);
  }
}

/** The lines BILL will store: gross amounts to the cent, adding up to the document's total. */
export function billLines(doc: PublishDocument): BillLineOut[] {
  if (doc.lines.length === 0) throw invalid('The item has no lines.', 'lines');
  const exclusive = doc.taxMode === 'exclusive';
  let lineTax = new Big(0);
  const out: BillLineOut[] = doc.lines.map((line, i) => {
    const net = money(line.lineAmount, `lines[${i}].lineAmount`);
    const tax = exclusive && line.taxAmount !== undefined ? money(line.taxAmount, `lines[${i}].taxAmount`) : new Big(0);
    lineTax = lineTax.plus(tax);
    const amount = net.plus(tax).round(2);
    const quantity = money(line.quantity, `lines[${i}].quantity`);
    const price = money(line.unitAmount, `lines[${i}].unitAmount`);
    // Quantity and price only where they still multiply to the amount (no tax folded in).
    const showUnits = !quantity.eq(1) && !quantity.eq(0) && quantity.times(price).round(2).eq(amount);
    return {
      amount: Number(amount.toFixed(2)),
      description: (line.description || doc.contact.name).slice(0, 4000),
      ...(showUnits ? { quantity: Number(quantity.toString()), price: Number(price.toString()) } : {}),
      classifications: {
        chartOfAccountId: line.category.externalId,
        ...projectClassification(line.project),
        ...(line.product ? { itemId: line.product.externalId } : {}),
      },
    };
  });
  const total = money(doc.total, 'total');
  if (exclusive) {
    // Tax given for the item only, not per line: one "Sales tax" line carries the rest.
    const rest = money(doc.totalTax, 'totalTax').minus(lineTax);
    if (rest.gt(0)) out.push({ amount: Number(rest.toFixed(2)), description: 'Sales tax', classifications: { chartOfAccountId: doc.lines[0]!.category.externalId } });
  }
  const sum = out.reduce((s, l) => s.plus(l.amount), new Big(0));
  const diff = total.minus(sum);
  if (diff.abs().gt('0.05')) {
    throw invalid(`The lines come to ${sum.toFixed(2)} but the item's total is ${total.toFixed(2)}.`, 'total');
  }
  if (!diff.eq(0)) {
    // Rounding (tax per line vs per item): the last line absorbs the cents.
    const last = out[out.length - 1]!;
    last.amount = Number(new Big(last.amount).plus(diff).toFixed(2));
    delete last.quantity;
    delete last.price;
  }
  return out;
}

export function billTotal(lines: BillLineOut[]): number {
  return Number(lines.reduce((s, l) => s.plus(l.amount), new Big(0)).toFixed(2));
}

function description(doc: PublishDocument): string | undefined {
  // The supplier's own reference, when it is not already the invoice number.
  const ref = doc.reference?.trim();
  return ref && ref !== referenceOf(doc) ? ref.slice(0, 4000) : undefined;
}

export function billBody(doc: PublishDocument, lines: BillLineOut[]) {
  const note = description(doc);
  return {
    vendorId: doc.contact.externalId,
    dueDate: doc.dueDate ?? doc.date,
    invoice: { invoiceNumber: referenceOf(doc), invoiceDate: doc.date },
    billLineItems: lines,
    ...(note ? { description: note } : {}),
  };
}

export function vendorCreditBody(doc: PublishDocument, lines: BillLineOut[]) {
  const note = description(doc);
  if (lines.some((l) => l.amount <= 0)) {
    throw invalid('Every line of a BILL vendor credit must be more than zero.', 'lines');
  }
  return {
    vendorId: doc.contact.externalId,
    referenceNumber: referenceOf(doc),
    creditDate: doc.date,
    vendorCreditLineItems: lines.map(({ amount, description: text, classifications }) => ({ amount, description: text, classifications })),
    ...(note ? { description: note } : {}),
  };
}

/** `POST /v3/bills/record-payment` for a bill paid outside BILL, from the bank account's ledger account. */
export function recordPaymentBody(doc: PublishDocument, billId: string, amount: number, chartOfAccountId?: string) {
  return {
    vendorId: doc.contact.externalId,
    processDate: doc.paid!.date,
    toPrintCheck: false,
    payments: [{ billId, amount }],
    ...(chartOfAccountId ? { classifications: { chartOfAccountId } } : {}),
    description: `Paid outside BILL (${referenceOf(doc)})`.slice(0, 4000),
  };
}

export const billSchema = z.looseObject({
  id: z.string(),
  archived: z.boolean().nullish(),
  vendorId: z.string().nullish(),
  amount: z.number().nullish(),
  dueAmount: z.number().nullish(),
  paidAmount: z.number().nullish(),
  paymentStatus: z.string().nullish(),
  invoice: z.looseObject({ invoiceNumber: z.string().nullish(), invoiceDate: z.string().nullish() }).nullish(),
});

export const vendorCreditSchema = z.looseObject({
  id: z.string(),
  archived: z.boolean().nullish(),
  vendorId: z.string().nullish(),
  amount: z.number().nullish(),
  referenceNumber: z.string().nullish(),
});

export const listPageSchema = z.looseObject({ nextPage: z.string().nullish(), prevPage: z.string().nullish(), results: z.array(z.unknown()) });
