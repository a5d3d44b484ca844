/**
 * Provider failures in words a bookkeeper understands, with the provider's own message kept
 * for support (issue 5: "The account 429 is archived in Xero — choose another category or
 * refresh lists").
 */
import type { ProviderEntry } from '../../shared/catalogue.js';
import type { PublishError } from '../../shared/items.js';
import { ProviderError } from '../providers/errors.js';
import type { ItemModel } from '../items/model.js';
import type { ListSnapshot } from '../items/lists.js';
import { describeEntry } from './check.js';
import { kindNoun } from '../items/lists.js';

export function documentLabel(entry: ProviderEntry, item: Pick<ItemModel, 'type' | 'destination'>): string {
  const label = entry.destinations[item.type].find((d) => d.id === item.destination)?.label;
  return label ? label.toLowerCase() : 'document';
}

export function reconnectMessage(entry: ProviderEntry): string {
  return `Your ${entry.name} connection has expired or was disconnected in ${entry.name}. Reconnect it (Business settings > Connections > Manage > Reconnect): this item is kept and will be published automatically afterwards.`;
}

export function publishError(
  error: unknown,
  ctx: { entry: ProviderEntry; item: Pick<ItemModel, 'type' | 'destination' | 'lines' | 'contactId' | 'paymentAccount'>; lists?: ListSnapshot; at: Date },
): PublishError {
  const { entry, item } = ctx;
  const ledger = entry.name;
  const at = ctx.at.toISOString();
  if (!(error instanceof ProviderError)) {
    return {
      code: 'internal_error',
      message: `Something went wrong in Bookbridge while publishing to ${ledger}. It has been logged; try again, and tell your administrator if it keeps happening.`,
      providerMessage: null,
      at,
    };
  }
  const raw = error.providerMessage ?? error.message;
  const fields = error.fields.map((f) => f.message).filter(Boolean);
  const label = documentLabel(entry, item);
  switch (error.kind) {
    case 'expired':
      return { code: 'reconnect_required', message: reconnectMessage(entry), providerMessage: raw, at };
    case 'stale_reference': {
      const noun = error.list ? kindNoun[error.list] : 'list entry';
      const named = error.list && ctx.lists ? staleEntry(error.list, item, ctx.lists) : undefined;
      const what = named ? `The ${named} is archived or deleted in ${ledger}` : `${ledger} says a ${noun} on this item is archived or no longer exists`;
      return { code: 'stale_reference', message: `${what} — choose another ${noun === 'category' ? 'category' : noun} or refresh lists.`, providerMessage: raw, at };
    }
    case 'validation': {
      const detail = (fields.length > 0 ? fields.join('; ') : error.message).replace(/\.?$/, '.');
      return { code: 'rejected', message: `${ledger} did not accept this ${label}: ${detail} Correct the item and re-publish.`, providerMessage: raw, at };
    }
    case 'forbidden':
      return { code: 'refused', message: `${ledger} refused this ${label}: ${error.message} Check your ${ledger} subscription and settings.`, providerMessage: raw, at };
    case 'rate_limited':
      return { code: 'rate_limited', message: `${ledger} asked Bookbridge to slow down; it will carry on by itself.`, providerMessage: raw, at };
    case 'transient':
      return {
        code: 'provider_unavailable',
        message: `${ledger} did not answer after several tries. Bookbridge checks whether it arrived before sending it again: re-publish to try now.`,
        providerMessage: raw,
        at,
      };
    default:
      return { code: error.kind, message: `${ledger} refused this ${label}: ${error.message}`, providerMessage: raw, at };
  }
}

/** After the list was refreshed: the entry of that kind on the item that is no longer active. */
function staleEntry(kind: NonNullable<ProviderError['list']>, item: Pick<ItemModel, 'lines' | 'contactId' | 'paymentAccount'>, lists: ListSnapshot): string | undefined {
  const ids =
    kind === 'contacts'
      ? [item.contactId]
      : kind === 'bank_accounts'
        ? [item.paymentAccount]
        : item.lines.map((l) => (kind === 'categories' ? l.category : kind === 'tax_rates' ? l.taxRate : kind === 'projects' ? l.project : null));
  for (const id of ids) {
    if (!id) continue;
    const e = lists.get(kind, id);
    if (!e || e.status !== 'active') return kind === 'categories' ? describeEntry(kind, e, id) : `${kindNoun[kind]} ${describeEntry(kind, e, id)}`;
  }
  return undefined;
}
