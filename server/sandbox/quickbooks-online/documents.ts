/**
 * Creating, updating and deleting transactions (quickbooks-online.md §3): bills, purchases
 * (cash, cheque or credit card expenses), invoices, vendor credits, credit memos and bill
 * payments, with QuickBooks' checks (required fields, references that exist and are active,
 * VAT on non-US lines, duplicate document numbers, Amount = Qty × UnitPrice, SyncToken) and
 * its arithmetic (line tax per tax code and GlobalTaxCalculation, TxnTaxDetail, TotalAmt,
 * Balance; a bill payment lowers the bills it pays).
 */
import {
  businessValidation,
  invalidReference,
  objectNotFound,
  requiredMissing,
  unsupportedProperty,
  validation,
  QboFault,
} from './faults.js';
import { dec, mul, netOfInclusive, percentOf, round, toNumber, type Dec } from './money.js';
import { metaData, qboTime, type EntityName, type Json } from './seed.js';
import { nextId, type CompanyState, type SandboxState } from './state.js';

export const writableEntities = ['Bill', 'Purchase', 'Invoice', 'VendorCredit', 'CreditMemo', 'BillPayment'] as const;
export type WritableEntity = (typeof writableEntities)[number];

/** URL segment (lower case) → entity. */
export const entityBySegment: Record<string, EntityName> = Object.fromEntries(
  (['Account', 'Vendor', 'Customer', 'Item', 'Class', 'Department', 'TaxCode', 'TaxRate', 'Term', 'PaymentMethod', 'Employee', 'Bill', 'Purchase', 'Invoice', 'VendorCredit', 'CreditMemo', 'BillPayment', 'Payment', 'Attachable'] as EntityName[]).map((e) => [e.toLowerCase(), e]),
) as Record<string, EntityName>;

const purchaseSide = new Set<WritableEntity>(['Bill', 'Purchase', 'VendorCredit']);

/** Top-level fields each document accepts (read-only ones are accepted and ignored, as QuickBooks does). */
const common = ['Id', 'SyncToken', 'sparse', 'domain', 'MetaData', 'DocNumber', 'TxnDate', 'PrivateNote', 'Line', 'CurrencyRef', 'ExchangeRate', 'GlobalTaxCalculation', 'TxnTaxDetail', 'DepartmentRef', 'LinkedTxn', 'TotalAmt', 'TransactionLocationType'];
const allowedFields: Record<WritableEntity, Set<string>> = {
  Bill: new Set([...common, 'VendorRef', 'APAccountRef', 'DueDate', 'SalesTermRef', 'Balance', 'VendorAddr']),
  Purchase: new Set([...common, 'PaymentType', 'AccountRef', 'EntityRef', 'Credit', 'PaymentMethodRef', 'PrintStatus', 'RemitToAddr']),
  VendorCredit: new Set([...common, 'VendorRef', 'APAccountRef', 'Balance']),
  Invoice: new Set([...common, 'CustomerRef', 'DueDate', 'SalesTermRef', 'BillEmail', 'EmailStatus', 'ProjectRef', 'ClassRef', 'BillAddr', 'ShipAddr', 'CustomerMemo', 'Balance', 'ApplyTaxAfterDiscount', 'PrintStatus']),
  CreditMemo: new Set([...common, 'CustomerRef', 'ProjectRef', 'ClassRef', 'BillEmail', 'EmailStatus', 'CustomerMemo', 'RemainingCredit', 'Balance', 'PrintStatus']),
  BillPayment: new Set([...common, 'VendorRef', 'PayType', 'CheckPayment', 'CreditCardPayment', 'APAccountRef']),
};

const lineDetailTypes: Record<WritableEntity, string[]> = {
  Bill: ['AccountBasedExpenseLineDetail', 'ItemBasedExpenseLineDetail'],
  Purchase: ['AccountBasedExpenseLineDetail', 'ItemBasedExpenseLineDetail'],
  VendorCredit: ['AccountBasedExpenseLineDetail', 'ItemBasedExpenseLineDetail'],
  Invoice: ['SalesItemLineDetail', 'DescriptionOnly', 'SubTotalLineDetail', 'DiscountLineDetail'],
  CreditMemo: ['SalesItemLineDetail', 'DescriptionOnly', 'SubTotalLineDetail', 'DiscountLineDetail'],
  BillPayment: [],
};

export interface WriteContext {
  state: SandboxState;
  company: CompanyState;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function entities(company: CompanyState, name: EntityName): Map<string, Json> {
  let map = company.entities.get(name);
  if (!map) {
    map = new Map();
    company.entities.set(name, map);
  }
  return map;
}

/** Resolves a `{value}` reference to an active record, or throws QuickBooks' fault. */
function resolveRef(company: CompanyState, ref: unknown, entity: EntityName, field: string): Json {
  if (!isObj(ref) || ref.value === undefined || ref.value === '') throw requiredMissing(field);
  const id = String(ref.value);
  const record = entities(company, entity).get(id);
  if (!record) throw invalidReference(entity === 'Account' ? 'Accounts' : entity, id, field);
  if (record.Active === false) throw objectNotFound(field);
  return record;
}

const refOut = (record: Json, nameField = 'Name'): Json => ({ value: record.Id, name: record[nameField] ?? record.DisplayName ?? record.Name });

function today(ctx: WriteContext): string {
  return new Date(ctx.state.now()).toISOString().slice(0, 10);
}

function amountOf(value: unknown, field: string): Dec {
  const d = dec(value);
  if (d === undefined) throw requiredMissing(field);
  return d;
}

/** The rates a tax code applies on one side (purchase or sales), summed (compound rates are not modelled). */
function rateOf(company: CompanyState, code: Json, purchase: boolean): { percent: Dec; rates: Json[] } {
  const list = (purchase ? code.PurchaseTaxRateList : code.SalesTaxRateList) as { TaxRateDetail?: { TaxRateRef?: { value?: string } }[] } | undefined;
  const rates = (list?.TaxRateDetail ?? [])
    .map((d) => entities(company, 'TaxRate').get(String(d.TaxRateRef?.value)))
    .filter((r): r is Json => !!r);
  return { percent: rates.reduce((sum, r) => sum + (dec(r.RateValue) ?? 0n), 0n), rates };
}

interface TaxBucket {
  rate: Json;
  net: Dec;
  tax: Dec;
}

function checkFields(entity: WritableEntity, body: Json): void {
  for (const key of Object.keys(body)) if (!allowedFields[entity].has(key)) throw unsupportedProperty(key);
}

function checkCurrency(ctx: WriteContext, body: Json): Json {
  const currency = isObj(body.CurrencyRef) ? String(body.CurrencyRef.value ?? '') : ctx.company.data.currency;
  if (currency !== ctx.company.data.currency) {
    throw businessValidation(`Multicurrency is not enabled for this company: ${currency} cannot be used. Home currency is ${ctx.company.data.currency}.`, 'CurrencyRef');
  }
  return { value: currency, name: currency === 'GBP' ? 'British Pound Sterling' : 'United States Dollar' };
}

function checkDocNumber(ctx: WriteContext, entity: WritableEntity, body: Json, exceptId?: string): string | undefined {
  if (body.DocNumber === undefined || body.DocNumber === null) return undefined;
  const number = String(body.DocNumber);
  if (number.length > 21) {
    throw validation('2050', 'String length is either shorter or longer than supported by specification', `String length specified does not match the supported length. Min:0 Max:21 supported. Supplied length:${number.length}`, 'DocNumber');
  }
  // Sales forms need unique numbers; bills warn on a number reused for the same vendor.
  const vendor = isObj(body.VendorRef) ? String(body.VendorRef.value) : undefined;
  const clash = [...entities(ctx.company, entity).values()].find(
    (r) => r.Id !== exceptId && r.DocNumber === number && (entity === 'Invoice' || entity === 'CreditMemo' || (entity === 'Bill' && isObj(r.VendorRef) && r.VendorRef.value === vendor)),
  );
  if (clash) {
    throw validation('6140', 'Duplicate Document Number Error', `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${number} is assigned to TxnType=${entity} with TxnId=${clash.Id}`, 'DocNumber');
  }
  return number;
}

/** Lines: validated, references named, tax worked out; returns the lines and the tax buckets. */
function buildLines(ctx: WriteContext, entity: WritableEntity, body: Json, mode: string): { lines: Json[]; buckets: Map<string, TaxBucket>; net: Dec; gross: Dec; usTaxable: Dec } {
  const { company } = ctx;
  if (!Array.isArray(body.Line) || body.Line.length === 0) throw requiredMissing('Line');
  const purchase = purchaseSide.has(entity);
  const us = company.data.country === 'US';
  const buckets = new Map<string, TaxBucket>();
  let net = 0n;
  let gross = 0n;
  let usTaxable = 0n;
  const lines: Json[] = [];
  body.Line.forEach((raw: unknown, index: number) => {
    if (!isObj(raw)) throw requiredMissing(`Line[${index}]`);
    const type = String(raw.DetailType ?? '');
    if (!lineDetailTypes[entity].includes(type)) {
      throw validation('2010', 'Request has invalid or unsupported property', `Property Name:DetailType specified is unsupported or invalid for ${entity}: ${type || '(none)'}`, `Line[${index}].DetailType`);
    }
    const line: Json = { Id: String(index + 1), LineNum: index + 1, ...(raw.Description !== undefined ? { Description: String(raw.Description) } : {}), DetailType: type };
    if (type === 'DescriptionOnly') {
      lines.push({ ...line, DescriptionLineDetail: raw.DescriptionLineDetail ?? {} });
      return;
    }
    if (type === 'SubTotalLineDetail' || type === 'DiscountLineDetail') {
      lines.push({ ...line, Amount: toNumber(dec(raw.Amount) ?? 0n), [type]: raw[type] ?? {} });
      return;
    }
    const detailIn = raw[type];
    if (!isObj(detailIn)) throw requiredMissing(`Line.${type}`);
    let amount = amountOf(raw.Amount, `Line.Amount`);
    const detail: Json = {};
    if (type === 'AccountBasedExpenseLineDetail') {
      const account = resolveRef(company, detailIn.AccountRef, 'Account', `Line.${type}.AccountRef`);
      detail.AccountRef = refOut(account, 'FullyQualifiedName');
      detail.BillableStatus = detailIn.BillableStatus ?? 'NotBillable';
    } else {
      // Item lines; a sales line without ItemRef gets the company's "Services" item.
      const itemRef = detailIn.ItemRef ?? (type === 'SalesItemLineDetail' ? { value: [...entities(company, 'Item').values()].find((i) => i.Name === 'Services')?.Id } : undefined);
      const item = resolveRef(company, itemRef, 'Item', `Line.${type}.ItemRef`);
      detail.ItemRef = refOut(item);
      const qty = dec(detailIn.Qty);
      const unit = dec(detailIn.UnitPrice);
      if (qty !== undefined && unit !== undefined && mode !== 'TaxInclusive' && round(mul(qty, unit)) !== round(amount)) {
        throw businessValidation(`Amount is not equal to UnitPrice * Qty. Supplied value:${toNumber(amount)}`, `Line[${index}].Amount`);
      }
      if (qty !== undefined) detail.Qty = toNumber(qty, 4);
      if (unit !== undefined) detail.UnitPrice = toNumber(unit, 7);
      if (type === 'SalesItemLineDetail') detail.ItemAccountRef = item.IncomeAccountRef;
      else detail.BillableStatus = detailIn.BillableStatus ?? 'NotBillable';
    }
    if (detailIn.ClassRef !== undefined) detail.ClassRef = refOut(resolveRef(company, detailIn.ClassRef, 'Class', `Line.${type}.ClassRef`), 'FullyQualifiedName');
    if (detailIn.CustomerRef !== undefined) detail.CustomerRef = refOut(resolveRef(company, detailIn.CustomerRef, 'Customer', `Line.${type}.CustomerRef`), 'DisplayName');

    // --- tax ---
    let lineGross = amount;
    if (us) {
      const code = isObj(detailIn.TaxCodeRef) ? String(detailIn.TaxCodeRef.value ?? 'NON') : 'NON';
      if (!entities(company, 'TaxCode').has(code)) throw invalidReference('TaxCode', code, `Line.${type}.TaxCodeRef`);
      detail.TaxCodeRef = { value: code };
      // US purchases carry no sales tax; a taxable sales line is taxed at the transaction's code.
      if (!purchase && code !== 'NON') usTaxable += amount;
    } else if (mode !== 'NotApplicable') {
      if (detailIn.TaxCodeRef === undefined) {
        throw businessValidation('Make sure all your transactions have a VAT rate before you save.', `Line[${index}].TaxCodeRef`);
      }
      const code = resolveRef(company, detailIn.TaxCodeRef, 'TaxCode', `Line.${type}.TaxCodeRef`);
      detail.TaxCodeRef = { value: code.Id };
      const { percent, rates } = rateOf(company, code, purchase);
      let lineNet = amount;
      if (mode === 'TaxInclusive') {
        const inclusive = dec(detailIn.TaxInclusiveAmt);
        if (inclusive !== undefined) lineGross = inclusive;
        else lineNet = round(netOfInclusive(amount, percent));
        if (inclusive === undefined) amount = lineNet;
        detail.TaxInclusiveAmt = toNumber(lineGross);
      }
      const lineTax = mode === 'TaxInclusive' ? lineGross - amount : round(percentOf(amount, percent));
      lineGross = amount + lineTax;
      // Spread the line's tax over the code's rates in proportion (one rate in all seeded codes).
      rates.forEach((rate, i) => {
        const share = percent === 0n ? 0n : i === rates.length - 1 ? lineTax - rates.slice(0, -1).reduce((s, r) => s + round((lineTax * (dec(r.RateValue) ?? 0n)) / percent), 0n) : round((lineTax * (dec(rate.RateValue) ?? 0n)) / percent);
        const bucket = buckets.get(String(rate.Id)) ?? { rate, net: 0n, tax: 0n };
        bucket.net += amount;
        bucket.tax += share;
        buckets.set(String(rate.Id), bucket);
      });
    }
    net += amount;
    gross += lineGross;
    lines.push({ ...line, Amount: toNumber(amount), [type]: detail });
  });
  return { lines, buckets, net, gross, usTaxable };
}

function taxDetail(ctx: WriteContext, body: Json, built: ReturnType<typeof buildLines>, purchase: boolean): { detail: Json; totalTax: Dec } {
  const { company } = ctx;
  const given = isObj(body.TxnTaxDetail) ? body.TxnTaxDetail : {};
  if (company.data.country === 'US') {
    if (purchase || built.usTaxable === 0n) return { detail: {}, totalTax: 0n };
    const codeId = isObj(given.TxnTaxCodeRef) ? String(given.TxnTaxCodeRef.value) : company.data.defaultSalesTaxCode;
    const code = resolveRef(company, { value: codeId }, 'TaxCode', 'TxnTaxDetail.TxnTaxCodeRef');
    const { rates } = rateOf(company, code, false);
    const taxLines = rates.map((r) => ({ Amount: toNumber(round(percentOf(built.usTaxable, dec(r.RateValue) ?? 0n))), DetailType: 'TaxLineDetail', TaxLineDetail: { TaxRateRef: { value: r.Id }, PercentBased: true, TaxPercent: r.RateValue, NetAmountTaxable: toNumber(built.usTaxable) } }));
    const total = taxLines.reduce((s, l) => s + (dec(l.Amount) ?? 0n), 0n);
    return { detail: { TxnTaxCodeRef: { value: code.Id }, TotalTax: toNumber(total), TaxLine: taxLines }, totalTax: total };
  }
  const taxLines = [...built.buckets.values()].map((b) => ({
    Amount: toNumber(b.tax),
    DetailType: 'TaxLineDetail',
    TaxLineDetail: { TaxRateRef: { value: b.rate.Id }, PercentBased: true, TaxPercent: b.rate.RateValue, NetAmountTaxable: toNumber(b.net) },
  }));
  let total = [...built.buckets.values()].reduce((s, b) => s + b.tax, 0n);
  // A TotalTax sent with the document overrides the computed one (quickbooks-online.md §3).
  const override = dec(given.TotalTax);
  if (override !== undefined) total = round(override);
  return { detail: { TotalTax: toNumber(total), ...(taxLines.length ? { TaxLine: taxLines } : {}) }, totalTax: total };
}

function stamp(ctx: WriteContext, record: Json, previous?: Json): Json {
  const now = ctx.state.now();
  const created = previous && isObj(previous.MetaData) ? String(previous.MetaData.CreateTime) : qboTime(now);
  return {
    ...record,
    domain: 'QBO',
    sparse: false,
    SyncToken: previous ? String(Number(previous.SyncToken ?? 0) + 1) : '0',
    MetaData: { ...metaData(now), CreateTime: created, LastUpdatedTime: qboTime(now) },
  };
}

function buildTransaction(ctx: WriteContext, entity: Exclude<WritableEntity, 'BillPayment'>, body: Json, existing?: Json): Json {
  const { company } = ctx;
  checkFields(entity, body);
  const purchase = purchaseSide.has(entity);
  const us = company.data.country === 'US';
  const mode = us ? 'NotApplicable' : String(body.GlobalTaxCalculation ?? 'TaxExcluded');
  if (!['TaxExcluded', 'TaxInclusive', 'NotApplicable'].includes(mode)) {
    throw validation('2010', 'Request has invalid or unsupported property', `Property Name:GlobalTaxCalculation value ${mode} is unsupported or invalid`, 'GlobalTaxCalculation');
  }
  const out: Json = { Id: existing?.Id ?? nextId(company) };
  if (entity === 'Bill' || entity === 'VendorCredit') {
    out.VendorRef = refOut(resolveRef(company, body.VendorRef, 'Vendor', 'VendorRef'), 'DisplayName');
    const ap = body.APAccountRef !== undefined ? resolveRef(company, body.APAccountRef, 'Account', 'APAccountRef') : [...entities(company, 'Account').values()].find((a) => a.AccountType === 'Accounts Payable');
    if (ap) out.APAccountRef = refOut(ap, 'FullyQualifiedName');
  } else if (entity === 'Purchase') {
    const paymentType = String(body.PaymentType ?? '');
    if (!paymentType) throw requiredMissing('PaymentType');
    if (!['Cash', 'Check', 'CreditCard'].includes(paymentType)) throw validation('2010', 'Request has invalid or unsupported property', `Property Name:PaymentType value ${paymentType} is unsupported or invalid`, 'PaymentType');
    const account = resolveRef(company, body.AccountRef, 'Account', 'AccountRef');
    const wanted = paymentType === 'CreditCard' ? 'Credit Card' : 'Bank';
    if (account.AccountType !== wanted) {
      throw businessValidation(`${paymentType === 'CreditCard' ? 'A credit card expense must be paid from a credit card account' : 'A cash or check expense must be paid from a bank account'}: ${account.Name} is ${account.AccountType}.`, 'AccountRef');
    }
    out.PaymentType = paymentType;
    out.AccountRef = refOut(account, 'FullyQualifiedName');
    if (body.EntityRef !== undefined) {
      if (!isObj(body.EntityRef)) throw requiredMissing('EntityRef');
      const type = String(body.EntityRef.type ?? 'Vendor');
      if (!['Vendor', 'Customer', 'Employee'].includes(type)) throw validation('2010', 'Request has invalid or unsupported property', `Property Name:EntityRef.type ${type} is unsupported or invalid`, 'EntityRef');
      const party = resolveRef(company, body.EntityRef, type as EntityName, 'EntityRef');
      out.EntityRef = { value: party.Id, name: party.DisplayName, type };
    }
    if (body.Credit !== undefined) out.Credit = Boolean(body.Credit);
  } else {
    const customer = resolveRef(company, body.CustomerRef, 'Customer', 'CustomerRef');
    out.CustomerRef = refOut(customer, 'DisplayName');
    if (body.ProjectRef !== undefined) out.ProjectRef = refOut(resolveRef(company, body.ProjectRef, 'Customer', 'ProjectRef'), 'DisplayName');
  }
  if (body.DepartmentRef !== undefined) out.DepartmentRef = refOut(resolveRef(company, body.DepartmentRef, 'Department', 'DepartmentRef'), 'FullyQualifiedName');
  const number = checkDocNumber(ctx, entity, body, existing ? String(existing.Id) : undefined);
  if (number !== undefined) out.DocNumber = number;
  else if (entity === 'Invoice' || entity === 'CreditMemo') {
    // Auto-numbering (custom numbers on, but QuickBooks still numbers forms sent without one).
    const used = [...entities(company, entity).values()].map((r) => Number(r.DocNumber)).filter((n) => Number.isFinite(n));
    out.DocNumber = String(Math.max(1000, ...used) + 1);
  }
  out.TxnDate = typeof body.TxnDate === 'string' ? body.TxnDate : today(ctx);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(String(out.TxnDate))) throw validation('2010', 'Request has invalid or unsupported property', `Property Name:TxnDate value ${String(out.TxnDate)} is not a valid date`, 'TxnDate');
  if (entity === 'Bill' || entity === 'Invoice') {
    out.DueDate = typeof body.DueDate === 'string' ? body.DueDate : out.TxnDate;
  }
  out.CurrencyRef = checkCurrency(ctx, body);
  if (body.ExchangeRate !== undefined) out.ExchangeRate = Number(body.ExchangeRate);
  if (body.PrivateNote !== undefined) {
    const note = String(body.PrivateNote);
    if (note.length > 4000) throw validation('2050', 'String length is either shorter or longer than supported by specification', `Min:0 Max:4000 supported. Supplied length:${note.length}`, 'PrivateNote');
    out.PrivateNote = note;
  }
  if (!us) out.GlobalTaxCalculation = mode;
  const built = buildLines(ctx, entity, body, mode);
  out.Line = built.lines;
  const { detail, totalTax } = taxDetail(ctx, body, built, purchase);
  out.TxnTaxDetail = detail;
  const total = mode === 'TaxInclusive' ? built.net + totalTax : built.net + totalTax;
  out.TotalAmt = toNumber(total);
  if (entity === 'Bill' || entity === 'Invoice') out.Balance = toNumber(total);
  if (entity === 'VendorCredit') out.Balance = toNumber(total);
  if (entity === 'CreditMemo') {
    out.RemainingCredit = toNumber(total);
    out.Balance = toNumber(total);
  }
  if (entity === 'Invoice') {
    out.EmailStatus = body.EmailStatus ?? 'NotSet';
    out.PrintStatus = 'NotSet';
  }
  out.LinkedTxn = existing?.LinkedTxn ?? [];
  return out;
}

function buildBillPayment(ctx: WriteContext, body: Json): { record: Json; apply: () => void } {
  const { company } = ctx;
  checkFields('BillPayment', body);
  const vendor = resolveRef(company, body.VendorRef, 'Vendor', 'VendorRef');
  const payType = String(body.PayType ?? '');
  if (!payType) throw requiredMissing('PayType');
  if (payType !== 'Check' && payType !== 'CreditCard') throw validation('2010', 'Request has invalid or unsupported property', `Property Name:PayType value ${payType} is unsupported or invalid`, 'PayType');
  const out: Json = { Id: nextId(company), VendorRef: refOut(vendor, 'DisplayName'), PayType: payType };
  if (payType === 'Check') {
    const block = isObj(body.CheckPayment) ? body.CheckPayment : undefined;
    const bank = resolveRef(company, block?.BankAccountRef, 'Account', 'CheckPayment.BankAccountRef');
    if (bank.AccountType !== 'Bank') throw businessValidation(`A check payment must come from a bank account: ${bank.Name} is ${bank.AccountType}.`, 'CheckPayment.BankAccountRef');
    out.CheckPayment = { BankAccountRef: refOut(bank, 'FullyQualifiedName'), PrintStatus: 'NotSet' };
  } else {
    const block = isObj(body.CreditCardPayment) ? body.CreditCardPayment : undefined;
    const card = resolveRef(company, block?.CCAccountRef, 'Account', 'CreditCardPayment.CCAccountRef');
    if (card.AccountType !== 'Credit Card') throw businessValidation(`A credit card payment must come from a credit card account: ${card.Name} is ${card.AccountType}.`, 'CreditCardPayment.CCAccountRef');
    out.CreditCardPayment = { CCAccountRef: refOut(card, 'FullyQualifiedName') };
  }
  const total = amountOf(body.TotalAmt, 'TotalAmt');
  if (!Array.isArray(body.Line) || body.Line.length === 0) throw requiredMissing('Line');
  const bills = entities(company, 'Bill');
  const effects: { bill: Json; amount: Dec }[] = [];
  let applied = 0n;
  out.Line = body.Line.map((raw: unknown, i: number) => {
    if (!isObj(raw)) throw requiredMissing(`Line[${i}]`);
    const amount = amountOf(raw.Amount, 'Line.Amount');
    const linked = Array.isArray(raw.LinkedTxn) ? raw.LinkedTxn : [];
    for (const l of linked) {
      if (!isObj(l) || l.TxnType !== 'Bill') throw validation('2010', 'Request has invalid or unsupported property', 'Property Name:LinkedTxn.TxnType must be Bill or VendorCredit', 'Line.LinkedTxn');
      const bill = bills.get(String(l.TxnId));
      if (!bill) throw invalidReference('Bill', String(l.TxnId), 'Line.LinkedTxn.TxnId');
      if (!isObj(bill.VendorRef) || bill.VendorRef.value !== vendor.Id) throw businessValidation(`Bill ${String(l.TxnId)} belongs to another vendor.`, 'Line.LinkedTxn');
      if (amount > (dec(bill.Balance) ?? 0n)) throw businessValidation(`The payment amount is more than the open balance of bill ${String(bill.Id)}.`, 'Line.Amount');
      effects.push({ bill, amount });
    }
    applied += amount;
    return { Amount: toNumber(amount), LinkedTxn: linked.map((l: Json) => ({ TxnId: String(l.TxnId), TxnType: 'Bill' })) };
  });
  if (applied > total) throw businessValidation('The total of the lines is more than TotalAmt.', 'TotalAmt');
  out.TotalAmt = toNumber(total);
  out.TxnDate = typeof body.TxnDate === 'string' ? body.TxnDate : today(ctx);
  out.CurrencyRef = checkCurrency(ctx, body);
  if (body.DocNumber !== undefined) out.DocNumber = String(body.DocNumber);
  if (body.PrivateNote !== undefined) out.PrivateNote = String(body.PrivateNote);
  return {
    record: out,
    apply: () => {
      for (const { bill, amount } of effects) {
        bill.Balance = toNumber((dec(bill.Balance) ?? 0n) - amount);
        bill.LinkedTxn = [...((bill.LinkedTxn as Json[]) ?? []), { TxnId: out.Id, TxnType: 'BillPayment' }];
        bill.SyncToken = String(Number(bill.SyncToken) + 1);
        bill.MetaData = { ...(bill.MetaData as Json), LastUpdatedTime: qboTime(ctx.state.now()) };
      }
    },
  };
}

/**
 * POST /{entity}: create, full or sparse update (Id + SyncToken), or `?operation=delete`.
 * Returns the stored record (or the delete stub); throws QboFault on any refusal.
 */
export function writeEntity(ctx: WriteContext, entity: WritableEntity, body: unknown, operation?: string): Json {
  if (!isObj(body)) throw validation('2010', 'Request has invalid or unsupported property', 'The request body must be a JSON object');
  const store = entities(ctx.company, entity);
  if (operation === 'delete') {
    const existing = store.get(String(body.Id ?? ''));
    if (!existing) throw objectNotFound();
    if (String(body.SyncToken) !== String(existing.SyncToken)) throw staleObject();
    store.delete(String(existing.Id));
    ctx.company.tombstones.push({ entity, Id: String(existing.Id), at: ctx.state.now() });
    return { domain: 'QBO', status: 'Deleted', Id: existing.Id };
  }
  if (operation !== undefined && operation !== 'update' && operation !== 'create') {
    throw validation('2010', 'Request has invalid or unsupported property', `Operation ${operation} is not supported`);
  }
  let existing: Json | undefined;
  let input = body;
  if (body.Id !== undefined) {
    existing = store.get(String(body.Id));
    if (!existing) throw objectNotFound();
    if (body.SyncToken === undefined) throw requiredMissing('SyncToken');
    if (String(body.SyncToken) !== String(existing.SyncToken)) throw staleObject();
    if (body.sparse === true) {
      const { Id: _id, SyncToken: _st, sparse: _sp, MetaData: _md, domain: _d, TotalAmt: _t, Balance: _b, ...rest } = existing;
      input = { ...rest, ...body };
    }
  }
  if (entity === 'BillPayment') {
    if (existing) throw businessValidation('Updating a bill payment is not supported by this sandbox.');
    const { record, apply } = buildBillPayment(ctx, input);
    apply();
    const stored = stamp(ctx, record);
    store.set(String(stored.Id), stored);
    return stored;
  }
  const record = buildTransaction(ctx, entity, input, existing);
  const stored = stamp(ctx, record, existing);
  store.set(String(stored.Id), stored);
  return stored;
}

export function staleObject(): QboFault {
  return validation('5010', 'Stale Object Error', 'Stale Object Error : You and Bookbridge were working on this at the same time. Bookbridge finished before you did, so your work was not saved.');
}
