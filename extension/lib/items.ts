/**
 * Item facts for the pages, in the user's words. The state labels repeat shared/items.ts
 * (`itemStateLabels`) so the popup does not pull in zod; items.test.ts keeps the two equal.
 */
import type { ItemType } from '../../shared/catalogue.js';
import type { ItemState } from '../../shared/items.js';

export const itemTypeLabels = {
  cost: 'Costs (receipts and bills)',
  sales: 'Sales invoices',
  expense_claim: 'Expense claims',
  purchase_credit_note: 'Purchase credit notes',
  sales_credit_note: 'Sales credit notes',
} as const satisfies Record<ItemType, string>;

export const itemStateLabels = {
  needs_attention: 'Needs attention',
  ready: 'Ready to publish',
  queued: 'Queued for publishing',
  publishing: 'Publishing',
  published: 'Published',
  failed: 'Publishing failed',
  waiting_for_reconnect: 'Waiting for reconnect',
} as const satisfies Record<ItemState, string>;

export const itemStates = Object.keys(itemStateLabels) as ItemState[];

/** Items on their way: ready, queued, being sent, or held until a reconnect. */
export const waitingStates: readonly ItemState[] = ['ready', 'queued', 'publishing', 'waiting_for_reconnect'];

export function countIn(counts: Partial<Record<ItemState, number>>, states: readonly ItemState[]): number {
  return states.reduce((n, s) => n + (counts[s] ?? 0), 0);
}

/** Publish is offered for items that pass the check; Re-publish for failed ones. */
export function publishAction(state: ItemState): 'publish' | 'republish' | null {
  if (state === 'ready' || state === 'needs_attention') return 'publish';
  if (state === 'failed') return 'republish';
  return null;
}
