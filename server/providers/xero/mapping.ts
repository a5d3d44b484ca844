/**
 * Xero ↔ Bookbridge shapes: the list responses (validated with zod) into list entries, and
 * publish documents into Xero invoices, credit notes and bank transactions.
 */
import { z } from 'zod';
import { catalogue, type Destination } from '../../../shared/catalogue.js';
import { ProviderError } from '../errors.js';
import type { ListEntry, PublishDocument, PublishLine } from '../types.js';

// --- responses -------------------------------------------------------------------------------

const optionalText = z.string().nullish();

export const accountSchema = z.object({
  AccountID: z.string(),
  Code: optionalText,
  Name: z.string(),
  Type: z.string(),
  Status: z.string(),
  TaxType: optionalText,
  Class: optionalText,
  Description: optionalText,
  CurrencyCode: optionalText,
  BankAccountNumber: optionalText,
  BankAccountType: optionalText,
  SystemAccount: optionalText,
  EnablePaymentsToAccount: z.boolean().nullish(),
  ReportingCode: optionalText,
});
export type XeroAccount = z.infer<typeof accountSchema>;

export const contactSchema = z.object({
  ContactID: z.string(),
  ContactNumber: optionalText,
  AccountNumber: optionalText,
  ContactStatus: z.string(),
  Name: z.string(),
  EmailAddress: optionalText,
  TaxNumber: optionalText,
  IsSupplier: z.boolean().nullish(),
  IsCustomer: z.boolean().nullish(),
  DefaultCurrency: optionalText,
  AccountsPayableTaxType: optionalText,
  AccountsReceivableTaxType: optionalText,
  PurchasesDefaultAccountCode: optionalText,
  SalesDefaultAccountCode: optionalText,
});
export type XeroContact = z.infer<typeof contactSchema>;

export const taxRateSchema = z.object({
  Name: z.string(),
  TaxType: z.string(),
  Status: z.string(),
  ReportTaxType: optionalText,
  EffectiveRate: z.number().nullish(),
  DisplayTaxRate: z.number().nullish(),
  CanApplyToAssets: z.boolean().nullish(),
  CanApplyToEquity: z.boolean().nullish(),
  CanApplyToExpenses: z.boolean().nullish(),
  CanApplyToLiabilities: z.boolean().nullish(),
  CanApplyToRevenue: z.boolean().nullish(),
});
export type XeroTaxRate = z.infer<typeof taxRateSchema>;

const itemDetails = z
  .object({ UnitPrice: z.number().nullish(), AccountCode: optionalText, TaxType: optionalText, COGSAccountCode: optionalText })
  .nullish();

export const itemSchema = z.object({
  ItemID: z.string(),
  Code: z.string(),
  Name: optionalText,
  Description: optionalText,
  PurchaseDescription: optionalText,
  IsSold: z.boolean().nullish(),
  IsPurchased: z.boolean().nullish(),
  IsTrackedAsInventory: z.boolean().nullish(),
  SalesDetails: itemDetails,
  PurchaseDetails: itemDetails,
});
export type XeroItem = z.infer<typeof itemSchema>;

export const trackingCategorySchema = z.object({
  TrackingCategoryID: z.string(),
  Name: z.string(),
  Status: z.string(),
  Options: z.array(z.object({ TrackingOptionID: z.string(), Name: z.string(), Status: z.string().nullish() })).nullish(),
});
export type XeroTrackingCategory = z.infer<typeof trackingCategorySchema>;

export const paginationSchema = z.object({
  page: z.number(),
  pageSize: z.number(),
  pageCount: z.number(),
  itemCount: z.number(),
});

export const connectionSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  tenantType: z.string().nullish(),
  tenantName: z.string().nullish(),
  authEventId: z.string().nullish(),
});

const validationErrors = z.array(z.object({ Message: z.string().nullish() }).passthrough()).nullish();

/** One element of a write response: its id, status and errors; the rest is kept loose. */
export const writtenElementSchema = z
  .object({
    InvoiceID: z.string().nullish(),
    CreditNoteID: z.string().nullish(),
    BankTransactionID: z.string().nullish(),
    PaymentID: z.string().nullish(),
    InvoiceNumber: z.string().nullish(),
    CreditNoteNumber: z.string().nullish(),
    Type: z.string().nullish(),
    StatusAttributeString: z.string().nullish(),
    ValidationErrors: validationErrors,
    Payments: z.array(z.object({ PaymentID: z.string() }).passthrough()).nullish(),
  })
  .passthrough();
export type WrittenElement = z.infer<typeof writtenElementSchema>;

const nullishText = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const elementTexts = ['InvoiceID', 'CreditNoteID', 'BankTransactionID', 'PaymentID', 'InvoiceNumber', 'CreditNoteNumber', 'Type', 'StatusAttributeString'] as const;

/**
 * `z.array(writtenElementSchema)`, checked by hand: publish answers run through it for every
 * document, and zod's object parse (a copy of each element with all its nested lines) cost more
 * than building the request (issue 8). The same rules: the fields named are text or absent, the
 * errors a list of objects whose Message is text or absent, payments objects with a PaymentID.
 * Undefined when the answer is not of that shape.
 */
export function writtenElements(value: unknown): WrittenElement[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const element of value) {
    if (element === null || typeof element !== 'object' || Array.isArray(element)) return undefined;
    const e = element as Record<string, unknown>;
    for (const key of elementTexts) if (!nullishText(e[key])) return undefined;
    const errors = e.ValidationErrors;
    if (errors !== undefined && errors !== null) {
      if (!Array.isArray(errors)) return undefined;
      for (const x of errors) if (x === null || typeof x !== 'object' || Array.isArray(x) || !nullishText((x as Record<string, unknown>).Message)) return undefined;
    }
    const payments = e.Payments;
    if (payments !== undefined && payments !== null) {
      if (!Array.isArray(payments)) return undefined;
      for (const x of payments) if (x === null || typeof x !== 'object' || Array.isArray(x) || typeof (x as Record<string, unknown>).PaymentID !== 'string') return undefined;
    }
  }
  return value as WrittenElement[];
}

// --- list entries ----------------------------------------------------------------------------

const activeOrArchived = (status: string | null | undefined): ListEntry['status'] => (status === 'ACTIVE' ? 'active' : 'archived');

/** Xero's 4dp rates as decimal strings: 20 → "20.00", 17.5 → "17.50", 12.3456 → "12.3456". */
export function rateText(rate: number | null | undefined): string | undefined {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return undefined;
  const fixed = rate.toFixed(4).replace(/0+$/, '');
  const [whole, fraction = ''] = fixed.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));

export function categoryEntry(a: XeroAccount): ListEntry {
  return {
    externalId: a.AccountID,
    code: a.Code ?? undefined,
    name: a.Name,
    status: activeOrArchived(a.Status),
    type: a.Type,
    taxRate: a.TaxType ?? undefined,
    currency: a.CurrencyCode ?? undefined,
    extra: compact({ class: a.Class, description: a.Description, reportingCode: a.ReportingCode, enablePayments: a.EnablePaymentsToAccount }),
  };
}

/** System accounts (debtors, creditors, VAT, rounding...) cannot take document lines. */
export function isPostable(a: XeroAccount): boolean {
  return a.Type !== 'BANK' && !a.SystemAccount && a.Status !== 'DELETED';
}

export function bankAccountEntry(a: XeroAccount): ListEntry {
  return {
    externalId: a.AccountID,
    code: a.Code ?? undefined,
    name: a.Name,
    status: activeOrArchived(a.Status),
    type: a.BankAccountType || 'BANK',
    currency: a.CurrencyCode ?? undefined,
    extra: compact({ bankAccountNumber: a.BankAccountNumber }),
  };
}

export function contactEntry(c: XeroContact): ListEntry {
  const type = c.IsSupplier && c.IsCustomer ? 'both' : c.IsSupplier ? 'supplier' : c.IsCustomer ? 'customer' : undefined;
  return {
    externalId: c.ContactID,
    code: c.AccountNumber || c.ContactNumber || undefined,
    name: c.Name,
    status: activeOrArchived(c.ContactStatus),
    type,
    currency: c.DefaultCurrency ?? undefined,
    extra: compact({
      email: c.EmailAddress,
      taxNumber: c.TaxNumber,
      contactNumber: c.ContactNumber,
      purchasesTaxType: c.AccountsPayableTaxType,
      salesTaxType: c.AccountsReceivableTaxType,
      purchasesAccountCode: c.PurchasesDefaultAccountCode,
      salesAccountCode: c.SalesDefaultAccountCode,
    }),
  };
}

/** Xero tax rates have no id: the TaxType code (INPUT2, OUTPUT2, TAX001...) identifies them. */
export function taxRateEntry(t: XeroTaxRate): ListEntry {
  return {
    externalId: t.TaxType,
    code: t.TaxType,
    name: t.Name,
    status: activeOrArchived(t.Status),
    type: t.TaxType,
    taxRate: rateText(t.EffectiveRate ?? t.DisplayTaxRate),
    extra: compact({
      reportTaxType: t.ReportTaxType,
      canApplyToAssets: t.CanApplyToAssets,
      canApplyToEquity: t.CanApplyToEquity,
      canApplyToExpenses: t.CanApplyToExpenses,
      canApplyToLiabilities: t.CanApplyToLiabilities,
      canApplyToRevenue: t.CanApplyToRevenue,
    }),
  };
}

export function productEntry(i: XeroItem): ListEntry {
  return {
    externalId: i.ItemID,
    code: i.Code,
    name: i.Name || i.Code,
    // Xero items have no status: an item that exists is usable.
    status: 'active',
    taxRate: i.PurchaseDetails?.TaxType ?? i.SalesDetails?.TaxType ?? undefined,
    extra: compact({
      description: i.Description,
      purchaseDescription: i.PurchaseDescription,
      isSold: i.IsSold,
      isPurchased: i.IsPurchased,
      purchaseAccountCode: i.PurchaseDetails?.AccountCode,
      purchaseUnitPrice: i.PurchaseDetails?.UnitPrice,
      salesAccountCode: i.SalesDetails?.AccountCode,
      salesUnitPrice: i.SalesDetails?.UnitPrice,
    }),
  };
}

/**
 * Tracking options are Xero's "projects". Lines need both the category and the option, so the
 * external id is `<TrackingCategoryID>:<TrackingOptionID>`; code is the category's name.
 */
export function projectEntries(t: XeroTrackingCategory): ListEntry[] {
  return (t.Options ?? []).map((o) => ({
    externalId: `${t.TrackingCategoryID}:${o.TrackingOptionID}`,
    code: t.Name,
    name: o.Name,
    status: t.Status === 'ACTIVE' && (o.Status ?? 'ACTIVE') === 'ACTIVE' ? 'active' : 'archived',
    type: t.Name,
    extra: { trackingCategoryId: t.TrackingCategoryID, trackingCategoryName: t.Name, trackingOptionId: o.TrackingOptionID },
  }));
}

// --- documents -------------------------------------------------------------------------------

export type Collection = 'Invoices' | 'CreditNotes' | 'BankTransactions';

export interface Target {
  collection: Collection;
  type: 'ACCPAY' | 'ACCREC' | 'ACCPAYCREDIT' | 'ACCRECCREDIT' | 'SPEND' | 'RECEIVE';
  destination: Destination;
  label: string;
}

const targets: Record<string, Omit<Target, 'destination'>> = {
  bill: { collection: 'Invoices', type: 'ACCPAY', label: 'bill' },
  sales_invoice: { collection: 'Invoices', type: 'ACCREC', label: 'sales invoice' },
  purchase_credit_note: { collection: 'CreditNotes', type: 'ACCPAYCREDIT', label: 'purchase credit note' },
  sales_credit_note: { collection: 'CreditNotes', type: 'ACCRECCREDIT', label: 'sales credit note' },
  spend_money: { collection: 'BankTransactions', type: 'SPEND', label: 'spend money transaction' },
  receive_money: { collection: 'BankTransactions', type: 'RECEIVE', label: 'receive money transaction' },
};

/** Where a document goes, from the catalogue's destinations for its item type. */
export function targetOf(document: PublishDocument): Target {
  // One per item type and destination, made once: every document of a batch asks (issue 8).
  const key = `${document.itemType}:${document.destination}`;
  let found = targetsBy.get(key);
  if (!found) targetsBy.set(key, (found = findTarget(document)));
  return found;
}
const targetsBy = new Map<string, Readonly<Target>>();

function findTarget(document: PublishDocument): Target {
  const destination = catalogue.xero.destinations[document.itemType].find((d) => d.id === document.destination);
  const target = targets[document.destination];
  if (!destination || !target) {
    throw new ProviderError('validation', `Xero cannot take a ${document.itemType.replace(/_/g, ' ')} as "${document.destination}".`, {
      fields: [{ field: 'destination', message: 'Not a Xero destination for this item type' }],
    });
  }
  return { ...target, destination };
}

/** Decimal strings to scaled bigints, so the local arithmetic check matches Xero's 2dp exactly. */
const SCALE = 10n ** 8n;
function units(text: string): bigint | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const fraction = (m[3] ?? '').padEnd(8, '0').slice(0, 8);
  const value = BigInt(m[2] || '0') * SCALE + BigInt(fraction);
  return m[1] === '-' ? -value : value;
}
function round2(value: bigint): bigint {
  const step = 10n ** 6n;
  const sign = value < 0n ? -1n : 1n;
  return (((value * sign) + step / 2n) / step) * step * sign;
}

/** Checks the lines' arithmetic before spending a call on it. */
export function checkArithmetic(document: PublishDocument): ProviderError | undefined {
  const fields: { field: string; message: string }[] = [];
  document.lines.forEach((line, i) => {
    const qty = units(line.quantity);
    const unit = units(line.unitAmount);
    const amount = units(line.lineAmount);
    if (qty === undefined || unit === undefined || amount === undefined) {
      fields.push({ field: `lines.${i}`, message: 'Quantity, unit amount and line amount must be numbers.' });
      return;
    }
    if (round2((qty * unit) / SCALE) !== round2(amount)) {
      fields.push({ field: `lines.${i}.lineAmount`, message: `${line.lineAmount} is not ${line.quantity} × ${line.unitAmount}.` });
    }
  });
  if (document.lines.length === 0) fields.push({ field: 'lines', message: 'A document needs at least one line.' });
  if (fields.length === 0) return undefined;
  return new ProviderError('validation', 'The document lines do not add up.', { fields });
}

const lineAmountTypes = { exclusive: 'Exclusive', inclusive: 'Inclusive', no_tax: 'NoTax' } as const;

function number(text: string): number {
  return Number(text);
}

export function xeroLine(line: PublishLine): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Description: line.description.trim() || '-',
    Quantity: number(line.quantity),
    UnitAmount: number(line.unitAmount),
    LineAmount: number(line.lineAmount),
  };
  if (line.category.code) out.AccountCode = line.category.code;
  else out.AccountID = line.category.externalId;
  if (line.tax) out.TaxType = line.tax.code ?? line.tax.externalId;
  if (line.taxAmount !== undefined) out.TaxAmount = number(line.taxAmount);
  if (line.product?.code) out.ItemCode = line.product.code;
  if (line.project) {
    const [categoryId, optionId] = line.project.externalId.split(':');
    out.Tracking =
      categoryId && optionId
        ? [{ TrackingCategoryID: categoryId, TrackingOptionID: optionId }]
        : [{ Name: line.project.code, Option: line.project.name }];
  }
  return out;
}

/** The status to create in: the document's if the destination allows it; paid documents must be approved to take a payment. */
export function statusOf(document: PublishDocument, target: Target): string | undefined {
  const allowed = target.destination.statuses;
  if (allowed.length === 0) return undefined;
  let status = document.status && allowed.includes(document.status) ? document.status : allowed[0];
  if (document.paid && target.collection !== 'BankTransactions') status = 'AUTHORISED';
  return status;
}

/**
 * The Xero element for one document. Fields are set in place rather than spread (it runs for
 * every document published, issue 8); the keys and their order are as they were.
 */
export function xeroDocument(document: PublishDocument, target: Target): Record<string, unknown> {
  const element: Record<string, unknown> = {
    Type: target.type,
    Contact: { ContactID: document.contact.externalId },
    Date: document.date,
    LineAmountTypes: lineAmountTypes[document.taxMode],
    LineItems: document.lines.map(xeroLine),
    CurrencyCode: document.currency,
  };
  if (document.currencyRate) element.CurrencyRate = number(document.currencyRate);
  const status = statusOf(document, target);
  switch (target.type) {
    case 'ACCPAY':
      // On bills InvoiceNumber is the supplier's reference ("Reference" in Xero's screens).
      element.Status = status;
      element.DueDate = document.dueDate ?? document.date;
      element.InvoiceNumber = document.number ?? document.reference;
      return element;
    case 'ACCREC':
      element.Status = status;
      element.DueDate = document.dueDate ?? document.date;
      element.InvoiceNumber = document.number;
      element.Reference = document.reference;
      return element;
    case 'ACCPAYCREDIT':
      element.Status = status;
      element.CreditNoteNumber = document.number ?? document.reference;
      return element;
    case 'ACCRECCREDIT':
      element.Status = status;
      element.CreditNoteNumber = document.number;
      element.Reference = document.reference;
      return element;
    case 'SPEND':
    case 'RECEIVE': {
      if (!document.paid) {
        throw new ProviderError('validation', `A ${target.label} needs the bank account it was paid from or into.`, {
          fields: [{ field: 'paid.bankAccount', message: 'Required' }],
        });
      }
      const bank = document.paid.bankAccount;
      element.Date = document.paid.date || document.date;
      element.BankAccount = bank.code ? { Code: bank.code } : { AccountID: bank.externalId };
      element.Reference = document.reference ?? document.number;
      return element;
    }
  }
}

/** A link that opens the document in Xero (deep links per developer.xero.com/documentation/guides/how-to-guides/deep-link-xero). */
export function deepLink(target: Target, id: string, shortCode?: string): string {
  const paths: Record<Target['type'], string> = {
    ACCPAY: `/AccountsPayable/View.aspx?InvoiceID=${id}`,
    ACCREC: `/AccountsReceivable/View.aspx?InvoiceID=${id}`,
    ACCPAYCREDIT: `/AccountsPayable/ViewCreditNote.aspx?creditNoteID=${id}`,
    ACCRECCREDIT: `/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=${id}`,
    SPEND: `/Bank/ViewTransaction.aspx?bankTransactionID=${id}`,
    RECEIVE: `/Bank/ViewTransaction.aspx?bankTransactionID=${id}`,
  };
  const path = paths[target.type];
  // With the organisation's short code the link also switches Xero to the right organisation.
  return shortCode
    ? `https://go.xero.com/organisationlogin/default.aspx?shortcode=${encodeURIComponent(shortCode)}&redirecturl=${encodeURIComponent(path)}`
    : `https://go.xero.com${path}`;
}

export function documentIdOf(element: WrittenElement, collection: Collection): string | undefined {
  const id = collection === 'Invoices' ? element.InvoiceID : collection === 'CreditNotes' ? element.CreditNoteID : element.BankTransactionID;
  return id && id !== '00000000-0000-0000-0000-000000000000' ? id : undefined;
}

/** Xero refuses these characters in attachment names. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[<>:"/\\|?*+]/g, '_').trim();
  return cleaned || 'attachment';
}
