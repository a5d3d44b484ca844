import { describe, expect, it } from 'vitest';
import { applyRuleAndDefaults, type Defaults, type RuleValues } from './apply.js';
import type { ItemModel } from '../items/model.js';

const item = (over: Partial<ItemModel> = {}): ItemModel => ({
  id: 'i1',
  businessId: 'b1',
  type: 'cost',
  state: 'needs_attention',
  contactName: 'Acme',
  contactId: 'c-acme',
  date: '2026-05-01',
  dueDate: null,
  number: 'INV-1',
  reference: null,
  currency: 'GBP',
  currencyRate: null,
  taxMode: 'exclusive',
  lines: [
    { description: 'Paper', amount: '10.00', quantity: '1', unitAmount: '10', taxAmount: null, category: null, taxRate: null, project: null },
    { description: 'Ink', amount: '5.00', quantity: '1', unitAmount: '5', taxAmount: null, category: null, taxRate: null, project: null },
  ],
  total: '18.00',
  totalTax: '3.00',
  paid: false,
  paymentDate: null,
  paymentAccount: null,
  destination: null,
  status: null,
  description: null,
  sources: {},
  issues: [],
  autoPublish: false,
  ...over,
});

const rule = (over: Partial<RuleValues> = {}): RuleValues => ({
  id: 'r1',
  category: 'acc-429',
  taxRate: 'INPUT2',
  project: 'proj-1',
  paymentAccount: null,
  paid: null,
  destination: null,
  description: null,
  autoPublish: false,
  ...over,
});

const defaults = (over: Partial<Defaults> = {}): Defaults => ({
  destination: 'bill',
  status: (d) => (d === 'bill' ? 'DRAFT' : d === 'spend_money' ? 'AUTHORISED' : null),
  lineTaxRate: (line) => (line.category === 'acc-400' ? 'INPUT-DEFAULT' : 'NONE'),
  destinationFits: (d) => d === 'bill' || d === 'spend_money',
  autoPublish: true,
  ...over,
});

describe('who sets each field: manual > rule > default', () => {
  it('fills empty fields from the rule, then from the defaults, and says who set them', () => {
    const out = applyRuleAndDefaults(item(), rule(), defaults());
    expect(out.lines.map((l) => [l.category, l.taxRate, l.project])).toEqual([
      ['acc-429', 'INPUT2', 'proj-1'],
      ['acc-429', 'INPUT2', 'proj-1'],
    ]);
    expect(out.destination).toBe('bill');
    expect(out.status).toBe('DRAFT');
    expect(out.sources).toMatchObject({ destination: 'default', status: 'default', 'lines.0.category': 'rule', 'lines.0.taxRate': 'rule' });
  });

  it('never overwrites a manual edit or what the submitter gave, with a rule or a default', () => {
    const edited = item({
      lines: [{ ...item().lines[0]!, category: 'acc-400', taxRate: 'ZERO' }, item().lines[1]!],
      destination: 'spend_money',
      sources: { 'lines.0.category': 'manual', 'lines.0.taxRate': 'submitted', destination: 'manual' },
    });
    const out = applyRuleAndDefaults(edited, rule({ destination: 'bill' }), defaults());
    expect(out.lines[0]).toMatchObject({ category: 'acc-400', taxRate: 'ZERO' });
    expect(out.lines[1]).toMatchObject({ category: 'acc-429', taxRate: 'INPUT2' });
    expect(out.destination).toBe('spend_money');
    expect(out.status).toBe('AUTHORISED'); // the default status follows the chosen destination
    expect(out.sources['lines.0.category']).toBe('manual');
  });

  it('uses the default tax handling only where neither a rule nor an edit says', () => {
    const out = applyRuleAndDefaults(item({ lines: [{ ...item().lines[0]!, category: 'acc-400' }], sources: { 'lines.0.category': 'manual' } }), rule({ taxRate: null }), defaults());
    expect(out.lines[0]!.taxRate).toBe('INPUT-DEFAULT');
    expect(out.sources['lines.0.taxRate']).toBe('default');
  });

  it('hands fields back when the rule changes, and is stable when applied twice', () => {
    const once = applyRuleAndDefaults(item(), rule(), defaults());
    expect(applyRuleAndDefaults(once, rule(), defaults())).toEqual(once);
    const ruleGone = applyRuleAndDefaults(once, null, defaults());
    expect(ruleGone.lines[0]).toMatchObject({ category: null, project: null, taxRate: 'NONE' });
    expect(ruleGone.sources['lines.0.category']).toBeUndefined();
    expect(ruleGone.sources['lines.0.taxRate']).toBe('default');
  });

  it('ignores a rule destination the item type cannot take, and a rule tax on a no-tax item', () => {
    const out = applyRuleAndDefaults(item({ taxMode: 'no_tax' }), rule({ destination: 'sales_invoice' }), defaults());
    expect(out.destination).toBe('bill');
    expect(out.lines[0]!.taxRate).toBeNull();
  });

  it('auto-publishes only when both the settings and the contact’s rule say so', () => {
    expect(applyRuleAndDefaults(item(), rule({ autoPublish: true }), defaults()).autoPublish).toBe(true);
    expect(applyRuleAndDefaults(item(), rule({ autoPublish: false }), defaults()).autoPublish).toBe(false);
    expect(applyRuleAndDefaults(item(), rule({ autoPublish: true }), defaults({ autoPublish: false })).autoPublish).toBe(false);
    expect(applyRuleAndDefaults(item(), null, defaults()).autoPublish).toBe(false);
  });

  it('applies rule paid status and payment account, unless edited', () => {
    const out = applyRuleAndDefaults(item(), rule({ paid: true, paymentAccount: 'bank-1' }), defaults());
    expect(out).toMatchObject({ paid: true, paymentAccount: 'bank-1' });
    const edited = applyRuleAndDefaults(item({ paid: false, sources: { paid: 'manual' } }), rule({ paid: true }), defaults());
    expect(edited.paid).toBe(false);
  });
});
