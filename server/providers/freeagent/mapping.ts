/**
 * FreeAgent objects ↔ Bookbridge: list entries in, documents out. Pure functions (the
 * arithmetic, signs and tax choices are tested on their own in mapping.test.ts).
 *
 * FreeAgent identifies everything by URL, so list entries keep the URL as their external id
 * and documents send URLs back. FreeAgent has no tax-code objects: documents carry a numeric
 * `sales_tax_rate` and a `sales_tax_status`, so the tax list is made from the company's rates
 * (freeagent.md §2).
 */
import Big from 'big.js';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { ListEntry, PublishDocument, PublishLine } from '../types.js';

type Json = Record<string, unknown>;

// --- company and tax rates -----------------------------------------------------------------

export const companySchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  name: z.string(),
  subdomain: z.string().nullish(),
  type: z.string().nullish(),
  currency: z.string().nullish(),
  sales_tax_registration_status: z.string().nullish(),
  // Strings in practice ("20.0"); numbers or {percentage} objects are read too.
  sales_tax_rates: z.array(z.union([z.string(), z.number(), z.looseObject({ percentage: z.union([z.string(), z.number()]) })])).nullish(),
});

export interface CompanyInfo {
  id: string;
  name: string;
  subdomain: string;
  currency: string;
  type: string;
  registered: boolean;
  /** Tax-list id → percentage, e.g. standard → "20.0". */
  rates: Map<string, string>;
}

const companyTypes: Record<string, string> = {
  UkLimitedCompany: 'UK limited company',
  UkLimitedLiabilityPartnership: 'UK LLP',
  UkPartnership: 'UK partnership',
  UkSoleTrader: 'UK sole trader',
  UkUnincorporatedLandlord: 'UK landlord',
  UniversalCompany: 'Universal company',
};

export function companyInfo(raw: z.infer<typeof companySchema>): CompanyInfo {
  const percentages = (raw.sales_tax_rates ?? []).map((r) => String(typeof r === 'object' ? r.percentage : r));
  const rates = new Map<string, string>();
  // FreeAgent lists the current UK rates standard, reduced, zero (e.g. ["20.0","5.0","0.0"]).
  const names = ['standard', 'reduced', 'zero'];
  percentages.forEach((p, i) => rates.set(names[i] ?? `rate_${p}`, p));
  return {
    id: String(raw.id),
    name: raw.name,
    subdomain: raw.subdomain ?? '',
    currency: raw.currency ?? 'GBP',
    type: raw.type ?? '',
    registered: (raw.sales_tax_registration_status ?? '').toLowerCase() === 'registered',
    rates,
  };
}

export function organisationDetail(info: CompanyInfo): string {
  return [info.currency, companyTypes[info.type] ?? info.type, info.registered ? 'VAT registered' : 'not VAT registered'].filter(Boolean).join(' · ');
}

const rateLabels: Record<string, string> = { standard: 'Standard rate', reduced: 'Reduced rate', zero: 'Zero rate' };
const two = (p: string) => new Big(p).toFixed(2);

/** The tax list: the company's rates as TAXABLE, plus Exempt and Outside the scope of VAT. */
export function taxRateEntries(info: CompanyInfo): ListEntry[] {
  if (!info.registered) {
    return [{ externalId: 'out_of_scope', code: 'OUT_OF_SCOPE', name: 'No VAT (not VAT registered)', status: 'active', type: 'OUT_OF_SCOPE', taxRate: '0.00' }];
  }
  const entries: ListEntry[] = [...info.rates].map(([id, p]) => ({
    externalId: id,
    code: p,
    name: `${rateLabels[id] ?? 'VAT'} (${new Big(p).toString()}%)`,
    status: 'active',
    type: 'TAXABLE',
    taxRate: two(p),
  }));
  entries.push(
    { externalId: 'exempt', code: 'EXEMPT', name: 'Exempt', status: 'active', type: 'EXEMPT', taxRate: '0.00' },
    { externalId: 'out_of_scope', code: 'OUT_OF_SCOPE', name: 'Outside the scope of VAT', status: 'active', type: 'OUT_OF_SCOPE', taxRate: '0.00' },
  );
  return entries;
}

/** A category's `auto_sales_tax_rate` as a tax-list id. */
export function autoRateId(auto: string | null | undefined): string | undefined {
  switch (auto) {
    case 'Standard rate':
      return 'standard';
    case 'Reduced rate':
      return 'reduced';
    case 'Zero rate':
      return 'zero';
    case 'Exempt':
      return 'exempt';
    case 'Outside of the scope of VAT':
      return 'out_of_scope';
    default:
      return undefined;
  }
}

// --- lists -----------------------------------------------------------------------------

export const categorySchema = z.looseObject({
  url: z.string(),
  description: z.string(),
  nominal_code: z.union([z.string(), z.number()]).transform(String),
  group_description: z.string().nullish(),
  allowable_for_tax: z.boolean().nullish(),
  tax_reporting_name: z.string().nullish(),
  auto_sales_tax_rate: z.string().nullish(),
});
export const categoriesSchema = z.looseObject({
  admin_expenses_categories: z.array(categorySchema).nullish(),
  cost_of_sales_categories: z.array(categorySchema).nullish(),
  income_categories: z.array(categorySchema).nullish(),
  general_categories: z.array(categorySchema).nullish(),
});

export function categoryEntries(body: z.infer<typeof categoriesSchema>): ListEntry[] {
  const groups = ['income', 'cost_of_sales', 'admin_expenses', 'general'] as const;
  return groups.flatMap((group) =>
    (body[`${group}_categories`] ?? []).map((c) => ({
      externalId: c.url,
      code: c.nominal_code,
      name: c.description,
      // No archived state: a category FreeAgent stops listing is archived by the full re-read.
      status: 'active' as const,
      type: group,
      taxRate: autoRateId(c.auto_sales_tax_rate),
      extra: {
        groupDescription: c.group_description ?? undefined,
        allowableForTax: c.allowable_for_tax ?? undefined,
        taxReportingName: c.tax_reporting_name ?? undefined,
        autoSalesTaxRate: c.auto_sales_tax_rate ?? undefined,
      },
    })),
  );
}

export const contactSchema = z.looseObject({
  url: z.string(),
  organisation_name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
  status: z.string().nullish(),
  charge_sales_tax: z.string().nullish(),
  sales_tax_registration_number: z.string().nullish(),
  default_payment_terms_in_days: z.number().nullish(),
  country: z.string().nullish(),
  updated_at: z.string().nullish(),
});

export function contactEntry(c: z.infer<typeof contactSchema>): ListEntry {
  const person = [c.first_name, c.last_name].filter(Boolean).join(' ');
  return {
    externalId: c.url,
    name: c.organisation_name || person || c.email || c.url,
    status: (c.status ?? 'Active').toLowerCase() === 'hidden' ? 'archived' : 'active',
    // FreeAgent keeps no supplier/customer flag: its views derive it from usage.
    type: 'both',
    extra: {
      person: c.organisation_name ? undefined : person || undefined,
      email: c.email ?? undefined,
      vatNumber: c.sales_tax_registration_number ?? undefined,
      chargeSalesTax: c.charge_sales_tax ?? undefined,
      paymentTermsInDays: c.default_payment_terms_in_days ?? undefined,
      country: c.country ?? undefined,
    },
  };
}

export const projectSchema = z.looseObject({
  url: z.string(),
  name: z.string(),
  contact: z.string().nullish(),
  status: z.string().nullish(),
  currency: z.string().nullish(),
  contract_po_reference: z.string().nullish(),
});

export function projectEntry(p: z.infer<typeof projectSchema>): ListEntry {
  const status = p.status ?? 'Active';
  return {
    externalId: p.url,
    code: p.contract_po_reference ?? undefined,
    name: p.name,
    // Completed, Cancelled and Hidden projects take no new costs in practice.
    status: status === 'Active' ? 'active' : 'archived',
    currency: p.currency ?? undefined,
    extra: { projectStatus: status, contact: p.contact ?? undefined },
  };
}

export const bankAccountSchema = z.looseObject({
  url: z.string(),
  name: z.string(),
  type: z.string().nullish(),
  status: z.string().nullish(),
  currency: z.string().nullish(),
  is_primary: z.boolean().nullish(),
  bank_name: z.string().nullish(),
  account_number: z.string().nullish(),
  sort_code: z.string().nullish(),
});

export function bankAccountEntry(b: z.infer<typeof bankAccountSchema>): ListEntry {
  return {
    externalId: b.url,
    code: b.account_number ?? undefined,
    name: b.name,
    status: (b.status ?? 'active').toLowerCase() === 'hidden' ? 'archived' : 'active',
    type: b.type ?? undefined,
    currency: b.currency ?? undefined,
    extra: { isPrimary: b.is_primary ?? false, bankName: b.bank_name ?? undefined, sortCode: b.sort_code ?? undefined },
  };
}

export const priceListItemSchema = z.looseObject({
  url: z.string(),
  code: z.string(),
  description: z.string(),
  item_type: z.string().nullish(),
  price: z.union([z.string(), z.number()]).nullish(),
  vat_status: z.string().nullish(),
  sales_tax_rate: z.union([z.string(), z.number()]).nullish(),
  category: z.string().nullish(),
});

export function priceListItemEntry(p: z.infer<typeof priceListItemSchema>): ListEntry {
  const vat: Record<string, string> = { standard: 'standard', reduced: 'reduced', zero: 'zero', out_of_scope: 'out_of_scope', exempt: 'exempt' };
  return {
    externalId: p.url,
    code: p.code,
    name: p.description,
    status: 'active',
    taxRate: p.vat_status ? vat[p.vat_status] : p.sales_tax_rate !== undefined && p.sales_tax_rate !== null ? String(p.sales_tax_rate) : undefined,
    extra: { itemType: p.item_type ?? undefined, price: p.price === undefined || p.price === null ? undefined : String(p.price), category: p.category ?? undefined },
  };
}

// --- documents out -------------------------------------------------------------------------

export type FreeagentDestination = 'bill' | 'bill_credit' | 'bank_explanation' | 'invoice' | 'credit_note' | 'expense';
export const destinations: readonly FreeagentDestination[] = ['bill', 'bill_credit', 'bank_explanation', 'invoice', 'credit_note', 'expense'];

export function invalid(message: string, field: string): ProviderError {
  return new ProviderError('validation', message, { fields: [{ field, message }] });
}

/** URL of a referenced entry: the stored URL, or one built from a bare id/code. */
export function refUrl(api: string, resource: string, ref: { externalId: string; code?: string }): string {
  if (/^https?:\/\//.test(ref.externalId)) return ref.externalId;
  const id = resource === 'categories' ? (ref.code ?? ref.externalId) : ref.externalId;
  return `${api.replace(/\/$/, '')}/v2/${resource}/${encodeURIComponent(id)}`;
}

/** What the document can be found by later: its reference, or a short Bookbridge marker. */
export function lookupReference(doc: PublishDocument): string {
  const ref = doc.reference?.trim() || doc.number?.trim();
  if (ref) return ref.slice(0, 255);
  return `BB-${doc.idempotencyKey.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase()}`;
}

export type TaxChoice =
  | { kind: 'rate'; rate: Big }
  | { kind: 'status'; status: 'EXEMPT' | 'OUT_OF_SCOPE' }
  | { kind: 'auto' };

/** The line's VAT as FreeAgent takes it: a rate, Exempt/Out of scope, or Auto (the category's). */
export function taxChoice(doc: PublishDocument, line: PublishLine, index: number, info: CompanyInfo): TaxChoice {
  if (line.tax) {
    const id = line.tax.externalId.toLowerCase();
    if (id === 'exempt' || line.tax.code === 'EXEMPT') return { kind: 'status', status: 'EXEMPT' };
    if (id === 'out_of_scope' || line.tax.code === 'OUT_OF_SCOPE') return { kind: 'status', status: 'OUT_OF_SCOPE' };
    const percent = line.tax.rate ?? info.rates.get(id) ?? (/^\d+(\.\d+)?$/.test(line.tax.externalId) ? line.tax.externalId : undefined);
    if (percent === undefined) {
      throw new ProviderError('stale_reference', `Line ${index + 1}: FreeAgent has no VAT rate "${line.tax.code ?? line.tax.externalId}". Refresh the lists and choose another.`, {
        list: 'tax_rates',
        fields: [{ field: `lines[${index}].tax`, message: 'Unknown VAT rate' }],
      });
    }
    return { kind: 'rate', rate: new Big(percent) };
  }
  // No tax on the item: 0% (counted on the VAT return, unlike "outside the scope").
  if (doc.taxMode === 'no_tax') return { kind: 'rate', rate: new Big(0) };
  return { kind: 'auto' };
}

const taxInGross = (gross: Big, rate: Big) => gross.times(rate).div(rate.plus(100)).round(2);
const taxOnNet = (net: Big, rate: Big) => net.times(rate).div(100).round(2);
const money = (b: Big) => b.round(2).toFixed(2);

export interface PurchaseLine {
  index: number;
  categoryUrl: string;
  description: string;
  quantity: string;
  choice: TaxChoice;
  /** Signed, in the document's currency. One of gross or net is set. */
  gross?: Big;
  net?: Big;
  /** Positive; sent when FreeAgent's own computation would differ from the item's tax. */
  manualTax?: Big;
  projectUrl?: string;
}

/**
 * Purchase lines (bills, expenses, explanations) with FreeAgent's signs: `multiplier` is -1 to
 * turn a positive item into money out / a bill refund. A given tax amount is kept exactly:
 * FreeAgent works tax out as gross × rate / (100 + rate) (or net × rate), and where that
 * misses the item's amount by a penny the amount goes as `manual_sales_tax_amount`.
 */
export function purchaseLines(doc: PublishDocument, info: CompanyInfo, api: string, multiplier: 1 | -1): PurchaseLine[] {
  if (doc.lines.length === 0) throw invalid('The item has no lines.', 'lines');
  return doc.lines.map((line, index) => {
    const choice = taxChoice(doc, line, index, info);
    const amount = new Big(line.lineAmount).times(multiplier);
    const given = line.taxAmount === undefined || doc.taxMode === 'no_tax' ? undefined : new Big(line.taxAmount).abs();
    const inclusive = doc.taxMode !== 'exclusive';
    let manualTax: Big | undefined;
    if (info.registered && given !== undefined) {
      if (choice.kind === 'auto') manualTax = given;
      else if (choice.kind === 'rate') {
        const computed = inclusive ? taxInGross(amount.abs(), choice.rate) : taxOnNet(amount.abs(), choice.rate);
        if (!computed.eq(given)) manualTax = given;
      }
    }
    return {
      index,
      categoryUrl: refUrl(api, 'categories', line.category),
      description: line.description,
      quantity: line.quantity || '1',
      choice,
      ...(inclusive ? { gross: amount } : { net: amount }),
      manualTax,
      projectUrl: line.project ? refUrl(api, 'projects', line.project) : undefined,
    };
  });
}

function taxFields(line: PurchaseLine): Json {
  const out: Json = {};
  if (line.choice.kind === 'rate') out.sales_tax_rate = line.choice.rate.toString();
  if (line.choice.kind === 'status') out.sales_tax_status = line.choice.status;
  if (line.manualTax !== undefined) out.manual_sales_tax_amount = money(line.manualTax);
  return out;
}

/** The gross of a line as FreeAgent will store it (for expenses and explanations, which only take gross). */
export function grossOf(line: PurchaseLine, autoRate: Big | undefined): Big {
  if (line.gross !== undefined) return line.gross;
  const net = line.net as Big;
  const rate = line.choice.kind === 'rate' ? line.choice.rate : line.choice.kind === 'auto' ? (autoRate ?? new Big(0)) : new Big(0);
  const tax = line.manualTax ?? taxOnNet(net.abs(), rate);
  return net.lt(0) ? net.minus(tax) : net.plus(tax);
}

function currencyFields(doc: PublishDocument, info: CompanyInfo): Json {
  const currency = doc.currency.toUpperCase();
  if (currency === info.currency) return {};
  return { currency, ...(doc.currencyRate ? { exchange_rate: doc.currencyRate } : {}) };
}

export function billBody(doc: PublishDocument, info: CompanyInfo, contactUrl: string, lines: PurchaseLine[]): Json {
  if (lines.length > 40) throw invalid('FreeAgent takes at most 40 lines on a bill: split the item.', 'lines');
  return {
    bill: {
      contact: contactUrl,
      reference: lookupReference(doc),
      dated_on: doc.date,
      due_on: doc.dueDate && doc.dueDate >= doc.date ? doc.dueDate : doc.date,
      ...currencyFields(doc, info),
      bill_items: lines.map((l) => ({
        category: l.categoryUrl,
        description: l.description,
        quantity: l.quantity,
        ...(l.gross !== undefined ? { total_value: money(l.gross) } : { total_value_ex_tax: money(l.net as Big) }),
        ...taxFields(l),
        ...(l.projectUrl ? { project: l.projectUrl } : {}),
      })),
    },
  };
}

/** A FreeAgent explanation has one category and one VAT treatment: lines must agree (or be split). */
export function explanationBody(doc: PublishDocument, lines: PurchaseLine[], autoRate: Big | undefined, bankAccountUrl: string): Json {
  const first = lines[0] as PurchaseLine;
  const key = (l: PurchaseLine) => `${l.categoryUrl}|${l.choice.kind === 'rate' ? l.choice.rate.toString() : l.choice.kind === 'status' ? l.choice.status : 'auto'}|${l.projectUrl ?? ''}`;
  if (lines.some((l) => key(l) !== key(first))) {
    throw invalid('A FreeAgent bank explanation takes one category and one VAT rate: split the item, or publish it as a bill.', 'lines');
  }
  const gross = lines.reduce((sum, l) => sum.plus(grossOf(l, autoRate)), new Big(0));
  const manual = lines.some((l) => l.manualTax !== undefined) ? lines.reduce((sum, l) => sum.plus(l.manualTax ?? new Big(0)), new Big(0)) : undefined;
  return {
    bank_transaction_explanation: {
      bank_account: bankAccountUrl,
      dated_on: doc.paid?.date ?? doc.date,
      gross_value: money(gross),
      category: first.categoryUrl,
      description: lines.map((l) => l.description).join('; ').slice(0, 255) || doc.contact.name,
      receipt_reference: lookupReference(doc),
      ...taxFields({ ...first, manualTax: manual }),
      ...(first.projectUrl ? { project: first.projectUrl } : {}),
    },
  };
}

/** One expense per line (an expense has one category), sent together as a batch. */
export function expenseBodies(doc: PublishDocument, info: CompanyInfo, lines: PurchaseLine[], autoRates: Array<Big | undefined>, userUrl: string): Json[] {
  const currency = doc.currency.toUpperCase();
  const foreign = currency !== info.currency;
  return lines.map((l, i) => {
    const fields = taxFields(l);
    if (foreign) {
      // FreeAgent ignores a rate on foreign-currency expenses; reclaimable tax goes as a manual
      // amount in native currency.
      delete fields.sales_tax_rate;
      if (l.manualTax !== undefined || (l.choice.kind === 'rate' && l.choice.rate.gt(0))) {
        const tax = l.manualTax ?? (l.gross !== undefined ? taxInGross(l.gross.abs(), (l.choice as { rate: Big }).rate) : taxOnNet((l.net as Big).abs(), (l.choice as { rate: Big }).rate));
        if (doc.currencyRate) fields.manual_sales_tax_amount = money(tax.times(doc.currencyRate));
        else delete fields.manual_sales_tax_amount;
      }
    }
    return {
      user: userUrl,
      category: l.categoryUrl,
      dated_on: doc.date,
      gross_value: money(grossOf(l, autoRates[i])),
      description: l.description || doc.contact.name,
      receipt_reference: lookupReference(doc),
      ...(foreign ? { currency } : {}),
      ...fields,
      ...(l.projectUrl ? { project: l.projectUrl } : {}),
    };
  });
}

/**
 * Invoice and credit note items: FreeAgent prices are net and it adds the tax itself, so an
 * inclusive line is turned net first. Where net ÷ quantity is not exact, one unit at the line's
 * net is sent instead (the quantity stays in the description).
 */
export function salesBody(doc: PublishDocument, info: CompanyInfo, api: string, contactUrl: string, kind: 'invoice' | 'credit_note'): Json {
  if (doc.lines.length === 0) throw invalid('The item has no lines.', 'lines');
  const multiplier = kind === 'credit_note' && new Big(doc.total).lt(0) ? -1 : 1;
  const items = doc.lines.map((line, index) => {
    const choice = taxChoice(doc, line, index, info);
    const amount = new Big(line.lineAmount).times(multiplier);
    let net = amount;
    if (doc.taxMode === 'inclusive') {
      const tax = line.taxAmount !== undefined ? new Big(line.taxAmount).abs() : choice.kind === 'rate' ? taxInGross(amount.abs(), choice.rate) : new Big(0);
      net = amount.lt(0) ? amount.plus(tax) : amount.minus(tax);
    }
    let quantity = new Big(line.quantity || '1');
    if (quantity.eq(0)) quantity = new Big(1);
    let price = net.div(quantity).round(4);
    let description = line.description;
    if (!price.times(quantity).round(2).eq(net.round(2))) {
      description = `${line.description} (${line.quantity} × ${line.unitAmount})`;
      quantity = new Big(1);
      price = net;
    }
    const tax: Json = {};
    if (choice.kind === 'rate') tax.sales_tax_rate = choice.rate.toString();
    else if (choice.kind === 'status') {
      // Invoice items take TAXABLE or EXEMPT; outside the scope goes as 0% there.
      if (choice.status === 'OUT_OF_SCOPE' && kind === 'invoice') tax.sales_tax_rate = '0';
      else tax.sales_tax_status = choice.status;
    }
    return {
      description,
      quantity: quantity.toString(),
      price: price.toString(),
      ...tax,
      category: refUrl(api, 'categories', line.category),
      ...(line.project ? { project: refUrl(api, 'projects', line.project) } : {}),
    };
  });
  const days = doc.dueDate ? Math.round((Date.parse(`${doc.dueDate}T00:00:00Z`) - Date.parse(`${doc.date}T00:00:00Z`)) / 86_400_000) : 30;
  const reference = doc.number?.trim() || doc.reference?.trim();
  return {
    [kind]: {
      contact: contactUrl,
      dated_on: doc.date,
      payment_terms_in_days: Math.max(0, days),
      ...(reference ? { reference } : {}),
      ...currencyFields(doc, info),
      [`${kind}_items`]: items,
    },
  };
}

/** Where a user sees the document in FreeAgent's web app (the API URL when it is a sandbox). */
export function webUrl(api: string, info: CompanyInfo, path: string, apiUrl: string): string {
  const host = new URL(api).hostname;
  if (host === 'api.freeagent.com' && info.subdomain) return `https://${info.subdomain}.freeagent.com/${path}`;
  if (host === 'api.sandbox.freeagent.com' && info.subdomain) return `https://${info.subdomain}.sandbox.freeagent.com/${path}`;
  return apiUrl;
}

export const trailingId = (url: string) => url.replace(/\/$/, '').split('/').pop() ?? url;
