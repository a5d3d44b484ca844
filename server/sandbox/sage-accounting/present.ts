/**
 * Records as Sage's API returns them: bare objects with `id`, `displayed_as`, `$path`,
 * `created_at`/`updated_at`, and references as nested `{id, displayed_as, $path}` links
 * (sage-accounting.md §0). Field names follow the v3.1 swagger definitions.
 */
import { tierNames, type BankAccountRecord, type BusinessData, type CatalogItemRecord, type ContactRecord, type LedgerAccountRecord, type TaxRateRecord } from './seed.js';
import type { ArtefactKind, ArtefactRecord, AttachmentRecord, BusinessState, ContactPaymentRecord, OtherPaymentRecord, SandboxUser } from './state.js';

export type Json = Record<string, unknown>;

/** Sage's timestamps: ISO 8601 in UTC, whole seconds. */
export function ts(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const round2 = (n: number) => Math.round((n + Number.EPSILON) * 100) / 100;

export function link(id: string, displayed_as: string, path: string): Json {
  return { id, displayed_as, $path: path };
}

const typeNames: Record<string, string> = {
  SALES: 'Sales',
  OTHER_INCOME: 'Other Income',
  DIRECT_EXPENSES: 'Direct Expenses',
  OVERHEADS: 'Overheads',
  DEPRECIATION: 'Depreciation',
  CURRENT_ASSETS: 'Current Assets',
  FIXED_ASSETS: 'Fixed Assets',
  BANK: 'Bank',
  CURRENT_LIABILITY: 'Current Liability',
  FUTURE_LIABILITY: 'Future Liability',
  EQUITY: 'Equity',
  VENDOR: 'Supplier',
  CUSTOMER: 'Customer',
  CHECKING: 'Current',
  SAVINGS: 'Savings',
  CREDIT_CARD: 'Credit Card',
  CASH_IN_HAND: 'Cash in Hand',
  OTHER_PAYMENT: 'Other Payment',
  OTHER_RECEIPT: 'Other Receipt',
  VENDOR_PAYMENT: 'Supplier Payment',
  CUSTOMER_RECEIPT: 'Customer Receipt',
  BANK_TRANSFER: 'Bank Transfer',
  CASH: 'Cash',
  CHEQUE: 'Cheque',
  CREDIT_DEBIT: 'Credit/Debit Card',
  ALTERNATIVE_PAYMENT: 'Alternative Payment',
  UNPAID: 'Unpaid',
  PART_PAID: 'Part Paid',
  PAID: 'Paid',
  GBP: 'Pound Sterling (GBP)',
  EUR: 'Euro (EUR)',
  USD: 'US Dollar (USD)',
  GB: 'United Kingdom (GB)',
};

export const named = (id: string, collection: string) => link(id, typeNames[id] ?? id, `/${collection}/${id}`);

function stamps(r: { id: string; created_at: number; updated_at: number; deleted_at?: number }, path: string, displayed_as: string): Json {
  return { id: r.id, displayed_as, $path: `${path}/${r.id}`, created_at: ts(r.created_at), updated_at: ts(r.updated_at) };
}

export interface Lookup {
  account(id: string | undefined): Json | null;
  taxRate(id: string | undefined): Json | null;
  contact(id: string | undefined): Json | null;
  bankAccount(id: string | undefined): Json | null;
}

export function lookup(biz: BusinessState): Lookup {
  const d = biz.data;
  return {
    account: (id) => {
      const a = id ? d.ledgerAccounts.find((x) => x.id === id) : undefined;
      return a ? link(a.id, `${a.name} (${a.nominal_code})`, `/ledger_accounts/${a.id}`) : null;
    },
    taxRate: (id) => {
      const t = id ? d.taxRates.find((x) => x.id === id) : undefined;
      return t ? link(t.id, t.name, `/tax_rates/${t.id}`) : null;
    },
    contact: (id) => {
      const c = id ? d.contacts.find((x) => x.id === id) : undefined;
      return c ? link(c.id, `${c.name} (${c.reference})`, `/contacts/${c.id}`) : null;
    },
    bankAccount: (id) => {
      const b = id ? d.bankAccounts.find((x) => x.id === id) : undefined;
      return b ? link(b.id, `${b.account_name} (${b.nominal_code})`, `/bank_accounts/${b.id}`) : null;
    },
  };
}

export function presentLedgerAccount(biz: BusinessState, a: LedgerAccountRecord): Json {
  const l = lookup(biz);
  const visible = (area: string) => a.visible_in.includes(area);
  return {
    ...stamps(a, '/ledger_accounts', `${a.name} (${a.nominal_code})`),
    ledger_account_type: named(a.ledger_account_type_id, 'ledger_account_types'),
    included_in_chart: a.included_in_chart,
    name: a.name,
    display_name: a.display_name,
    visible_scopes: a.visible_in,
    nominal_code: a.nominal_code,
    ledger_account_classification: null,
    tax_rate: l.taxRate(a.tax_rate_id),
    fixed_tax_rate: false,
    visible_in_banking: visible('banking'),
    visible_in_expenses: visible('expenses'),
    visible_in_journals: visible('journals'),
    visible_in_other_payments: visible('other_payments'),
    visible_in_other_receipts: visible('other_receipts'),
    visible_in_reporting: visible('reporting'),
    visible_in_sales: visible('sales'),
    is_control_account: a.is_control_account,
    control_name: a.is_control_account ? a.name.toUpperCase().replace(/\W+/g, '_') : null,
    display_formatted: `${a.nominal_code} - ${a.name}`,
    tax_recoverable: null,
    recoverable_percentage: null,
    non_recoverable_ledger_account: null,
    cis_materials: null,
    cis_labour: null,
    tax_instalment: null,
  };
}

export function presentTaxRate(t: TaxRateRecord): Json {
  return {
    ...stamps(t, '/tax_rates', t.name),
    name: t.name,
    agency: null,
    percentage: t.percentage,
    percentages: [{ percentage: t.percentage, from_date: '2011-01-04', to_date: null }],
    is_visible: t.is_visible,
    retailer: false,
    editable: false,
    deletable: false,
    is_combined_rate: false,
    component_tax_rates: [],
  };
}

export function presentContact(biz: BusinessState, c: ContactRecord): Json {
  const l = lookup(biz);
  const address = c.address_line_1
    ? {
        id: `${c.id.slice(0, 24)}a0d0d0d0`,
        displayed_as: [c.address_line_1, c.city, c.postal_code].filter(Boolean).join('\n'),
        $path: `/addresses/${c.id.slice(0, 24)}a0d0d0d0`,
        address_line_1: c.address_line_1,
        address_line_2: null,
        city: c.city ?? null,
        postal_code: c.postal_code ?? null,
        region: null,
        country: named('GB', 'countries'),
        address_type: link('DELIVERY', 'Delivery', '/address_types/DELIVERY'),
        is_main_address: true,
      }
    : null;
  return {
    ...stamps(c, '/contacts', `${c.name} (${c.reference})`),
    deleted_at: ts(c.deleted_at),
    contact_types: c.contact_types.map((t) => named(t, 'contact_types')),
    name: c.name,
    reference: c.reference,
    default_sales_ledger_account: l.account(c.default_sales_ledger_account_id),
    default_sales_tax_rate: l.taxRate(c.default_sales_tax_rate_id),
    default_purchase_ledger_account: l.account(c.default_purchase_ledger_account_id),
    tax_number: c.tax_number ?? null,
    notes: null,
    locale: 'en',
    main_address: address,
    delivery_address: null,
    main_contact_person: null,
    bank_account_details: null,
    credit_limit: null,
    credit_days: c.credit_days ?? null,
    credit_terms_and_conditions: null,
    product_sales_price_type: null,
    source_guid: null,
    currency: named(c.currency_id, 'currencies'),
    aux_reference: null,
    registered_number: null,
    deletable: !c.system,
    tax_treatment: null,
    email: c.email ?? null,
    tax_calculation: null,
    system: c.system,
    has_unfinished_recurring_invoices: false,
  };
}

export function presentCatalogItem(biz: BusinessState, i: CatalogItemRecord): Json {
  const l = lookup(biz);
  const path = i.kind === 'product' ? '/products' : '/services';
  const priceId = `${i.id.slice(0, 26)}5a1e50`;
  const prices =
    i.kind === 'product'
      ? { sales_prices: [{ id: priceId, displayed_as: 'Selling Price', price_name: 'Selling Price', price: i.sales_price, price_includes_tax: false, product_sales_price_type: null }] }
      : { sales_rates: [{ id: priceId, displayed_as: 'Rate', rate_name: 'Rate', rate: i.sales_price, rate_includes_tax: false, service_rate_type: null }] };
  return {
    ...stamps(i, path, `${i.item_code} - ${i.description}`),
    deleted_at: ts(i.deleted_at),
    ...(i.kind === 'product' ? { catalog_item_type: link('STOCK_ITEM', 'Stock', '/catalog_item_types/STOCK_ITEM') } : {}),
    item_code: i.item_code,
    description: i.description,
    notes: null,
    sales_ledger_account: l.account(i.sales_ledger_account_id),
    sales_tax_rate: l.taxRate(i.sales_tax_rate_id),
    purchase_ledger_account: l.account(i.purchase_ledger_account_id),
    purchase_tax_rate: l.taxRate(i.purchase_tax_rate_id),
    usual_supplier: null,
    cost_price: i.cost_price,
    purchase_description: null,
    active: i.active,
    ...prices,
    source_guid: null,
    deletable: true,
    deactivatable: true,
    used_on_recurring_invoice: false,
  };
}

export function presentBankAccount(biz: BusinessState, b: BankAccountRecord): Json {
  const l = lookup(biz);
  return {
    ...stamps(b, '/bank_accounts', `${b.account_name} (${b.nominal_code})`),
    deleted_at: ts(b.deleted_at),
    bank_account_details: {
      account_name: b.account_name,
      account_number: b.account_number ?? null,
      sort_code: b.sort_code ?? null,
      bic: null,
      iban: null,
    },
    ledger_account: l.account(b.ledger_account_id),
    bank_account_type: named(b.bank_account_type_id, 'bank_account_types'),
    balance: b.balance,
    main_address: null,
    main_contact_person: null,
    nominal_code: b.nominal_code,
    editable: true,
    deletable: false,
    default_payment_method: named(b.bank_account_type_id === 'CASH_IN_HAND' ? 'CASH' : b.bank_account_type_id === 'CREDIT_CARD' ? 'CREDIT_DEBIT' : 'BANK_TRANSFER', 'payment_methods'),
    gifi_code: null,
    // Not in the 2022 swagger: the account's currency, which current Sage returns.
    currency: named(b.currency_id, 'currencies'),
  };
}

export function presentBusiness(data: BusinessData): Json {
  return {
    id: data.id,
    displayed_as: data.name,
    created_at: ts(Date.UTC(2024, 3, 6)),
    updated_at: ts(Date.UTC(2026, 0, 5)),
    name: data.name,
    address_line_1: data.address_line_1,
    address_line_2: null,
    city: data.city,
    postal_code: data.postal_code,
    // The user/businesses swagger's Business and Country carry no $path.
    country: { id: data.country, displayed_as: data.country === 'GB' ? 'United Kingdom' : 'Ireland' },
    region: null,
    telephone: null,
    mobile: null,
    website: null,
    is_demo: false,
    ni_based: false,
    subscriptions: [
      {
        created_at: ts(Date.UTC(2024, 3, 6)),
        updated_at: ts(Date.UTC(2026, 0, 5)),
        displayed_as: tierNames[data.tier],
        id: data.tier,
        active: data.subscriptionActive,
        status: data.subscriptionActive ? 'active' : 'cancelled',
      },
    ],
  };
}

export function presentUser(user: SandboxUser): Json {
  return {
    id: user.id,
    displayed_as: `${user.first_name} ${user.last_name}`,
    $path: '/user',
    created_at: ts(Date.UTC(2024, 3, 6)),
    updated_at: ts(Date.UTC(2026, 0, 5)),
    first_name: user.first_name,
    last_name: user.last_name,
    initials: `${user.first_name[0]}${user.last_name[0]}`,
    email: user.email,
    locale: 'en-GB',
  };
}

export const artefactPaths: Record<ArtefactKind, string> = {
  purchase_invoice: '/purchase_invoices',
  sales_invoice: '/sales_invoices',
  purchase_credit_note: '/purchase_credit_notes',
  sales_credit_note: '/sales_credit_notes',
};

const transactionTypes: Record<ArtefactKind, string> = {
  purchase_invoice: 'PURCHASE_INVOICE',
  sales_invoice: 'SALES_INVOICE',
  purchase_credit_note: 'PURCHASE_CREDIT_NOTE',
  sales_credit_note: 'SALES_CREDIT_NOTE',
};

function transactionLink(id: string, displayed_as: string): Json {
  return link(id, displayed_as, `/transactions/${id}`);
}

function taxAnalysis(biz: BusinessState, lines: { tax_rate_id?: string; net_amount: number; tax_amount: number; total_amount: number }[]): Json[] {
  const l = lookup(biz);
  const byRate = new Map<string, { net: number; tax: number; total: number }>();
  for (const line of lines) {
    const key = line.tax_rate_id ?? 'GB_NO_TAX';
    const sum = byRate.get(key) ?? { net: 0, tax: 0, total: 0 };
    sum.net += line.net_amount;
    sum.tax += line.tax_amount;
    sum.total += line.total_amount;
    byRate.set(key, sum);
  }
  return [...byRate.entries()].map(([rate, s]) => ({
    tax_rate: l.taxRate(rate),
    net_amount: round2(s.net),
    tax_amount: round2(s.tax),
    total_amount: round2(s.total),
    goods_amount: round2(s.net),
    service_amount: 0,
  }));
}

function categoriesOf(biz: BusinessState, ids: string[]): Json[] {
  const out: Json[] = [];
  for (const type of biz.data.analysisTypes) {
    for (const cat of type.categories) {
      if (ids.includes(cat.id)) out.push({ ...link(cat.id, cat.name, `/analysis_type_categories/${cat.id}`), code: cat.code, analysis_type: link(type.id, type.name, `/analysis_types/${type.id}`) });
    }
  }
  return out;
}

function artefactStatus(a: ArtefactRecord): string {
  if (a.outstanding_amount <= 0.004) return 'PAID';
  return a.outstanding_amount < a.total_amount ? 'PART_PAID' : 'UNPAID';
}

export function presentArtefact(biz: BusinessState, a: ArtefactRecord): Json {
  const l = lookup(biz);
  const contact = biz.data.contacts.find((c) => c.id === a.contact_id);
  const isInvoice = a.kind.endsWith('invoice');
  const displayed = a.kind.startsWith('purchase') ? (a.vendor_reference ?? a.reference ?? a.number) : a.number;
  const lines = a.lines.map((line) => ({
    id: line.id,
    displayed_as: line.description,
    description: line.description,
    ...(line.product_id ? { product: link(line.product_id, line.description, `/products/${line.product_id}`) } : {}),
    ...(line.service_id ? { service: link(line.service_id, line.description, `/services/${line.service_id}`) } : {}),
    ledger_account: l.account(line.ledger_account_id),
    trade_of_asset: false,
    quantity: line.quantity,
    unit_price: line.unit_price,
    net_amount: line.net_amount,
    tax_rate: l.taxRate(line.tax_rate_id),
    tax_amount: line.tax_amount,
    tax_breakdown: [],
    total_amount: line.total_amount,
    base_currency_unit_price: round2(line.unit_price * a.exchange_rate),
    unit_price_includes_tax: line.unit_price_includes_tax,
    base_currency_net_amount: round2(line.net_amount / a.exchange_rate),
    base_currency_tax_amount: round2(line.tax_amount / a.exchange_rate),
    base_currency_tax_breakdown: [],
    base_currency_total_amount: round2(line.total_amount / a.exchange_rate),
    eu_goods_services_type: null,
    // Added by Sage in October 2022 (not in the 2022 swagger): analysis categories on lines.
    analysis_type_categories: categoriesOf(biz, line.analysis_type_categories),
  }));
  const paid = round2(a.total_amount - a.outstanding_amount);
  return {
    ...stamps(a, artefactPaths[a.kind], displayed),
    deleted_at: ts(a.deleted_at),
    transaction: transactionLink(a.transaction_id, displayed),
    transaction_type: named(transactionTypes[a.kind], 'transaction_types'),
    editable: true,
    contact: l.contact(a.contact_id),
    contact_name: contact?.name ?? null,
    contact_reference: contact?.reference ?? null,
    date: a.date,
    ...(isInvoice ? { due_date: a.due_date ?? a.date } : {}),
    ...(a.kind === 'sales_invoice' ? { invoice_number: a.number } : {}),
    ...(a.kind === 'sales_credit_note' ? { credit_note_number: a.number } : {}),
    reference: a.reference ?? null,
    ...(a.kind.startsWith('purchase') ? { vendor_reference: a.vendor_reference ?? null } : {}),
    notes: a.notes ?? null,
    total_quantity: round2(a.lines.reduce((s, x) => s + x.quantity, 0)),
    net_amount: a.net_amount,
    tax_amount: a.tax_amount,
    total_amount: a.total_amount,
    ...(isInvoice ? { total_paid: paid, outstanding_amount: a.outstanding_amount, base_currency_outstanding_amount: round2(a.outstanding_amount / a.exchange_rate) } : { outstanding_amount: a.outstanding_amount }),
    currency: named(a.currency_id, 'currencies'),
    exchange_rate: a.exchange_rate,
    // The swagger types this as a string on purchase credit notes only (and a number elsewhere).
    inverse_exchange_rate: a.kind === 'purchase_credit_note' ? String(round2(1 / a.exchange_rate)) : round2(1 / a.exchange_rate),
    base_currency_net_amount: round2(a.net_amount / a.exchange_rate),
    base_currency_tax_amount: round2(a.tax_amount / a.exchange_rate),
    base_currency_total_amount: round2(a.total_amount / a.exchange_rate),
    status: named(artefactStatus(a), 'artefact_statuses'),
    [isInvoice ? 'invoice_lines' : 'credit_note_lines']: lines,
    tax_analysis: taxAnalysis(biz, a.lines),
    payments_allocations: [...biz.contactPayments.values()]
      .filter((p) => !p.deleted_at)
      .flatMap((p) => p.allocations.filter((x) => x.artefact_id === a.id).map((x) => ({ ...x, payment: p })))
      .map(({ amount, discount, payment }) => ({
        links: [],
        type: payment.transaction_type_id,
        date: payment.date,
        reference: payment.reference ?? null,
        amount,
        discount,
        contact_payment: link(payment.id, payment.reference ?? payment.id, `/contact_payments/${payment.id}`),
      })),
    withholding_tax_rate: null,
    withholding_tax_amount: null,
  };
}

export function presentOtherPayment(biz: BusinessState, p: OtherPaymentRecord): Json {
  const l = lookup(biz);
  const displayed = p.reference ?? (p.transaction_type_id === 'OTHER_RECEIPT' ? 'Other Receipt' : 'Other Payment');
  return {
    ...stamps(p, '/other_payments', displayed),
    deleted_at: ts(p.deleted_at),
    transaction: transactionLink(p.transaction_id, displayed),
    transaction_type: named(p.transaction_type_id, 'transaction_types'),
    payment_method: p.payment_method_id ? named(p.payment_method_id, 'payment_methods') : null,
    contact: l.contact(p.contact_id),
    bank_account: l.bankAccount(p.bank_account_id),
    tax_address_region: null,
    date: p.date,
    reference: p.reference ?? null,
    net_amount: p.net_amount,
    tax_amount: p.tax_amount,
    total_amount: p.total_amount,
    payment_lines: p.lines.map((line) => ({
      id: line.id,
      displayed_as: line.details ?? '',
      ledger_account: l.account(line.ledger_account_id),
      details: line.details ?? null,
      tax_rate: l.taxRate(line.tax_rate_id),
      net_amount: line.net_amount,
      tax_amount: line.tax_amount,
      total_amount: line.total_amount,
      tax_breakdown: [],
      is_purchase_for_resale: false,
      trade_of_asset: false,
      analysis_type_categories: categoriesOf(biz, line.analysis_type_categories),
    })),
    editable: true,
    deletable: true,
    withholding_tax_rate: null,
    withholding_tax_amount: null,
  };
}

export function presentContactPayment(biz: BusinessState, p: ContactPaymentRecord): Json {
  const l = lookup(biz);
  const displayed = p.reference ?? p.id;
  return {
    ...stamps(p, '/contact_payments', displayed),
    deleted_at: ts(p.deleted_at),
    links: [],
    transaction: transactionLink(p.transaction_id, displayed),
    transaction_type: named(p.transaction_type_id, 'transaction_types'),
    payment_method: p.payment_method_id ? named(p.payment_method_id, 'payment_methods') : null,
    contact: l.contact(p.contact_id),
    bank_account: l.bankAccount(p.bank_account_id),
    date: p.date,
    net_amount: p.total_amount,
    tax_amount: 0,
    total_amount: p.total_amount,
    currency: named('GBP', 'currencies'),
    exchange_rate: 1,
    base_currency_net_amount: p.total_amount,
    base_currency_tax_amount: 0,
    base_currency_total_amount: p.total_amount,
    base_currency_currency_charge: 0,
    reference: p.reference ?? null,
    allocated_artefacts: p.allocations.map((x) => {
      const artefact = biz.artefacts.get(x.artefact_id);
      return {
        id: x.id,
        artefact: artefact ? link(artefact.id, artefact.vendor_reference ?? artefact.reference ?? artefact.number, `${artefactPaths[artefact.kind]}/${artefact.id}`) : null,
        amount: x.amount,
      };
    }),
    tax_rate: null,
    payment_on_account: null,
    editable: true,
  };
}

export function presentAttachment(a: AttachmentRecord): Json {
  return {
    ...stamps(a, '/attachments', a.file_name),
    deleted_at: ts(a.deleted_at),
    $file_path: `/attachments/${a.id}/file`,
    file_name: a.file_name,
    mime_type: a.mime_type,
    description: a.description ?? null,
    file_extension: a.file_extension ?? null,
    file_size: a.file_size,
    is_public: a.is_public,
    attachment_context_type: a.context_type_id ? named(a.context_type_id, 'attachment_context_types') : null,
    attachment_context: a.context_id ? link(a.context_id, a.file_name, `/${(a.context_type_id ?? '').toLowerCase()}s/${a.context_id}`) : null,
    transaction: a.transaction_id ? transactionLink(a.transaction_id, a.file_name) : null,
  };
}
