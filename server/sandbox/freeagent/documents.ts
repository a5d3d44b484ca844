/**
 * Creating and changing documents with FreeAgent's rules: bills (positive, or negative as a
 * "bill refund"), invoices and credit notes (always created as Draft), expenses (single or a
 * batch) and bank transaction explanations (which create their bank transaction, and pay
 * bills or invoices). Tax follows dev.freeagent.com/docs/sales_tax: a rate computes the tax
 * from the gross, `manual_sales_tax_amount` overrides it, and no rate (or "Auto") takes the
 * category's default rate. Refusals are 422s with FreeAgent's error body.
 */
import Big from 'big.js';
import { DecimalError, fa, optionalDec, taxInGross, taxOnNet, zero } from './money.js';
import { billStatus, salesStatus, today } from './present.js';
import type { CategoryRecord, ContactRecord, UserRecord } from './seed.js';
import {
  nextId,
  type AttachmentRecord,
  type BillItemRecord,
  type BillRecord,
  type CompanyState,
  type ExpenseRecord,
  type ExplanationRecord,
  type SalesDocumentRecord,
  type SalesItemRecord,
  type SandboxState,
} from './state.js';
import { idFromUrl, numericIdFromUrl } from './urls.js';

type Json = Record<string, unknown>;

/** A 422: FreeAgent answers `{"errors":{"error":{"message":…}}}` (several: an array). */
export class Unprocessable extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

export interface WriteContext {
  state: SandboxState;
  company: CompanyState;
  clientId: string;
  user: UserRecord;
}

const currencies: Record<string, string> = {
  GBP: '1.0',
  EUR: '0.8532',
  USD: '0.7861',
  AUD: '0.5124',
  CAD: '0.5733',
  CHF: '0.8914',
  SEK: '0.0731',
  NOK: '0.0712',
  DKK: '0.1143',
  PLN: '0.1987',
  NZD: '0.4702',
  JPY: '0.0052',
};

const ecStatuses = new Set(['UK/Non-EC', 'EC Goods', 'EC Services', 'Reverse Charge']);
const taxStatuses = new Set(['TAXABLE', 'EXEMPT', 'OUT_OF_SCOPE']);
const attachmentTypes = new Set(['image/png', 'image/x-png', 'image/jpeg', 'image/jpg', 'image/gif', 'application/x-pdf']);
const billUnits = new Set(['-no unit-', 'Hours', 'Days', 'Weeks', 'Months', 'Years', 'Products', 'Services', 'Training', 'Stock']);
const salesItemTypes = new Set(['Hours', 'Days', 'Weeks', 'Months', 'Years', 'Products', 'Services', 'Training', 'Expenses', 'Comment', 'Bills', 'Discount', 'Credit', 'VAT', 'Stock', '']);

/** Collects messages so one 422 names every problem, as FreeAgent's validation does. */
class Problems {
  readonly list: string[] = [];
  add(message: string): undefined {
    this.list.push(message);
    return undefined;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new Unprocessable(this.list);
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);

function date(v: unknown, label: string, p: Problems, required = true): string | undefined {
  const s = text(v);
  if (!s) return required ? p.add(`${label} can't be blank`) : undefined;
  const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!d || Number.isNaN(Date.parse(`${d[0]}T00:00:00Z`)) || new Date(`${d[0]}T00:00:00Z`).toISOString().slice(0, 10) !== d[0]) {
    return p.add(`${label} is not a valid date`);
  }
  return d[0];
}

function decimal(v: unknown, label: string, p: Problems): Big | undefined {
  try {
    return optionalDec(v, label);
  } catch (e) {
    if (e instanceof DecimalError) return p.add(`${label} is not a number`);
    throw e;
  }
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function contactOf(ctx: WriteContext, v: unknown, p: Problems): ContactRecord | undefined {
  if (v === undefined || v === null || v === '') return p.add("Contact can't be blank");
  const id = numericIdFromUrl(v, 'contacts');
  const contact = id === undefined ? undefined : ctx.company.data.contacts.find((c) => c.id === id);
  return contact ?? p.add('Contact is invalid');
}

function categoryOf(ctx: WriteContext, v: unknown, label: string, p: Problems): CategoryRecord | undefined {
  if (v === undefined || v === null || v === '') return p.add(`${label}Category can't be blank`);
  const code = idFromUrl(v, 'categories');
  const category = code === undefined ? undefined : ctx.company.data.categories.find((c) => c.nominalCode === code);
  return category ?? p.add(`${label}Category is invalid`);
}

function projectOf(ctx: WriteContext, v: unknown, p: Problems): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const id = numericIdFromUrl(v, 'projects');
  const project = id === undefined ? undefined : ctx.company.data.projects.find((x) => x.id === id);
  return project ? project.id : p.add('Project is invalid');
}

function currencyOf(ctx: WriteContext, v: unknown, p: Problems): string {
  const code = text(v)?.toUpperCase() ?? ctx.company.data.currency;
  if (!(code in currencies)) {
    p.add('Currency is not a supported currency');
    return ctx.company.data.currency;
  }
  return code;
}

function exchangeRateOf(ctx: WriteContext, currency: string, v: unknown, p: Problems): Big {
  if (currency === ctx.company.data.currency) return new Big(1);
  const given = decimal(v, 'Exchange rate', p);
  if (given !== undefined && given.lte(0)) p.add('Exchange rate must be greater than 0');
  return given ?? new Big(currencies[currency] ?? '1');
}

function ecStatusOf(v: unknown, datedOn: string | undefined, p: Problems, extra: string[] = []): string {
  const s = text(v) ?? 'UK/Non-EC';
  if (!ecStatuses.has(s) && !extra.includes(s)) p.add('EC status is not included in the list');
  // GB companies: EC Goods/Services end with Brexit; Reverse Charge starts then (FreeAgent docs).
  if (datedOn && datedOn >= '2021-01-01' && (s === 'EC Goods' || s === 'EC Services')) p.add(`EC status ${s} is not valid for a date after 31 December 2020`);
  if (datedOn && datedOn < '2021-01-01' && s === 'Reverse Charge') p.add('EC status Reverse Charge is only valid from 1 January 2021');
  return s;
}

const registered = (ctx: WriteContext) => ctx.company.data.salesTaxRegistrationStatus === 'Registered';

function autoRate(ctx: WriteContext, category: CategoryRecord | undefined): { rate?: Big; status: 'TAXABLE' | 'EXEMPT' | 'OUT_OF_SCOPE' } {
  const [standard = '20.0', reduced = '5.0', zeroRate = '0.0'] = ctx.company.data.salesTaxRates;
  switch (category?.autoSalesTaxRate) {
    case 'Standard rate':
      return { rate: new Big(standard), status: 'TAXABLE' };
    case 'Reduced rate':
      return { rate: new Big(reduced), status: 'TAXABLE' };
    case 'Zero rate':
      return { rate: new Big(zeroRate), status: 'TAXABLE' };
    case 'Exempt':
      return { status: 'EXEMPT' };
    case 'Outside of the scope of VAT':
      return { status: 'OUT_OF_SCOPE' };
    default:
      return { rate: new Big(zeroRate), status: 'TAXABLE' };
  }
}

interface TaxInput {
  gross?: Big;
  net?: Big;
  rate: unknown;
  manual: unknown;
  status: unknown;
  category?: CategoryRecord;
  /** Foreign-currency expenses: a rate is ignored (only a manual amount counts). */
  ignoreRate?: boolean;
  label: string;
}

interface TaxResult {
  gross: Big;
  net: Big;
  /** Always positive here; callers sign it. */
  tax: Big;
  rate?: string;
  status: 'TAXABLE' | 'EXEMPT' | 'OUT_OF_SCOPE';
  manual?: string;
}

/** Works out gross, net and tax for one purchase line (bill item, expense, explanation). */
function purchaseTax(ctx: WriteContext, input: TaxInput, p: Problems): TaxResult | undefined {
  const statusText = text(input.status)?.toUpperCase();
  if (statusText && !taxStatuses.has(statusText)) p.add(`${input.label}Sales tax status is not included in the list`);
  const manual = decimal(input.manual, `${input.label}Manual sales tax amount`, p);
  const rateText = text(input.rate);
  let rate: Big | undefined;
  let status: TaxResult['status'] = (statusText as TaxResult['status']) ?? 'TAXABLE';
  if (rateText !== undefined && rateText.toLowerCase() !== 'auto') {
    rate = decimal(rateText, `${input.label}Sales tax rate`, p);
    if (rate && registered(ctx) && !ctx.company.data.salesTaxRates.some((r) => new Big(r).eq(rate as Big))) {
      p.add(`${input.label}Sales tax rate is not one of the company's rates (${ctx.company.data.salesTaxRates.join(', ')})`);
    }
  } else if (!statusText) {
    const auto = autoRate(ctx, input.category);
    rate = auto.rate;
    status = auto.status;
  }
  if (input.gross === undefined && input.net === undefined) return undefined;
  const sign = (input.gross ?? input.net ?? zero).lt(0) ? -1 : 1;
  const abs = (input.gross ?? input.net ?? zero).abs();
  let tax = zero;
  let shownRate: string | undefined;
  if (!registered(ctx) || status !== 'TAXABLE') {
    tax = zero;
  } else if (manual !== undefined) {
    tax = manual.abs();
  } else if (!input.ignoreRate && rate !== undefined) {
    tax = input.gross !== undefined ? taxInGross(abs, rate) : taxOnNet(abs, rate);
    shownRate = fa(rate, 4);
  } else {
    shownRate = '0.0';
  }
  const gross = input.gross !== undefined ? abs : abs.plus(tax);
  const net = input.gross !== undefined ? abs.minus(tax) : abs;
  if (tax.gt(gross)) p.add(`${input.label}Sales tax is more than the gross value`);
  return {
    gross: gross.times(sign),
    net: net.times(sign),
    tax: tax.times(sign),
    rate: shownRate,
    status: registered(ctx) ? status : 'OUT_OF_SCOPE',
    manual: manual === undefined || !registered(ctx) ? undefined : fa(manual.abs()),
  };
}

/** Reads an embedded attachment (base64, ≤ 5 MB, FreeAgent's content types). */
function attachmentOf(ctx: WriteContext, v: unknown, p: Problems): Omit<AttachmentRecord, 'id' | 'parent'> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') return p.add('Attachment is invalid');
  const a = v as Json;
  const data = typeof a.data === 'string' ? a.data.replace(/\s+/g, '') : '';
  const fileName = text(a.file_name);
  const contentType = text(a.content_type)?.toLowerCase();
  if (!data || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) p.add('Attachment data must be base64 encoded');
  if (!fileName) p.add("Attachment file name can't be blank");
  if (!contentType || !attachmentTypes.has(contentType)) p.add('Attachment content type is not supported (use image/png, image/jpeg, image/gif or application/x-pdf)');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > ctx.state.attachmentMaxBytes) p.add('Attachment file size must be less than 5 MB');
  if (p.list.some((m) => m.startsWith('Attachment'))) return undefined;
  return { fileName: fileName as string, contentType: contentType as string, description: text(a.description), fileSize: bytes.length, data: new Uint8Array(bytes) };
}

function storeAttachment(ctx: WriteContext, attachment: Omit<AttachmentRecord, 'id' | 'parent'>, parent: AttachmentRecord['parent'], replaces?: number): number {
  // One attachment per object: a new one replaces the old.
  if (replaces !== undefined) ctx.company.attachments.delete(replaces);
  const id = nextId(ctx.company, 'attachments');
  ctx.company.attachments.set(id, { ...attachment, id, parent });
  return id;
}

function rootOf(body: unknown, root: string): Json {
  if (typeof body !== 'object' || body === null || typeof (body as Json)[root] !== 'object' || (body as Json)[root] === null) {
    throw new Unprocessable([`The request must have a root ${root} element`]);
  }
  return (body as Json)[root] as Json;
}

// --- bills --------------------------------------------------------------------------------

export function createBill(ctx: WriteContext, body: unknown): BillRecord {
  const b = rootOf(body, 'bill');
  const p = new Problems();
  const contact = contactOf(ctx, b.contact, p);
  const reference = text(b.reference) ?? p.add("Reference can't be blank");
  const datedOn = date(b.dated_on, 'Dated on', p);
  const dueOn = date(b.due_on, 'Due on', p);
  if (datedOn && dueOn && dueOn < datedOn) p.add('Due on must be on or after the bill date');
  const currency = currencyOf(ctx, b.currency, p);
  const exchangeRate = exchangeRateOf(ctx, currency, b.exchange_rate, p);
  const ecStatus = ecStatusOf(b.ec_status, datedOn, p);
  const projectId = projectOf(ctx, b.project ?? b.rebill_to_project, p);
  const rawItems = Array.isArray(b.bill_items) ? (b.bill_items as unknown[]) : [];
  if (rawItems.length === 0) p.add("Bill items can't be blank");
  if (rawItems.length > 40) p.add('Bill items: a bill can have at most 40 items');
  const items: BillItemRecord[] = [];
  rawItems.slice(0, 40).forEach((raw, i) => {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
    const label = rawItems.length > 1 ? `Bill item ${i + 1}: ` : 'Bill item ';
    const category = categoryOf(ctx, item.category, label, p);
    const gross = decimal(item.total_value, `${label}Total value`, p);
    const net = gross === undefined ? decimal(item.total_value_ex_tax, `${label}Total value ex tax`, p) : undefined;
    if (gross === undefined && net === undefined && !p.list.some((m) => m.startsWith(`${label}Total value`))) p.add(`${label}Total value can't be blank`);
    const unit = text(item.unit);
    if (unit && !billUnits.has(unit)) p.add(`${label}Unit is not included in the list`);
    const quantity = decimal(item.quantity, `${label}Quantity`, p) ?? new Big(1);
    const taxed = purchaseTax(ctx, { gross, net, rate: item.sales_tax_rate, manual: item.manual_sales_tax_amount, status: item.sales_tax_status, category, label }, p);
    if (!category || !taxed) return;
    items.push({
      id: 0,
      categoryCode: category.nominalCode,
      description: text(item.description),
      quantity: fa(quantity),
      unit,
      totalValue: fa(taxed.gross),
      totalValueExTax: fa(taxed.net),
      salesTaxRate: taxed.rate,
      salesTaxStatus: taxed.status,
      // Purchases: FreeAgent shows the (reclaimable) tax negated.
      salesTaxValue: fa(taxed.tax.times(-1)),
      manualSalesTaxAmount: taxed.manual,
      projectId: projectOf(ctx, item.project, p),
    });
  });
  const attachment = attachmentOf(ctx, b.attachment, p);
  p.throwIfAny();
  const now = ctx.state.now();
  const id = nextId(ctx.company, 'bills');
  for (const item of items) item.id = nextId(ctx.company, 'bill_items');
  const sum = (pick: (i: BillItemRecord) => string) => items.reduce((s, i) => s.plus(pick(i)), zero);
  const bill: BillRecord = {
    id,
    contactId: (contact as ContactRecord).id,
    reference: reference as string,
    datedOn: datedOn as string,
    dueOn: dueOn as string,
    currency,
    exchangeRate: fa(exchangeRate, 6),
    comments: text(b.comments),
    ecStatus,
    projectId,
    items,
    totalValue: fa(sum((i) => i.totalValue)),
    netValue: fa(sum((i) => i.totalValueExTax)),
    salesTaxValue: fa(sum((i) => i.salesTaxValue)),
    createdByClientId: ctx.clientId,
    createdAt: now,
    updatedAt: now,
  };
  if (attachment) bill.attachmentId = storeAttachment(ctx, attachment, { kind: 'bill', id });
  ctx.company.bills.set(id, bill);
  (contact as ContactRecord).isSupplier = true;
  ctx.state.stats.documentsCreated++;
  return bill;
}

/** PUT /v2/bills/:id: header fields and the attachment (bill item edits are not emulated). */
export function updateBill(ctx: WriteContext, bill: BillRecord, body: unknown): BillRecord {
  const b = rootOf(body, 'bill');
  const p = new Problems();
  if (b.bill_items !== undefined) p.add('The sandbox does not emulate changing bill items: delete the bill and create it again');
  const reference = b.reference === undefined ? undefined : (text(b.reference) ?? p.add("Reference can't be blank"));
  const dueOn = b.due_on === undefined ? undefined : date(b.due_on, 'Due on', p);
  const attachment = attachmentOf(ctx, b.attachment, p);
  p.throwIfAny();
  if (reference) bill.reference = reference;
  if (dueOn) bill.dueOn = dueOn;
  if (b.comments !== undefined) bill.comments = text(b.comments);
  if (attachment) bill.attachmentId = storeAttachment(ctx, attachment, { kind: 'bill', id: bill.id }, bill.attachmentId);
  bill.updatedAt = ctx.state.now();
  return bill;
}

// --- invoices and credit notes --------------------------------------------------------------

export function createSalesDocument(ctx: WriteContext, body: unknown, kind: 'invoice' | 'credit_note'): SalesDocumentRecord {
  const root = rootOf(body, kind);
  const p = new Problems();
  const contact = contactOf(ctx, root.contact, p);
  const datedOn = date(root.dated_on, 'Dated on', p);
  const termsRaw = root.payment_terms_in_days;
  const terms = termsRaw === undefined || termsRaw === null || termsRaw === '' ? p.add("Payment terms in days can't be blank") : Number(termsRaw);
  if (terms !== undefined && (!Number.isInteger(terms) || terms < 0)) p.add('Payment terms in days must be a whole number of days');
  const dueOn = root.due_on !== undefined ? date(root.due_on, 'Due on', p) : datedOn && terms !== undefined && Number.isInteger(terms) ? addDays(datedOn, terms) : undefined;
  const currency = currencyOf(ctx, root.currency, p);
  const exchangeRate = exchangeRateOf(ctx, currency, root.exchange_rate, p);
  const ecStatus = ecStatusOf(root.ec_status, datedOn, p, ['EC VAT MOSS']);
  const projectId = projectOf(ctx, root.project, p);
  const collection = kind === 'invoice' ? ctx.company.invoices : ctx.company.creditNotes;
  let reference = text(root.reference);
  if (reference && [...collection.values()].some((d) => d.reference === reference)) p.add('Reference has already been taken');
  const itemsKey = `${kind}_items`;
  const rawItems = Array.isArray(root[itemsKey]) ? (root[itemsKey] as unknown[]) : [];
  const label = kind === 'invoice' ? 'Invoice item' : 'Credit note item';
  const [standard = '20.0'] = ctx.company.data.salesTaxRates;
  const items: SalesItemRecord[] = [];
  rawItems.forEach((raw, i) => {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
    const prefix = rawItems.length > 1 ? `${label} ${i + 1}: ` : `${label} `;
    const description = text(item.description) ?? p.add(`${prefix}description can't be blank`);
    const itemType = text(item.item_type) ?? '';
    if (!salesItemTypes.has(itemType)) p.add(`${prefix}item type is not included in the list`);
    const price = decimal(item.price, `${prefix}price`, p) ?? (itemType === 'Comment' ? zero : p.add(`${prefix}price can't be blank`));
    const quantity = decimal(item.quantity, `${prefix}quantity`, p) ?? zero;
    const statusText = text(item.sales_tax_status)?.toUpperCase();
    // Invoice items take TAXABLE or EXEMPT only; credit note items also OUT_OF_SCOPE (FreeAgent docs).
    const allowed = kind === 'invoice' ? ['TAXABLE', 'EXEMPT'] : [...taxStatuses];
    if (statusText && !allowed.includes(statusText)) p.add(`${prefix}sales tax status is not included in the list`);
    let rate = decimal(item.sales_tax_rate, `${prefix}sales tax rate`, p);
    if (rate && registered(ctx) && !ctx.company.data.salesTaxRates.some((r) => new Big(r).eq(rate as Big))) {
      p.add(`${prefix}sales tax rate is not one of the company's rates (${ctx.company.data.salesTaxRates.join(', ')})`);
    }
    // No rate: the contact's charge_sales_tax decides (Auto = UK contacts are charged).
    if (rate === undefined && !statusText) rate = contact?.chargeSalesTax === 'Never' ? zero : new Big(standard);
    const category = item.category === undefined ? undefined : categoryOf(ctx, item.category, prefix, p);
    const itemProject = projectOf(ctx, item.project, p);
    if (price === undefined || description === undefined) return;
    const net = price.times(quantity).round(2);
    const taxable = registered(ctx) && (statusText ?? 'TAXABLE') === 'TAXABLE';
    const tax = taxable && rate ? taxOnNet(net, rate) : zero;
    items.push({
      id: 0,
      position: i + 1,
      itemType: itemType || undefined,
      quantity: fa(quantity),
      price: fa(price, 4),
      description,
      salesTaxRate: taxable && rate ? fa(rate) : undefined,
      salesTaxStatus: registered(ctx) ? ((statusText as SalesItemRecord['salesTaxStatus']) ?? 'TAXABLE') : 'OUT_OF_SCOPE',
      salesTaxValue: fa(tax),
      categoryCode: category?.nominalCode,
      projectId: itemProject,
    });
  });
  p.throwIfAny();
  const now = ctx.state.now();
  const id = nextId(ctx.company, kind === 'invoice' ? 'invoices' : 'credit_notes');
  for (const item of items) item.id = nextId(ctx.company, `${kind}_items`);
  if (!reference) {
    // FreeAgent's global sequence: the next number, zero-padded like "003".
    const next = kind === 'invoice' ? ++ctx.company.invoiceSequence : ++ctx.company.creditNoteSequence;
    reference = `${kind === 'invoice' ? '' : 'CN'}${String(next).padStart(3, '0')}`;
  }
  const net = items.reduce((s, i) => s.plus(new Big(i.price).times(i.quantity).round(2)), zero);
  const tax = items.reduce((s, i) => s.plus(i.salesTaxValue), zero);
  const doc: SalesDocumentRecord = {
    id,
    contactId: (contact as ContactRecord).id,
    projectId,
    reference,
    datedOn: datedOn as string,
    dueOn: dueOn as string,
    paymentTermsInDays: terms as number,
    currency,
    exchangeRate: fa(exchangeRate, 6),
    state: 'Draft',
    comments: text(root.comments),
    ecStatus: root.ec_status === undefined ? undefined : ecStatus,
    items,
    netValue: fa(net),
    salesTaxValue: fa(tax),
    totalValue: fa(net.plus(tax)),
    createdByClientId: ctx.clientId,
    createdAt: now,
    updatedAt: now,
  };
  collection.set(id, doc);
  (contact as ContactRecord).isClient = true;
  ctx.state.stats.documentsCreated++;
  return doc;
}

/** PUT …/transitions/<name>: FreeAgent's way to change an invoice's or credit note's state. */
export function transition(ctx: WriteContext, doc: SalesDocumentRecord, kind: 'invoice' | 'credit_note', name: string): SalesDocumentRecord | undefined {
  const status = salesStatus(ctx.state, ctx.company, doc, kind);
  const what = kind === 'invoice' ? 'Invoice' : 'Credit note';
  switch (name) {
    case 'mark_as_sent':
      doc.state = 'Sent';
      break;
    case 'mark_as_draft':
      if (status.paid.gt(0)) throw new Unprocessable([`${what} has payments and cannot be marked as draft`]);
      doc.state = 'Draft';
      break;
    case 'mark_as_scheduled':
      doc.state = 'Scheduled To Email';
      break;
    case 'mark_as_cancelled':
      if (doc.state !== 'Sent' || doc.dueOn >= today(ctx.state)) throw new Unprocessable([`${what} must be sent and overdue to be written off`]);
      doc.state = 'Cancelled';
      break;
    default:
      return undefined;
  }
  doc.updatedAt = ctx.state.now();
  return doc;
}

// --- expenses -------------------------------------------------------------------------------

function userOf(ctx: WriteContext, v: unknown, p: Problems): UserRecord | undefined {
  if (v === undefined || v === null || v === '') return p.add("User can't be blank");
  const id = numericIdFromUrl(v, 'users');
  return (id === undefined ? undefined : ctx.company.data.users.find((u) => u.id === id)) ?? p.add('User is invalid');
}

function readExpense(ctx: WriteContext, e: Json, p: Problems, label: string) {
  const user = userOf(ctx, e.user, p);
  if (user && user.id !== ctx.user.id && ctx.user.permissionLevel < 7) p.add(`${label}You can only claim expenses for yourself`);
  const mileage = text(e.category) === 'Mileage';
  if (mileage) p.add(`${label}Mileage claims are not emulated by the sandbox`);
  const category = mileage ? undefined : categoryOf(ctx, e.category, label, p);
  const datedOn = date(e.dated_on, `${label}Dated on`, p);
  const description = text(e.description) ?? p.add(`${label}Description can't be blank`);
  const gross = decimal(e.gross_value, `${label}Gross value`, p) ?? (mileage ? undefined : p.add(`${label}Gross value can't be blank`));
  const currency = currencyOf(ctx, e.currency, p);
  const rate = exchangeRateOf(ctx, currency, undefined, p);
  const foreign = currency !== ctx.company.data.currency;
  const taxed = purchaseTax(ctx, { gross, rate: e.sales_tax_rate, manual: e.manual_sales_tax_amount, status: e.sales_tax_status, category, ignoreRate: foreign, label }, p);
  const ecStatus = e.ec_status === undefined ? undefined : ecStatusOf(e.ec_status, datedOn, p);
  const projectId = projectOf(ctx, e.project ?? e.rebill_to_project, p);
  const attachment = attachmentOf(ctx, e.attachment, p);
  const nativeGross = decimal(e.native_gross_value, `${label}Native gross value`, p);
  return { user, category, datedOn, description, currency, rate, taxed, ecStatus, projectId, attachment, nativeGross, receiptReference: text(e.receipt_reference) };
}

/** POST /v2/expenses with `expense`, or a batch with `expenses` (all or nothing). */
export function createExpenses(ctx: WriteContext, body: unknown): { batch: boolean; expenses: ExpenseRecord[] } {
  const batch = typeof body === 'object' && body !== null && Array.isArray((body as Json).expenses);
  const raws: Json[] = batch ? ((body as Json).expenses as unknown[]).map((x) => (typeof x === 'object' && x !== null ? (x as Json) : {})) : [rootOf(body, 'expense')];
  if (raws.length === 0) throw new Unprocessable(["Expenses can't be blank"]);
  const p = new Problems();
  const read = raws.map((raw, i) => readExpense(ctx, raw, p, batch && raws.length > 1 ? `Expense ${i + 1}: ` : ''));
  p.throwIfAny();
  const now = ctx.state.now();
  const created = read.map((r) => {
    const id = nextId(ctx.company, 'expenses');
    const taxed = r.taxed as TaxResult;
    const nativeGross = r.nativeGross ?? taxed.gross.times(r.rate).round(2);
    const expense: ExpenseRecord = {
      id,
      userId: (r.user as UserRecord).id,
      categoryCode: (r.category as CategoryRecord).nominalCode,
      datedOn: r.datedOn as string,
      currency: r.currency,
      grossValue: fa(taxed.gross),
      nativeGrossValue: fa(nativeGross),
      salesTaxRate: taxed.rate,
      salesTaxStatus: taxed.status,
      salesTaxValue: fa(taxed.tax),
      // Foreign-currency tax only exists as a manual amount, which is in native currency already.
      nativeSalesTaxValue: fa(taxed.tax),
      manualSalesTaxAmount: taxed.manual,
      description: r.description as string,
      receiptReference: r.receiptReference,
      projectId: r.projectId,
      ecStatus: r.ecStatus,
      createdByClientId: ctx.clientId,
      createdAt: now,
      updatedAt: now,
    };
    if (r.attachment) expense.attachmentId = storeAttachment(ctx, r.attachment, { kind: 'expense', id });
    ctx.company.expenses.set(id, expense);
    ctx.state.stats.documentsCreated++;
    return expense;
  });
  return { batch, expenses: created };
}

export function updateExpense(ctx: WriteContext, expense: ExpenseRecord, body: unknown): ExpenseRecord {
  const e = rootOf(body, 'expense');
  const p = new Problems();
  const attachment = attachmentOf(ctx, e.attachment, p);
  const description = e.description === undefined ? undefined : (text(e.description) ?? p.add("Description can't be blank"));
  p.throwIfAny();
  if (description) expense.description = description;
  if (e.receipt_reference !== undefined) expense.receiptReference = text(e.receipt_reference);
  if (attachment) expense.attachmentId = storeAttachment(ctx, attachment, { kind: 'expense', id: expense.id }, expense.attachmentId);
  expense.updatedAt = ctx.state.now();
  return expense;
}

// --- bank transaction explanations -----------------------------------------------------------

export function createExplanation(ctx: WriteContext, body: unknown): ExplanationRecord {
  const x = rootOf(body, 'bank_transaction_explanation');
  const p = new Problems();
  const { company } = ctx;
  let bankAccountId: number | undefined;
  let existingTransactionId: number | undefined;
  if (x.bank_transaction !== undefined && x.bank_transaction !== null && x.bank_transaction !== '') {
    const id = numericIdFromUrl(x.bank_transaction, 'bank_transactions');
    const transaction = id === undefined ? undefined : company.bankTransactions.get(id);
    if (!transaction) p.add('Bank transaction is invalid');
    else {
      existingTransactionId = transaction.id;
      bankAccountId = transaction.bankAccountId;
    }
  } else if (x.bank_account === undefined || x.bank_account === null || x.bank_account === '') {
    p.add("Bank account can't be blank");
  } else {
    const id = numericIdFromUrl(x.bank_account, 'bank_accounts');
    const account = id === undefined ? undefined : company.data.bankAccounts.find((b) => b.id === id);
    if (!account) p.add('Bank account is invalid');
    else bankAccountId = account.id;
  }
  const datedOn = date(x.dated_on, 'Dated on', p);
  const gross = decimal(x.gross_value, 'Gross value', p) ?? (p.list.includes('Gross value is not a number') ? undefined : p.add("Gross value can't be blank"));
  if (gross?.eq(0)) p.add('Gross value must not be zero');
  let paidBillId: number | undefined;
  let paidInvoiceId: number | undefined;
  let paidUserId: number | undefined;
  if (x.paid_bill !== undefined && x.paid_bill !== null && x.paid_bill !== '') {
    const id = numericIdFromUrl(x.paid_bill, 'bills');
    const bill = id === undefined ? undefined : company.bills.get(id);
    if (!bill) p.add('Paid bill is invalid');
    else if (gross) {
      const s = billStatus(ctx.state, company, bill);
      const refund = new Big(bill.totalValue).lt(0);
      if (refund ? gross.lt(0) : gross.gt(0)) p.add(refund ? 'Gross value must be money in to settle a bill refund' : 'Gross value must be money out (negative) to pay a bill');
      else if (gross.abs().gt(s.dueValue.abs())) p.add(`Gross value is more than the ${fa(s.dueValue.abs())} due on the bill`);
      paidBillId = bill.id;
    }
  }
  if (x.paid_invoice !== undefined && x.paid_invoice !== null && x.paid_invoice !== '') {
    const id = numericIdFromUrl(x.paid_invoice, 'invoices');
    const invoice = id === undefined ? undefined : company.invoices.get(id);
    if (!invoice) p.add('Paid invoice is invalid');
    else if (invoice.state === 'Draft') p.add('Paid invoice must be marked as sent before it can be paid');
    else if (gross?.lt(0)) p.add('Gross value must be money in (positive) to receive an invoice payment');
    else paidInvoiceId = invoice.id;
  }
  if (x.paid_user !== undefined && x.paid_user !== null && x.paid_user !== '') paidUserId = userOf(ctx, x.paid_user, p)?.id;
  const settles = paidBillId !== undefined || paidInvoiceId !== undefined || x.transfer_bank_account !== undefined;
  const smartUserPayment = paidUserId !== undefined && (x.category === undefined || x.category === null || x.category === '');
  let category: CategoryRecord | undefined;
  if (!settles && !smartUserPayment) category = categoryOf(ctx, x.category, '', p);
  const description = text(x.description) ?? (paidInvoiceId !== undefined || x.transfer_bank_account !== undefined ? undefined : p.add("Description can't be blank"));
  const taxed = category ? purchaseTax(ctx, { gross, rate: x.sales_tax_rate, manual: x.manual_sales_tax_amount, status: x.sales_tax_status, category, label: '' }, p) : undefined;
  const ecStatus = x.ec_status === undefined ? undefined : ecStatusOf(x.ec_status, datedOn, p, ['EC VAT MOSS']);
  const projectId = projectOf(ctx, x.project ?? x.rebill_to_project, p);
  const attachment = attachmentOf(ctx, x.attachment, p);
  const foreign = decimal(x.foreign_currency_value, 'Foreign currency value', p);
  if (x.transfer_bank_account !== undefined) p.add('The sandbox does not emulate transfers between bank accounts');
  p.throwIfAny();
  const now = ctx.state.now();
  const amount = gross as Big;
  let transactionId = existingTransactionId;
  if (transactionId === undefined) {
    transactionId = nextId(company, 'bank_transactions');
    company.bankTransactions.set(transactionId, {
      id: transactionId,
      bankAccountId: bankAccountId as number,
      datedOn: datedOn as string,
      amount: fa(amount),
      description: description ?? '',
      createdAt: now,
      updatedAt: now,
    });
  }
  const id = nextId(company, 'bank_transaction_explanations');
  const type =
    paidBillId !== undefined ? 'Bill Payment'
    : paidInvoiceId !== undefined ? 'Invoice Receipt'
    : paidUserId !== undefined ? (amount.lt(0) ? 'Money Paid to User' : 'Money Received from User')
    : amount.lt(0) ? 'Payment' : 'Receipt';
  const explanation: ExplanationRecord = {
    id,
    bankTransactionId: transactionId,
    bankAccountId: bankAccountId as number,
    type,
    datedOn: datedOn as string,
    description,
    categoryCode: category?.nominalCode,
    grossValue: fa(amount),
    salesTaxRate: taxed?.rate,
    salesTaxValue: taxed ? fa(taxed.tax) : undefined,
    salesTaxStatus: taxed?.status,
    manualSalesTaxAmount: taxed?.manual,
    receiptReference: text(x.receipt_reference),
    paidBillId,
    paidInvoiceId,
    paidUserId,
    projectId,
    ecStatus,
    foreignCurrencyValue: foreign === undefined ? undefined : fa(foreign),
    createdByClientId: ctx.clientId,
    createdAt: now,
    updatedAt: now,
  };
  if (attachment) explanation.attachmentId = storeAttachment(ctx, attachment, { kind: 'bank_transaction_explanation', id });
  company.explanations.set(id, explanation);
  if (paidBillId !== undefined) company.bills.get(paidBillId)!.updatedAt = now;
  if (paidInvoiceId !== undefined) company.invoices.get(paidInvoiceId)!.updatedAt = now;
  ctx.state.stats.documentsCreated++;
  return explanation;
}

export function updateExplanation(ctx: WriteContext, explanation: ExplanationRecord, body: unknown): ExplanationRecord {
  const x = rootOf(body, 'bank_transaction_explanation');
  const p = new Problems();
  const attachment = attachmentOf(ctx, x.attachment, p);
  p.throwIfAny();
  if (x.description !== undefined) explanation.description = text(x.description);
  if (x.receipt_reference !== undefined) explanation.receiptReference = text(x.receipt_reference);
  if (attachment) explanation.attachmentId = storeAttachment(ctx, attachment, { kind: 'bank_transaction_explanation', id: explanation.id }, explanation.attachmentId);
  explanation.updatedAt = ctx.state.now();
  return explanation;
}

export function deleteExplanation(company: CompanyState, explanation: ExplanationRecord): void {
  company.explanations.delete(explanation.id);
  if (explanation.attachmentId !== undefined) company.attachments.delete(explanation.attachmentId);
  const stillExplained = [...company.explanations.values()].some((x) => x.bankTransactionId === explanation.bankTransactionId);
  if (!stillExplained) company.bankTransactions.delete(explanation.bankTransactionId);
}
