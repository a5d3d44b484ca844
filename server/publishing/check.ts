/**
 * The pre-publish check (Beyond Dext: "Pre-publish check against fresh lists"): before anything
 * is sent, every account, tax rate, contact, project and bank account the item names must exist
 * and be active in the connection's current lists, the tax must suit the account and document
 * where the lists say, the number must not already be published, and the currency must be one
 * the ledger takes. Each issue says what to fix, in the bookkeeper's words.
 */
import type { ItemType, ListKind, ProviderEntry } from '../../shared/catalogue.js';
import type { CheckIssue } from '../../shared/items.js';
import { extraOf, type Entry, type ListSnapshot } from '../items/lists.js';
import { equalMoney, lineTax, sum } from '../items/money.js';
import { contactNoun, direction, type ItemModel } from '../items/model.js';

export interface CheckContext {
  entry: ProviderEntry | null;
  lists: ListSnapshot;
  bankMatch: boolean;
  /** Another item of the business with the same contact and number, published or on its way. */
  duplicateOf: { id: string; state: string } | null;
}

const typeWords: Record<ItemType, string> = {
  cost: 'cost items (receipts and bills)',
  sales: 'sales invoices',
  expense_claim: 'expense claims',
  purchase_credit_note: 'purchase credit notes',
  sales_credit_note: 'sales credit notes',
};

export function describeEntry(kind: ListKind, entry: Entry | undefined, id: string): string {
  if (!entry) return id;
  if (kind === 'categories') return entry.code ? `account ${entry.code} (${entry.name})` : `account ${entry.name}`;
  return entry.code && entry.code !== entry.name ? `${entry.name} (${entry.code})` : entry.name;
}

const kindWords: Record<ListKind, string> = {
  categories: 'category',
  contacts: 'contact',
  tax_rates: 'tax rate',
  products: 'product',
  projects: 'project',
  bank_accounts: 'bank account',
};

export function checkItem(item: ItemModel, ctx: CheckContext): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const add = (path: string, code: string, message: string) => issues.push({ path, code, message });
  const entry = ctx.entry;
  if (!entry) {
    add('connection', 'no_connection', 'Connect your accounting software first (Business settings > Connections), then publish.');
    return issues;
  }
  const ledger = entry.name;

  /** An entry the item names must exist and be active; returns it when it does. */
  const live = (path: string, kind: ListKind, id: string | null, what: string, fix: string): Entry | undefined => {
    if (!id) return undefined;
    const found = ctx.lists.get(kind, id);
    if (!found) {
      add(path, `${kindWords[kind].replace(' ', '_')}_not_found`, `The ${what} ${id} is not in ${ledger}'s lists any more — ${fix} or refresh lists.`);
      return undefined;
    }
    if (found.status !== 'active') {
      add(path, `${kindWords[kind].replace(' ', '_')}_archived`, `The ${what === 'category' ? describeEntry(kind, found, id) : `${what} ${describeEntry(kind, found, id)}`} is archived in ${ledger} — ${fix} or refresh lists.`);
      return undefined;
    }
    return found;
  };

  // Where it goes.
  const destinations = entry.destinations[item.type];
  const destination = destinations.find((d) => d.id === item.destination);
  if (destinations.length === 0) {
    add('type', 'type_not_supported', `${ledger} cannot take ${typeWords[item.type]}.${entry.limitations ? ` ${entry.limitations}` : ''}`);
  } else if (!item.destination) {
    add('destination', 'destination_missing', `Choose where to publish it in ${ledger} (${destinations.map((d) => d.label).join(' or ')}).`);
  } else if (!destination) {
    add('destination', 'destination_invalid', `${ledger} has no "${item.destination}" for ${typeWords[item.type]}: choose ${destinations.map((d) => d.label).join(' or ')}.`);
  }
  if (destination) {
    if (destination.statuses.length > 0 && item.status && !destination.statuses.includes(item.status)) {
      add('status', 'status_invalid', `A ${destination.label} in ${ledger} can be ${destination.statuses.join(', ')}, not ${item.status}.`);
    }
    if (destination.statuses.length === 0 && item.status) {
      add('status', 'status_invalid', `A ${destination.label} in ${ledger} has no status to choose: clear the status.`);
    }
    if (destination.paidOnly) {
      if (!item.paid) add('paid', 'not_paid', `A ${destination.label} is for paid items: mark it paid or choose another destination.`);
      if (!item.paymentAccount) add('paymentAccount', 'payment_account_missing', `Choose the bank account it was paid from for the ${destination.label}.`);
    }
  }

  // Who it is from or to.
  const contactWord = contactNoun(item.type);
  if (!item.contactId) {
    add('contact', 'contact_unknown', `"${item.contactName}" is not a ${contactWord} in ${ledger}: add them in ${ledger} and refresh lists, or choose an existing ${contactWord}.`);
  } else {
    live('contact', 'contacts', item.contactId, contactWord, `choose another ${contactWord}`);
  }

  // The lines.
  const rates: (string | null)[] = [];
  item.lines.forEach((line, i) => {
    const p = `lines.${i}`;
    let category: Entry | undefined;
    if (!line.category) add(`${p}.category`, 'category_missing', `Line ${i + 1} needs a category.`);
    else category = live(`${p}.category`, 'categories', line.category, 'category', 'choose another category');
    if (item.taxMode !== 'no_tax') {
      if (!line.taxRate) add(`${p}.taxRate`, 'tax_rate_missing', `Line ${i + 1} needs a tax rate (or set the item to "no tax").`);
      const tax = live(`${p}.taxRate`, 'tax_rates', line.taxRate, 'tax rate', 'choose another tax rate');
      if (tax) {
        const misfit = taxMisfit(tax, category, item.type);
        if (misfit) add(`${p}.taxRate`, 'tax_not_valid', `${misfit} in ${ledger} — choose another tax rate or category.`);
      }
      rates.push(tax?.tax_rate ?? null);
    }
    live(`${p}.project`, 'projects', line.project, 'project', 'choose another project');
  });

  // Paid, and bank match.
  if (item.paid && ctx.bankMatch && entry.capabilities.bankMatch && !item.paymentAccount) {
    add('paymentAccount', 'payment_account_missing', `Bank match is on: choose the bank account this was paid from.`);
  }
  if (item.paid && (ctx.bankMatch || destination?.paidOnly) && !item.paymentDate) {
    add('paymentDate', 'payment_date_missing', 'Add the date it was paid.');
  }
  live('paymentAccount', 'bank_accounts', item.paymentAccount, 'bank account', 'choose another bank account');

  // Tax adds up at the ledger's rates.
  if (item.taxMode !== 'no_tax' && item.totalTax !== null && rates.length === item.lines.length && rates.every((r) => r !== null)) {
    if (item.lines.every((l) => l.taxAmount === null)) {
      const expected = sum(item.lines.map((l, i) => lineTax(l.amount, rates[i]!, item.taxMode)));
      // One penny per line: providers round per line, a receipt may round the total.
      if (!equalMoney(expected, item.totalTax, (0.01 * item.lines.length).toFixed(2))) {
        add('totalTax', 'tax_mismatch', `At ${ledger}'s tax rates the tax comes to ${expected}, but the item says ${item.totalTax}: check the tax rates or the tax total.`);
      }
    }
  }

  if (ctx.duplicateOf) {
    add('number', 'duplicate_number', `${item.number} from ${item.contactName} is already ${ctx.duplicateOf.state === 'published' ? 'published' : 'being published'}: change the number if this is a different document.`);
  }
  if (ctx.lists.currencies && !ctx.lists.currencies.has(item.currency)) {
    add('currency', 'currency_not_enabled', `${ledger} does not take ${item.currency} here (it takes ${[...ctx.lists.currencies].sort().join(', ')}): add the currency in ${ledger} and refresh lists, or change the currency.`);
  }
  return issues;
}

/**
 * Whether the lists say this tax rate cannot go with this account or document. Reads what the
 * import kept: Xero's CanApplyTo<Class> flags on tax rates and the account's Class; a normalised
 * `appliesTo: ['purchases' | 'sales']` where an adapter gives one. Silent when the lists don't say.
 */
export function taxMisfit(tax: Entry, category: Entry | undefined, type: ItemType): string | null {
  const t = extraOf(tax);
  const way = direction(type);
  const appliesTo = t.appliesTo ?? t.applies_to;
  if (Array.isArray(appliesTo) && appliesTo.length > 0 && !appliesTo.includes(way)) {
    return `The tax rate ${tax.name} is for ${appliesTo.join(' and ')}, not ${way}`;
  }
  if (category) {
    const c = extraOf(category);
    const cls = String(c.Class ?? c.class ?? '').toUpperCase();
    const flag: Record<string, string> = {
      ASSET: 'CanApplyToAssets',
      EQUITY: 'CanApplyToEquity',
      EXPENSE: 'CanApplyToExpenses',
      LIABILITY: 'CanApplyToLiabilities',
      REVENUE: 'CanApplyToRevenue',
    };
    const key = flag[cls];
    const allowed = key ? (t[key] ?? t[key.charAt(0).toLowerCase() + key.slice(1)]) : undefined;
    if (allowed === false) return `The tax rate ${tax.name} cannot be used with ${describeEntry('categories', category, category.external_id)}`;
  }
  return null;
}
