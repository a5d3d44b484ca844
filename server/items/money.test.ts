import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTotals, lineTax, money, sum } from './money.js';

describe('decimal totals', () => {
  it('adds pennies exactly where binary floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sum(['0.10', '0.20'])).toBe('0.30');
    const r = checkTotals({ taxMode: 'exclusive', lines: [{ amount: '0.10' }, { amount: '0.20' }], total: '0.36', totalTax: '0.06' });
    expect(r.issues).toEqual([]);
    expect(r.totals).toEqual({ total: '0.36', totalTax: '0.06' });
  });

  it('derives the tax of an exclusive item from its total', () => {
    const r = checkTotals({ taxMode: 'exclusive', lines: [{ amount: '100.00' }, { amount: '20.50' }], total: '144.60' });
    expect(r.issues).toEqual([]);
    expect(r.totals.totalTax).toBe('24.10');
  });

  it('names the field when the total does not add up', () => {
    const r = checkTotals({ taxMode: 'exclusive', lines: [{ amount: '100.00' }], total: '120.00', totalTax: '19.99' });
    expect(r.issues).toEqual([{ path: 'total', message: 'must equal the lines (100.00) plus tax (19.99) = 119.99' }]);
    const inclusive = checkTotals({ taxMode: 'inclusive', lines: [{ amount: '60.00' }, { amount: '60.00' }], total: '120.01' });
    expect(inclusive.issues[0]?.path).toBe('total');
  });

  it('checks line tax against the total tax', () => {
    const r = checkTotals({
      taxMode: 'exclusive',
      lines: [{ amount: '10.00', taxAmount: '2.00' }, { amount: '5.00', taxAmount: '1.00' }],
      total: '18.00',
      totalTax: '3.50',
    });
    expect(r.issues.map((i) => i.path)).toContain('totalTax');
  });

  it('checks quantity × unit amount and refuses an inexact unit price', () => {
    expect(checkTotals({ taxMode: 'no_tax', lines: [{ amount: '30.00', quantity: '3', unitAmount: '10' }], total: '30.00' }).issues).toEqual([]);
    expect(checkTotals({ taxMode: 'no_tax', lines: [{ amount: '30.00', quantity: '3', unitAmount: '10.01' }], total: '30.00' }).issues[0]?.path).toBe('lines.0.amount');
    const r = checkTotals({ taxMode: 'no_tax', lines: [{ amount: '10.00', quantity: '3' }], total: '10.00' });
    expect(r.issues[0]).toMatchObject({ path: 'lines.0.unitAmount' });
    expect(checkTotals({ taxMode: 'no_tax', lines: [{ amount: '10.00', quantity: '4' }], total: '10.00' }).lines[0]!.unitAmount).toBe('2.5');
  });

  it('refuses tax on a no-tax item', () => {
    const r = checkTotals({ taxMode: 'no_tax', lines: [{ amount: '10.00' }], total: '10.00', totalTax: '1.00' });
    expect(r.issues).toEqual([{ path: 'totalTax', message: 'must be 0.00 when the item has no tax' }]);
  });

  it('computes line tax per line, half up, in both tax modes', () => {
    expect(lineTax('100.00', '20', 'exclusive')).toBe('20.00');
    expect(lineTax('120.00', '20', 'inclusive')).toBe('20.00');
    expect(lineTax('0.25', '20', 'exclusive')).toBe('0.05');
    expect(lineTax('0.125', '10', 'exclusive')).toBe('0.01');
    expect(lineTax('10.00', '5', 'no_tax')).toBe('0.00');
  });

  it('sums any list of penny amounts exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { maxLength: 50 }), (pennies) => {
        const expected = pennies.reduce((a, b) => a + b, 0);
        const asStrings = pennies.map((p) => money(p / 100 === 0 ? 0 : `${p < 0 ? '-' : ''}${Math.floor(Math.abs(p) / 100)}.${String(Math.abs(p) % 100).padStart(2, '0')}`));
        return sum(asStrings) === money(`${expected < 0 ? '-' : ''}${Math.floor(Math.abs(expected) / 100)}.${String(Math.abs(expected) % 100).padStart(2, '0')}`);
      }),
    );
  });
});
