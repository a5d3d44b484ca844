import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from '../app.js';
import { ApiError, validationError, type Issue } from '../errors.js';
import { bearerSecurity, createRouter, errorResponses, jsonBody as json, jsonResponse as ok } from '../http/router.js';
import { audit } from '../audit.js';
import { itemTypes } from '../../shared/catalogue.js';
import { PublishingSettings, PublishingSettingsView, taxHandlingLabels, taxHandlings } from '../../shared/items.js';
import { BusinessParams, memberOnly, requireManager, sessionFor } from '../items/access.js';
import { loadLedger, refreshItemsFor, type Ledger } from '../items/evaluate.js';
import { resolveRef } from '../items/lists.js';
import { loadSettings, saveSettings } from './store.js';

const tags = ['Publishing settings'];
const path = '/api/businesses/{businessId}/publishing-settings';

const routes = {
  get: createRoute({
    method: 'get', path, tags, security: bearerSecurity,
    summary: 'Publishing settings of the ledger connection, with the choices its provider offers',
    request: { params: BusinessParams },
    responses: { 200: ok('Settings and choices.', PublishingSettingsView), ...errorResponses(400, 401, 404, 409) },
  }),
  put: createRoute({
    method: 'put', path, tags, security: bearerSecurity,
    summary: 'Save the publishing settings (Admins): defaults never overwrite a supplier rule or a manual edit',
    request: { params: BusinessParams, body: json(PublishingSettings) },
    responses: { 200: ok('Saved; items not yet published take the new defaults.', PublishingSettingsView), ...errorResponses(400, 401, 403, 404, 409) },
  }),
};

async function settingsView(deps: AppDeps, ledger: Ledger): Promise<PublishingSettingsView> {
  const { connection, entry } = ledger;
  const { settings, updatedAt } = await loadSettings(deps.db, connection.id, entry);
  const taxRates = await deps.db
    .selectFrom('list_entries')
    .select(['external_id', 'code', 'name', 'tax_rate'])
    .where('connection_id', '=', connection.id)
    .where('kind', '=', 'tax_rates')
    .where('status', '=', 'active')
    .orderBy('name')
    .execute();
  const destinations = Object.fromEntries(
    itemTypes.map((t) => [t, entry.destinations[t].map((d) => ({ id: d.id, label: d.label, statuses: [...d.statuses], paidOnly: d.paidOnly ?? false }))]),
  ) as PublishingSettingsView['choices']['destinations'];
  return {
    connectionId: connection.id,
    provider: entry.id,
    providerName: entry.name,
    settings,
    choices: {
      destinations,
      bankMatch: entry.capabilities.bankMatch
        ? { available: true, reason: null }
        : { available: false, reason: `Bank match is available for Xero and Sage Accounting only; ${entry.name} does not offer it.` },
      taxHandling: taxHandlings.map((id) => ({ id, label: taxHandlingLabels[id] })),
      taxRates: taxRates.map((r) => ({ externalId: r.external_id, code: r.code, name: r.name, rate: r.tax_rate })),
    },
    updatedAt: updatedAt ? new Date(updatedAt).toISOString() : null,
  };
}

export function settingsRoutes(deps: AppDeps) {
  const router = createRouter();
  router.use('/api/businesses/:businessId/publishing-settings', sessionFor(deps), memberOnly(deps));

  const needLedger = async (businessId: string) => {
    const ledger = await loadLedger(deps.db, businessId);
    if (!ledger) throw new ApiError(409, 'no_connection', 'Connect your accounting software first: the settings belong to that connection.');
    return ledger;
  };

  router.openapi(routes.get, async (c) => {
    const { businessId } = c.req.valid('param');
    return c.json(await settingsView(deps, await needLedger(businessId)), 200);
  });

  router.openapi(routes.put, async (c) => {
    const { businessId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireManager(deps, userId, businessId);
    const ledger = await needLedger(businessId);
    const { entry, connection } = ledger;
    const input = c.req.valid('json');
    const issues: Issue[] = [];

    if (input.bankMatch && !entry.capabilities.bankMatch) {
      issues.push({ path: 'bankMatch', message: `is not available for ${entry.name}: bank match is offered for Xero and Sage Accounting only` });
    }
    for (const t of itemTypes) {
      const choices = entry.destinations[t];
      const id = input.destinations[t];
      const destination = choices.find((d) => d.id === id);
      if (id !== null && !destination) {
        issues.push({ path: `destinations.${t}`, message: choices.length ? `must be one of ${choices.map((d) => d.id).join(', ')}` : `must be null: ${entry.name} cannot take this type` });
      }
      const status = input.statuses[t];
      const statuses = (destination ?? choices[0])?.statuses ?? [];
      if (status !== null && !statuses.includes(status)) {
        issues.push({ path: `statuses.${t}`, message: statuses.length ? `must be one of ${statuses.join(', ')}` : 'must be null: that destination has no status' });
      }
    }
    const tax = { ...input.tax };
    for (const field of ['costRate', 'salesRate'] as const) {
      const ref = tax[field];
      if (!ref) {
        tax[field] = null;
        continue;
      }
      const found = await resolveRef(deps.db, connection.id, 'tax_rates', ref);
      if (!found || found.status !== 'active') issues.push({ path: `tax.${field}`, message: `"${ref}" is not an active tax rate in ${entry.name}` });
      else tax[field] = found.external_id;
    }
    if (input.tax.handling === 'fixed' && !input.tax.costRate && !input.tax.salesRate) {
      issues.push({ path: 'tax.costRate', message: 'is needed (or salesRate) when tax handling is "fixed"' });
    }
    if (issues.length > 0) throw validationError(issues);

    const settings = { ...input, tax };
    const now = deps.clock.now().getTime();
    await saveSettings(deps.db, { connectionId: connection.id, businessId, settings, userId, now });
    await audit(deps.db, { businessId, userId, action: 'publishing_settings.update', detail: { connectionId: connection.id, settings }, at: now });
    // New defaults reach every item not yet published (never over a rule or a manual edit).
    await refreshItemsFor(deps, businessId);
    return c.json(await settingsView(deps, { ...ledger, settings }), 200);
  });

  return router;
}
