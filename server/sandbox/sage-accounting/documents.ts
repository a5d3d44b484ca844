/**
 * Creating documents the way Sage checks them: the singular root key, the swagger's required
 * fields, references that must exist (and be usable), v3.1's line `tax_amount` rule, totals that
 * must add up, field lengths; refusals are 422 with Sage's error array
 * `[{"$severity","$dataCode","$message","$source"}]` (sage-accounting.md §3, §4).
 */
import { round2 } from './present.js';
import type {
  ArtefactKind,
  ArtefactRecord,
  AttachmentRecord,
  BusinessState,
  ContactPaymentRecord,
  OtherPaymentLine,
  OtherPaymentRecord,
  SandboxState,
  StoredLine,
} from './state.js';

export interface Diagnosis {
  $severity: 'error';
  $dataCode: string;
  $message: string;
  $source: string;
}

export class SageError extends Error {
  constructor(
    readonly status: number,
    readonly diagnoses: Diagnosis[],
  ) {
    super(diagnoses.map((d) => d.$message).join('; '));
  }
}

export const diagnosis = (source: string, message: string, dataCode = 'RecordInvalid'): Diagnosis => ({
  $severity: 'error',
  $dataCode: dataCode,
  $message: message,
  $source: source,
});

type Body = Record<string, unknown>;

/** Collects every problem of one request, as Sage returns them together. */
class Problems {
  readonly list: Diagnosis[] = [];
  add(source: string, message: string, dataCode?: string) {
    this.list.push(diagnosis(source, message, dataCode));
  }
  throwIfAny() {
    if (this.list.length > 0) throw new SageError(422, this.list);
  }
}

function rootOf(body: unknown, key: string): Body {
  const root = typeof body === 'object' && body !== null ? (body as Body)[key] : undefined;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new SageError(422, [diagnosis(key, `param is missing or the value is empty: ${key}`)]);
  }
  return root as Body;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** Sage accepts numbers and numeric strings; anything else is refused. */
function num(p: Problems, source: string, v: unknown, required: boolean): number | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) p.add(source, "can't be blank");
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) {
    p.add(source, 'is not a number');
    return undefined;
  }
  return n;
}

function date(p: Problems, source: string, v: unknown, required: boolean): string | undefined {
  const s = str(v);
  if (!s) {
    if (required) p.add(source, "can't be blank");
    return undefined;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const ok = m && !Number.isNaN(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
  if (!ok) {
    p.add(source, 'is not a valid date');
    return undefined;
  }
  return s;
}

function maxLength(p: Problems, source: string, v: unknown, max: number): string | undefined {
  const s = str(v);
  if (s && s.length > max) p.add(source, `is too long (maximum is ${max} characters)`);
  return s;
}

function contactFor(p: Problems, biz: BusinessState, id: unknown, need: 'VENDOR' | 'CUSTOMER' | undefined, source = 'contact_id') {
  const s = str(id);
  if (!s) {
    p.add(source, "can't be blank");
    return undefined;
  }
  const contact = biz.data.contacts.find((c) => c.id === s && !c.deleted_at);
  if (!contact) {
    p.add(source, 'Contact not found');
    return undefined;
  }
  if (need && !contact.contact_types.includes(need)) {
    p.add(source, need === 'VENDOR' ? 'Contact must be a supplier' : 'Contact must be a customer');
  }
  return contact;
}

function ledgerAccount(p: Problems, biz: BusinessState, id: unknown, source: string) {
  const s = str(id);
  if (!s) {
    p.add(source, "can't be blank");
    return undefined;
  }
  const account = biz.data.ledgerAccounts.find((a) => a.id === s && !a.deleted_at);
  if (!account) p.add(source, 'Ledger account not found');
  else if (!account.included_in_chart) p.add(source, 'Ledger account is not included in the chart of accounts');
  else if (account.is_control_account) p.add(source, 'Ledger account cannot be a control account');
  else return account;
  return undefined;
}

function taxRate(p: Problems, biz: BusinessState, id: unknown, source: string) {
  const s = str(id);
  if (!s) return undefined;
  const rate = biz.data.taxRates.find((t) => t.id === s && !t.deleted_at);
  if (!rate) p.add(source, 'Tax rate not found');
  else if (!rate.is_visible) p.add(source, 'Tax rate is no longer available');
  else return rate;
  return undefined;
}

function bankAccount(p: Problems, biz: BusinessState, id: unknown, source = 'bank_account_id') {
  const s = str(id);
  if (!s) {
    p.add(source, "can't be blank");
    return undefined;
  }
  const bank = biz.data.bankAccounts.find((b) => b.id === s && !b.deleted_at);
  if (!bank) p.add(source, 'Bank account not found');
  return bank;
}

function analysisCategories(p: Problems, biz: BusinessState, v: unknown, source: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(source, 'must be an array of analysis type category ids');
    return [];
  }
  const out: string[] = [];
  for (const raw of v) {
    const id = typeof raw === 'string' ? raw : typeof raw === 'object' && raw !== null ? str((raw as Body).id) : undefined;
    const found = biz.data.analysisTypes.some((t) => t.level === 1 && t.categories.some((c) => c.id === id && c.active && !c.deleted_at));
    if (!id || !found) p.add(source, 'Analysis type category not found');
    else out.push(id);
  }
  return out;
}

const currencyOf = (p: Problems, biz: BusinessState, v: unknown) => {
  const c = str(v) ?? biz.data.baseCurrency;
  if (!biz.data.currencies.includes(c)) p.add('currency_id', 'Currency not found');
  else if (c !== biz.data.baseCurrency && biz.data.tier === 'START') p.add('currency_id', 'Foreign currency is not available for this subscription');
  return c;
};

const kindRoots: Record<ArtefactKind, { root: string; lines: string; side: 'VENDOR' | 'CUSTOMER'; quantityRequired: boolean }> = {
  purchase_invoice: { root: 'purchase_invoice', lines: 'invoice_lines', side: 'VENDOR', quantityRequired: true },
  sales_invoice: { root: 'sales_invoice', lines: 'invoice_lines', side: 'CUSTOMER', quantityRequired: false },
  purchase_credit_note: { root: 'purchase_credit_note', lines: 'credit_note_lines', side: 'VENDOR', quantityRequired: true },
  sales_credit_note: { root: 'sales_credit_note', lines: 'credit_note_lines', side: 'CUSTOMER', quantityRequired: false },
};

const numberPrefix: Record<ArtefactKind, string> = { purchase_invoice: 'PI-', sales_invoice: 'SI-', purchase_credit_note: 'PCN-', sales_credit_note: 'SCN-' };

const close = (a: number, b: number) => Math.abs(a - b) < 0.011;

/** POST /purchase_invoices, /sales_invoices, /purchase_credit_notes, /sales_credit_notes. */
export function createArtefact(state: SandboxState, biz: BusinessState, kind: ArtefactKind, body: unknown, clientId: string): ArtefactRecord {
  const spec = kindRoots[kind];
  const root = rootOf(body, spec.root);
  const p = new Problems();
  const contact = contactFor(p, biz, root.contact_id, spec.side);
  const day = date(p, 'date', root.date, true);
  const isInvoice = kind.endsWith('invoice');
  const due = isInvoice ? date(p, 'due_date', root.due_date, kind === 'purchase_invoice') : undefined;
  if (day && due && due < day) p.add('due_date', 'must be on or after the invoice date');
  const reference = maxLength(p, 'reference', root.reference, 25);
  const vendorReference = kind.startsWith('purchase') ? maxLength(p, 'vendor_reference', root.vendor_reference, 31) : undefined;
  const notes = maxLength(p, 'notes', root.notes, 2000);
  const currency = currencyOf(p, biz, root.currency_id);
  const exchangeRate = currency === biz.data.baseCurrency ? 1 : (num(p, 'exchange_rate', root.exchange_rate, false) ?? 1.17);

  const rawLines = root[spec.lines];
  const lines: StoredLine[] = [];
  if (!Array.isArray(rawLines) || rawLines.length === 0) {
    p.add(spec.lines, "can't be blank");
  } else {
    rawLines.forEach((raw, index) => {
      const src = (field: string) => `${spec.lines}.${field}`;
      const line = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
      const before = p.list.length;
      const description = str(line.description);
      if (!description) p.add(src('description'), "can't be blank");
      else if (description.length > 2000) p.add(src('description'), 'is too long (maximum is 2000 characters)');
      const account = ledgerAccount(p, biz, line.ledger_account_id, src('ledger_account_id'));
      const quantity = num(p, src('quantity'), line.quantity, spec.quantityRequired) ?? 1;
      const unitPrice = num(p, src('unit_price'), line.unit_price, true) ?? 0;
      const includesTax = line.unit_price_includes_tax === true;
      const rate = taxRate(p, biz, line.tax_rate_id ?? account?.tax_rate_id, src('tax_rate_id'));
      let tax = num(p, src('tax_amount'), line.tax_amount, false);
      // v3.1: tax_amount is required unless the rate is zero, exempt or no tax (swagger, invoice_lines.tax_amount).
      if (tax === undefined) {
        if (rate && !rate.zero) p.add(src('tax_amount'), 'is required for this tax rate');
        tax = 0;
      }
      if (rate?.zero && Math.abs(tax) > 0.004) p.add(src('tax_amount'), `must be 0 for ${rate.name}`);
      const gross = round2(quantity * unitPrice);
      const net = includesTax ? round2(gross - tax) : gross;
      const given = num(p, src('net_amount'), line.net_amount, false);
      if (given !== undefined && !close(given, net)) p.add(src('net_amount'), `does not match quantity × unit price (${net.toFixed(2)})`);
      const total = round2(net + tax);
      const givenTotal = num(p, src('total_amount'), line.total_amount, false);
      if (givenTotal !== undefined && !close(givenTotal, total)) p.add(src('total_amount'), `does not equal net plus tax (${total.toFixed(2)})`);
      let productId: string | undefined;
      let serviceId: string | undefined;
      for (const [field, itemKind] of [['product_id', 'product'], ['service_id', 'service']] as const) {
        const id = str(line[field]);
        if (!id) continue;
        const item = biz.data.items.find((i) => i.id === id && i.kind === itemKind && !i.deleted_at);
        if (!item) p.add(src(field), `${itemKind === 'product' ? 'Product' : 'Service'} not found`);
        else if (!item.active) p.add(src(field), `${itemKind === 'product' ? 'Product' : 'Service'} is inactive`);
        else if (itemKind === 'product') productId = id;
        else serviceId = id;
      }
      const categories = analysisCategories(p, biz, line.analysis_type_categories, src('analysis_type_categories'));
      if (p.list.length > before) {
        // Sage names the line in the message when several lines are sent.
        for (const d of p.list.slice(before)) d.$message = rawLines.length > 1 ? `Line ${index + 1}: ${d.$message}` : d.$message;
        return;
      }
      lines.push({
        id: state.ids.id(),
        description: description as string,
        ledger_account_id: (account as { id: string }).id,
        quantity,
        unit_price: unitPrice,
        unit_price_includes_tax: includesTax,
        net_amount: net,
        tax_rate_id: rate?.id,
        tax_amount: round2(tax),
        total_amount: total,
        product_id: productId,
        service_id: serviceId,
        analysis_type_categories: categories,
      });
    });
  }
  const net = round2(lines.reduce((s, l) => s + l.net_amount, 0));
  const tax = round2(lines.reduce((s, l) => s + l.tax_amount, 0));
  const total = round2(net + tax);
  if (Array.isArray(rawLines) && lines.length === rawLines.length) {
    for (const [field, value] of [['net_amount', net], ['tax_amount', tax], ['total_amount', total]] as const) {
      const given = num(p, field, root[field], false);
      if (given !== undefined && !close(given, value)) p.add(field, `does not equal the sum of the lines (${value.toFixed(2)})`);
    }
  }
  p.throwIfAny();
  const now = state.now();
  biz.counters[kind]++;
  const record: ArtefactRecord = {
    kind,
    id: state.ids.id(),
    transaction_id: state.ids.id(),
    number: `${numberPrefix[kind]}${biz.counters[kind]}`,
    contact_id: (contact as { id: string }).id,
    date: day as string,
    due_date: isInvoice ? (due ?? addDays(day as string, contact?.credit_days ?? 30)) : undefined,
    reference,
    vendor_reference: vendorReference,
    notes,
    currency_id: currency,
    exchange_rate: exchangeRate,
    lines,
    net_amount: net,
    tax_amount: tax,
    total_amount: total,
    outstanding_amount: total,
    created_at: now,
    updated_at: now,
    createdByClientId: clientId,
  };
  biz.artefacts.set(record.id, record);
  return record;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** POST /other_payments: money out (OTHER_PAYMENT) or in (OTHER_RECEIPT) with no invoice. */
export function createOtherPayment(state: SandboxState, biz: BusinessState, body: unknown, clientId: string): OtherPaymentRecord {
  const root = rootOf(body, 'other_payment');
  const p = new Problems();
  const type = str(root.transaction_type_id);
  if (!type) p.add('transaction_type_id', "can't be blank");
  else if (type !== 'OTHER_PAYMENT' && type !== 'OTHER_RECEIPT') p.add('transaction_type_id', 'is not a valid transaction type for other payments');
  const day = date(p, 'date', root.date, true);
  const bank = bankAccount(p, biz, root.bank_account_id);
  const contact = root.contact_id === undefined || root.contact_id === null ? undefined : contactFor(p, biz, root.contact_id, undefined);
  const reference = maxLength(p, 'reference', root.reference, 25);
  const method = str(root.payment_method_id);
  if (method && !['BANK_TRANSFER', 'CASH', 'CHEQUE', 'CREDIT_DEBIT', 'ALTERNATIVE_PAYMENT'].includes(method)) p.add('payment_method_id', 'Payment method not found');
  const total = num(p, 'total_amount', root.total_amount, true);
  const rawLines = root.payment_lines;
  const lines: OtherPaymentLine[] = [];
  if (!Array.isArray(rawLines) || rawLines.length === 0) p.add('payment_lines', "can't be blank");
  else {
    rawLines.forEach((raw, index) => {
      const line = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
      const src = (field: string) => `payment_lines.${field}`;
      const before = p.list.length;
      const account = ledgerAccount(p, biz, line.ledger_account_id, src('ledger_account_id'));
      const rate = taxRate(p, biz, line.tax_rate_id, src('tax_rate_id'));
      const lineTotal = num(p, src('total_amount'), line.total_amount, true) ?? 0;
      const lineTax = num(p, src('tax_amount'), line.tax_amount, false) ?? 0;
      if (rate?.zero && Math.abs(lineTax) > 0.004) p.add(src('tax_amount'), `must be 0 for ${rate.name}`);
      const lineNet = num(p, src('net_amount'), line.net_amount, false) ?? round2(lineTotal - lineTax);
      if (!close(lineNet + lineTax, lineTotal)) p.add(src('total_amount'), 'does not equal net plus tax');
      const details = maxLength(p, src('details'), line.details, 255);
      const categories = analysisCategories(p, biz, line.analysis_type_categories, src('analysis_type_categories'));
      if (p.list.length > before) {
        for (const d of p.list.slice(before)) d.$message = rawLines.length > 1 ? `Line ${index + 1}: ${d.$message}` : d.$message;
        return;
      }
      lines.push({
        id: state.ids.id(),
        ledger_account_id: (account as { id: string }).id,
        details,
        tax_rate_id: rate?.id,
        net_amount: round2(lineNet),
        tax_amount: round2(lineTax),
        total_amount: round2(lineTotal),
        analysis_type_categories: categories,
      });
    });
  }
  const sum = round2(lines.reduce((s, l) => s + l.total_amount, 0));
  if (total !== undefined && Array.isArray(rawLines) && lines.length === rawLines.length && !close(total, sum)) {
    p.add('total_amount', `does not equal the sum of the payment lines (${sum.toFixed(2)})`);
  }
  p.throwIfAny();
  const now = state.now();
  const record: OtherPaymentRecord = {
    id: state.ids.id(),
    transaction_id: state.ids.id(),
    transaction_type_id: type as OtherPaymentRecord['transaction_type_id'],
    date: day as string,
    bank_account_id: (bank as { id: string }).id,
    contact_id: contact?.id,
    payment_method_id: method,
    reference,
    lines,
    net_amount: round2(lines.reduce((s, l) => s + l.net_amount, 0)),
    tax_amount: round2(lines.reduce((s, l) => s + l.tax_amount, 0)),
    total_amount: sum,
    created_at: now,
    updated_at: now,
    createdByClientId: clientId,
  };
  biz.otherPayments.set(record.id, record);
  return record;
}

/** POST /contact_payments: pays (or receives) invoices, allocated to them; updates what they still owe. */
export function createContactPayment(state: SandboxState, biz: BusinessState, body: unknown, clientId: string): ContactPaymentRecord {
  const root = rootOf(body, 'contact_payment');
  const p = new Problems();
  const type = str(root.transaction_type_id);
  const types = ['VENDOR_PAYMENT', 'CUSTOMER_RECEIPT', 'VENDOR_RECEIPT', 'CUSTOMER_REFUND'];
  if (!type) p.add('transaction_type_id', "can't be blank");
  else if (!types.includes(type)) p.add('transaction_type_id', 'is not a valid transaction type for contact payments');
  const contact = contactFor(p, biz, root.contact_id, undefined);
  const bank = bankAccount(p, biz, root.bank_account_id);
  const day = date(p, 'date', root.date, true);
  const total = num(p, 'total_amount', root.total_amount, true);
  const reference = maxLength(p, 'reference', root.reference, 25);
  const method = str(root.payment_method_id);
  if (method && !['BANK_TRANSFER', 'CASH', 'CHEQUE', 'CREDIT_DEBIT', 'ALTERNATIVE_PAYMENT'].includes(method)) p.add('payment_method_id', 'Payment method not found');
  const raw = root.allocated_artefacts;
  const allocations: ContactPaymentRecord['allocations'] = [];
  if (raw !== undefined && !Array.isArray(raw)) p.add('allocated_artefacts', 'must be an array');
  for (const item of Array.isArray(raw) ? raw : []) {
    const a = (typeof item === 'object' && item !== null ? item : {}) as Body;
    const artefact = biz.artefacts.get(str(a.artefact_id) ?? '');
    const amount = num(p, 'allocated_artefacts.amount', a.amount, true) ?? 0;
    const discount = num(p, 'allocated_artefacts.discount', a.discount, false) ?? 0;
    if (!artefact || artefact.deleted_at) {
      p.add('allocated_artefacts.artefact_id', 'Artefact not found');
      continue;
    }
    const wantPurchase = type === 'VENDOR_PAYMENT' || type === 'VENDOR_RECEIPT';
    if (artefact.kind.startsWith('purchase') !== wantPurchase) p.add('allocated_artefacts.artefact_id', `cannot be allocated with a ${type} payment`);
    if (contact && artefact.contact_id !== contact.id) p.add('allocated_artefacts.artefact_id', 'belongs to another contact');
    if (amount + discount > artefact.outstanding_amount + 0.004) {
      p.add('allocated_artefacts.amount', `exceeds the outstanding amount (${artefact.outstanding_amount.toFixed(2)})`);
    }
    allocations.push({ id: state.ids.id(), artefact_id: artefact.id, amount: round2(amount), discount: round2(discount) });
  }
  const allocated = round2(allocations.reduce((s, x) => s + x.amount, 0));
  if (total !== undefined && allocations.length > 0 && !root.payment_on_account && !close(allocated, total)) {
    p.add('total_amount', `does not equal the amounts allocated (${allocated.toFixed(2)})`);
  }
  p.throwIfAny();
  for (const x of allocations) {
    const artefact = biz.artefacts.get(x.artefact_id) as ArtefactRecord;
    artefact.outstanding_amount = round2(artefact.outstanding_amount - x.amount - x.discount);
    artefact.updated_at = state.now();
  }
  const now = state.now();
  const record: ContactPaymentRecord = {
    id: state.ids.id(),
    transaction_id: state.ids.id(),
    transaction_type_id: type as ContactPaymentRecord['transaction_type_id'],
    contact_id: (contact as { id: string }).id,
    bank_account_id: (bank as { id: string }).id,
    date: day as string,
    payment_method_id: method,
    reference,
    total_amount: round2(total as number),
    allocations,
    created_at: now,
    updated_at: now,
    createdByClientId: clientId,
  };
  biz.contactPayments.set(record.id, record);
  return record;
}

/** File types Sage's attachment upload takes (an emulator choice: Sage lists no exact set). */
export const attachmentTypes = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/tiff',
  'text/plain',
  'text/csv',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
]);

const contextKinds: Record<string, ArtefactKind> = {
  PURCHASE_INVOICE: 'purchase_invoice',
  SALES_INVOICE: 'sales_invoice',
  PURCHASE_CREDIT_NOTE: 'purchase_credit_note',
  SALES_CREDIT_NOTE: 'sales_credit_note',
};

/** POST /attachments: a base64 file linked to a document (context type + id) or a transaction. */
export function createAttachment(state: SandboxState, biz: BusinessState, body: unknown): AttachmentRecord {
  const root = rootOf(body, 'attachment');
  const p = new Problems();
  const fileName = maxLength(p, 'file_name', root.file_name, 255);
  if (!fileName) p.add('file_name', "can't be blank");
  const mime = str(root.mime_type);
  if (!mime) p.add('mime_type', "can't be blank");
  else if (!attachmentTypes.has(mime)) p.add('mime_type', `${mime} files cannot be attached`);
  const file = str(root.file);
  let data = Buffer.alloc(0);
  if (!file) p.add('file', "can't be blank");
  else if (!/^[A-Za-z0-9+/]+={0,2}$/.test(file.replace(/\s/g, ''))) p.add('file', 'is not valid Base64');
  else data = Buffer.from(file, 'base64');
  if (data.length > state.attachmentMaxBytes) p.add('file', `is too large (maximum is ${Math.round(state.attachmentMaxBytes / 1024 / 1024)} MB)`);
  const declared = num(p, 'file_size', root.file_size, false);
  if (declared !== undefined && file && declared !== data.length) p.add('file_size', 'does not match the size of the file');
  const contextType = str(root.attachment_context_type_id);
  const contextId = str(root.attachment_context_id);
  const transactionId = str(root.transaction_id);
  let linkedTransaction: string | undefined;
  if (contextType || contextId) {
    const kind = contextType ? contextKinds[contextType] : undefined;
    if (!contextType || !contextId) p.add(contextType ? 'attachment_context_id' : 'attachment_context_type_id', "can't be blank");
    else if (!kind) p.add('attachment_context_type_id', 'Attachment context type not found');
    else {
      const artefact = biz.artefacts.get(contextId);
      if (!artefact || artefact.kind !== kind || artefact.deleted_at) p.add('attachment_context_id', 'Attachment context not found');
      else linkedTransaction = artefact.transaction_id;
    }
  } else if (transactionId) {
    const known =
      [...biz.artefacts.values()].some((a) => a.transaction_id === transactionId && !a.deleted_at) ||
      [...biz.otherPayments.values()].some((o) => o.transaction_id === transactionId && !o.deleted_at) ||
      [...biz.contactPayments.values()].some((o) => o.transaction_id === transactionId && !o.deleted_at);
    if (!known) p.add('transaction_id', 'Transaction not found');
    else linkedTransaction = transactionId;
  }
  p.throwIfAny();
  const now = state.now();
  const record: AttachmentRecord = {
    id: state.ids.id(),
    file_name: fileName as string,
    mime_type: mime as string,
    file_extension: str(root.file_extension) ?? (fileName?.includes('.') ? fileName.slice(fileName.lastIndexOf('.')) : undefined),
    file_size: data.length,
    description: maxLength(p, 'description', root.description, 200),
    is_public: root.is_public === true,
    context_type_id: contextType,
    context_id: contextId,
    transaction_id: linkedTransaction,
    data,
    created_at: now,
    updated_at: now,
  };
  biz.attachments.set(record.id, record);
  return record;
}
