/**
 * Publishing settings per ledger connection (seed 001 "Configure your connection settings"):
 * default destination and status per item type, tax handling, bank match, auto-publish. Choices
 * come from the provider's catalogue entry; a connection without saved settings gets the
 * catalogue's first choice for each.
 */
import type { Db } from '../db/database.js';
import type { ItemType, ProviderEntry } from '../../shared/catalogue.js';
import { itemTypes } from '../../shared/catalogue.js';
import type { PublishingSettings } from '../../shared/items.js';
import type { Defaults } from '../rules/apply.js';
import type { ItemLine } from '../items/model.js';
import { direction } from '../items/model.js';
import { compiledOnce } from '../db/compiled.js';
import { readThrough } from '../db/read-cache.js';

export function defaultSettings(entry: ProviderEntry): PublishingSettings {
  const perType = <T>(f: (t: ItemType) => T) => Object.fromEntries(itemTypes.map((t) => [t, f(t)])) as Record<ItemType, T>;
  return {
    destinations: perType((t) => entry.destinations[t][0]?.id ?? null),
    statuses: perType((t) => entry.destinations[t][0]?.statuses[0] ?? null),
    tax: { handling: 'category_default', costRate: null, salesRate: null },
    bankMatch: false,
    autoPublish: false,
  };
}

export async function loadSettings(db: Db, connectionId: string, entry: ProviderEntry): Promise<{ settings: PublishingSettings; updatedAt: number | null }> {
  // Read for every item created: kept until the settings change (issue 8), "none saved" too. The
  // parsed object is shared, so it is only ever read here.
  const { row } = (await readThrough(db, `settings:${connectionId}`, async () => {
    const found = await settingsOf.first(db, { connectionId });
    return { row: found && { saved: JSON.parse(found.settings) as Partial<PublishingSettings>, updatedAt: found.updated_at } };
  }))!;
  if (!row) return { settings: defaultSettings(entry), updatedAt: null };
  // Saved settings are merged over the defaults, so a field added later reads its default.
  const saved = row.saved;
  const base = defaultSettings(entry);
  return {
    settings: {
      ...base,
      ...saved,
      destinations: { ...base.destinations, ...saved.destinations },
      statuses: { ...base.statuses, ...saved.statuses },
      tax: { ...base.tax, ...saved.tax },
    },
    updatedAt: row.updatedAt,
  };
}

const settingsOf = compiledOnce((db, v: { connectionId: string }) =>
  db.selectFrom('publishing_settings').select(['settings', 'updated_at']).where('connection_id', '=', v.connectionId),
);

export async function saveSettings(
  db: Db,
  input: { connectionId: string; businessId: string; settings: PublishingSettings; userId: string; now: number },
): Promise<void> {
  await db
    .insertInto('publishing_settings')
    .values({ connection_id: input.connectionId, business_id: input.businessId, settings: JSON.stringify(input.settings), updated_by: input.userId, updated_at: input.now })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet({ settings: JSON.stringify(input.settings), updated_by: input.userId, updated_at: input.now }))
    .execute();
}

/** What the settings contribute to an item of this type (the lowest rung: rules and edits win). */
export function defaultsFor(
  entry: ProviderEntry,
  settings: PublishingSettings,
  type: ItemType,
  /** The tax rate (list entry id) a category defaults to, if the lists say. */
  categoryTax: (categoryId: string) => string | null,
): Defaults {
  const destinations = entry.destinations[type];
  return {
    destination: settings.destinations[type] ?? destinations[0]?.id ?? null,
    status(destinationId) {
      const destination = destinations.find((d) => d.id === destinationId);
      if (!destination || destination.statuses.length === 0) return null;
      const chosen = settings.statuses[type];
      return chosen && destination.statuses.includes(chosen) ? chosen : destination.statuses[0]!;
    },
    lineTaxRate(line: ItemLine) {
      if (settings.tax.handling === 'fixed') return (direction(type) === 'sales' ? settings.tax.salesRate : settings.tax.costRate) ?? null;
      if (settings.tax.handling === 'category_default' && line.category) {
        return categoryTax(line.category);
      }
      return null;
    },
    destinationFits: (id) => destinations.some((d) => d.id === id),
    autoPublish: settings.autoPublish,
  };
}
