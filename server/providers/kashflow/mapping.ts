/**
 * KashFlow objects ↔ Bookbridge: list entries in, documents out. Pure functions, so the
 * arithmetic (net from gross, per-unit rates, credits as negatives) is tested on its own.
 */
import Big from 'big.js';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { ListEntry, PublishDocument, PublishLine } from '../types.js';

// --- KashFlow's list objects (only the fields we use; the rest is kept in `extra`) ---------

const num = z.coerce.number();
export const nominalSchema = z.looseObject({
  Id: num.optional(),
  Code: num,
  Name: z.string(),
  Type: z.union([z.string(), z.number()]).optional(),
  VATRate: num.nullish(),
  Archived: z.boolean().nullish(),
  ControlAccountClassification: z.string().nullish(),
  Disallowed: z.boolean().nullish(),
  VATExempt: z.boolean().nullish(),
});
export const contactSchema = z.looseObject({
  Id: num.optional(),
  Code: z.string(),
  Name: z.string(),
  Currency: z.looseObject({ Code: z.string().nullish() }).nullish(),
  IsArchived: z.boolean().nullish(),
  DefaultVatRate: num.nullish(),
  DefaultNominalCode: num.nullish(),
  VATNumber: z.string().nullish(),
});
export const vatRateSchema = z.looseObject({ VATId: num, VATRate: num, VATText: z.string().nullish() });
export const productSchema = z.looseObject({
  Id: num.optional(),
  Code: z.string(),
  Name: z.string(),
  NominalCode: num,
  VATRate: num.nullish(),
  Price: num.nullish(),
  IsArchived: z.boolean().nullish(),
});
export const projectSchema = z.looseObject({
  Id: num.optional(),
  Number: num,
  Name: z.string(),
  Reference: z.string().nullish(),
  Status: z.union([z.number(), z.string()]).nullish(),
  CustomerCode: z.string().nullish(),
});
export const bankAccountSchema = z.looseObject({
  Id: num,
  AccountName: z.string(),
  Code: num.nullish(),
  IsArchived: z.boolean().nullish(),
  IsDefaultAccount: z.boolean().nullish(),
  DefaultPurchasePaymentType: z.looseObject({ Id: num, Name: z.string().nullish() }).nullish(),
});
export const pageSchema = z.looseObject({
  MetaData: z.looseObject({ TotalRecords: num.nullish(), NextPageUrl: z.string().nullish() }).nullish(),
  Data: z.array(z.unknown()),
});

const rate = (value: number | null | undefined) => (value === null || value === undefined ? undefined : new Big(value).toFixed(2));

function omit<T extends Record<string, unknown>>(value: T, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}

export function nominalEntry(n: z.infer<typeof nominalSchema>): ListEntry {
  return {
    externalId: String(n.Code),
    code: String(n.Code),
    name: n.Name,
    status: n.Archived ? 'archived' : 'active',
    type: n.Type === undefined ? undefined : String(n.Type),
    taxRate: rate(n.VATRate),
    // Control accounts (debtors, creditors, VAT, bank) exist in the chart but take no postings.
    extra: { ...omit(n, ['Code', 'Name', 'Archived', 'Type', 'VATRate']), controlAccount: Boolean(n.ControlAccountClassification) },
  };
}

export function contactEntry(c: z.infer<typeof contactSchema>, kind: 'supplier' | 'customer'): ListEntry {
  return {
    // Suppliers and customers are separate lists in KashFlow; the same code may be in both.
    externalId: `${kind}:${c.Code}`,
    code: c.Code,
    name: c.Name,
    status: c.IsArchived ? 'archived' : 'active',
    type: kind,
    currency: c.Currency?.Code ?? undefined,
    extra: {
      id: c.Id,
      vatNumber: c.VATNumber || undefined,
      defaultTaxRate: rate(c.DefaultVatRate),
      defaultNominalCode: c.DefaultNominalCode ?? undefined,
    },
  };
}

export function vatRateEntry(v: z.infer<typeof vatRateSchema>): ListEntry {
  return { externalId: String(v.VATId), code: String(v.VATId), name: v.VATText || `${v.VATRate}%`, status: 'active', type: 'VAT', taxRate: rate(v.VATRate) };
}

export function productEntry(p: z.infer<typeof productSchema>): ListEntry {
  return {
    // KashFlow addresses a product by nominal code + product code.
    externalId: `${p.NominalCode}/${p.Code}`,
    code: p.Code,
    name: p.Name,
    status: p.IsArchived ? 'archived' : 'active',
    taxRate: rate(p.VATRate),
    extra: omit(p, ['Code', 'Name', 'IsArchived', 'VATRate']),
  };
}

const projectStatuses: Record<string, string> = { '0': 'active', '1': 'completed', '2': 'archived' };

export function projectEntry(p: z.infer<typeof projectSchema>): ListEntry {
  const status = projectStatuses[String(p.Status ?? 0)] ?? String(p.Status).toLowerCase();
  return {
    externalId: String(p.Number),
    code: p.Reference || String(p.Number),
    name: p.Name,
    status: status === 'archived' ? 'archived' : 'active',
    extra: { number: p.Number, projectStatus: status, customerCode: p.CustomerCode ?? undefined },
  };
}

export function bankAccountEntry(b: z.infer<typeof bankAccountSchema>): ListEntry {
  return {
    externalId: String(b.Id),
    code: b.Code === null || b.Code === undefined ? undefined : String(b.Code),
    name: b.AccountName,
    status: b.IsArchived ? 'archived' : 'active',
    extra: { isDefault: Boolean(b.IsDefaultAccount), defaultPaymentMethod: b.DefaultPurchasePaymentType ?? undefined },
  };
}

// --- documents out -------------------------------------------------------------------------

export type KashflowDestination = 'purchase' | 'purchase_credit' | 'expense' | 'invoice' | 'invoice_credit';

export const destinations: readonly KashflowDestination[] = ['purchase', 'purchase_credit', 'expense', 'invoice', 'invoice_credit'];

/** Where each destination lives: REST collection and the web app page. */
export function objectTypeOf(destination: KashflowDestination): 'purchases' | 'invoices' | 'expenses' {
  return destination === 'expense' ? 'expenses' : destination.startsWith('invoice') ? 'invoices' : 'purchases';
}

export function isCredit(destination: KashflowDestination): boolean {
  return destination === 'purchase_credit' || destination === 'invoice_credit';
}

export interface KashflowLine {
  Description: string;
  Quantity: number;
  Rate: number;
  VATLevel: number;
  VATAmount: number;
  NominalCode: number;
  ProjectNumber?: number;
  ProductCode?: string;
}

function invalid(message: string, field: string): ProviderError {
  return new ProviderError('validation', message, { fields: [{ field, message }] });
}

function nominalCode(line: PublishLine, index: number): number {
  const raw = line.category.code ?? line.category.externalId;
  const code = Number(raw);
  if (!Number.isInteger(code) || code <= 0) throw invalid(`Line ${index + 1} has no KashFlow nominal code (got "${raw}").`, `lines[${index}].category`);
  return code;
}

/** Codes as the list import stored them: `supplier:ACME01` → ACME01. */
export function contactCode(contact: PublishDocument['contact']): string {
  const code = contact.code ?? contact.externalId.replace(/^(supplier|customer):/, '');
  if (!code) throw invalid(`${contact.name} has no KashFlow code: refresh the supplier and customer list.`, 'contact');
  return code;
}

/**
 * The line's VAT percentage: from the tax rate on the line, or looked up by its id in the
 * account's VAT rates; none (no tax) is 0.
 */
export function vatLevel(doc: PublishDocument, line: PublishLine, index: number, ratesById: ReadonlyMap<string, string>): Big {
  if (doc.taxMode === 'no_tax' || !line.tax) return new Big(0);
  const percent = line.tax.rate ?? ratesById.get(line.tax.externalId);
  if (percent === undefined) throw invalid(`Line ${index + 1}: KashFlow has no VAT rate "${line.tax.code ?? line.tax.externalId}".`, `lines[${index}].tax`);
  return new Big(percent);
}

/**
 * KashFlow lines are net unit price × quantity with the VAT amount beside it. A credit
 * (no credit note document in KashFlow's API) is the same lines with negative amounts.
 */
export function kashflowLines(doc: PublishDocument, ratesById: ReadonlyMap<string, string>, credit: boolean): KashflowLine[] {
  if (doc.lines.length === 0) throw invalid('The item has no lines.', 'lines');
  // A credit is sent negative; one already entered with negative amounts stays as it is.
  const sign = credit && new Big(doc.total).gt(0) ? -1 : 1;
  return doc.lines.map((line, i) => {
    const percent = vatLevel(doc, line, i, ratesById);
    const amount = new Big(line.lineAmount);
    let tax: Big;
    if (doc.taxMode === 'no_tax') tax = new Big(0);
    else if (line.taxAmount !== undefined) tax = new Big(line.taxAmount);
    else if (doc.taxMode === 'inclusive') tax = amount.times(percent).div(percent.plus(100)).round(2);
    else tax = amount.times(percent).div(100).round(2);
    const net = doc.taxMode === 'inclusive' ? amount.minus(tax) : amount;
    let quantity = new Big(line.quantity || '1');
    if (quantity.eq(0)) quantity = new Big(1);
    let unit = net.div(quantity).round(4);
    let description = line.description;
    // KashFlow multiplies back (rounded to pence); if that misses the line total, send one unit.
    if (!unit.times(quantity).round(2).eq(net.round(2))) {
      description = `${line.description} (${line.quantity} × ${line.unitAmount})`;
      quantity = new Big(1);
      unit = net;
    }
    const out: KashflowLine = {
      Description: description,
      Quantity: Number(quantity),
      Rate: Number(unit.times(sign)),
      VATLevel: Number(percent),
      VATAmount: Number(tax.times(sign).round(2)),
      NominalCode: nominalCode(line, i),
    };
    if (line.project) {
      const project = Number(line.project.externalId);
      if (Number.isInteger(project)) out.ProjectNumber = project;
    }
    const product = line.product?.code ?? line.product?.externalId.split('/').pop();
    if (product) out.ProductCode = product;
    return out;
  });
}

/** What we can find the document by later: its reference, or a short Bookbridge marker. */
export function lookupReference(doc: PublishDocument): string {
  const ref = doc.reference?.trim();
  if (ref) return ref.slice(0, 50);
  return `BB-${doc.idempotencyKey.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase()}`;
}

/** The gross total KashFlow will store for these lines (to recognise the document on lookup). */
export function grossOf(lines: KashflowLine[]): number {
  return Number(
    lines.reduce((sum, l) => sum.plus(new Big(l.Quantity).times(l.Rate).round(2)).plus(l.VATAmount), new Big(0)).round(2),
  );
}

function currency(doc: PublishDocument) {
  const code = doc.currency.toUpperCase();
  if (code === 'GBP') return undefined;
  if (!doc.currencyRate) throw invalid(`An exchange rate is needed to publish in ${code}.`, 'currencyRate');
  return { Code: code, ExchangeRate: Number(doc.currencyRate) };
}

export interface PaymentDefaults {
  /** KashFlow payment method id for the bank account (its default purchase payment type). */
  method: number;
  accountId: number;
}

function paymentLines(doc: PublishDocument, payment: PaymentDefaults | undefined, gross: number) {
  if (!doc.paid || !payment) return undefined;
  // Paid in full: the payment matches the document's sign (a refund on a credit).
  const amount = Math.sign(gross) * Math.abs(Number(doc.paid.amount));
  return [{ Date: doc.paid.date, Amount: amount, Method: payment.method, AccountId: payment.accountId, Note: 'Published by Bookbridge' }];
}

export function purchaseBody(doc: PublishDocument, lines: KashflowLine[], payment?: PaymentDefaults) {
  return {
    SupplierCode: contactCode(doc.contact),
    SupplierReference: lookupReference(doc),
    IssuedDate: doc.date,
    DueDate: doc.dueDate ?? doc.date,
    Currency: currency(doc),
    LineItems: lines,
    PaymentLines: paymentLines(doc, payment, grossOf(lines)),
  };
}

/** A numeric item number becomes the invoice Number (unique per account: a natural lookup key). */
export function invoiceNumber(doc: PublishDocument): number | undefined {
  return doc.number && /^\d{1,9}$/.test(doc.number.trim()) ? Number(doc.number) : undefined;
}

export function invoiceBody(doc: PublishDocument, lines: KashflowLine[], payment?: PaymentDefaults) {
  return {
    Number: invoiceNumber(doc),
    CustomerCode: contactCode(doc.contact),
    CustomerReference: lookupReference(doc),
    IssuedDate: doc.date,
    DueDate: doc.dueDate ?? doc.date,
    Currency: currency(doc),
    LineItems: lines,
    PaymentLines: paymentLines(doc, payment, grossOf(lines)),
  };
}

/**
 * A bank payment (KashFlow "expense") has one nominal code and one VAT rate, and its amount
 * is gross: KashFlow works the VAT out of it as amount × rate / (100 + rate).
 */
export function expenseBody(doc: PublishDocument, lines: KashflowLine[], payment: PaymentDefaults) {
  const first = lines[0]!;
  if (lines.some((l) => l.NominalCode !== first.NominalCode || l.VATLevel !== first.VATLevel)) {
    throw invalid('A KashFlow bank payment takes one category and one VAT rate: split the item or publish it as a purchase invoice.', 'lines');
  }
  const gross = new Big(grossOf(lines));
  const vat = gross.times(first.VATLevel).div(first.VATLevel + 100).round(2);
  const ref = lookupReference(doc);
  return {
    SupplierCode: contactCode(doc.contact),
    BankAccountId: payment.accountId,
    PaymentMethod: payment.method,
    NominalCode: first.NominalCode,
    IssuedDate: doc.paid?.date ?? doc.date,
    Amount: Number(gross),
    VATLevel: first.VATLevel,
    VATAmount: Number(vat),
    Comment: ref,
    ExpenseArticle: first.Description.slice(0, 100),
  };
}
