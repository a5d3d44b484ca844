/**
 * Who decides each field of an item: what the submitter gave or a manual edit, else the
 * supplier/customer rule, else the connection's default (seed 001: "The default tax setting
 * won't overwrite supplier-specific rules or manual edits"). Pure: the same item, rule and
 * defaults always give the same result, so applying again after a rule change is safe.
 */
import type { FieldSource } from '../../shared/items.js';
import type { ItemLine, ItemModel } from '../items/model.js';

export interface RuleValues {
  id: string;
  category: string | null;
  taxRate: string | null;
  project: string | null;
  paymentAccount: string | null;
  paid: boolean | null;
  destination: string | null;
  description: string | null;
  autoPublish: boolean;
}

export interface Defaults {
  /** The settings' destination for this item type. */
  destination: string | null;
  /** The default status for a destination (settings, else the provider's first), null if it has none. */
  status(destination: string | null): string | null;
  /** The default tax rate for a line (after its category is settled), per the tax handling setting. */
  lineTaxRate(line: ItemLine): string | null;
  /** Whether a rule's destination can take this item type (a supplier rule may name `spend_money`...). */
  destinationFits(destination: string): boolean;
  /** Master switch: auto-publish on in the settings. */
  autoPublish: boolean;
}

const held = (source: FieldSource | undefined) => source === 'submitted' || source === 'manual';

/** Returns a new item with rule and default values applied and `sources` saying who set what. */
export function applyRuleAndDefaults(item: ItemModel, rule: RuleValues | null, defaults: Defaults): ItemModel {
  const next: ItemModel = { ...item, lines: item.lines.map((l) => ({ ...l })), sources: { ...item.sources } };
  const sources = next.sources;

  function settle<T>(path: string, set: (v: T) => void, fromRule: T | null | undefined, fromDefault: T | null | undefined, empty: T) {
    if (held(sources[path])) return;
    if (fromRule !== null && fromRule !== undefined) {
      set(fromRule);
      sources[path] = 'rule';
    } else if (fromDefault !== null && fromDefault !== undefined) {
      set(fromDefault);
      sources[path] = 'default';
    } else if (sources[path]) {
      // A rule or default set it earlier and no longer does: hand the field back empty.
      set(empty);
      delete sources[path];
    }
  }

  const ruleDestination = rule?.destination && defaults.destinationFits(rule.destination) ? rule.destination : null;
  settle('destination', (v) => (next.destination = v), ruleDestination, defaults.destination, null);
  settle('status', (v) => (next.status = v), null, defaults.status(next.destination), null);
  settle('paid', (v) => (next.paid = v), rule?.paid, null, false);
  settle('paymentAccount', (v) => (next.paymentAccount = v), rule?.paymentAccount, null, null);
  settle('description', (v) => (next.description = v), rule?.description, null, null);

  next.lines.forEach((line, i) => {
    settle(`lines.${i}.category`, (v) => (line.category = v), rule?.category, null, null);
    settle(`lines.${i}.project`, (v) => (line.project = v), rule?.project, null, null);
    const taxDefault = next.taxMode === 'no_tax' ? null : defaults.lineTaxRate(line);
    settle(`lines.${i}.taxRate`, (v) => (line.taxRate = v), next.taxMode === 'no_tax' ? null : rule?.taxRate, taxDefault, null);
  });

  next.autoPublish = defaults.autoPublish && (rule?.autoPublish ?? false);
  return next;
}
