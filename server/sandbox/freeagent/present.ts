/**
 * Records as FreeAgent shows them: snake_case fields, references as URLs on the caller's base,
 * money as decimal strings, timestamps in ISO UTC, and statuses worked out at read time (a
 * bill is Paid once explanations cover it; Overdue once its due date has passed).
 */
import Big from 'big.js';
import { fa, zero } from './money.js';
import type { CategoryRecord, CompanySeed, ContactRecord, BankAccountRecord, PriceListItemRecord, ProjectRecord, UserRecord } from './seed.js';
import type { AttachmentRecord, BillRecord, CompanyState, ExpenseRecord, ExplanationRecord, SalesDocumentRecord, SandboxState } from './state.js';
import { resourceUrl } from './urls.js';

type Json = Record<string, unknown>;

export const iso = (ms: number) => new Date(ms).toISOString();
export const today = (state: SandboxState) => new Date(state.now()).toISOString().slice(0, 10);

/** Drops undefined fields, as FreeAgent omits unset attributes. */
function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export function presentCompany(base: string, company: CompanySeed): Json {
  const registered = company.salesTaxRegistrationStatus === 'Registered';
  return compact({
    url: `${base}/v2/company`,
    id: company.id,
    name: company.name,
    subdomain: company.subdomain,
    type: company.type,
    currency: company.currency,
    mileage_units: 'miles',
    company_start_date: company.companyStartDate,
    freeagent_start_date: company.freeagentStartDate,
    address1: company.address1,
    town: company.town,
    postcode: company.postcode,
    country: 'United Kingdom',
    company_registration_number: company.companyRegistrationNumber,
    sales_tax_name: 'VAT',
    sales_tax_registration_status: company.salesTaxRegistrationStatus,
    sales_tax_registration_number: registered ? company.salesTaxRegistrationNumber : undefined,
    sales_tax_rates: registered ? company.salesTaxRates : undefined,
    sales_tax_is_value_added: true,
    supports_auto_sales_tax_on_purchases: registered,
    cis_enabled: false,
    cis_subcontractor: false,
    cis_contractor: false,
    created_at: iso(company.createdAt),
    updated_at: iso(company.updatedAt),
  });
}

export function presentUser(base: string, user: UserRecord): Json {
  return {
    url: resourceUrl(base, 'users', user.id),
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    role: user.role,
    permission_level: user.permissionLevel,
    opening_mileage: 0,
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
  };
}

/** Categories are addressed by nominal code: `/v2/categories/285`. */
export function presentCategory(base: string, c: CategoryRecord): Json {
  return compact({
    url: resourceUrl(base, 'categories', c.nominalCode),
    description: c.description,
    nominal_code: c.nominalCode,
    group_description: c.groupDescription,
    allowable_for_tax: c.allowableForTax,
    tax_reporting_name: c.taxReportingName,
    auto_sales_tax_rate: c.autoSalesTaxRate,
  });
}

export const categoryGroupKey = (c: CategoryRecord) => `${c.group}_categories`;

export function presentContact(base: string, c: ContactRecord): Json {
  return compact({
    url: resourceUrl(base, 'contacts', c.id),
    organisation_name: c.organisationName,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    billing_email: c.billingEmail,
    phone_number: c.phoneNumber,
    address1: c.address1,
    town: c.town,
    region: c.region,
    postcode: c.postcode,
    country: c.country,
    contact_name_on_invoices: true,
    default_payment_terms_in_days: c.defaultPaymentTermsInDays,
    locale: 'en',
    account_balance: '0.0',
    uses_contact_invoice_sequence: false,
    charge_sales_tax: c.chargeSalesTax,
    sales_tax_registration_number: c.salesTaxRegistrationNumber,
    active_projects_count: 0,
    status: c.status,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  });
}

export function contactDisplayName(c: ContactRecord): string {
  return c.organisationName ?? [c.firstName, c.lastName].filter(Boolean).join(' ');
}

export function presentProject(base: string, p: ProjectRecord): Json {
  return compact({
    url: resourceUrl(base, 'projects', p.id),
    name: p.name,
    contact: resourceUrl(base, 'contacts', p.contactId),
    status: p.status,
    contract_po_reference: p.contractPoReference,
    uses_project_invoice_sequence: false,
    currency: p.currency,
    budget: p.budget,
    budget_units: p.budgetUnits,
    normal_billing_rate: p.normalBillingRate,
    hours_per_day: '8.0',
    billing_period: p.billingPeriod,
    is_ir35: false,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  });
}

export function presentBankAccount(base: string, b: BankAccountRecord, balance: Big): Json {
  return compact({
    url: resourceUrl(base, 'bank_accounts', b.id),
    opening_balance: b.openingBalance,
    type: b.type,
    name: b.name,
    is_personal: b.isPersonal,
    is_primary: b.isPrimary,
    status: b.status,
    currency: b.currency,
    current_balance: fa(balance),
    bank_name: b.bankName,
    account_number: b.accountNumber,
    sort_code: b.sortCode,
    email: b.email,
    created_at: iso(b.createdAt),
    updated_at: iso(b.updatedAt),
  });
}

export function presentPriceListItem(base: string, p: PriceListItemRecord): Json {
  return {
    url: resourceUrl(base, 'price_list_items', p.id),
    code: p.code,
    description: p.description,
    quantity: p.quantity,
    item_type: p.itemType,
    price: p.price,
    vat_status: p.vatStatus,
    category: resourceUrl(base, 'categories', p.categoryCode),
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

export function presentAttachment(base: string, a: AttachmentRecord, now: number): Json {
  const expires = Math.floor(now / 1000) + 3600;
  return {
    url: resourceUrl(base, 'attachments', a.id),
    // FreeAgent hands out an expiring signed link (S3); the sandbox serves the bytes itself.
    content_src: `${resourceUrl(base, 'attachments', a.id)}/original?Expires=${expires}&Signature=sandbox`,
    content_type: a.contentType,
    file_name: a.fileName,
    file_size: a.fileSize,
    description: a.description,
    expires_at: iso(expires * 1000),
  };
}

function attachmentOf(base: string, company: CompanyState, id: number | undefined, now: number): Json | undefined {
  const a = id === undefined ? undefined : company.attachments.get(id);
  return a ? presentAttachment(base, a, now) : undefined;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** "Open - due in 21 days", "Overdue - 15 days overdue", as FreeAgent's long_status reads. */
function longStatus(status: string, dueOn: string, todayDate: string, paidOn?: string): string {
  if (status === 'Open') {
    const days = daysBetween(todayDate, dueOn);
    return days === 0 ? 'Open - due today' : `Open - due in ${days} day${days === 1 ? '' : 's'}`;
  }
  if (status === 'Overdue') {
    const days = daysBetween(dueOn, todayDate);
    return `Overdue - ${days} day${days === 1 ? '' : 's'} overdue`;
  }
  if ((status === 'Paid' || status === 'Refunded') && paidOn) return `${status} on ${paidOn}`;
  return status;
}

/** What explanations have paid against a bill (positive), and the date of the latest. */
export function billPayments(company: CompanyState, billId: number): { paid: Big; paidOn?: string } {
  let paid = zero;
  let paidOn: string | undefined;
  for (const x of company.explanations.values()) {
    if (x.paidBillId !== billId) continue;
    paid = paid.plus(new Big(x.grossValue).abs());
    if (!paidOn || x.datedOn > paidOn) paidOn = x.datedOn;
  }
  return { paid, paidOn };
}

export function billStatus(state: SandboxState, company: CompanyState, bill: BillRecord) {
  const total = new Big(bill.totalValue);
  const { paid, paidOn } = billPayments(company, bill.id);
  const due = total.abs().minus(paid);
  const now = today(state);
  let status: string;
  if (total.eq(0)) status = 'Zero Value';
  else if (due.lte(0)) status = total.lt(0) ? 'Refunded' : 'Paid';
  else status = bill.dueOn < now ? 'Overdue' : 'Open';
  const sign = total.lt(0) ? -1 : 1;
  return {
    status,
    longStatus: longStatus(status, bill.dueOn, now, paidOn),
    paidValue: paid.times(sign),
    dueValue: due.times(sign),
    paidOn: status === 'Paid' || status === 'Refunded' ? paidOn : undefined,
  };
}

export function presentBill(base: string, state: SandboxState, company: CompanyState, bill: BillRecord, nested: boolean): Json {
  const s = billStatus(state, company, bill);
  const rate = new Big(bill.exchangeRate);
  return compact({
    url: resourceUrl(base, 'bills', bill.id),
    contact: resourceUrl(base, 'contacts', bill.contactId),
    reference: bill.reference,
    dated_on: bill.datedOn,
    due_on: bill.dueOn,
    paid_on: s.paidOn,
    currency: bill.currency,
    exchange_rate: bill.exchangeRate,
    input_total_values_inc_tax: bill.currency !== company.data.currency,
    total_value: bill.totalValue,
    net_value: bill.netValue,
    sales_tax_value: bill.salesTaxValue,
    paid_value: fa(s.paidValue),
    due_value: fa(s.dueValue),
    native_due_value: fa(s.dueValue.times(rate)),
    status: s.status,
    long_status: s.longStatus,
    ec_status: bill.ecStatus,
    comments: bill.comments,
    project: bill.projectId === undefined ? undefined : resourceUrl(base, 'projects', bill.projectId),
    is_paid_by_hire_purchase: false,
    attachment: attachmentOf(base, company, bill.attachmentId, state.now()),
    bill_items: nested
      ? bill.items.map((item) =>
          compact({
            url: resourceUrl(base, 'bill_items', item.id),
            bill: resourceUrl(base, 'bills', bill.id),
            category: resourceUrl(base, 'categories', item.categoryCode),
            description: item.description,
            quantity: item.quantity,
            unit: item.unit,
            total_value: item.totalValue,
            total_value_ex_tax: item.totalValueExTax,
            sales_tax_status: item.salesTaxStatus,
            sales_tax_rate: item.salesTaxRate,
            // FreeAgent shows purchase tax as a negative (reclaimable) amount on bill items.
            sales_tax_value: item.salesTaxValue,
            manual_sales_tax_amount: item.manualSalesTaxAmount,
            project: item.projectId === undefined ? undefined : resourceUrl(base, 'projects', item.projectId),
          }),
        )
      : undefined,
    created_at: iso(bill.createdAt),
    updated_at: iso(bill.updatedAt),
  });
}

/** Paid value of an invoice from explanations with `paid_invoice`. */
function invoicePaid(company: CompanyState, invoiceId: number): { paid: Big; paidOn?: string } {
  let paid = zero;
  let paidOn: string | undefined;
  for (const x of company.explanations.values()) {
    if (x.paidInvoiceId !== invoiceId) continue;
    paid = paid.plus(new Big(x.grossValue).abs());
    if (!paidOn || x.datedOn > paidOn) paidOn = x.datedOn;
  }
  return { paid, paidOn };
}

export function salesStatus(state: SandboxState, company: CompanyState, doc: SalesDocumentRecord, kind: 'invoice' | 'credit_note') {
  const total = new Big(doc.totalValue);
  const { paid, paidOn } = kind === 'invoice' ? invoicePaid(company, doc.id) : { paid: zero, paidOn: undefined };
  const due = total.minus(paid);
  const now = today(state);
  let status: string;
  if (doc.state === 'Draft') status = 'Draft';
  else if (doc.state === 'Scheduled To Email') status = 'Scheduled To Email';
  else if (doc.state === 'Cancelled') status = 'Written-off';
  else if (total.eq(0)) status = 'Zero Value';
  else if (due.lte(0)) status = kind === 'invoice' ? 'Paid' : 'Refunded';
  else status = doc.dueOn < now ? 'Overdue' : 'Open';
  return { status, longStatus: longStatus(status, doc.dueOn, now, paidOn), paid, due, paidOn: status === 'Paid' ? paidOn : undefined };
}

export function presentSalesDocument(base: string, state: SandboxState, company: CompanyState, doc: SalesDocumentRecord, kind: 'invoice' | 'credit_note', nested: boolean): Json {
  const s = salesStatus(state, company, doc, kind);
  const resource = kind === 'invoice' ? 'invoices' : 'credit_notes';
  const contact = company.data.contacts.find((c) => c.id === doc.contactId);
  const items = doc.items.map((item) =>
    compact({
      url: resourceUrl(base, `${kind}_items`, item.id),
      position: item.position,
      item_type: item.itemType,
      description: item.description,
      quantity: item.quantity,
      price: item.price,
      sales_tax_rate: item.salesTaxRate,
      sales_tax_status: item.salesTaxStatus,
      sales_tax_value: item.salesTaxValue,
      category: item.categoryCode === undefined ? undefined : resourceUrl(base, 'categories', item.categoryCode),
      project: item.projectId === undefined ? undefined : resourceUrl(base, 'projects', item.projectId),
    }),
  );
  return compact({
    url: resourceUrl(base, resource, doc.id),
    contact: resourceUrl(base, 'contacts', doc.contactId),
    contact_name: contact ? contactDisplayName(contact) : undefined,
    project: doc.projectId === undefined ? undefined : resourceUrl(base, 'projects', doc.projectId),
    dated_on: doc.datedOn,
    due_on: doc.dueOn,
    reference: doc.reference,
    currency: doc.currency,
    exchange_rate: doc.exchangeRate,
    net_value: doc.netValue,
    sales_tax_value: doc.salesTaxValue,
    involves_sales_tax: !new Big(doc.salesTaxValue).eq(0),
    is_interim_uk_vat: false,
    total_value: doc.totalValue,
    ...(kind === 'invoice' ? { paid_value: fa(s.paid), paid_on: s.paidOn } : { refunded_value: '0.0' }),
    due_value: fa(s.due),
    status: s.status,
    long_status: s.longStatus,
    comments: doc.comments,
    omit_header: false,
    payment_terms_in_days: doc.paymentTermsInDays,
    ec_status: doc.ecStatus,
    created_at: iso(doc.createdAt),
    updated_at: iso(doc.updatedAt),
    [kind === 'invoice' ? 'invoice_items' : 'credit_note_items']: nested ? items : undefined,
  });
}

export function presentExpense(base: string, state: SandboxState, company: CompanyState, e: ExpenseRecord): Json {
  return compact({
    url: resourceUrl(base, 'expenses', e.id),
    user: resourceUrl(base, 'users', e.userId),
    category: resourceUrl(base, 'categories', e.categoryCode),
    dated_on: e.datedOn,
    currency: e.currency,
    gross_value: e.grossValue,
    native_gross_value: e.nativeGrossValue,
    sales_tax_rate: e.salesTaxRate,
    sales_tax_value: e.salesTaxValue,
    native_sales_tax_value: e.nativeSalesTaxValue,
    sales_tax_status: e.salesTaxStatus,
    manual_sales_tax_amount: e.manualSalesTaxAmount,
    description: e.description,
    receipt_reference: e.receiptReference,
    project: e.projectId === undefined ? undefined : resourceUrl(base, 'projects', e.projectId),
    ec_status: e.ecStatus,
    attachment: attachmentOf(base, company, e.attachmentId, state.now()),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  });
}

export function presentExplanation(base: string, state: SandboxState, company: CompanyState, x: ExplanationRecord): Json {
  const gross = new Big(x.grossValue);
  return compact({
    url: resourceUrl(base, 'bank_transaction_explanations', x.id),
    bank_transaction: resourceUrl(base, 'bank_transactions', x.bankTransactionId),
    bank_account: resourceUrl(base, 'bank_accounts', x.bankAccountId),
    type: x.type,
    category: x.categoryCode === undefined ? undefined : resourceUrl(base, 'categories', x.categoryCode),
    dated_on: x.datedOn,
    description: x.description,
    gross_value: x.grossValue,
    sales_tax_rate: x.salesTaxRate,
    sales_tax_value: x.salesTaxValue,
    sales_tax_status: x.salesTaxStatus,
    manual_sales_tax_amount: x.manualSalesTaxAmount,
    receipt_reference: x.receiptReference,
    paid_bill: x.paidBillId === undefined ? undefined : resourceUrl(base, 'bills', x.paidBillId),
    paid_invoice: x.paidInvoiceId === undefined ? undefined : resourceUrl(base, 'invoices', x.paidInvoiceId),
    paid_user: x.paidUserId === undefined ? undefined : resourceUrl(base, 'users', x.paidUserId),
    foreign_currency_value: x.foreignCurrencyValue,
    project: x.projectId === undefined ? undefined : resourceUrl(base, 'projects', x.projectId),
    ec_status: x.ecStatus,
    marked_for_review: false,
    is_money_in: gross.gt(0),
    is_money_out: gross.lt(0),
    is_money_paid_to_user: x.paidUserId !== undefined,
    is_locked: false,
    is_deletable: true,
    attachment: attachmentOf(base, company, x.attachmentId, state.now()),
    updated_at: iso(x.updatedAt),
  });
}

/** A bank account's balance: opening balance plus every transaction on it. */
export function bankBalance(company: CompanyState, account: BankAccountRecord): Big {
  let balance = new Big(account.openingBalance);
  for (const t of company.bankTransactions.values()) if (t.bankAccountId === account.id) balance = balance.plus(t.amount);
  return balance;
}
