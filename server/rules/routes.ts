import { createRoute, z } from '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app.js';
import type { ContactRulesTable } from '../db/schema.js';
import { ApiError, notFound, validationError, type Issue } from '../errors.js';
import { bearerSecurity, createRouter, errorResponses, jsonBody as json, jsonResponse as ok } from '../http/router.js';
import { audit } from '../audit.js';
import { itemTypes, type ListKind } from '../../shared/catalogue.js';
import { Rule, RuleInput, RuleListResponse } from '../../shared/items.js';
import { BusinessParams, memberOnly, requireManager, sessionFor } from '../items/access.js';
import { loadLedger, refreshItemsFor, type Ledger } from '../items/evaluate.js';
import { kindNoun, resolveRef } from '../items/lists.js';
import { rulesSnapshot, ruleView } from './store.js';
import { getLedgerConnection } from '../connections/store.js';
import { catalogue, type ProviderId } from '../../shared/catalogue.js';

const RuleParams = BusinessParams.extend({ ruleId: z.string().uuid('must be a rule id') });
const tags = ['Supplier and customer rules'];

const routes = {
  list: createRoute({
    method: 'get', path: '/api/businesses/{businessId}/rules', tags, security: bearerSecurity,
    summary: 'Supplier and customer rules (flagged where an entry they use was archived or vanished)',
    request: { params: BusinessParams, query: z.object({ contact: z.string().max(255).optional() }) },
    responses: { 200: ok('Rules.', RuleListResponse), ...errorResponses(400, 401, 404) },
  }),
  create: createRoute({
    method: 'post', path: '/api/businesses/{businessId}/rules', tags, security: bearerSecurity,
    summary: 'Add the rule for a contact (Admins); applied at once to its items not yet published',
    request: { params: BusinessParams, body: json(RuleInput) },
    responses: { 201: ok('The rule.', Rule), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  get: createRoute({
    method: 'get', path: '/api/businesses/{businessId}/rules/{ruleId}', tags, security: bearerSecurity,
    summary: 'One rule',
    request: { params: RuleParams },
    responses: { 200: ok('The rule.', Rule), ...errorResponses(400, 401, 404) },
  }),
  update: createRoute({
    method: 'put', path: '/api/businesses/{businessId}/rules/{ruleId}', tags, security: bearerSecurity,
    summary: 'Replace a rule (Admins); re-applied to its contact’s items not yet published',
    request: { params: RuleParams, body: json(RuleInput) },
    responses: { 200: ok('The rule.', Rule), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  remove: createRoute({
    method: 'delete', path: '/api/businesses/{businessId}/rules/{ruleId}', tags, security: bearerSecurity,
    summary: 'Delete a rule (Admins); its items fall back to the defaults',
    request: { params: RuleParams },
    responses: { 204: { description: 'Deleted.' }, ...errorResponses(400, 401, 403, 404) },
  }),
};

type Parsed = z.infer<typeof RuleInput>;

async function resolveRule(deps: AppDeps, ledger: Ledger, input: Parsed): Promise<Omit<ContactRulesTable, 'id' | 'business_id' | 'created_by' | 'created_at' | 'updated_at'>> {
  const issues: Issue[] = [];
  const connectionId = ledger.connection.id;
  const ref = async (kind: ListKind, value: string | null | undefined, path: string) => {
    if (value === undefined || value === null) return null;
    const entry = await resolveRef(deps.db, connectionId, kind, value);
    if (!entry) issues.push({ path, message: `"${value}" is not a ${kindNoun[kind]} in ${ledger.entry.name}: choose one from the list, or refresh lists` });
    else if (entry.status !== 'active') issues.push({ path, message: `"${entry.name}" is archived in ${ledger.entry.name}: choose an active ${kindNoun[kind]}` });
    return entry?.external_id ?? null;
  };
  const contact = await ref('contacts', input.contact, 'contact');
  const values = {
    connection_id: connectionId,
    contact_external_id: contact ?? '',
    category: await ref('categories', input.category, 'category'),
    tax_rate: await ref('tax_rates', input.taxRate, 'taxRate'),
    project: await ref('projects', input.project, 'project'),
    payment_account: await ref('bank_accounts', input.paymentAccount, 'paymentAccount'),
    paid: input.paid === undefined || input.paid === null ? null : input.paid ? 1 : 0,
    destination: input.destination ?? null,
    description: input.description || null,
    auto_publish: input.autoPublish ? 1 : 0,
  };
  if (values.destination) {
    const known = itemTypes.flatMap((t) => ledger.entry.destinations[t].map((d) => d.id));
    if (!known.includes(values.destination)) {
      issues.push({ path: 'destination', message: `must be one of ${[...new Set(known)].join(', ')} (${ledger.entry.name}'s destinations)` });
    }
  }
  if (issues.length > 0) throw validationError(issues);
  return values;
}

export function ruleRoutes(deps: AppDeps) {
  const router = createRouter();
  const session = sessionFor(deps);
  const member = memberOnly(deps);
  // `/rules/*` also matches `/rules` in Hono: one pattern, or the checks run twice.
  router.use('/api/businesses/:businessId/rules/*', session, member);

  const needLedger = async (businessId: string) => {
    const ledger = await loadLedger(deps.db, businessId);
    if (!ledger) throw new ApiError(409, 'no_connection', 'Connect your accounting software first: rules choose from its lists.');
    return ledger;
  };
  const findRule = async (businessId: string, ruleId: string) => {
    const row = await deps.db.selectFrom('contact_rules').selectAll().where('id', '=', ruleId).where('business_id', '=', businessId).executeTakeFirst();
    if (!row) throw notFound('That rule');
    return row;
  };
  const view = async (businessId: string, rows: ContactRulesTable[]) => {
    const connection = await getLedgerConnection(deps.db, businessId);
    const entry = connection ? catalogue[connection.provider as ProviderId] : null;
    const byConnection = new Map<string, ContactRulesTable[]>();
    for (const r of rows) byConnection.set(r.connection_id, [...(byConnection.get(r.connection_id) ?? []), r]);
    const out = new Map<string, z.infer<typeof Rule>>();
    for (const [connectionId, group] of byConnection) {
      const lists = await rulesSnapshot(deps.db, connectionId, group);
      for (const r of group) out.set(r.id, ruleView(r, lists, { connectionId: connection?.id ?? null, entry }));
    }
    return rows.map((r) => out.get(r.id)!);
  };
  const conflict = (error: unknown) => {
    if (error instanceof Error && /UNIQUE/.test(error.message)) {
      return new ApiError(409, 'rule_exists', 'That contact already has a rule: edit it instead.', [{ path: 'contact', message: 'already has a rule' }]);
    }
    return error;
  };

  router.openapi(routes.list, async (c) => {
    const { businessId } = c.req.valid('param');
    const { contact } = c.req.valid('query');
    const ledger = await loadLedger(deps.db, businessId);
    let contactId: string | undefined;
    if (contact) contactId = ledger ? ((await resolveRef(deps.db, ledger.connection.id, 'contacts', contact))?.external_id ?? contact) : contact;
    const rows = await deps.db
      .selectFrom('contact_rules')
      .selectAll()
      .where('business_id', '=', businessId)
      .$if(contactId !== undefined, (q) => q.where('contact_external_id', '=', contactId!))
      .orderBy('created_at')
      .execute();
    return c.json({ rules: await view(businessId, rows) }, 200);
  });

  router.openapi(routes.create, async (c) => {
    const { businessId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireManager(deps, userId, businessId);
    const ledger = await needLedger(businessId);
    const values = await resolveRule(deps, ledger, c.req.valid('json'));
    const now = deps.clock.now().getTime();
    const id = randomUUID();
    try {
      await deps.db.insertInto('contact_rules').values({ id, business_id: businessId, ...values, created_by: userId, created_at: now, updated_at: now }).execute();
    } catch (error) {
      throw conflict(error);
    }
    await audit(deps.db, { businessId, userId, action: 'rule.create', detail: { ruleId: id, contact: values.contact_external_id }, at: now });
    await refreshItemsFor(deps, businessId, values.contact_external_id);
    return c.json((await view(businessId, [await findRule(businessId, id)]))[0]!, 201);
  });

  router.openapi(routes.get, async (c) => {
    const { businessId, ruleId } = c.req.valid('param');
    return c.json((await view(businessId, [await findRule(businessId, ruleId)]))[0]!, 200);
  });

  router.openapi(routes.update, async (c) => {
    const { businessId, ruleId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireManager(deps, userId, businessId);
    const before = await findRule(businessId, ruleId);
    const ledger = await needLedger(businessId);
    const values = await resolveRule(deps, ledger, c.req.valid('json'));
    const now = deps.clock.now().getTime();
    try {
      await deps.db.updateTable('contact_rules').set({ ...values, updated_at: now }).where('id', '=', ruleId).execute();
    } catch (error) {
      throw conflict(error);
    }
    await audit(deps.db, { businessId, userId, action: 'rule.update', detail: { ruleId, contact: values.contact_external_id }, at: now });
    await refreshItemsFor(deps, businessId, values.contact_external_id);
    if (before.contact_external_id !== values.contact_external_id) await refreshItemsFor(deps, businessId, before.contact_external_id);
    return c.json((await view(businessId, [await findRule(businessId, ruleId)]))[0]!, 200);
  });

  router.openapi(routes.remove, async (c) => {
    const { businessId, ruleId } = c.req.valid('param');
    const userId = c.get('user').id;
    await requireManager(deps, userId, businessId);
    const before = await findRule(businessId, ruleId);
    await deps.db.deleteFrom('contact_rules').where('id', '=', ruleId).execute();
    await audit(deps.db, { businessId, userId, action: 'rule.delete', detail: { ruleId, contact: before.contact_external_id }, at: deps.clock.now().getTime() });
    await refreshItemsFor(deps, businessId, before.contact_external_id);
    return c.body(null, 204);
  });

  return router;
}
