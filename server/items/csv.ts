/**
 * CSV import of items (the dashboard's "import a spreadsheet"). One row per line; rows that share
 * a `group` value form one multi-line item, taking the item's fields from its first row. Column
 * names are matched loosely ("Due date", "due_date", "DueDate"); dates are YYYY-MM-DD or the UK's
 * DD/MM/YYYY; amounts may carry a currency sign and thousands separators. Every problem is
 * reported against its row number as a spreadsheet shows it (the header is row 1).
 */
import { parse } from 'csv-parse/sync';
import Big from 'big.js';
import { z } from 'zod';
import { ItemInput, type CsvRowError } from '../../shared/items.js';
import type { Issue } from '../errors.js';
import { zodIssues } from '../errors.js';

const aliases: Record<string, string[]> = {
  group: ['group', 'item', 'document', 'documentid', 'itemgroup'],
  type: ['type', 'itemtype', 'documenttype'],
  contact: ['contact', 'supplier', 'customer', 'suppliername', 'customername', 'contactname', 'payee'],
  date: ['date', 'documentdate', 'invoicedate', 'issuedate'],
  dueDate: ['duedate', 'due'],
  number: ['number', 'invoicenumber', 'documentnumber', 'billnumber', 'invoiceno'],
  reference: ['reference', 'ref'],
  currency: ['currency', 'currencycode'],
  currencyRate: ['currencyrate', 'exchangerate', 'rate'],
  taxMode: ['taxmode', 'amountsare', 'lineamounttypes'],
  description: ['description', 'details', 'linedescription'],
  amount: ['amount', 'lineamount', 'net', 'netamount'],
  quantity: ['quantity', 'qty'],
  unitAmount: ['unitamount', 'unitprice', 'price'],
  taxAmount: ['taxamount', 'tax', 'vat', 'vatamount'],
  category: ['category', 'account', 'accountcode', 'nominal', 'nominalcode'],
  taxRate: ['taxrate', 'taxcode', 'vatrate', 'taxtype'],
  project: ['project', 'tracking', 'job'],
  total: ['total', 'gross', 'totalamount', 'grossamount'],
  totalTax: ['totaltax', 'totalvat'],
  paid: ['paid', 'ispaid'],
  paymentDate: ['paymentdate', 'datepaid', 'paiddate'],
  paymentAccount: ['paymentaccount', 'bankaccount', 'paidfrom'],
  destination: ['destination', 'publishas'],
  status: ['status'],
};
const itemFields = ['type', 'contact', 'date', 'dueDate', 'number', 'reference', 'currency', 'currencyRate', 'taxMode', 'total', 'totalTax', 'paid', 'paymentDate', 'paymentAccount', 'destination', 'status'];
const lineFields = ['description', 'amount', 'quantity', 'unitAmount', 'taxAmount', 'category', 'taxRate', 'project'];

const typeWords: Record<string, string> = {
  cost: 'cost', bill: 'cost', receipt: 'cost', purchase: 'cost', purchaseinvoice: 'cost', expense: 'cost',
  sales: 'sales', sale: 'sales', invoice: 'sales', salesinvoice: 'sales',
  expenseclaim: 'expense_claim', claim: 'expense_claim',
  purchasecreditnote: 'purchase_credit_note', suppliercredit: 'purchase_credit_note', creditnote: 'purchase_credit_note',
  salescreditnote: 'sales_credit_note', customercredit: 'sales_credit_note',
};
const taxModeWords: Record<string, string> = {
  exclusive: 'exclusive', taxexclusive: 'exclusive', net: 'exclusive',
  inclusive: 'inclusive', taxinclusive: 'inclusive', gross: 'inclusive',
  notax: 'no_tax', none: 'no_tax', outofscope: 'no_tax',
};

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface CsvItem {
  /** Spreadsheet row numbers of its lines, in order. */
  rows: number[];
  input: z.infer<typeof ItemInput>;
}

export interface ParsedCsv {
  items: CsvItem[];
  errors: CsvRowError[];
}

export function parseItemsCsv(text: string): ParsedCsv {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    return { items: [], errors: [{ row: line ?? 1, field: 'file', message: `is not valid CSV: ${(error as Error).message}` }] };
  }
  if (records.length < 2) return { items: [], errors: [{ row: 1, field: 'file', message: 'needs a header row and at least one row of data' }] };

  const header = records[0]!;
  const columns = new Map<number, string>();
  const unknown: string[] = [];
  header.forEach((name, i) => {
    const key = Object.keys(aliases).find((k) => aliases[k]!.includes(squash(name)));
    if (key) columns.set(i, key);
    else if (name) unknown.push(name);
  });
  const errors: CsvRowError[] = [];
  if (unknown.length > 0) errors.push({ row: 1, field: unknown.join(', '), message: `unknown column(s): use ${Object.keys(aliases).join(', ')}` });
  for (const required of ['contact', 'date', 'amount']) {
    if (![...columns.values()].includes(required)) errors.push({ row: 1, field: required, message: 'column is missing' });
  }
  if (errors.some((e) => e.message === 'column is missing')) return { items: [], errors };

  const groups = new Map<string, { rows: number[]; values: Record<string, string>[] }>();
  records.slice(1).forEach((record, i) => {
    const row = i + 2;
    const values: Record<string, string> = {};
    columns.forEach((key, col) => {
      const v = record[col];
      if (v !== undefined && v !== '') values[key] = v;
    });
    if (Object.keys(values).length === 0) return;
    const key = values.group ? `g:${values.group}` : `r:${row}`;
    const g = groups.get(key) ?? { rows: [], values: [] };
    g.rows.push(row);
    g.values.push(values);
    groups.set(key, g);
  });

  const items: CsvItem[] = [];
  for (const g of groups.values()) {
    const first = g.values[0]!;
    const rowErrors: CsvRowError[] = [];
    const raw: Record<string, unknown> = { source: 'csv' };
    for (const f of itemFields) if (first[f] !== undefined) raw[f] = first[f];
    const convert = (row: number, field: string, value: string | undefined, fn: (v: string) => unknown) => {
      if (value === undefined) return undefined;
      const out = fn(value);
      if (out === undefined) rowErrors.push({ row, field, message: `"${value}" is not understood` });
      return out;
    };
    raw.type = convert(g.rows[0]!, 'type', first.type, (v) => typeWords[squash(v)]) ?? 'cost';
    if (first.taxMode) raw.taxMode = convert(g.rows[0]!, 'taxMode', first.taxMode, (v) => taxModeWords[squash(v)]);
    for (const f of ['date', 'dueDate', 'paymentDate']) if (first[f]) raw[f] = convert(g.rows[0]!, f, first[f], toIsoDate);
    for (const f of ['total', 'totalTax']) if (first[f]) raw[f] = convert(g.rows[0]!, f, first[f], toDecimal);
    if (first.currencyRate) raw.currencyRate = convert(g.rows[0]!, 'currencyRate', first.currencyRate, toDecimal);
    if (first.paid) raw.paid = convert(g.rows[0]!, 'paid', first.paid, toBool);
    raw.lines = g.values.map((v, i) => {
      const line: Record<string, unknown> = {};
      for (const f of lineFields) if (v[f] !== undefined) line[f] = v[f];
      for (const f of ['amount', 'quantity', 'unitAmount', 'taxAmount']) if (v[f]) line[f] = convert(g.rows[i]!, f, v[f], toDecimal);
      return line;
    });
    if (raw.total === undefined) raw.total = impliedTotal(raw.lines as { amount?: string; taxAmount?: string }[], (raw.taxMode as string) ?? 'exclusive');

    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      continue;
    }
    const parsed = ItemInput.safeParse(raw);
    if (!parsed.success) {
      errors.push(...issuesToRows(zodIssues(parsed.error), g.rows));
      continue;
    }
    items.push({ rows: g.rows, input: parsed.data });
  }
  errors.sort((a, b) => a.row - b.row);
  return { items, errors };
}

/** `lines.2.amount` → the row of line 2, field `amount`; item-level fields → the group's first row. */
export function issuesToRows(issues: Issue[], rows: number[]): CsvRowError[] {
  return issues.map((issue) => {
    const m = /^lines\.(\d+)\.(.+)$/.exec(issue.path);
    if (m) return { row: rows[Number(m[1])] ?? rows[0]!, field: m[2]!, message: issue.message };
    return { row: rows[0]!, field: issue.path === 'body' ? 'row' : issue.path.replace(/^lines$/, 'amount'), message: issue.message };
  });
}

function impliedTotal(lines: { amount?: string; taxAmount?: string }[], taxMode: string): string | undefined {
  try {
    let total = new Big(0);
    for (const l of lines) {
      if (l.amount === undefined) return undefined;
      total = total.plus(l.amount);
      if (taxMode === 'exclusive' && l.taxAmount) total = total.plus(l.taxAmount);
    }
    return total.toFixed(2);
  } catch {
    return undefined;
  }
}

function toIsoDate(v: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  if (!m) return undefined;
  return `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
}

function toDecimal(v: string): string | undefined {
  let s = v.replace(/[£$€\s]/g, '').replace(/,(?=\d{3}(\D|$))/g, '');
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true; // accounting negatives: (12.50)
    s = s.slice(1, -1);
  }
  if (!/^-?\d+(\.\d+)?$/.test(s)) return undefined;
  return negative ? `-${s}` : s;
}

function toBool(v: string): boolean | undefined {
  const s = squash(v);
  if (['yes', 'y', 'true', '1', 'paid'].includes(s)) return true;
  if (['no', 'n', 'false', '0', 'unpaid'].includes(s)) return false;
  return undefined;
}
