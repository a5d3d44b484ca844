/**
 * How the sandbox's records are served: Xero's field names, MS-JSON dates and the fields Xero
 * adds on reads (xero_accounting.yaml components/schemas, and its response examples).
 */
import { isoNoZone, isoSeconds, msDate } from './dates.js';
import type { AccountRecord, ContactRecord, ItemRecord, OrganisationData, TaxRateRecord, TrackingCategoryRecord } from './seed.js';
import type {
  AttachmentRecord,
  BankTransactionRecord,
  CreditNoteRecord,
  InvoiceRecord,
  OrganisationState,
  PaymentRecord,
  StoredLine,
} from './state.js';

export type Json = Record<string, unknown>;

export function presentAccount(a: AccountRecord): Json {
  const { updatedAt, ...fields } = a;
  return {
    ...fields,
    BankAccountType: fields.BankAccountType ?? '',
    UpdatedDateUTC: msDate(updatedAt),
  };
}

export function presentContact(c: ContactRecord, paged: boolean): Json {
  const { updatedAt, ...fields } = c;
  return {
    ...fields,
    BankAccountDetails: '',
    Addresses: [],
    Phones: [],
    ContactGroups: [],
    ContactPersons: [],
    HasAttachments: false,
    HasValidationErrors: false,
    UpdatedDateUTC: msDate(updatedAt),
    // Only sent on paged or single-contact reads (spec: SalesDefaultLineAmountType).
    ...(paged ? { SalesDefaultLineAmountType: 'EXCLUSIVE', PurchasesDefaultLineAmountType: 'EXCLUSIVE' } : {}),
  };
}

export function presentTaxRate(t: TaxRateRecord): Json {
  const { direction: _direction, ...fields } = t;
  return fields;
}

export function presentItem(i: ItemRecord): Json {
  const { updatedAt, ...fields } = i;
  return { ...fields, UpdatedDateUTC: msDate(updatedAt) };
}

export function presentTrackingCategory(t: TrackingCategoryRecord, includeArchived: boolean): Json {
  return {
    Name: t.Name,
    Status: t.Status,
    TrackingCategoryID: t.TrackingCategoryID,
    Options: t.Options.filter((o) => includeArchived || o.Status === 'ACTIVE').map((o) => ({
      TrackingOptionID: o.TrackingOptionID,
      Name: o.Name,
      Status: o.Status,
      TrackingCategoryID: t.TrackingCategoryID,
    })),
  };
}

export function presentOrganisation(o: OrganisationData, createdAt: number): Json {
  return {
    OrganisationID: o.tenantId,
    APIKey: '',
    Name: o.name,
    LegalName: o.name,
    PaysTax: true,
    Version: 'UK',
    OrganisationType: 'COMPANY',
    BaseCurrency: o.baseCurrency,
    CountryCode: o.countryCode,
    IsDemoCompany: o.name.startsWith('Demo Company'),
    OrganisationStatus: 'ACTIVE',
    FinancialYearEndDay: 31,
    FinancialYearEndMonth: 3,
    SalesTaxBasis: 'ACCRUALS',
    SalesTaxPeriod: 'QUARTERLY1',
    DefaultSalesTax: 'Tax Exclusive',
    DefaultPurchasesTax: 'Tax Exclusive',
    CreatedDateUTC: msDate(createdAt),
    OrganisationEntityType: 'COMPANY',
    Timezone: 'GMTSTANDARDTIME',
    ShortCode: o.shortCode,
    Edition: 'BUSINESS',
    Class: 'STANDARD',
    Addresses: [],
    Phones: [],
    ExternalLinks: [],
    PaymentTerms: {},
  };
}

function contactSummary(org: OrganisationState, contactId: string): Json {
  const c = org.contactsById.get(contactId);
  return c
    ? { ContactID: c.ContactID, ContactNumber: c.ContactNumber, Name: c.Name, ContactStatus: c.ContactStatus, HasValidationErrors: false }
    : { ContactID: contactId };
}

export function presentLine(l: StoredLine): Json {
  return {
    LineItemID: l.LineItemID,
    Description: l.Description,
    Quantity: l.Quantity,
    UnitAmount: l.UnitAmount,
    ItemCode: l.ItemCode,
    AccountCode: l.AccountCode,
    AccountID: l.AccountID,
    TaxType: l.TaxType,
    TaxAmount: l.TaxAmount,
    LineAmount: l.LineAmount,
    DiscountRate: l.DiscountRate,
    Tracking: l.Tracking.map((t) => ({ ...t })),
    ValidationErrors: [],
  };
}

function paymentRef(p: { PaymentID: string; Date: number; Amount: number; Reference?: string }): Json {
  return {
    PaymentID: p.PaymentID,
    Date: msDate(p.Date),
    Amount: p.Amount,
    Reference: p.Reference ?? '',
    CurrencyRate: 1,
    HasAccount: false,
    HasValidationErrors: false,
  };
}

export function presentInvoice(org: OrganisationState, i: InvoiceRecord): Json {
  return {
    Type: i.Type,
    InvoiceID: i.InvoiceID,
    InvoiceNumber: i.InvoiceNumber,
    Reference: i.Reference ?? '',
    Payments: i.Payments.map(paymentRef),
    CreditNotes: [],
    Prepayments: [],
    Overpayments: [],
    AmountDue: i.AmountDue,
    AmountPaid: i.AmountPaid,
    AmountCredited: i.AmountCredited,
    CurrencyRate: i.CurrencyRate,
    IsDiscounted: i.LineItems.some((l) => l.DiscountRate !== undefined),
    HasAttachments: i.HasAttachments,
    HasErrors: false,
    Contact: contactSummary(org, i.ContactID),
    DateString: isoNoZone(i.Date),
    Date: msDate(i.Date),
    ...(i.DueDate !== undefined ? { DueDateString: isoNoZone(i.DueDate), DueDate: msDate(i.DueDate) } : {}),
    Status: i.Status,
    LineAmountTypes: i.LineAmountTypes,
    LineItems: i.LineItems.map(presentLine),
    SubTotal: i.SubTotal,
    TotalTax: i.TotalTax,
    Total: i.Total,
    UpdatedDateUTC: msDate(i.updatedAt),
    UpdatedDateUTCString: isoSeconds(i.updatedAt),
    CurrencyCode: i.CurrencyCode,
    ...(i.FullyPaidOnDate !== undefined ? { FullyPaidOnDate: msDate(i.FullyPaidOnDate) } : {}),
    ...(i.Url ? { Url: i.Url } : {}),
  };
}

export function presentCreditNote(org: OrganisationState, n: CreditNoteRecord): Json {
  return {
    Type: n.Type,
    CreditNoteID: n.CreditNoteID,
    CreditNoteNumber: n.CreditNoteNumber,
    Reference: n.Reference ?? '',
    Payments: n.Payments.map(paymentRef),
    Allocations: [],
    RemainingCredit: n.RemainingCredit,
    CurrencyRate: n.CurrencyRate,
    HasAttachments: n.HasAttachments,
    HasErrors: false,
    Contact: contactSummary(org, n.ContactID),
    DateString: isoNoZone(n.Date),
    Date: msDate(n.Date),
    ...(n.DueDate !== undefined ? { DueDateString: isoNoZone(n.DueDate), DueDate: msDate(n.DueDate) } : {}),
    Status: n.Status,
    LineAmountTypes: n.LineAmountTypes,
    LineItems: n.LineItems.map(presentLine),
    SubTotal: n.SubTotal,
    TotalTax: n.TotalTax,
    Total: n.Total,
    UpdatedDateUTC: msDate(n.updatedAt),
    UpdatedDateUTCString: isoSeconds(n.updatedAt),
    CurrencyCode: n.CurrencyCode,
    ...(n.FullyPaidOnDate !== undefined ? { FullyPaidOnDate: msDate(n.FullyPaidOnDate) } : {}),
  };
}

function accountSummary(org: OrganisationState, accountId: string): Json {
  const a = org.data.accounts.find((x) => x.AccountID === accountId);
  return a ? { AccountID: a.AccountID, Code: a.Code, Name: a.Name } : { AccountID: accountId };
}

export function presentBankTransaction(org: OrganisationState, b: BankTransactionRecord): Json {
  return {
    BankTransactionID: b.BankTransactionID,
    BankAccount: accountSummary(org, b.BankAccountID),
    Type: b.Type,
    Reference: b.Reference ?? '',
    IsReconciled: b.IsReconciled,
    CurrencyRate: b.CurrencyRate,
    HasAttachments: b.HasAttachments,
    Contact: contactSummary(org, b.ContactID),
    DateString: isoNoZone(b.Date),
    Date: msDate(b.Date),
    Status: b.Status,
    LineAmountTypes: b.LineAmountTypes,
    LineItems: b.LineItems.map(presentLine),
    SubTotal: b.SubTotal,
    TotalTax: b.TotalTax,
    Total: b.Total,
    UpdatedDateUTC: msDate(b.updatedAt),
    CurrencyCode: b.CurrencyCode,
    ...(b.Url ? { Url: b.Url } : {}),
  };
}

export function presentPayment(org: OrganisationState, p: PaymentRecord): Json {
  const invoice = p.InvoiceID ? org.invoices.get(p.InvoiceID) : undefined;
  const credit = p.CreditNoteID ? org.creditNotes.get(p.CreditNoteID) : undefined;
  return {
    PaymentID: p.PaymentID,
    Date: msDate(p.Date),
    BankAmount: p.Amount,
    Amount: p.Amount,
    Reference: p.Reference ?? '',
    CurrencyRate: p.CurrencyRate,
    PaymentType: p.PaymentType,
    Status: p.Status,
    UpdatedDateUTC: msDate(p.updatedAt),
    HasAccount: true,
    IsReconciled: p.IsReconciled,
    Account: accountSummary(org, p.AccountID),
    ...(invoice
      ? {
          Invoice: {
            Type: invoice.Type,
            InvoiceID: invoice.InvoiceID,
            InvoiceNumber: invoice.InvoiceNumber,
            Contact: contactSummary(org, invoice.ContactID),
            CurrencyCode: invoice.CurrencyCode,
          },
        }
      : {}),
    ...(credit
      ? {
          CreditNote: {
            Type: credit.Type,
            CreditNoteID: credit.CreditNoteID,
            CreditNoteNumber: credit.CreditNoteNumber,
            Contact: contactSummary(org, credit.ContactID),
          },
        }
      : {}),
    HasValidationErrors: false,
  };
}

export function presentAttachment(a: AttachmentRecord, url: string): Json {
  return {
    AttachmentID: a.AttachmentID,
    FileName: a.FileName,
    Url: url,
    MimeType: a.MimeType,
    ContentLength: a.ContentLength,
    IncludeOnline: a.IncludeOnline,
  };
}
