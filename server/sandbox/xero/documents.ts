/**
 * Creating and updating invoices, bills, credit notes, bank transactions and payments, with
 * Xero's validation rules. Each element of a batch becomes a plan (its errors, or a commit);
 * with `summarizeErrors=true` one failing element fails the call and nothing is saved, with
 * `false` the good ones are saved and each element reports `StatusAttributeString`.
 */
import { parseRequestDate, startOfDay } from './dates.js';
import { dec, div, fromInt, mul, round, sum, toFixed, toNumber, ZERO, type Dec } from './money.js';
import { presentBankTransaction, presentCreditNote, presentInvoice, presentPayment, type Json } from './present.js';
import type { AccountRecord, ContactRecord, TaxRateRecord } from './seed.js';
import type {
  BankTransactionRecord,
  CreditNoteRecord,
  InvoiceRecord,
  OrganisationState,
  PaymentRecord,
  SandboxState,
  StoredLine,
} from './state.js';

export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** Xero's wording for the rules the sandbox enforces (kept together so tests and adapters agree). */
export const messages = {
  contactMissing: 'The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber',
  contactNotFound: (id: string) => `The contact with ContactID '${id}' could not be found.`,
  contactArchived:
    'The contact with the specified contact details has been archived. The contact must be un-archived before creating new invoices or credit notes.',
  accountRequired: 'Account code or ID must be specified.',
  accountInvalid: (code: string) => `Account code '${code}' is not a valid code for this document.`,
  accountArchived: (code: string) =>
    `Account code '${code}' has been archived, or has been deleted. Each line item must reference a valid account.`,
  taxUnknown: (t: string) => `The TaxType code '${t}' does not exist or cannot be used for this type of transaction.`,
  taxDeleted: (t: string) => `The TaxType code '${t}' has been deleted or archived and cannot be used.`,
  taxForAccount: (t: string, code: string) => `The TaxType code '${t}' cannot be used with account code '${code}'.`,
  taxForDocument: (t: string) => `The TaxType code '${t}' cannot be used on this type of document.`,
  descriptionRequired: 'The description field is mandatory for each line item.',
  lineAmount: (given: string, computed: string) =>
    `The line amount ${given} does not equal the quantity multiplied by the unit amount (${computed}).`,
  total: (field: string, given: string, computed: string) =>
    `The ${field} ${given} does not equal the sum of the line items (${computed}).`,
  invoiceNumberUnique: 'Invoice # must be unique.',
  creditNoteNumberUnique: 'Credit Note # must be unique.',
  currency: (code: string) => `Organisation is not subscribed to currency ${code}`,
  item: (code: string) => `Item code '${code}' is not valid.`,
  trackingCategory: (name: string) => `The TrackingCategory '${name}' does not exist or has been archived.`,
  trackingOption: (option: string, category: string) =>
    `The TrackingOption '${option}' does not exist or has been archived for TrackingCategory '${category}'.`,
  discount: 'Discounts are only supported on sales invoices (ACCREC).',
  notFound: 'The document with the supplied id was not found for this endpoint.',
  alreadyExists: 'A document with this ID already exists; use POST to update it.',
  notModifiable: 'Invoice not of valid status for modification',
  bankAccountRequired: 'A valid BankAccount must be specified.',
  bankAccountInvalid: (ref: string) => `Bank account '${ref}' is not a valid bank account.`,
  bankAccountArchived: (code: string) => `Bank account '${code}' has been archived, or has been deleted.`,
  paymentDocument: 'Payment must reference an Invoice or a CreditNote.',
  paymentStatus: 'Payments can only be made against AUTHORISED documents.',
  paymentAmount: 'Payment amount exceeds the amount outstanding on this document.',
  paymentAmountPositive: 'Payment amount must be greater than zero.',
  paymentAccount: 'Payments can only be made to or from a bank account or an account with payments enabled.',
  dateInvalid: (field: string) => `${field} is not a valid date.`,
  lineItemsRequired: 'At least one line item is required.',
} as const;

export interface WriteContext {
  state: SandboxState;
  org: OrganisationState;
  clientId: string;
  method: 'PUT' | 'POST';
  unitdp: number;
  now: number;
}

interface Plan {
  errors: string[];
  /** The element as echoed back when it fails. */
  echo: Json;
  commit?: () => Json;
}

type Side = 'sales' | 'purchases';

// --- lookups -------------------------------------------------------------------------------

function findAccount(org: OrganisationState, ref: { code?: unknown; id?: unknown }): AccountRecord | undefined {
  if (typeof ref.id === 'string' && ref.id) {
    const id = ref.id.toLowerCase();
    return org.data.accounts.find((a) => a.AccountID === id);
  }
  if (typeof ref.code === 'string' && ref.code) {
    const code = ref.code.trim().toUpperCase();
    return org.data.accounts.find((a) => a.Code.toUpperCase() === code);
  }
  return undefined;
}

function findTaxRate(org: OrganisationState, taxType: string): TaxRateRecord | undefined {
  return org.data.taxRates.find((t) => t.TaxType === taxType);
}

function canApply(rate: TaxRateRecord, account: AccountRecord): boolean {
  switch (account.Class) {
    case 'ASSET':
      return rate.CanApplyToAssets;
    case 'EQUITY':
      return rate.CanApplyToEquity;
    case 'EXPENSE':
      return rate.CanApplyToExpenses;
    case 'LIABILITY':
      return rate.CanApplyToLiabilities;
    case 'REVENUE':
      return rate.CanApplyToRevenue;
  }
}

interface ContactResolution {
  contact?: ContactRecord;
  create?: ContactRecord;
  error?: string;
}

function resolveContact(ctx: WriteContext, raw: unknown, batchNames: Map<string, ContactRecord>): ContactResolution {
  if (!raw || typeof raw !== 'object') return { error: messages.contactMissing };
  const ref = raw as Record<string, unknown>;
  const { org } = ctx;
  if (typeof ref.ContactID === 'string' && ref.ContactID) {
    const contact = org.contactsById.get(ref.ContactID.toLowerCase());
    if (!contact) return { error: messages.contactNotFound(ref.ContactID) };
    if (contact.ContactStatus !== 'ACTIVE') return { error: messages.contactArchived };
    return { contact };
  }
  if (typeof ref.ContactNumber === 'string' && ref.ContactNumber) {
    const contact = org.data.contacts.find((c) => c.ContactNumber === ref.ContactNumber);
    if (contact) return contact.ContactStatus === 'ACTIVE' ? { contact } : { error: messages.contactArchived };
    if (typeof ref.Name !== 'string' || !ref.Name) return { error: messages.contactMissing };
  }
  if (typeof ref.Name === 'string' && ref.Name.trim()) {
    const name = ref.Name.trim();
    const lower = name.toLowerCase();
    const active = org.data.contacts.find((c) => c.ContactStatus === 'ACTIVE' && c.Name.toLowerCase() === lower);
    if (active) return { contact: active };
    if (org.data.contacts.some((c) => c.Name.toLowerCase() === lower)) return { error: messages.contactArchived };
    // Xero creates a contact when a document names one it does not know (commonly observed).
    const pending = batchNames.get(lower);
    if (pending) return { contact: pending };
    const created: ContactRecord = {
      ContactID: ctx.state.ids.uuid(),
      ContactStatus: 'ACTIVE',
      Name: name,
      ContactNumber: typeof ref.ContactNumber === 'string' ? ref.ContactNumber : undefined,
      IsSupplier: false,
      IsCustomer: false,
      updatedAt: ctx.now,
    };
    batchNames.set(lower, created);
    return { contact: created, create: created };
  }
  return { error: messages.contactMissing };
}

function commitContact(ctx: WriteContext, resolution: ContactResolution, side: Side): void {
  const { org } = ctx;
  if (resolution.create && !org.contactsById.has(resolution.create.ContactID)) {
    org.data.contacts.push(resolution.create);
    org.contactsById.set(resolution.create.ContactID, resolution.create);
  }
  const contact = resolution.contact;
  // IsSupplier/IsCustomer follow usage; Xero does not bump UpdatedDateUTC for this (unverified).
  if (contact) {
    if (side === 'purchases') contact.IsSupplier = true;
    else contact.IsCustomer = true;
  }
}

// --- lines ---------------------------------------------------------------------------------

interface LineOptions {
  side: Side;
  lineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  requireAccount: boolean;
  allowDiscount: boolean;
}

interface BuiltLines {
  lines: StoredLine[];
  errors: string[];
  subTotal: Dec;
  totalTax: Dec;
  total: Dec;
}

function buildLines(ctx: WriteContext, rawLines: unknown, options: LineOptions): BuiltLines {
  const errors: string[] = [];
  const lines: StoredLine[] = [];
  const taxes: Dec[] = [];
  const amounts: Dec[] = [];
  const list = Array.isArray(rawLines) ? rawLines : [];
  for (const rawLine of list) {
    if (!rawLine || typeof rawLine !== 'object') continue;
    const raw = rawLine as Record<string, unknown>;
    const item = typeof raw.ItemCode === 'string' && raw.ItemCode ? ctx.org.data.items.find((i) => i.Code === raw.ItemCode) : undefined;
    if (typeof raw.ItemCode === 'string' && raw.ItemCode && !item) errors.push(messages.item(raw.ItemCode));
    const itemDetails = item ? (options.side === 'sales' ? item.SalesDetails : item.PurchaseDetails) : undefined;
    const description =
      typeof raw.Description === 'string' && raw.Description.trim()
        ? raw.Description
        : (options.side === 'sales' ? item?.Description : item?.PurchaseDescription) ?? '';

    let qty = dec(raw.Quantity);
    let unit = dec(raw.UnitAmount) ?? (itemDetails?.UnitPrice !== undefined ? dec(itemDetails.UnitPrice) : undefined);
    const given = dec(raw.LineAmount);
    const descriptionOnly = qty === undefined && unit === undefined && given === undefined;
    if (!description) errors.push(messages.descriptionRequired);
    if (qty === undefined) qty = unit !== undefined && given !== undefined && unit !== ZERO ? div(given, unit) : fromInt(descriptionOnly ? 0 : 1);
    if (unit === undefined) unit = given !== undefined && qty !== ZERO ? div(given, qty) : ZERO;
    qty = round(qty, 4);
    unit = round(unit, ctx.unitdp === 4 ? 4 : 2);
    let amount = round(mul(qty, unit), 2);
    const discountRate = dec(raw.DiscountRate);
    const discountAmount = dec(raw.DiscountAmount);
    if ((discountRate !== undefined && discountRate !== ZERO) || (discountAmount !== undefined && discountAmount !== ZERO)) {
      if (!options.allowDiscount) errors.push(messages.discount);
      else if (discountRate !== undefined) amount = round(div(mul(amount, fromInt(100) - discountRate), fromInt(100)), 2);
      else if (discountAmount !== undefined) amount = amount - round(discountAmount, 2);
    }
    if (given !== undefined && round(given, 2) !== amount) {
      errors.push(messages.lineAmount(toFixed(given, 2), toFixed(amount, 2)));
    }

    const accountRef = { code: raw.AccountCode ?? (raw.AccountID ? undefined : itemDetails?.AccountCode), id: raw.AccountID };
    const account = findAccount(ctx.org, accountRef);
    const accountLabel = String(raw.AccountCode ?? raw.AccountID ?? itemDetails?.AccountCode ?? '');
    let accountOk = false;
    if (!accountRef.code && !accountRef.id) {
      if (options.requireAccount && !descriptionOnly) errors.push(messages.accountRequired);
    } else if (!account || account.Status === 'DELETED' || account.Type === 'BANK' || account.SystemAccount) {
      errors.push(messages.accountInvalid(accountLabel));
    } else if (account.Status === 'ARCHIVED') {
      errors.push(messages.accountArchived(account.Code));
    } else {
      accountOk = true;
    }

    let taxType = typeof raw.TaxType === 'string' && raw.TaxType ? raw.TaxType : itemDetails?.TaxType ?? account?.TaxType ?? 'NONE';
    if (options.lineAmountTypes === 'NoTax') taxType = 'NONE';
    const rate = findTaxRate(ctx.org, taxType);
    let tax = ZERO;
    if (!rate) {
      errors.push(messages.taxUnknown(taxType));
    } else if (rate.Status !== 'ACTIVE') {
      errors.push(messages.taxDeleted(taxType));
    } else if (accountOk && account && !canApply(rate, account)) {
      errors.push(messages.taxForAccount(taxType, account.Code));
    } else if (rate.direction !== 'any' && rate.direction !== options.side) {
      errors.push(messages.taxForDocument(taxType));
    } else {
      const r = dec(rate.EffectiveRate) ?? ZERO;
      if (options.lineAmountTypes === 'Exclusive') tax = round(div(mul(amount, r), fromInt(100)), 2);
      else if (options.lineAmountTypes === 'Inclusive') tax = round(div(mul(amount, r), fromInt(100) + r), 2);
    }
    const override = dec(raw.TaxAmount);
    if (override !== undefined && options.lineAmountTypes !== 'NoTax') tax = round(override, 2);

    const tracking: StoredLine['Tracking'] = [];
    for (const t of Array.isArray(raw.Tracking) ? raw.Tracking : []) {
      const ref = (t ?? {}) as Record<string, unknown>;
      const category = ctx.org.data.trackingCategories.find((c) =>
        typeof ref.TrackingCategoryID === 'string' ? c.TrackingCategoryID === ref.TrackingCategoryID.toLowerCase() : c.Name === ref.Name,
      );
      const categoryLabel = String(ref.Name ?? ref.TrackingCategoryID ?? '');
      if (!category || category.Status !== 'ACTIVE') {
        errors.push(messages.trackingCategory(categoryLabel));
        continue;
      }
      const option = category.Options.find((o) =>
        typeof ref.TrackingOptionID === 'string' ? o.TrackingOptionID === ref.TrackingOptionID.toLowerCase() : o.Name === ref.Option,
      );
      if (!option || option.Status !== 'ACTIVE') {
        errors.push(messages.trackingOption(String(ref.Option ?? ref.TrackingOptionID ?? ''), category.Name));
        continue;
      }
      tracking.push({
        TrackingCategoryID: category.TrackingCategoryID,
        TrackingOptionID: option.TrackingOptionID,
        Name: category.Name,
        Option: option.Name,
      });
    }

    amounts.push(amount);
    taxes.push(tax);
    lines.push({
      LineItemID: ctx.state.ids.uuid(),
      Description: description,
      Quantity: toNumber(qty),
      UnitAmount: toNumber(unit),
      ItemCode: item?.Code,
      AccountCode: account?.Code ?? (typeof raw.AccountCode === 'string' ? raw.AccountCode : undefined),
      AccountID: account?.AccountID,
      TaxType: taxType,
      TaxAmount: toNumber(tax),
      LineAmount: toNumber(amount),
      DiscountRate: discountRate !== undefined ? toNumber(discountRate) : undefined,
      Tracking: tracking,
    });
  }
  const lineTotal = sum(amounts);
  const totalTax = sum(taxes);
  const inclusive = options.lineAmountTypes === 'Inclusive';
  return {
    lines,
    errors: [...new Set(errors)],
    subTotal: inclusive ? lineTotal - totalTax : lineTotal,
    totalTax,
    total: inclusive ? lineTotal : lineTotal + totalTax,
  };
}

/** A total sent with the document must match (the spec says Xero ignores a mismatching Total; the sandbox refuses it so mistakes surface). */
function checkTotals(raw: Record<string, unknown>, built: BuiltLines): string[] {
  const errors: string[] = [];
  const pairs: [string, string, Dec][] = [
    ['SubTotal', 'subtotal', built.subTotal],
    ['TotalTax', 'total tax', built.totalTax],
    ['Total', 'total', built.total],
  ];
  for (const [field, words, computed] of pairs) {
    const given = dec(raw[field]);
    if (given !== undefined && round(given, 2) !== computed) errors.push(messages.total(words, toFixed(given, 2), toFixed(computed, 2)));
  }
  return errors;
}

function lineAmountTypes(value: unknown): 'Exclusive' | 'Inclusive' | 'NoTax' | undefined {
  if (value === undefined || value === null || value === '') return 'Exclusive';
  const v = String(value).toLowerCase();
  if (v === 'exclusive') return 'Exclusive';
  if (v === 'inclusive') return 'Inclusive';
  if (v === 'notax' || v === 'none') return 'NoTax';
  return undefined;
}

// --- shared document checks ------------------------------------------------------------------

interface CommonFields {
  errors: string[];
  date: number;
  dueDate?: number;
  currency: string;
  lineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
}

function commonFields(ctx: WriteContext, raw: Record<string, unknown>): CommonFields {
  const errors: string[] = [];
  let date = startOfDay(ctx.now);
  if (raw.Date !== undefined && raw.Date !== null && raw.Date !== '') {
    const parsed = parseRequestDate(raw.Date);
    if (parsed === undefined) errors.push(messages.dateInvalid('Date'));
    else date = parsed;
  }
  let dueDate: number | undefined;
  if (raw.DueDate !== undefined && raw.DueDate !== null && raw.DueDate !== '') {
    dueDate = parseRequestDate(raw.DueDate);
    if (dueDate === undefined) errors.push(messages.dateInvalid('DueDate'));
  }
  const currency = typeof raw.CurrencyCode === 'string' && raw.CurrencyCode ? raw.CurrencyCode.toUpperCase() : ctx.org.data.baseCurrency;
  if (!ctx.org.data.currencies.includes(currency)) errors.push(messages.currency(currency));
  const lat = lineAmountTypes(raw.LineAmountTypes);
  if (!lat) errors.push(`LineAmountTypes '${String(raw.LineAmountTypes)}' is not valid.`);
  return { errors, date, dueDate, currency, lineAmountTypes: lat ?? 'Exclusive' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function ymd(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10);
}

function rawLinesOf(lines: StoredLine[]): Json[] {
  return lines.map((l) => ({
    Description: l.Description,
    Quantity: l.Quantity,
    UnitAmount: l.UnitAmount,
    LineAmount: l.LineAmount,
    AccountCode: l.AccountCode,
    ItemCode: l.ItemCode,
    TaxType: l.TaxType,
    DiscountRate: l.DiscountRate,
    Tracking: l.Tracking.map((t) => ({ TrackingCategoryID: t.TrackingCategoryID, TrackingOptionID: t.TrackingOptionID })),
  }));
}

const editable = new Set(['DRAFT', 'SUBMITTED', 'AUTHORISED']);

/** Status changes Xero allows (DELETED only before approval, VOIDED only after, without payments). */
function transitionError(from: string, to: string, amountPaid: number): string | undefined {
  if (from === to) return editable.has(from) ? undefined : messages.notModifiable;
  const allowed: Record<string, string[]> = {
    DRAFT: ['SUBMITTED', 'AUTHORISED', 'DELETED'],
    SUBMITTED: ['DRAFT', 'AUTHORISED', 'DELETED'],
    AUTHORISED: ['VOIDED'],
  };
  if (!(allowed[from] ?? []).includes(to)) return messages.notModifiable;
  if (to === 'VOIDED' && amountPaid > 0) return messages.notModifiable;
  return undefined;
}

// --- invoices ------------------------------------------------------------------------------

interface BatchMemory {
  numbers: Set<string>;
  contactNames: Map<string, ContactRecord>;
  paid: Map<string, Dec>;
}

function newBatchMemory(): BatchMemory {
  return { numbers: new Set(), contactNames: new Map(), paid: new Map() };
}

function nextNumber(org: OrganisationState, prefix: 'INV' | 'CN', taken: (n: string) => boolean): string {
  for (;;) {
    const n = prefix === 'INV' ? ++org.invoiceCounter : ++org.creditNoteCounter;
    const candidate = `${prefix}-${String(n).padStart(4, '0')}`;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * The stored document an element names by its id field, for an update. An unknown id, or PUT
 * (create only) naming a stored one, ends the element's plan with `refusal`.
 */
function findExisting<T>(ctx: WriteContext, input: Record<string, unknown>, idField: string, records: Map<string, T>) {
  const echoBase: Json = { ...input, [idField]: ZERO_GUID };
  const raw = input[idField];
  const id = typeof raw === 'string' && raw ? raw.toLowerCase() : undefined;
  const existing = id ? records.get(id) : undefined;
  let refusal: Plan | undefined;
  if (id && !existing) refusal = { errors: [messages.notFound], echo: echoBase };
  else if (existing && ctx.method === 'PUT') refusal = { errors: [messages.alreadyExists], echo: echoBase };
  return { echoBase, existing, refusal };
}

interface LinedRecord {
  LineItems: StoredLine[];
  SubTotal: number;
  TotalTax: number;
  Total: number;
}

/** An update that sends neither lines nor LineAmountTypes keeps the stored lines and totals. */
function keptOrBuiltLines(ctx: WriteContext, input: Record<string, unknown>, raw: Record<string, unknown>, existing: LinedRecord | undefined, options: LineOptions) {
  const keepLines = existing !== undefined && input.LineItems === undefined && input.LineAmountTypes === undefined;
  const built: BuiltLines = keepLines
    ? {
        lines: existing.LineItems,
        errors: [],
        subTotal: dec(existing.SubTotal) ?? ZERO,
        totalTax: dec(existing.TotalTax) ?? ZERO,
        total: dec(existing.Total) ?? ZERO,
      }
    : buildLines(ctx, raw.LineItems, options);
  return { keepLines, built };
}

/**
 * A sales document's number: one the user gave must be unique among live documents of its kind
 * (and within the batch, under `memoryKey`); none given takes the next free `prefix`-NNNN.
 */
function salesNumber(
  org: OrganisationState,
  memory: BatchMemory,
  number: string,
  options: { memoryKey: (n: string) => string; clash: (n: string) => boolean; message: string; prefix: 'INV' | 'CN'; errors: string[] },
): string {
  const taken = (n: string) => memory.numbers.has(options.memoryKey(n.toLowerCase())) || options.clash(n.toLowerCase());
  if (number && taken(number)) options.errors.push(options.message);
  if (!number && options.errors.length === 0) number = nextNumber(org, options.prefix, taken);
  if (number) memory.numbers.add(options.memoryKey(number.toLowerCase()));
  return number;
}

function planInvoice(ctx: WriteContext, input: Record<string, unknown>, memory: BatchMemory): Plan {
  const { org } = ctx;
  const found = findExisting(ctx, input, 'InvoiceID', org.invoices);
  if (found.refusal) return found.refusal;
  const { echoBase } = found;
  let existing = found.existing;
  const typeGuess = input.Type ?? existing?.Type;
  if (!existing && ctx.method === 'POST' && typeGuess === 'ACCREC' && typeof input.InvoiceNumber === 'string' && input.InvoiceNumber) {
    // POST upserts a sales invoice by its number.
    existing = [...org.invoices.values()].find((i) => i.Type === 'ACCREC' && i.InvoiceNumber === input.InvoiceNumber);
  }
  const raw: Record<string, unknown> = existing
    ? {
        Type: existing.Type,
        Contact: { ContactID: existing.ContactID },
        Date: ymd(existing.Date),
        DueDate: ymd(existing.DueDate),
        Status: existing.Status,
        LineAmountTypes: existing.LineAmountTypes,
        InvoiceNumber: existing.InvoiceNumber,
        Reference: existing.Reference,
        CurrencyCode: existing.CurrencyCode,
        Url: existing.Url,
        ...input,
      }
    : input;
  const errors: string[] = [];
  const type = raw.Type;
  if (type !== 'ACCPAY' && type !== 'ACCREC') {
    return { errors: ['Type must be ACCPAY or ACCREC.'], echo: echoBase };
  }
  if (existing && existing.Type !== type) errors.push('The Type of an existing invoice cannot be changed.');
  const side: Side = type === 'ACCREC' ? 'sales' : 'purchases';
  const status = typeof raw.Status === 'string' && raw.Status ? raw.Status.toUpperCase() : 'DRAFT';
  if (existing) {
    const problem = transitionError(existing.Status, status, existing.AmountPaid);
    if (problem) errors.push(problem);
  } else if (!['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(status)) {
    errors.push(`Status '${status}' is not valid for a new invoice.`);
  }
  const common = commonFields(ctx, raw);
  errors.push(...common.errors);
  const contact = resolveContact(ctx, raw.Contact, memory.contactNames);
  if (contact.error && !(existing && input.Contact === undefined)) errors.push(contact.error);

  const { keepLines, built } = keptOrBuiltLines(ctx, input, raw, existing, {
    side,
    lineAmountTypes: common.lineAmountTypes,
    requireAccount: status !== 'DRAFT',
    allowDiscount: type === 'ACCREC',
  });
  errors.push(...built.errors, ...checkTotals(input, built));
  if (status === 'AUTHORISED' && built.lines.length === 0) errors.push(messages.lineItemsRequired);

  let number = typeof raw.InvoiceNumber === 'string' ? raw.InvoiceNumber.trim() : '';
  if (type === 'ACCREC') {
    number = salesNumber(org, memory, number, {
      memoryKey: (n) => n,
      clash: (n) =>
        [...org.invoices.values()].some((i) => i.Type === 'ACCREC' && i.InvoiceID !== existing?.InvoiceID && i.InvoiceNumber.toLowerCase() === n && i.Status !== 'DELETED'),
      message: messages.invoiceNumberUnique,
      prefix: 'INV',
      errors,
    });
  }

  if (errors.length > 0) return { errors: [...new Set(errors)], echo: echoBase };
  return {
    errors: [],
    echo: echoBase,
    commit: () => {
      if (contact.contact) commitContact(ctx, contact, side);
      const total = toNumber(built.total);
      const record: InvoiceRecord = {
        InvoiceID: existing?.InvoiceID ?? ctx.state.ids.uuid(),
        Type: type,
        InvoiceNumber: number,
        ContactID: contact.contact?.ContactID ?? existing?.ContactID ?? '',
        Date: common.date,
        DueDate: common.dueDate,
        Status: status,
        LineAmountTypes: keepLines && existing ? existing.LineAmountTypes : common.lineAmountTypes,
        LineItems: built.lines,
        SubTotal: toNumber(built.subTotal),
        TotalTax: toNumber(built.totalTax),
        Total: total,
        CurrencyCode: common.currency,
        CurrencyRate: typeof raw.CurrencyRate === 'number' ? raw.CurrencyRate : 1,
        Reference: type === 'ACCREC' && typeof raw.Reference === 'string' ? raw.Reference : undefined,
        Url: typeof raw.Url === 'string' ? raw.Url : undefined,
        HasAttachments: existing?.HasAttachments ?? false,
        AmountPaid: existing?.AmountPaid ?? 0,
        AmountDue: ['DELETED', 'VOIDED'].includes(status) ? 0 : Math.round((total - (existing?.AmountPaid ?? 0)) * 100) / 100,
        AmountCredited: existing?.AmountCredited ?? 0,
        Payments: existing?.Payments ?? [],
        createdByClientId: existing?.createdByClientId ?? ctx.clientId,
        createdAt: existing?.createdAt ?? ctx.now,
        updatedAt: ctx.now,
      };
      org.invoices.set(record.InvoiceID, record);
      return { ...presentInvoice(org, record), StatusAttributeString: 'OK' };
    },
  };
}

// --- credit notes --------------------------------------------------------------------------

function planCreditNote(ctx: WriteContext, input: Record<string, unknown>, memory: BatchMemory): Plan {
  const { org } = ctx;
  const { echoBase, existing, refusal } = findExisting(ctx, input, 'CreditNoteID', org.creditNotes);
  if (refusal) return refusal;
  const raw: Record<string, unknown> = existing
    ? {
        Type: existing.Type,
        Contact: { ContactID: existing.ContactID },
        Date: ymd(existing.Date),
        Status: existing.Status,
        LineAmountTypes: existing.LineAmountTypes,
        CreditNoteNumber: existing.CreditNoteNumber,
        Reference: existing.Reference,
        CurrencyCode: existing.CurrencyCode,
        ...input,
      }
    : input;
  const errors: string[] = [];
  const type = raw.Type;
  if (type !== 'ACCPAYCREDIT' && type !== 'ACCRECCREDIT') {
    return { errors: ['Type must be ACCPAYCREDIT or ACCRECCREDIT.'], echo: echoBase };
  }
  const side: Side = type === 'ACCRECCREDIT' ? 'sales' : 'purchases';
  const status = typeof raw.Status === 'string' && raw.Status ? raw.Status.toUpperCase() : 'DRAFT';
  if (existing) {
    const problem = transitionError(existing.Status, status, existing.Payments.length ? 1 : 0);
    if (problem) errors.push(problem.replace('Invoice', 'Credit note'));
  } else if (!['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(status)) {
    errors.push(`Status '${status}' is not valid for a new credit note.`);
  }
  const common = commonFields(ctx, raw);
  errors.push(...common.errors);
  const contact = resolveContact(ctx, raw.Contact, memory.contactNames);
  if (contact.error && !(existing && input.Contact === undefined)) errors.push(contact.error);
  const { keepLines, built } = keptOrBuiltLines(ctx, input, raw, existing, {
    side,
    lineAmountTypes: common.lineAmountTypes,
    requireAccount: status !== 'DRAFT',
    allowDiscount: false,
  });
  errors.push(...built.errors, ...checkTotals(input, built));
  if (status === 'AUTHORISED' && built.lines.length === 0) errors.push(messages.lineItemsRequired);
  let number = typeof raw.CreditNoteNumber === 'string' ? raw.CreditNoteNumber.trim() : '';
  if (type === 'ACCRECCREDIT') {
    number = salesNumber(org, memory, number, {
      // Credit note numbers share the batch's memory with invoice numbers, kept apart by `cn:`.
      memoryKey: (n) => `cn:${n}`,
      clash: (n) =>
        [...org.creditNotes.values()].some(
          (x) => x.Type === 'ACCRECCREDIT' && x.CreditNoteID !== existing?.CreditNoteID && x.CreditNoteNumber.toLowerCase() === n && x.Status !== 'DELETED',
        ),
      message: messages.creditNoteNumberUnique,
      prefix: 'CN',
      errors,
    });
  }
  if (errors.length > 0) return { errors: [...new Set(errors)], echo: echoBase };
  return {
    errors: [],
    echo: echoBase,
    commit: () => {
      if (contact.contact) commitContact(ctx, contact, side);
      const total = toNumber(built.total);
      const paid = existing ? existing.Payments.reduce((s, p) => s + p.Amount, 0) : 0;
      const record: CreditNoteRecord = {
        CreditNoteID: existing?.CreditNoteID ?? ctx.state.ids.uuid(),
        Type: type,
        CreditNoteNumber: number,
        ContactID: contact.contact?.ContactID ?? existing?.ContactID ?? '',
        Date: common.date,
        DueDate: common.dueDate,
        Status: status,
        LineAmountTypes: keepLines && existing ? existing.LineAmountTypes : common.lineAmountTypes,
        LineItems: built.lines,
        SubTotal: toNumber(built.subTotal),
        TotalTax: toNumber(built.totalTax),
        Total: total,
        CurrencyCode: common.currency,
        CurrencyRate: typeof raw.CurrencyRate === 'number' ? raw.CurrencyRate : 1,
        Reference: type === 'ACCRECCREDIT' && typeof raw.Reference === 'string' ? raw.Reference : undefined,
        HasAttachments: existing?.HasAttachments ?? false,
        RemainingCredit: ['DELETED', 'VOIDED'].includes(status) ? 0 : Math.round((total - paid) * 100) / 100,
        Payments: existing?.Payments ?? [],
        createdByClientId: existing?.createdByClientId ?? ctx.clientId,
        createdAt: existing?.createdAt ?? ctx.now,
        updatedAt: ctx.now,
      };
      org.creditNotes.set(record.CreditNoteID, record);
      return { ...presentCreditNote(org, record), StatusAttributeString: 'OK' };
    },
  };
}

// --- bank transactions ---------------------------------------------------------------------

function planBankTransaction(ctx: WriteContext, input: Record<string, unknown>, memory: BatchMemory): Plan {
  const { org } = ctx;
  const { echoBase, existing, refusal } = findExisting(ctx, input, 'BankTransactionID', org.bankTransactions);
  if (refusal) return refusal;
  if (existing) {
    // Only deleting is supported on an existing bank transaction in the sandbox.
    const status = typeof input.Status === 'string' ? input.Status.toUpperCase() : existing.Status;
    if (status !== 'DELETED' && status !== existing.Status) return { errors: [messages.notModifiable], echo: echoBase };
    return {
      errors: [],
      echo: echoBase,
      commit: () => {
        existing.Status = status;
        existing.updatedAt = ctx.now;
        return { ...presentBankTransaction(org, existing), StatusAttributeString: 'OK' };
      },
    };
  }
  const errors: string[] = [];
  const type = input.Type;
  if (type !== 'SPEND' && type !== 'RECEIVE') {
    return { errors: ['Type must be SPEND or RECEIVE (overpayments, prepayments and transfers are not emulated).'], echo: echoBase };
  }
  const side: Side = type === 'RECEIVE' ? 'sales' : 'purchases';
  const common = commonFields(ctx, input);
  errors.push(...common.errors);
  const contact = resolveContact(ctx, input.Contact, memory.contactNames);
  if (contact.error) errors.push(contact.error);
  let bank: AccountRecord | undefined;
  if (!isObject(input.BankAccount) || (!input.BankAccount.AccountID && !input.BankAccount.Code)) {
    errors.push(messages.bankAccountRequired);
  } else {
    const ref = input.BankAccount;
    bank = findAccount(org, { id: ref.AccountID, code: ref.Code });
    if (!bank || bank.Type !== 'BANK' || bank.Status === 'DELETED') errors.push(messages.bankAccountInvalid(String(ref.Code ?? ref.AccountID)));
    else if (bank.Status === 'ARCHIVED') errors.push(messages.bankAccountArchived(bank.Code));
  }
  const built = buildLines(ctx, input.LineItems, {
    side,
    lineAmountTypes: common.lineAmountTypes,
    requireAccount: true,
    allowDiscount: false,
  });
  errors.push(...built.errors, ...checkTotals(input, built));
  if (built.lines.length === 0) errors.push(messages.lineItemsRequired);
  if (errors.length > 0) return { errors: [...new Set(errors)], echo: echoBase };
  return {
    errors: [],
    echo: echoBase,
    commit: () => {
      if (contact.contact) commitContact(ctx, contact, side);
      const record: BankTransactionRecord = {
        BankTransactionID: ctx.state.ids.uuid(),
        Type: type,
        ContactID: contact.contact?.ContactID ?? '',
        BankAccountID: (bank as AccountRecord).AccountID,
        Date: common.date,
        Status: 'AUTHORISED',
        LineAmountTypes: common.lineAmountTypes,
        LineItems: built.lines,
        SubTotal: toNumber(built.subTotal),
        TotalTax: toNumber(built.totalTax),
        Total: toNumber(built.total),
        CurrencyCode: common.currency,
        CurrencyRate: typeof input.CurrencyRate === 'number' ? input.CurrencyRate : 1,
        Reference: typeof input.Reference === 'string' ? input.Reference : undefined,
        Url: typeof input.Url === 'string' ? input.Url : undefined,
        IsReconciled: input.IsReconciled === true,
        HasAttachments: false,
        createdByClientId: ctx.clientId,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      org.bankTransactions.set(record.BankTransactionID, record);
      return { ...presentBankTransaction(org, record), StatusAttributeString: 'OK' };
    },
  };
}

// --- payments ------------------------------------------------------------------------------

function planPayment(ctx: WriteContext, input: Record<string, unknown>, memory: BatchMemory): Plan {
  const { org } = ctx;
  const echoBase: Json = { ...input, PaymentID: ZERO_GUID };
  const errors: string[] = [];
  const invoiceRef = isObject(input.Invoice) ? input.Invoice : undefined;
  const creditRef = isObject(input.CreditNote) ? input.CreditNote : undefined;
  let invoice: InvoiceRecord | undefined;
  let credit: CreditNoteRecord | undefined;
  const invoiceNumber = invoiceRef?.InvoiceNumber ?? input.InvoiceNumber;
  const creditNumber = creditRef?.CreditNoteNumber ?? input.CreditNoteNumber;
  if (typeof invoiceRef?.InvoiceID === 'string') invoice = org.invoices.get(invoiceRef.InvoiceID.toLowerCase());
  else if (typeof invoiceNumber === 'string') invoice = [...org.invoices.values()].find((i) => i.InvoiceNumber === invoiceNumber);
  else if (typeof creditRef?.CreditNoteID === 'string') credit = org.creditNotes.get(creditRef.CreditNoteID.toLowerCase());
  else if (typeof creditNumber === 'string') credit = [...org.creditNotes.values()].find((n) => n.CreditNoteNumber === creditNumber);
  const documentGiven = invoiceRef || invoiceNumber || creditRef || creditNumber;
  if (!documentGiven) errors.push(messages.paymentDocument);
  else if (!invoice && !credit) errors.push(messages.notFound);
  const doc = invoice ?? credit;
  if (doc && doc.Status !== 'AUTHORISED') errors.push(messages.paymentStatus);

  const accountRef = isObject(input.Account) ? input.Account : { Code: input.Code };
  const account = findAccount(org, { id: accountRef.AccountID, code: accountRef.Code });
  if (!account || account.Status === 'DELETED') errors.push(messages.accountInvalid(String(accountRef.Code ?? accountRef.AccountID ?? '')));
  else if (account.Status === 'ARCHIVED') errors.push(messages.accountArchived(account.Code));
  else if (account.Type !== 'BANK' && !account.EnablePaymentsToAccount) errors.push(messages.paymentAccount);

  const amount = dec(input.Amount);
  const docId = invoice?.InvoiceID ?? credit?.CreditNoteID ?? '';
  if (amount === undefined || amount <= ZERO) {
    errors.push(messages.paymentAmountPositive);
  } else if (doc) {
    const outstanding = dec(invoice ? invoice.AmountDue : (credit as CreditNoteRecord).RemainingCredit) ?? ZERO;
    const already = memory.paid.get(docId) ?? ZERO;
    if (round(amount, 2) + already > outstanding) errors.push(messages.paymentAmount);
    else memory.paid.set(docId, already + round(amount, 2));
  }
  let date = startOfDay(ctx.now);
  if (input.Date !== undefined) {
    const parsed = parseRequestDate(input.Date);
    if (parsed === undefined) errors.push(messages.dateInvalid('Date'));
    else date = parsed;
  }
  if (errors.length > 0) return { errors, echo: echoBase };
  return {
    errors: [],
    echo: echoBase,
    commit: () => {
      const value = toNumber(round(amount as Dec, 2));
      const paymentType = invoice
        ? invoice.Type === 'ACCPAY'
          ? 'ACCPAYPAYMENT'
          : 'ACCRECPAYMENT'
        : (credit as CreditNoteRecord).Type === 'ACCPAYCREDIT'
          ? 'APCREDITPAYMENT'
          : 'ARCREDITPAYMENT';
      const record: PaymentRecord = {
        PaymentID: ctx.state.ids.uuid(),
        PaymentType: paymentType,
        Status: 'AUTHORISED',
        InvoiceID: invoice?.InvoiceID,
        CreditNoteID: credit?.CreditNoteID,
        AccountID: (account as AccountRecord).AccountID,
        Date: date,
        Amount: value,
        Reference: typeof input.Reference === 'string' ? input.Reference : undefined,
        IsReconciled: input.IsReconciled === true,
        CurrencyRate: typeof input.CurrencyRate === 'number' ? input.CurrencyRate : 1,
        createdByClientId: ctx.clientId,
        updatedAt: ctx.now,
      };
      org.payments.set(record.PaymentID, record);
      const ref = { PaymentID: record.PaymentID, Date: date, Amount: value, Reference: record.Reference };
      if (invoice) {
        invoice.Payments.push(ref);
        invoice.AmountPaid = Math.round((invoice.AmountPaid + value) * 100) / 100;
        invoice.AmountDue = Math.round((invoice.Total - invoice.AmountPaid - invoice.AmountCredited) * 100) / 100;
        if (invoice.AmountDue <= 0) {
          invoice.Status = 'PAID';
          invoice.FullyPaidOnDate = date;
        }
        invoice.updatedAt = ctx.now;
      } else if (credit) {
        credit.Payments.push(ref);
        credit.RemainingCredit = Math.round((credit.RemainingCredit - value) * 100) / 100;
        if (credit.RemainingCredit <= 0) {
          credit.Status = 'PAID';
          credit.FullyPaidOnDate = date;
        }
        credit.updatedAt = ctx.now;
      }
      return { ...presentPayment(org, record), StatusAttributeString: 'OK' };
    },
  };
}

// --- batches -------------------------------------------------------------------------------

export type Collection = 'Invoices' | 'CreditNotes' | 'BankTransactions' | 'Payments';

const planners: Record<Collection, (ctx: WriteContext, raw: Record<string, unknown>, memory: BatchMemory) => Plan> = {
  Invoices: planInvoice,
  CreditNotes: planCreditNote,
  BankTransactions: planBankTransaction,
  Payments: planPayment,
};

export interface WriteResult {
  status: 200 | 400;
  body: Json;
}

export function validationException(elements: Json[]): Json {
  return {
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: 'A validation exception occurred',
    Elements: elements,
  };
}

/**
 * Runs one PUT/POST of a collection. `body` is the parsed JSON: the wrapper (`{"Invoices":[...]}`)
 * or, as Xero also accepts, a single element.
 */
export function writeCollection(ctx: WriteContext, collection: Collection, body: unknown, summarizeErrors: boolean): WriteResult {
  let elements: unknown[];
  if (isObject(body) && Array.isArray(body[collection])) elements = body[collection] as unknown[];
  else if (isObject(body)) elements = [body];
  else elements = [];
  const memory = newBatchMemory();
  const plans = elements.map((element) =>
    isObject(element) ? planners[collection](ctx, element, memory) : { errors: ['The element is not an object.'], echo: {} },
  );
  const failed = plans.filter((p) => p.errors.length > 0);
  if (summarizeErrors && failed.length > 0) {
    return {
      status: 400,
      body: validationException(failed.map((p) => ({ ...p.echo, ValidationErrors: p.errors.map((Message) => ({ Message })) }))),
    };
  }
  const results = plans.map((p) =>
    p.commit
      ? p.commit()
      : { ...p.echo, HasErrors: true, StatusAttributeString: 'ERROR', ValidationErrors: p.errors.map((Message) => ({ Message })) },
  );
  return { status: 200, body: { [collection]: results } };
}
