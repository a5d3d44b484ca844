/**
 * KashFlow's business rules for the documents the sandbox accepts: purchases, invoices and
 * expenses. Each check answers the way the REST API does: 400 with `{ Error, Message }`.
 * The Error codes are our names [?]: KashFlow documents the shape, not the code list.
 */
import type { Account, Contact, Expense, Invoice, LineItem, PaymentLine, Purchase } from './model.js';
import { paymentMethods } from './seed.js';

export interface RuleError {
  status: 400 | 404;
  Error: string;
  Message: string;
}

export type RuleResult<T> = { ok: true; value: T } | { ok: false; error: RuleError };

const fail = (Error: string, Message: string, status: 400 | 404 = 400): { ok: false; error: RuleError } => ({
  ok: false,
  error: { status, Error, Message },
});

export function round2(value: number): number {
  return Math.round((value + Math.sign(value) * Number.EPSILON) * 100) / 100;
}

type Body = Record<string, unknown>;

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Accepts `YYYY-MM-DD`, `YYYY-MM-DD HH:mm:ss` and ISO-8601, as KashFlow's JSON does. */
export function parseKashflowDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value.trim());
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (date.getUTCMonth() !== Number(m[2]) - 1) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T00:00:00`;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return `${d.toISOString().slice(0, 10)}T00:00:00`;
}

function checkNominal(account: Account, code: unknown, where: string): RuleResult<number> {
  const n = num(code);
  if (n === undefined || !Number.isInteger(n)) return fail('ValidationError', `${where}: NominalCode is required.`);
  const nominal = account.nominals.find((x) => x.Code === n);
  if (!nominal) return fail('InvalidNominalCode', `${where}: Nominal code ${n} does not exist.`);
  if (nominal.Archived) return fail('ArchivedNominalCode', `${where}: Nominal code ${n} (${nominal.Name}) is archived.`);
  if (nominal.ControlAccountClassification !== null) {
    return fail('ValidationError', `${where}: Nominal code ${n} (${nominal.Name}) is a control account and cannot be posted to.`);
  }
  return { ok: true, value: n };
}

function checkVatLevel(account: Account, level: unknown, exempt: boolean, where: string): RuleResult<number> {
  const n = num(level ?? 0);
  if (n === undefined) return fail('ValidationError', `${where}: VATLevel must be a number.`);
  if (exempt || n === 0) return { ok: true, value: n };
  if (!account.vatRates.some((r) => r.VATRate === n)) {
    return fail('InvalidVATRate', `${where}: VAT rate ${n}% is not set up for this business.`);
  }
  return { ok: true, value: n };
}

function checkProject(account: Account, value: unknown, where: string): RuleResult<number | null> {
  if (value === undefined || value === null || value === '' || value === 0) return { ok: true, value: null };
  const n = num(value);
  const project = n === undefined ? undefined : account.projects.find((p) => p.Number === n);
  if (!project) return fail('InvalidProjectNumber', `${where}: Project number ${String(value)} does not exist.`);
  if (project.Status === 2) return fail('ArchivedProject', `${where}: Project ${project.Number} (${project.Name}) is archived.`);
  return { ok: true, value: project.Number };
}

function checkLines(account: Account, raw: unknown, headerProject: number | null): RuleResult<LineItem[]> {
  if (!Array.isArray(raw) || raw.length === 0) return fail('ValidationError', 'At least one line item is required.');
  const lines: LineItem[] = [];
  for (const [i, item] of raw.entries()) {
    const where = `Line ${i + 1}`;
    if (!isObject(item)) return fail('ValidationError', `${where}: not a line item.`);
    const quantity = num(item.Quantity ?? 1);
    const rate = num(item.Rate);
    if (quantity === undefined || quantity === 0) return fail('ValidationError', `${where}: Quantity must be a non-zero number.`);
    if (rate === undefined) return fail('ValidationError', `${where}: Rate is required.`);
    const nominal = checkNominal(account, item.NominalCode, where);
    if (!nominal.ok) return nominal;
    const exempt = item.VATExempt === true;
    const level = checkVatLevel(account, item.VATLevel, exempt, where);
    if (!level.ok) return level;
    const net = round2(quantity * rate);
    const expectedVat = round2((net * level.value) / 100);
    const vat = num(item.VATAmount ?? expectedVat);
    if (vat === undefined) return fail('ValidationError', `${where}: VATAmount must be a number.`);
    // [?] KashFlow recalculates VAT per line; we allow a penny either way for rounding.
    if (Math.abs(vat - expectedVat) > 0.011) {
      return fail(
        'VATAmountMismatch',
        `${where}: VAT amount ${vat.toFixed(2)} does not match ${level.value}% of ${net.toFixed(2)} (expected ${expectedVat.toFixed(2)}).`,
      );
    }
    const project = checkProject(account, item.ProjectNumber ?? headerProject, where);
    if (!project.ok) return project;
    const productCode = str(item.ProductCode) || null;
    if (productCode && !account.products.some((p) => p.Code === productCode)) {
      return fail('InvalidProductCode', `${where}: Product code ${productCode} does not exist.`);
    }
    lines.push({
      Description: str(item.Description) ?? '',
      Quantity: quantity,
      Rate: rate,
      VATLevel: level.value,
      VATAmount: round2(vat),
      NominalCode: nominal.value,
      ProjectNumber: project.value,
      ProductCode: productCode,
    });
  }
  return { ok: true, value: lines };
}

function checkPayments(account: Account, raw: unknown, gross: number, nextId: () => number): RuleResult<PaymentLine[]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return fail('ValidationError', 'PaymentLines must be a list.');
  const out: PaymentLine[] = [];
  for (const [i, p] of raw.entries()) {
    const where = `Payment ${i + 1}`;
    if (!isObject(p)) return fail('ValidationError', `${where}: not a payment line.`);
    const date = parseKashflowDate(p.Date);
    const amount = num(p.Amount);
    if (!date) return fail('ValidationError', `${where}: Date is required.`);
    if (amount === undefined) return fail('ValidationError', `${where}: Amount is required.`);
    const method = num(p.Method);
    if (method === undefined || !paymentMethods.some((m) => m.Id === method)) {
      return fail('InvalidPaymentMethod', `${where}: Payment method ${String(p.Method)} does not exist.`);
    }
    const bank = account.bankAccounts.find((b) => b.Id === num(p.AccountId));
    if (!bank) return fail('InvalidBankAccount', `${where}: Bank account ${String(p.AccountId)} does not exist.`);
    if (bank.IsArchived) return fail('ArchivedBankAccount', `${where}: Bank account ${bank.AccountName} is archived.`);
    out.push({ Id: nextId(), Date: date, Amount: round2(amount), Method: method, AccountId: bank.Id, Note: str(p.Note), Reference: str(p.Reference) });
  }
  const paid = round2(out.reduce((s, p) => s + p.Amount, 0));
  if (Math.abs(paid) > Math.abs(gross) + 0.001) {
    return fail('ValidationError', `Payments (${paid.toFixed(2)}) are more than the total (${gross.toFixed(2)}).`);
  }
  return { ok: true, value: out };
}

function checkCurrency(raw: unknown): RuleResult<{ Code: string; ExchangeRate: number }> {
  if (raw === undefined || raw === null) return { ok: true, value: { Code: 'GBP', ExchangeRate: 1 } };
  if (!isObject(raw)) return fail('ValidationError', 'Currency must be an object with Code and ExchangeRate.');
  const code = (str(raw.Code) ?? 'GBP').toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) return fail('ValidationError', `Currency code ${code} is not valid.`);
  const rate = num(raw.ExchangeRate ?? (code === 'GBP' ? 1 : undefined));
  if (rate === undefined || rate <= 0) return fail('ValidationError', `An exchange rate is required for ${code}.`);
  return { ok: true, value: { Code: code, ExchangeRate: rate } };
}

function checkNumber(existing: Array<{ Number: number }>, raw: unknown, what: string): RuleResult<number> {
  if (raw === undefined || raw === null || raw === '' || raw === 0) {
    return { ok: true, value: existing.reduce((max, d) => Math.max(max, d.Number), 0) + 1 };
  }
  const n = num(raw);
  if (n === undefined || !Number.isInteger(n) || n <= 0) return fail('ValidationError', `${what} number must be a positive whole number.`);
  if (existing.some((d) => d.Number === n)) return fail('DuplicateNumber', `${what} number ${n} is already in use.`);
  return { ok: true, value: n };
}

function totals(lines: LineItem[]) {
  const net = round2(lines.reduce((s, l) => s + round2(l.Quantity * l.Rate), 0));
  const vat = round2(lines.reduce((s, l) => s + l.VATAmount, 0));
  return { net, vat, gross: round2(net + vat) };
}

/** The supplier or customer a document names by code: it must exist and not be archived. */
function findContact(list: Contact[], raw: unknown, kind: 'Supplier' | 'Customer'): RuleResult<Contact> {
  const code = str(raw);
  if (!code) return fail('ValidationError', `${kind}Code is required.`);
  const contact = list.find((s) => s.Code.toLowerCase() === code.toLowerCase());
  if (!contact) return fail(`Invalid${kind}Code`, `${kind} with code ${code} does not exist.`);
  if (contact.IsArchived) return fail(`Archived${kind}`, `${kind} ${contact.Code} (${contact.Name}) is archived.`);
  return { ok: true, value: contact };
}

/** Issued date required; the due date, when not given, follows the contact's payment terms. */
function checkDates(body: Record<string, unknown>, contact: Contact): RuleResult<{ issued: string; due: string }> {
  const issued = parseKashflowDate(body.IssuedDate);
  if (!issued) return fail('ValidationError', 'IssuedDate is required (YYYY-MM-DD).');
  const due = body.DueDate === undefined ? addDays(issued, contact.PaymentTerms.Days) : parseKashflowDate(body.DueDate);
  if (!due) return fail('ValidationError', 'DueDate is not a valid date.');
  return { ok: true, value: { issued, due } };
}

type Amounts = Pick<Purchase & Invoice, 'PaymentLines' | 'NetAmount' | 'VATAmount' | 'GrossAmount' | 'AmountPaid' | 'IsCredit'>;

/** A purchase's or invoice's money: its lines' totals, the payments recorded with it, credit when negative. */
function checkAmounts(account: Account, rawPayments: unknown, lines: LineItem[]): RuleResult<Amounts> {
  const t = totals(lines);
  const payments = checkPayments(account, rawPayments, t.gross, () => account.nextId++);
  if (!payments.ok) return payments;
  return {
    ok: true,
    value: {
      PaymentLines: payments.value,
      NetAmount: t.net,
      VATAmount: t.vat,
      GrossAmount: t.gross,
      AmountPaid: round2(payments.value.reduce((s, p) => s + p.Amount, 0)),
      IsCredit: t.gross < 0,
    },
  };
}

export function createPurchase(account: Account, body: unknown, nowIso: string): RuleResult<Purchase> {
  if (!isObject(body)) return fail('ValidationError', 'The request body must be a purchase object.');
  const found = findContact(account.suppliers, body.SupplierCode, 'Supplier');
  if (!found.ok) return found;
  const supplier = found.value;
  const dates = checkDates(body, supplier);
  if (!dates.ok) return dates;
  const { issued, due } = dates.value;
  const currency = checkCurrency(body.Currency);
  if (!currency.ok) return currency;
  const headerProject = checkProject(account, body.ProjectNumber, 'Purchase');
  if (!headerProject.ok) return headerProject;
  const lines = checkLines(account, body.LineItems, headerProject.value);
  if (!lines.ok) return lines;
  const number = checkNumber(account.purchases, body.Number, 'Purchase');
  if (!number.ok) return number;
  const amounts = checkAmounts(account, body.PaymentLines, lines.value);
  if (!amounts.ok) return amounts;
  return {
    ok: true,
    value: {
      Id: account.nextId++,
      Number: number.value,
      SupplierCode: supplier.Code,
      SupplierName: supplier.Name,
      SupplierReference: str(body.SupplierReference) ?? '',
      IssuedDate: issued,
      DueDate: due,
      Currency: currency.value,
      ProjectNumber: headerProject.value,
      LineItems: lines.value,
      ...amounts.value,
      Type: 'Purchase',
      CreatedDate: nowIso,
    },
  };
}

export function createInvoice(account: Account, body: unknown, nowIso: string): RuleResult<Invoice> {
  if (!isObject(body)) return fail('ValidationError', 'The request body must be an invoice object.');
  const found = findContact(account.customers, body.CustomerCode, 'Customer');
  if (!found.ok) return found;
  const customer = found.value;
  const dates = checkDates(body, customer);
  if (!dates.ok) return dates;
  const { issued, due } = dates.value;
  const currency = checkCurrency(body.Currency);
  if (!currency.ok) return currency;
  const lines = checkLines(account, body.LineItems, null);
  if (!lines.ok) return lines;
  const number = checkNumber(account.invoices, body.Number, 'Invoice');
  if (!number.ok) return number;
  const amounts = checkAmounts(account, body.PaymentLines, lines.value);
  if (!amounts.ok) return amounts;
  return {
    ok: true,
    value: {
      Id: account.nextId++,
      Number: number.value,
      CustomerCode: customer.Code,
      CustomerName: customer.Name,
      CustomerReference: str(body.CustomerReference) ?? '',
      IssuedDate: issued,
      DueDate: due,
      Currency: currency.value,
      LineItems: lines.value,
      ...amounts.value,
      CreatedDate: nowIso,
    },
  };
}

export function createExpense(account: Account, body: unknown, nowIso: string): RuleResult<Expense> {
  if (!isObject(body)) return fail('ValidationError', 'The request body must be an expense object.');
  const found = findContact(account.suppliers, body.SupplierCode, 'Supplier');
  if (!found.ok) return found;
  const supplier = found.value;
  const bank = account.bankAccounts.find((b) => b.Id === num(body.BankAccountId));
  if (!bank) return fail('InvalidBankAccount', `Bank account ${String(body.BankAccountId)} does not exist.`);
  if (bank.IsArchived) return fail('ArchivedBankAccount', `Bank account ${bank.AccountName} is archived.`);
  const method = num(body.PaymentMethod);
  if (method === undefined || !paymentMethods.some((m) => m.Id === method)) {
    return fail('InvalidPaymentMethod', `Payment method ${String(body.PaymentMethod)} does not exist.`);
  }
  const nominal = checkNominal(account, body.NominalCode, 'Expense');
  if (!nominal.ok) return nominal;
  const issued = parseKashflowDate(body.IssuedDate);
  if (!issued) return fail('ValidationError', 'IssuedDate is required (YYYY-MM-DD).');
  const amount = num(body.Amount);
  if (amount === undefined || amount === 0) return fail('ValidationError', 'Amount must be a non-zero number.');
  const exempt = body.VATExempt === true;
  const level = checkVatLevel(account, body.VATLevel, exempt, 'Expense');
  if (!level.ok) return level;
  // Amount is gross: the VAT inside it is Amount × rate / (100 + rate).
  const expectedVat = round2((amount * level.value) / (100 + level.value));
  const vat = num(body.VATAmount ?? expectedVat);
  if (vat === undefined || Math.abs(vat - expectedVat) > 0.011) {
    return fail(
      'VATAmountMismatch',
      `Expense: VAT amount ${String(body.VATAmount)} does not match ${level.value}% VAT included in ${amount.toFixed(2)} (expected ${expectedVat.toFixed(2)}).`,
    );
  }
  const number = checkNumber(account.expenses, body.Number, 'Expense');
  if (!number.ok) return number;
  return {
    ok: true,
    value: {
      Id: account.nextId++,
      Number: number.value,
      SupplierCode: supplier.Code,
      BankAccountId: bank.Id,
      PaymentMethod: method,
      NominalCode: nominal.value,
      IssuedDate: issued,
      Amount: round2(amount),
      VATLevel: level.value,
      VATAmount: round2(vat),
      VATExempt: exempt,
      Disallowed: body.Disallowed === true,
      Comment: str(body.Comment) ?? '',
      ExpenseArticle: str(body.ExpenseArticle) ?? '',
      CreatedDate: nowIso,
    },
  };
}
