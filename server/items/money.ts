/**
 * Exact decimal arithmetic for items (big.js): amounts arrive and leave as strings, and every sum,
 * product and rounding happens in decimal, never in binary floats.
 */
import Big from 'big.js';
import type { TaxMode } from '../../shared/items.js';
import type { Issue } from '../errors.js';

export const money = (value: Big.BigSource): string => new Big(value).round(2, Big.roundHalfUp).toFixed(2);
export const qty = (value: Big.BigSource): string => trimZeros(new Big(value).round(4, Big.roundHalfUp).toFixed(4));

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

export interface LineAmounts {
  amount: string;
  quantity?: string;
  unitAmount?: string;
  taxAmount?: string | null;
}

export interface NormalisedLine {
  amount: string;
  quantity: string;
  unitAmount: string;
  taxAmount: string | null;
}

export interface Totals {
  total: string;
  totalTax: string | null;
}

/**
 * Checks a document's arithmetic and fills what follows from it:
 * - each line: amount = quantity × unit amount (to the penny); the unit amount defaults to
 *   amount ÷ quantity when that is exact to 4 places;
 * - exclusive: total = Σ amounts + tax; inclusive and no tax: total = Σ amounts;
 * - tax: Σ line tax when every line gives one; no tax mode has none.
 * Issues name the field; `path` prefix lets callers report `lines.2.amount`.
 */
export function checkTotals(
  input: { taxMode: TaxMode; lines: LineAmounts[]; total: string; totalTax?: string | null },
): { lines: NormalisedLine[]; totals: Totals; issues: Issue[] } {
  const issues: Issue[] = [];
  const lines: NormalisedLine[] = input.lines.map((line, i) => {
    const quantity = new Big(line.quantity ?? '1');
    const amount = new Big(line.amount);
    if (quantity.eq(0)) {
      issues.push({ path: `lines.${i}.quantity`, message: 'must not be zero' });
      return { amount: money(amount), quantity: '0', unitAmount: '0', taxAmount: line.taxAmount ?? null };
    }
    let unit: Big;
    if (line.unitAmount !== undefined) {
      unit = new Big(line.unitAmount);
      const expected = new Big(money(unit.times(quantity)));
      if (!expected.eq(amount)) {
        issues.push({ path: `lines.${i}.amount`, message: `must be quantity × unit amount (${qty(quantity)} × ${qty(unit)} = ${money(expected)})` });
      }
    } else {
      unit = amount.div(quantity);
      if (!unit.round(4, Big.roundHalfUp).eq(unit)) {
        issues.push({ path: `lines.${i}.unitAmount`, message: `is needed: ${money(amount)} ÷ ${qty(quantity)} is not exact to 4 decimal places` });
      }
    }
    if (input.taxMode === 'no_tax' && line.taxAmount && !new Big(line.taxAmount).eq(0)) {
      issues.push({ path: `lines.${i}.taxAmount`, message: 'must be empty when the item has no tax' });
    }
    return { amount: money(amount), quantity: qty(quantity), unitAmount: qty(unit), taxAmount: line.taxAmount != null ? money(line.taxAmount) : null };
  });

  const net = lines.reduce((sum, l) => sum.plus(l.amount), new Big(0));
  const total = new Big(input.total);
  const lineTaxes = lines.every((l) => l.taxAmount !== null) ? lines.reduce((sum, l) => sum.plus(l.taxAmount!), new Big(0)) : null;
  let totalTax: Big | null = input.totalTax != null ? new Big(input.totalTax) : null;

  if (input.taxMode === 'no_tax') {
    if (totalTax && !totalTax.eq(0)) issues.push({ path: 'totalTax', message: 'must be 0.00 when the item has no tax' });
    totalTax = new Big(0);
    if (!total.eq(net)) issues.push({ path: 'total', message: `must equal the sum of the lines (${money(net)})` });
  } else if (input.taxMode === 'exclusive') {
    const implied = total.minus(net);
    if (totalTax === null) totalTax = lineTaxes ?? implied;
    if (implied.lt(0) && !total.lt(0)) issues.push({ path: 'total', message: `is less than the sum of the lines (${money(net)})` });
    if (!total.eq(net.plus(totalTax))) {
      issues.push({ path: 'total', message: `must equal the lines (${money(net)}) plus tax (${money(totalTax)}) = ${money(net.plus(totalTax))}` });
    }
  } else {
    if (!total.eq(net)) issues.push({ path: 'total', message: `must equal the sum of the tax-inclusive lines (${money(net)})` });
    if (totalTax === null) totalTax = lineTaxes;
    if (totalTax && totalTax.gt(total.abs())) issues.push({ path: 'totalTax', message: 'cannot be more than the total' });
  }
  if (lineTaxes !== null && totalTax !== null && !lineTaxes.eq(totalTax) && input.taxMode !== 'no_tax') {
    issues.push({ path: 'totalTax', message: `must equal the sum of the lines' tax (${money(lineTaxes)})` });
  }
  return { lines, totals: { total: money(total), totalTax: totalTax === null ? null : money(totalTax) }, issues };
}

/** Tax on one line at a percentage rate, rounded to the penny per line (as Xero and Sage do). */
export function lineTax(amount: string, ratePercent: string, taxMode: TaxMode): string {
  if (taxMode === 'no_tax') return '0.00';
  const a = new Big(amount);
  const r = new Big(ratePercent);
  // Inclusive: the tax inside a gross amount is amount × r / (100 + r).
  const tax = taxMode === 'exclusive' ? a.times(r).div(100) : a.times(r).div(new Big(100).plus(r));
  return money(tax);
}

export function sum(values: string[]): string {
  return money(values.reduce((acc, v) => acc.plus(v), new Big(0)));
}

export function equalMoney(a: string, b: string, tolerance = '0'): boolean {
  return new Big(a).minus(b).abs().lte(tolerance);
}

export function isZero(value: string): boolean {
  return new Big(value).eq(0);
}
