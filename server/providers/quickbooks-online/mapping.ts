/**
 * Bookbridge documents → QuickBooks transactions (quickbooks-online.md §3). Pure functions, so
 * the tax arithmetic is tested on its own.
 *
 * - cost → `bill` (Bill) or `expense` (Purchase: Cash from a bank account, CreditCard from a card
 *   account); purchase credit → VendorCredit; sales → Invoice; sales credit → CreditMemo.
 *   QuickBooks has no expense claim document, and we do not fake one.
 * - Tax: non-US companies take `GlobalTaxCalculation` and a `TaxCodeRef` per line. Lines always
 *   carry the net `Amount`; for tax-inclusive items we also send the gross as `TaxInclusiveAmt`
 *   and pin `TxnTaxDetail.TotalTax` to the item's tax, so QuickBooks' totals equal ours. US
 *   companies code sales lines TAX/NON and name the rate once in `TxnTaxCodeRef`.
 * - Every document carries a marker in `PrivateNote` so an unclear outcome can be looked up.
 */
import Big from 'big.js';
import { ProviderError } from '../errors.js';
import type { PublishDocument, PublishLine } from '../types.js';

export type QboEntity = 'Bill' | 'Purchase' | 'Invoice' | 'VendorCredit' | 'CreditMemo';

export interface DestinationInfo {
  entity: QboEntity;
  label: string;
  /** Path of the document's page in the QuickBooks web app. */
  page: string;
  side: 'expense' | 'sales';
}

export const destinations: Record<string, DestinationInfo> = {
  bill: { entity: 'Bill', label: 'bill', page: 'bill', side: 'expense' },
  expense: { entity: 'Purchase', label: 'expense', page: 'expense', side: 'expense' },
  invoice: { entity: 'Invoice', label: 'invoice', page: 'invoice', side: 'sales' },
  vendor_credit: { entity: 'VendorCredit', label: 'supplier credit', page: 'vendorcredit', side: 'expense' },
  credit_memo: { entity: 'CreditMemo', label: 'credit note', page: 'creditmemo', side: 'sales' },
};

export const APP_URL = 'https://app.qbo.intuit.com/app';

export function documentUrl(destination: DestinationInfo, id: string): string {
  return `${APP_URL}/${destination.page}?txnId=${encodeURIComponent(id)}`;
}

/** The marker kept in PrivateNote; findPublished looks for it. */
export function marker(doc: PublishDocument): string {
  return `[bookbridge:${doc.idempotencyKey}]`;
}

const money = (v: Big) => Number(v.round(2, Big.roundHalfUp).toFixed(2));
const big = (v: string | undefined, field: string): Big => {
  try {
    return new Big(v ?? '0');
  } catch {
    throw new ProviderError('validation', `The amount "${v}" is not a number.`, { fields: [{ field, message: 'Not a number' }] });
  }
};

/** `vendor:56` → {type: 'vendor', id: '56'}; a bare id keeps the type undefined. */
export function splitId(externalId: string): { type?: string; id: string } {
  const at = externalId.indexOf(':');
  return at < 0 ? { id: externalId } : { type: externalId.slice(0, at), id: externalId.slice(at + 1) };
}

export interface CompanyFacts {
  us: boolean;
}

export interface MappingInput {
  doc: PublishDocument;
  company: CompanyFacts;
  /** AccountType of the paid-from account (expense destination). */
  paidAccountType?: string;
}

function ref(id: string) {
  return { value: id };
}

function lineOf(line: PublishLine, index: number, doc: PublishDocument, dest: DestinationInfo, company: CompanyFacts): Record<string, unknown> {
  const field = `lines[${index}]`;
  const gross = big(line.lineAmount, `${field}.lineAmount`);
  const tax = line.taxAmount !== undefined ? big(line.taxAmount, `${field}.taxAmount`) : new Big(0);
  const inclusive = doc.taxMode === 'inclusive' && !company.us;
  const net = inclusive ? gross.minus(tax) : gross;
  const detail: Record<string, unknown> = {};
  const project = line.project ? splitId(line.project.externalId) : undefined;
  if (project?.type === 'class') detail.ClassRef = ref(project.id);

  if (company.us) {
    if (dest.side === 'sales') detail.TaxCodeRef = ref(line.tax && line.tax.externalId !== 'NON' && Number(line.tax.rate ?? 1) !== 0 ? 'TAX' : 'NON');
  } else if (doc.taxMode !== 'no_tax') {
    if (!line.tax) {
      throw new ProviderError('validation', `QuickBooks needs a VAT rate on every line: line ${index + 1} has none.`, { fields: [{ field: `${field}.tax`, message: 'Choose a VAT rate' }] });
    }
    detail.TaxCodeRef = ref(line.tax.externalId);
    if (inclusive) detail.TaxInclusiveAmt = money(gross);
  }

  if (dest.side === 'expense') {
    if (project?.type === 'project') {
      detail.CustomerRef = ref(project.id);
      detail.BillableStatus = 'NotBillable';
    }
    return {
      DetailType: 'AccountBasedExpenseLineDetail',
      Amount: money(net),
      ...(line.description ? { Description: line.description } : {}),
      AccountBasedExpenseLineDetail: { AccountRef: ref(line.category.externalId), ...detail },
    };
  }
  // Sales lines go through an item; without one QuickBooks uses the company's "Services" item.
  if (line.product) detail.ItemRef = ref(line.product.externalId);
  const qty = big(line.quantity || '1', `${field}.quantity`);
  const unit = line.unitAmount ? big(line.unitAmount, `${field}.unitAmount`) : undefined;
  // QuickBooks refuses Amount ≠ Qty × UnitPrice: send them only when they agree exactly.
  if (!inclusive && unit && !qty.eq(0) && qty.times(unit).round(2, Big.roundHalfUp).eq(net.round(2, Big.roundHalfUp))) {
    detail.Qty = Number(qty.toString());
    detail.UnitPrice = Number(unit.toString());
  }
  return {
    DetailType: 'SalesItemLineDetail',
    Amount: money(net),
    ...(line.description ? { Description: line.description } : {}),
    SalesItemLineDetail: detail,
  };
}

/** The request body for one document. Throws a validation ProviderError for what QuickBooks cannot take. */
export function toTransaction({ doc, company, paidAccountType }: MappingInput): { destination: DestinationInfo; body: Record<string, unknown> } {
  if (doc.itemType === 'expense_claim') {
    throw new ProviderError('validation', 'QuickBooks Online has no expense claim document: publish this claim as a bill or an expense instead.', { fields: [{ field: 'destination', message: 'Not available in QuickBooks Online' }] });
  }
  const destination = destinations[doc.destination];
  const allowed: Record<string, string[]> = { cost: ['bill', 'expense'], sales: ['invoice'], purchase_credit_note: ['vendor_credit'], sales_credit_note: ['credit_memo'] };
  if (!destination || !allowed[doc.itemType]?.includes(doc.destination)) {
    throw new ProviderError('validation', `QuickBooks Online cannot take a ${doc.itemType.replace(/_/g, ' ')} as "${doc.destination}".`, { fields: [{ field: 'destination', message: 'Not a QuickBooks destination for this item' }] });
  }
  if (doc.lines.length === 0) throw new ProviderError('validation', 'The item has no lines to publish.', { fields: [{ field: 'lines', message: 'Add at least one line' }] });

  const contact = splitId(doc.contact.externalId);
  const wantCustomer = destination.side === 'sales';
  if (contact.type && contact.type !== (wantCustomer ? 'customer' : 'vendor') && !(destination.entity === 'Purchase' && contact.type === 'customer')) {
    throw new ProviderError('validation', `${doc.contact.name} is a QuickBooks ${contact.type === 'vendor' ? 'supplier' : 'customer'}; a ${destination.label} needs a ${wantCustomer ? 'customer' : 'supplier'}.`, { fields: [{ field: 'contact', message: `Choose a ${wantCustomer ? 'customer' : 'supplier'}` }] });
  }

  const body: Record<string, unknown> = {};
  if (destination.entity === 'Bill' || destination.entity === 'VendorCredit') body.VendorRef = ref(contact.id);
  else if (destination.entity === 'Invoice' || destination.entity === 'CreditMemo') body.CustomerRef = ref(contact.id);
  else {
    if (!doc.paid) {
      throw new ProviderError('validation', 'An expense is paid: choose the bank or card account it was paid from.', { fields: [{ field: 'paid.bankAccount', message: 'Required for an expense' }] });
    }
    body.PaymentType = paidAccountType === 'Credit Card' ? 'CreditCard' : 'Cash';
    body.AccountRef = ref(doc.paid.bankAccount.externalId);
    body.EntityRef = { value: contact.id, type: contact.type === 'customer' ? 'Customer' : 'Vendor' };
  }
  body.TxnDate = doc.date;
  if (doc.dueDate && (destination.entity === 'Bill' || destination.entity === 'Invoice')) body.DueDate = doc.dueDate;
  const number = doc.number ?? doc.reference;
  if (number) body.DocNumber = number;
  body.PrivateNote = [doc.reference && doc.reference !== number ? doc.reference : undefined, marker(doc)].filter(Boolean).join(' ');
  body.CurrencyRef = ref(doc.currency);
  if (doc.currencyRate) body.ExchangeRate = Number(doc.currencyRate);

  const projects = doc.lines.map((l) => (l.project ? splitId(l.project.externalId) : undefined));
  const department = projects.find((p) => p?.type === 'department');
  if (department) body.DepartmentRef = ref(department.id);
  const customerProject = projects.find((p) => p?.type === 'project');
  if (customerProject && wantCustomer) body.ProjectRef = ref(customerProject.id);

  body.Line = doc.lines.map((line, i) => lineOf(line, i, doc, destination, company));
  if (company.us) {
    const code = doc.lines.map((l) => l.tax?.externalId).find((id) => id && id !== 'TAX' && id !== 'NON');
    if (wantCustomer && code) body.TxnTaxDetail = { TxnTaxCodeRef: ref(code) };
  } else {
    body.GlobalTaxCalculation = doc.taxMode === 'inclusive' ? 'TaxInclusive' : doc.taxMode === 'no_tax' ? 'NotApplicable' : 'TaxExcluded';
    if (doc.taxMode !== 'no_tax') body.TxnTaxDetail = { TotalTax: money(big(doc.totalTax, 'totalTax')) };
  }
  return { destination, body };
}

/** A bill paid when it was published: a BillPayment from the bank (Check) or card account. */
export function toBillPayment(doc: PublishDocument, billId: string, accountType: string | undefined): Record<string, unknown> {
  const paid = doc.paid!;
  const contact = splitId(doc.contact.externalId);
  const card = accountType === 'Credit Card';
  return {
    VendorRef: ref(contact.id),
    PayType: card ? 'CreditCard' : 'Check',
    ...(card ? { CreditCardPayment: { CCAccountRef: ref(paid.bankAccount.externalId) } } : { CheckPayment: { BankAccountRef: ref(paid.bankAccount.externalId) } }),
    TotalAmt: money(big(paid.amount, 'paid.amount')),
    TxnDate: paid.date,
    CurrencyRef: ref(doc.currency),
    PrivateNote: `${marker(doc)} payment`,
    Line: [{ Amount: money(big(paid.amount, 'paid.amount')), LinkedTxn: [{ TxnId: billId, TxnType: 'Bill' }] }],
  };
}
