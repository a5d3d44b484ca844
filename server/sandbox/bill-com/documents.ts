/**
 * Creating AP documents the way BILL checks them: bills (one, or up to 100 all-or-nothing),
 * vendor credits, and payments recorded outside BILL. Unknown fields are refused (BILL's advice
 * for BDC_1002 is to check for an unknown or misspelt parameter); references must exist and not
 * be archived; amounts are numbers with at most two decimals; dates are yyyy-MM-dd.
 */
import { billId, type Rng } from './random.js';
import { BdcFailure, type BdcKind, type BdcParam } from './errors.js';
import type { Bill, BillLine, LineClassifications, OrganizationData, Payment, VendorCredit } from './state.js';

type Problem = { kind: BdcKind; message: string; params: BdcParam[] };

class Checker {
  readonly problems: Problem[] = [];
  constructor(private readonly prefix: string) {}

  name(path: string): string {
    if (!this.prefix) return path;
    return path ? `${this.prefix}.${path}` : this.prefix;
  }
  add(kind: BdcKind, path: string, message: string, value: unknown = ''): void {
    this.problems.push({ kind, message, params: [{ name: this.name(path), value: typeof value === 'string' ? value : JSON.stringify(value ?? '') }] });
  }
  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    this.add(value === undefined ? 'required' : 'malformed', path, value === undefined ? `${this.name(path)} is required.` : `${this.name(path)} must be an object.`, value);
    return undefined;
  }
  only(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.add('malformed', path ? `${path}.${key}` : key, `Unrecognized field "${path ? `${path}.` : ''}${key}".`, key);
    }
  }
  string(obj: Record<string, unknown>, key: string, path: string, required: boolean): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null || v === '') {
      if (required) this.add('required', path, `${this.name(path)} is required.`);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add('invalidValue', path, `${this.name(path)} must be a string.`, v);
      return undefined;
    }
    return v;
  }
  date(obj: Record<string, unknown>, key: string, path: string, required: boolean): string | undefined {
    const v = this.string(obj, key, path, required);
    if (v === undefined) return undefined;
    if (!/^\d{4}-\d\d-\d\d$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
      this.add('invalidValue', path, `${this.name(path)} must be a date in the yyyy-MM-dd format.`, v);
      return undefined;
    }
    return v;
  }
  amount(obj: Record<string, unknown>, key: string, path: string, required: boolean): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (required) this.add('required', path, `${this.name(path)} is required.`);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add('invalidValue', path, `${this.name(path)} must be a number.`, v);
      return undefined;
    }
    if (Math.abs(Math.round(v * 100) - v * 100) > 1e-6) {
      this.add('invalidValue', path, `${this.name(path)} can have at most two decimal places.`, v);
      return undefined;
    }
    return v;
  }
}

const cents = (n: number) => Math.round(n * 100);
const money = (c: number) => c / 100;

/** Line classifications and the list each id must be found in (active). */
const classificationLists: Record<keyof LineClassifications, { list: keyof OrganizationData; what: string }> = {
  chartOfAccountId: { list: 'chartOfAccounts', what: 'Chart of account' },
  accountingClassId: { list: 'accountingClasses', what: 'Accounting class' },
  departmentId: { list: 'departments', what: 'Department' },
  employeeId: { list: 'employees', what: 'Employee' },
  jobId: { list: 'jobs', what: 'Job' },
  locationId: { list: 'locations', what: 'Location' },
  itemId: { list: 'items', what: 'Item' },
  customerId: { list: 'customers', what: 'Customer' },
};

function checkClassifications(org: OrganizationData, ck: Checker, value: unknown, path: string): LineClassifications | undefined {
  if (value === undefined) return undefined;
  const obj = ck.object(value, path);
  if (!obj) return undefined;
  ck.only(obj, Object.keys(classificationLists), path);
  const out: LineClassifications = {};
  for (const [key, { list, what }] of Object.entries(classificationLists) as Array<[keyof LineClassifications, { list: keyof OrganizationData; what: string }]>) {
    const id = ck.string(obj, key, `${path}.${key}`, false);
    if (!id) continue;
    const record = (org[list] as Array<{ id: string; archived: boolean; name?: string; firstName?: string; lastName?: string }>).find((r) => r.id === id);
    if (!record) ck.add('invalidReference', `${path}.${key}`, `${what} ${id} does not exist.`, id);
    else if (record.archived) ck.add('archivedReference', `${path}.${key}`, `${what} "${record.name ?? `${record.firstName} ${record.lastName}`}" is archived.`, id);
    else out[key] = id;
  }
  return out;
}

function checkVendor(org: OrganizationData, ck: Checker, id: string | undefined) {
  if (!id) return undefined;
  const vendor = org.vendors.find((v) => v.id === id);
  if (!vendor) ck.add('invalidReference', 'vendorId', `Vendor ${id} does not exist.`, id);
  else if (vendor.archived) ck.add('archivedReference', 'vendorId', `Vendor "${vendor.name}" is archived.`, id);
  else return vendor;
  return undefined;
}

const billFields = ['vendorId', 'dueDate', 'invoice', 'billLineItems', 'description', 'purchaseOrderNumber', 'payFromChartOfAccountId', 'classifications', 'billApprovals'] as const;
const lineFields = ['amount', 'quantity', 'price', 'description', 'classifications'] as const;

function checkBill(org: OrganizationData, rng: Rng, raw: unknown, prefix: string, now: Date): Bill {
  const ck = new Checker(prefix);
  const body = ck.object(raw, prefix ? '' : 'body');
  if (!body) return fail(ck);
  ck.only(body, billFields, '');
  const vendor = checkVendor(org, ck, ck.string(body, 'vendorId', 'vendorId', true));
  const dueDate = ck.date(body, 'dueDate', 'dueDate', true);
  const invoiceRaw = ck.object(body.invoice, 'invoice');
  let invoice: Bill['invoice'] | undefined;
  if (invoiceRaw) {
    ck.only(invoiceRaw, ['invoiceNumber', 'invoiceDate'], 'invoice');
    const invoiceNumber = ck.string(invoiceRaw, 'invoiceNumber', 'invoice.invoiceNumber', true);
    const invoiceDate = ck.date(invoiceRaw, 'invoiceDate', 'invoice.invoiceDate', true);
    if (invoiceNumber && invoiceDate) invoice = { invoiceNumber, invoiceDate };
  }
  const description = ck.string(body, 'description', 'description', false);
  const purchaseOrderNumber = ck.string(body, 'purchaseOrderNumber', 'purchaseOrderNumber', false);
  const payFrom = ck.string(body, 'payFromChartOfAccountId', 'payFromChartOfAccountId', false);
  if (payFrom && !org.chartOfAccounts.some((a) => a.id === payFrom && !a.archived)) ck.add('invalidReference', 'payFromChartOfAccountId', `Chart of account ${payFrom} does not exist.`, payFrom);
  const lines: BillLine[] = [];
  if (!Array.isArray(body.billLineItems) || body.billLineItems.length === 0) {
    ck.add('required', 'billLineItems', `${ck.name('billLineItems')} must list at least one line.`);
  } else {
    body.billLineItems.forEach((rawLine, i) => {
      const path = `billLineItems[${i}]`;
      const line = ck.object(rawLine, path);
      if (!line) return;
      ck.only(line, lineFields, path);
      const quantity = typeof line.quantity === 'number' ? line.quantity : undefined;
      const price = typeof line.price === 'number' ? line.price : undefined;
      let amount = ck.amount(line, 'amount', `${path}.amount`, quantity === undefined || price === undefined);
      if (amount === undefined && quantity !== undefined && price !== undefined) amount = money(Math.round(quantity * price * 100));
      const classifications = checkClassifications(org, ck, line.classifications, `${path}.classifications`);
      if (amount === undefined) return;
      lines.push({
        id: billId(rng, 'billLine'),
        amount,
        ...(quantity !== undefined ? { quantity } : {}),
        ...(price !== undefined ? { price } : {}),
        ...(typeof line.description === 'string' ? { description: line.description } : {}),
        ...(classifications && Object.keys(classifications).length ? { classifications } : {}),
      });
    });
  }
  const total = lines.reduce((s, l) => s + cents(l.amount), 0);
  if (lines.length > 0 && total <= 0) ck.add('invalidValue', 'billLineItems', 'The bill amount must be greater than zero.', money(total));
  if (ck.problems.length > 0 || !vendor || !dueDate || !invoice) return fail(ck);
  const t = now.toISOString();
  return {
    id: billId(rng, 'bill'),
    archived: false,
    vendorId: vendor.id,
    vendorName: vendor.name,
    amount: money(total),
    paidAmount: 0,
    dueAmount: money(total),
    scheduledAmount: 0,
    creditAmount: 0,
    fundingAmount: money(total),
    exchangeRate: 1,
    ...(description ? { description } : {}),
    dueDate,
    invoice,
    billLineItems: lines,
    ...(payFrom ? { payFromChartOfAccountId: payFrom } : {}),
    ...(purchaseOrderNumber ? { purchaseOrderNumber } : {}),
    paymentStatus: 'UNPAID',
    approvalStatus: 'UNASSIGNED',
    createdTime: t,
    updatedTime: t,
  };
}

/** Collected problems travel as one BdcFailure (thrown by the caller once all are checked). */
class Problems extends Error {
  constructor(readonly problems: Problem[]) {
    super('invalid');
  }
}

function fail(ck: Checker): never {
  throw new Problems(ck.problems);
}

function collect<T>(items: unknown[], check: (raw: unknown, prefix: string) => T, prefixOf: (i: number) => string): T[] {
  const problems: Problem[] = [];
  const out: T[] = [];
  items.forEach((raw, i) => {
    try {
      out.push(check(raw, prefixOf(i)));
    } catch (error) {
      if (!(error instanceof Problems)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length > 0) throw new BdcFailure(400, problems);
  return out;
}

/** Bulk limits from BILL's reference: 100 bills, 50 vendor credits per request. */
function bulkItems(raw: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(raw)) throw new BdcFailure(400, [{ kind: 'malformed', message: `The request body must be an array of ${what}.` }]);
  if (raw.length === 0 || raw.length > max) {
    throw new BdcFailure(400, [{ kind: 'invalidValue', message: `Send from 1 to ${max} ${what} in one request (got ${raw.length}).` }]);
  }
  return raw;
}

function addToVendorBalance(org: OrganizationData, vendorId: string, amount: number, now: Date): void {
  const vendor = org.vendors.find((v) => v.id === vendorId);
  if (vendor) vendor.balance = { amount: money(cents(vendor.balance.amount) + cents(amount)), lastUpdatedDate: now.toISOString() };
}

export function createBills(org: OrganizationData, rng: Rng, raw: unknown, now: Date, bulk: boolean): Bill[] {
  const items = bulk ? bulkItems(raw, 'bills', 100) : [raw];
  // All checked before any is stored: a bulk request is all-or-nothing.
  const bills = collect(items, (r, prefix) => checkBill(org, rng, r, prefix, now), (i) => (bulk ? `[${i}]` : ''));
  for (const bill of bills) {
    org.bills.push(bill);
    addToVendorBalance(org, bill.vendorId, bill.amount, now);
  }
  return bills;
}

const creditFields = ['vendorId', 'referenceNumber', 'creditDate', 'vendorCreditLineItems', 'description', 'applyToChartOfAccountId', 'applyToBankAccountId'] as const;

function checkVendorCredit(org: OrganizationData, rng: Rng, raw: unknown, prefix: string, now: Date): VendorCredit {
  const ck = new Checker(prefix);
  const body = ck.object(raw, prefix ? '' : 'body');
  if (!body) return fail(ck);
  ck.only(body, creditFields, '');
  const vendor = checkVendor(org, ck, ck.string(body, 'vendorId', 'vendorId', true));
  const referenceNumber = ck.string(body, 'referenceNumber', 'referenceNumber', true);
  const creditDate = ck.date(body, 'creditDate', 'creditDate', true);
  const description = ck.string(body, 'description', 'description', false);
  const lines: VendorCredit['vendorCreditLineItems'] = [];
  if (!Array.isArray(body.vendorCreditLineItems) || body.vendorCreditLineItems.length === 0) {
    ck.add('required', 'vendorCreditLineItems', `${ck.name('vendorCreditLineItems')} must list at least one line.`);
  } else {
    body.vendorCreditLineItems.forEach((rawLine, i) => {
      const path = `vendorCreditLineItems[${i}]`;
      const line = ck.object(rawLine, path);
      if (!line) return;
      ck.only(line, ['amount', 'description', 'classifications'], path);
      const amount = ck.amount(line, 'amount', `${path}.amount`, true);
      if (amount !== undefined && amount <= 0) ck.add('invalidValue', `${path}.amount`, `${ck.name(`${path}.amount`)} must be greater than zero.`, amount);
      const classifications = checkClassifications(org, ck, line.classifications, `${path}.classifications`);
      if (amount === undefined) return;
      lines.push({
        id: billId(rng, 'vendorCreditLine'),
        amount,
        ...(typeof line.description === 'string' ? { description: line.description } : {}),
        ...(classifications && Object.keys(classifications).length ? { classifications } : {}),
      });
    });
  }
  if (ck.problems.length > 0 || !vendor || !referenceNumber || !creditDate) return fail(ck);
  const t = now.toISOString();
  return {
    id: billId(rng, 'vendorCredit'),
    vendorId: vendor.id,
    referenceNumber,
    creditDate,
    ...(description ? { description } : {}),
    archived: false,
    amount: money(lines.reduce((s, l) => s + cents(l.amount), 0)),
    appliedAmount: 0,
    status: 'NOT_APPLIED',
    vendorCreditLineItems: lines,
    createdTime: t,
    updatedTime: t,
  };
}

export function createVendorCredits(org: OrganizationData, rng: Rng, raw: unknown, now: Date, bulk: boolean): VendorCredit[] {
  const items = bulk ? bulkItems(raw, 'vendor credits', 50) : [raw];
  const credits = collect(items, (r, prefix) => checkVendorCredit(org, rng, r, prefix, now), (i) => (bulk ? `[${i}]` : ''));
  for (const credit of credits) {
    org.vendorCredits.push(credit);
    addToVendorBalance(org, credit.vendorId, -credit.amount, now);
  }
  return credits;
}

const paymentFields = ['vendorId', 'processDate', 'toPrintCheck', 'payments', 'description', 'syncReference', 'classifications', 'allowExport'] as const;

/** `POST /v3/bills/record-payment`: a payment made outside BILL, applied to the vendor's bills. */
export function recordPayment(org: OrganizationData, rng: Rng, raw: unknown, now: Date, userId: string): Payment {
  const ck = new Checker('');
  const body = ck.object(raw, 'body');
  if (!body) return rethrow(ck);
  ck.only(body, paymentFields, '');
  const vendor = checkVendor(org, ck, ck.string(body, 'vendorId', 'vendorId', true));
  const processDate = ck.date(body, 'processDate', 'processDate', true);
  if (typeof body.toPrintCheck !== 'boolean') ck.add(body.toPrintCheck === undefined ? 'required' : 'invalidValue', 'toPrintCheck', 'toPrintCheck is required and must be true or false.', body.toPrintCheck);
  const description = ck.string(body, 'description', 'description', false);
  const syncReference = ck.string(body, 'syncReference', 'syncReference', false);
  let classifications: Payment['classifications'];
  if (body.classifications !== undefined) {
    const cls = ck.object(body.classifications, 'classifications');
    if (cls) {
      ck.only(cls, ['chartOfAccountId'], 'classifications');
      const id = ck.string(cls, 'chartOfAccountId', 'classifications.chartOfAccountId', false);
      const account = id ? org.chartOfAccounts.find((a) => a.id === id) : undefined;
      if (id && !account) ck.add('invalidReference', 'classifications.chartOfAccountId', `Chart of account ${id} does not exist.`, id);
      else if (account?.archived) ck.add('archivedReference', 'classifications.chartOfAccountId', `Chart of account "${account.name}" is archived.`, id);
      else if (id) classifications = { chartOfAccountId: id };
    }
  }
  const applied: Array<{ bill: Bill; amount: number }> = [];
  if (!Array.isArray(body.payments) || body.payments.length === 0) {
    ck.add('required', 'payments', 'payments must list at least one bill.');
  } else {
    body.payments.forEach((rawPayment, i) => {
      const path = `payments[${i}]`;
      const p = ck.object(rawPayment, path);
      if (!p) return;
      ck.only(p, ['billId', 'amount', 'vendorCredits'], path);
      const id = ck.string(p, 'billId', `${path}.billId`, true);
      const amount = ck.amount(p, 'amount', `${path}.amount`, true);
      const bill = id ? org.bills.find((b) => b.id === id) : undefined;
      if (id && !bill) ck.add('invalidReference', `${path}.billId`, `Bill ${id} does not exist.`, id);
      else if (bill && vendor && bill.vendorId !== vendor.id) ck.add('invalidValue', `${path}.billId`, `Bill ${bill.id} belongs to another vendor.`, id);
      else if (bill?.archived) ck.add('archivedReference', `${path}.billId`, `Bill ${bill.id} is archived.`, id);
      else if (bill && amount !== undefined && (amount <= 0 || cents(amount) > cents(bill.dueAmount))) {
        ck.add('invalidValue', `${path}.amount`, `The payment amount must be more than zero and at most the amount due (${bill.dueAmount.toFixed(2)}).`, amount);
      } else if (bill && amount !== undefined) applied.push({ bill, amount });
    });
  }
  if (ck.problems.length > 0 || !vendor || !processDate) return rethrow(ck);
  const t = now.toISOString();
  const payment: Payment = {
    id: billId(rng, 'payment'),
    vendorId: vendor.id,
    billPayments: applied.map(({ bill, amount }) => ({ id: billId(rng, 'billPayment'), billId: bill.id, amount })),
    ...(description ? { description } : {}),
    processDate,
    amount: money(applied.reduce((s, a) => s + cents(a.amount), 0)),
    transactionNumber: `OFFLINE-${rng.int(100_000, 999_999)}`,
    confirmationNumber: `P${rng.alnum(10).toUpperCase()}`,
    status: 'PAID',
    onlinePayment: false,
    disbursementType: 'OFFLINE',
    toPrintCheck: body.toPrintCheck === true,
    createdBy: userId,
    ...(classifications ? { classifications } : {}),
    ...(syncReference ? { syncReference } : {}),
    createdTime: t,
    updatedTime: t,
  };
  for (const { bill, amount } of applied) {
    bill.paidAmount = money(cents(bill.paidAmount) + cents(amount));
    bill.dueAmount = money(cents(bill.amount) - cents(bill.paidAmount));
    bill.paymentStatus = bill.dueAmount === 0 ? 'PAID' : 'PARTIAL';
    bill.updatedTime = t;
    addToVendorBalance(org, vendor.id, -amount, now);
  }
  org.payments.push(payment);
  return payment;
}

function rethrow(ck: Checker): never {
  throw new BdcFailure(400, ck.problems);
}
