import { describe, expect, it } from 'vitest';
import { parseItemsCsv } from './csv.js';

describe('CSV import parsing', () => {
  it('reads one item per row, with loose headers, UK dates and money formats', () => {
    const csv = [
      'Supplier,Date,Due Date,Invoice Number,Currency,Description,Net,VAT,Account,Tax Rate',
      'Acme Ltd,31/05/2026,30/06/2026,INV-1,gbp,"Paper, A4","£1,000.00",200.00,429,20% VAT',
      'Bolt & Co,2026-05-02,,B-7,GBP,Bolts,10,2,429,20% VAT',
    ].join('\n');
    const { items, errors } = parseItemsCsv(csv);
    expect(errors).toEqual([]);
    expect(items).toHaveLength(2);
    expect(items[0]!.rows).toEqual([2]);
    expect(items[0]!.input).toMatchObject({
      type: 'cost',
      contact: 'Acme Ltd',
      date: '2026-05-31',
      dueDate: '2026-06-30',
      number: 'INV-1',
      currency: 'GBP',
      total: '1200.00',
      source: 'csv',
      lines: [{ description: 'Paper, A4', amount: '1000.00', taxAmount: '200.00', category: '429', taxRate: '20% VAT' }],
    });
    expect(items[1]!.input.total).toBe('12.00');
  });

  it('groups rows into multi-line items', () => {
    const csv = ['group,contact,date,currency,amount,category,total', 'a,Acme,2026-05-01,GBP,10.00,400,15.00', 'a,,,,5.00,401,', 'b,Other,2026-05-01,GBP,1.00,400,1.00'].join('\n');
    const { items, errors } = parseItemsCsv(csv);
    expect(errors).toEqual([]);
    expect(items.map((i) => i.rows)).toEqual([[2, 3], [4]]);
    expect(items[0]!.input.lines.map((l) => l.amount)).toEqual(['10.00', '5.00']);
  });

  it('reports each bad row with its spreadsheet row number and field, and keeps the good ones', () => {
    const csv = [
      'contact,date,currency,amount,paid,type',
      'Acme,2026-05-01,GBP,10.00,yes,bill',
      'Acme,yesterday,GBP,10.00,,bill',
      ',2026-05-01,GBP,abc,,bill',
      'Acme,2026-05-01,GBP,1.00,maybe,bill',
      'Acme,2026-05-01,GBP,1.00,,spaceship',
    ].join('\n');
    const { items, errors } = parseItemsCsv(csv);
    expect(items.map((i) => i.rows[0])).toEqual([2]);
    expect(errors).toEqual([
      { row: 3, field: 'date', message: '"yesterday" is not understood' },
      { row: 4, field: 'amount', message: '"abc" is not understood' },
      { row: 5, field: 'paid', message: '"maybe" is not understood' },
      { row: 6, field: 'type', message: '"spaceship" is not understood' },
    ]);
  });

  it('names missing columns and malformed CSV', () => {
    expect(parseItemsCsv('contact,amount\nAcme,1.00').errors).toEqual([{ row: 1, field: 'date', message: 'column is missing' }]);
    expect(parseItemsCsv('contact,date,amount\n"Acme,2026-05-01,1.00').errors[0]).toMatchObject({ field: 'file' });
    expect(parseItemsCsv('contact,date,amount').errors[0]).toMatchObject({ row: 1, message: 'needs a header row and at least one row of data' });
  });

  it('reports schema failures against the row of the line', () => {
    const csv = ['group,contact,date,currency,amount', 'a,Acme,2026-05-01,GBP,1.00', 'a,,,,1.123'].join('\n');
    const { errors } = parseItemsCsv(csv);
    expect(errors).toEqual([{ row: 3, field: 'amount', message: expect.stringContaining('at most 2 decimal places') }]);
  });
});
