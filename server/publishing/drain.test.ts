import { describe, expect, it } from 'vitest';
import { contentColumns, type ItemModel } from '../items/model.js';
import { contentChanged, contentFields } from './drain.js';

const item: ItemModel = {
  id: 'i1', businessId: 'b1', type: 'cost', state: 'queued', contactName: 'Acme', contactId: 'C1', date: '2026-11-02', dueDate: null,
  number: 'INV-1', reference: null, currency: 'GBP', currencyRate: null, taxMode: 'exclusive',
  lines: [{ description: 'Paper', amount: '100.00', quantity: '1', unitAmount: '100.00', taxAmount: '20.00', category: 'A1', taxRate: 'T1', project: null }],
  total: '120.00', totalTax: '20.00', paid: false, paymentDate: null, paymentAccount: null, destination: 'bill', status: 'DRAFT',
  description: null, sources: { 'lines.0.taxRate': 'default' }, issues: [], autoPublish: false,
};
const copy = (): ItemModel => JSON.parse(JSON.stringify(item)) as ItemModel;
// What the claim wrote before: the columns, compared as stored text.
const byColumns = (a: ItemModel, b: ItemModel) => {
  const x = contentColumns(a);
  const y = contentColumns(b);
  return (Object.keys(x) as (keyof typeof x)[]).some((k) => x[k] !== y[k]);
};

describe('contentChanged (the claim writes an item’s content again only when the check changed it)', () => {
  it('says unchanged for an equal copy, and changed wherever the stored columns would differ', () => {
    expect(contentChanged(item, copy())).toBe(false);
    const changes: ((m: ItemModel) => void)[] = [
      (m) => (m.lines[0]!.category = 'A2'),
      (m) => (m.lines[0]!.project = 'P1'),
      (m) => m.lines.push({ ...m.lines[0]! }),
      (m) => (m.sources['destination'] = 'rule'),
      (m) => delete m.sources['lines.0.taxRate'],
      (m) => m.issues.push({ path: 'number', code: 'duplicate_number', message: 'x' }),
      (m) => (m.destination = 'spend_money'),
      (m) => (m.status = null),
      (m) => (m.paid = true),
      (m) => (m.autoPublish = true),
      (m) => (m.contactId = null),
      (m) => (m.paymentAccount = 'B1'),
      (m) => (m.description = 'Rule words'),
    ];
    for (const change of changes) {
      const after = copy();
      change(after);
      expect(contentChanged(item, after)).toBe(true);
      expect(byColumns(item, after)).toBe(true);
    }
  });

  it('ignores what is not content (state) and keys left undefined, as the stored JSON does', () => {
    const after = copy();
    after.state = 'publishing';
    (after.sources as Record<string, unknown>).gone = undefined;
    expect(contentChanged(item, after)).toBe(false);
    expect(byColumns(item, after)).toBe(false);
  });

  it('compares every field contentColumns stores: a change to any of its columns is seen', () => {
    const changed = (a: ItemModel, b: ItemModel) => {
      const x = contentColumns(a);
      const y = contentColumns(b);
      return (Object.keys(x) as (keyof typeof x)[]).filter((k) => x[k] !== y[k]);
    };
    const alter = (value: unknown): unknown =>
      typeof value === 'boolean' ? !value : Array.isArray(value) ? [...value, value[0] ?? {}] : value !== null && typeof value === 'object' ? { ...value, extra: 'x' } : `${String(value)}-changed`;
    const covered = new Set<string>();
    for (const field of contentFields) {
      const after = copy();
      (after as unknown as Record<string, unknown>)[field] = alter(after[field]);
      expect(contentChanged(item, after)).toBe(true);
      for (const column of changed(item, after)) covered.add(column);
    }
    expect([...covered].sort()).toEqual(Object.keys(contentColumns(item)).sort());
  });
});
