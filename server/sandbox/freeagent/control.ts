/**
 * The sandbox's control API (`/_control`, not a FreeAgent path), shaped like the Xero
 * sandbox's: reset, inject faults, read what was created, change the upstream lists (as a user
 * editing in FreeAgent would, bumping `updated_at`), adjust limits, and read counters.
 */
import type { Context, Hono } from 'hono';
import { ControlError, createControlApp, jsonBody } from '../common/control.js';
import { z } from 'zod';
import { faultFields, grantFaultFields } from '../common/faults.js';
import { presentBill, presentExpense, presentExplanation, presentSalesDocument } from './present.js';
import { groupDescriptionOf, type CategoryGroup } from './seed.js';
import type { CompanyState, SandboxState } from './state.js';

const faultsSchema = z.object({
  companyId: z.string().optional(),
  ...faultFields,
  ...grantFaultFields,
});

export const mutationSchema = z.object({
  companyId: z.string().optional(),
  list: z.enum(['contacts', 'categories', 'projects', 'bankAccounts', 'priceListItems', 'users']),
  action: z.enum(['rename', 'archive', 'unarchive', 'delete', 'add']),
  /** Which entry: its id, nominal code, item code, email or name. Not needed for `add`. */
  target: z.string().optional(),
  name: z.string().optional(),
  /** add: fields in FreeAgent's names (organisation_name, nominal_code, description, name...). */
  entry: z.record(z.string(), z.unknown()).optional(),
});
export type Mutation = z.infer<typeof mutationSchema>;

const limitsSchema = z.object({
  perMinute: z.number().int().positive().optional(),
  perHour: z.number().int().positive().optional(),
  refreshesPerMinute: z.number().int().positive().optional(),
  testPerMinute: z.number().int().positive().optional(),
});

/** The api host's base as seen from a control request (`…/_control/x` → `…/api`). */
function apiBaseFrom(c: Context): string {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf('/_control');
  return `${url.origin}${url.pathname.slice(0, Math.max(0, at))}/api`;
}

export function createControlApi(state: SandboxState, reset: () => void): Hono {
  const control = createControlApp(reset);

  control.post('/faults', async (c) => {
    const body = faultsSchema.parse(await jsonBody(c));
    const { companyId, revokeGrants, expireAccessTokens, ...faults } = body;
    if (companyId) state.faults.companies.set(companyId, faults);
    else state.faults.all = faults;
    const matches = (companyOf: string) => !companyId || companyOf === companyId;
    // Revoked: the user removed the app in FreeAgent. API calls get 401, refresh invalid_grant.
    if (revokeGrants) for (const g of state.grants.values()) if (matches(g.companyId)) g.revoked = true;
    if (expireAccessTokens) {
      for (const record of state.accessTokens.values()) {
        const grant = state.grants.get(record.grantId);
        if (grant && matches(grant.companyId)) record.expiresAt = Math.min(record.expiresAt, state.now());
      }
    }
    return c.json({ ok: true });
  });

  control.post('/limits', async (c) => {
    Object.assign(state.limits, limitsSchema.parse(await jsonBody(c)));
    state.windows.clear();
    return c.json({ limits: state.limits });
  });

  control.get('/documents', (c) => {
    const base = apiBaseFrom(c);
    const companyId = c.req.query('companyId');
    const companies = [...state.companies.values()].filter((x) => !companyId || x.data.id === companyId);
    return c.json({
      companies: companies.map((company) => ({
        companyId: company.data.id,
        name: company.data.name,
        bills: [...company.bills.values()].map((b) => presentBill(base, state, company, b, true)),
        invoices: [...company.invoices.values()].map((d) => presentSalesDocument(base, state, company, d, 'invoice', true)),
        creditNotes: [...company.creditNotes.values()].map((d) => presentSalesDocument(base, state, company, d, 'credit_note', true)),
        expenses: [...company.expenses.values()].map((e) => presentExpense(base, state, company, e)),
        explanations: [...company.explanations.values()].map((x) => presentExplanation(base, state, company, x)),
        attachments: [...company.attachments.values()].map(({ data: _, ...a }) => a),
      })),
    });
  });

  control.post('/mutate', async (c) => {
    const mutation = mutationSchema.parse(await c.req.json());
    return c.json({ entry: mutate(state, mutation) });
  });

  control.get('/stats', (c) =>
    c.json({
      ...state.stats,
      grants: [...state.grants.values()].filter((g) => !g.revoked).length,
      accessTokens: state.accessTokens.size,
    }),
  );

  control.get('/companies', (c) =>
    c.json(
      [...state.companies.values()].map((x) => ({
        companyId: x.data.id,
        name: x.data.name,
        subdomain: x.data.subdomain,
        users: x.data.users.map((u) => ({ id: u.id, email: u.email, permissionLevel: u.permissionLevel })),
        contacts: x.data.contacts.length,
      })),
    ),
  );

  return control;
}

function companyOf(state: SandboxState, companyId?: string): CompanyState {
  const company = companyId ? state.companies.get(companyId) : [...state.companies.values()][0];
  if (!company) throw new ControlError(`No company ${companyId}`);
  return company;
}

const same = (target: string | undefined, ...keys: Array<string | number | undefined>) =>
  target !== undefined && keys.some((k) => k !== undefined && String(k).toLowerCase() === target.toLowerCase());

function nextIdIn(items: Array<{ id: number }>): number {
  return items.reduce((max, x) => Math.max(max, x.id), 0) + 1;
}

/** Changes an upstream list the way a user editing in FreeAgent would. */
export function mutate(state: SandboxState, m: Mutation): unknown {
  const company = companyOf(state, m.companyId);
  const data = company.data;
  const now = state.now();
  const str = (key: string) => (typeof m.entry?.[key] === 'string' ? (m.entry[key] as string) : undefined);
  const need = <T>(found: T | undefined, what: string): T => {
    if (found === undefined) throw new ControlError(`No ${what} ${m.target}`);
    return found;
  };
  switch (m.list) {
    case 'contacts': {
      if (m.action === 'add') {
        const contact = {
          id: nextIdIn(data.contacts),
          organisationName: str('organisation_name'),
          firstName: str('first_name'),
          lastName: str('last_name'),
          email: str('email'),
          country: 'United Kingdom',
          chargeSalesTax: 'Auto' as const,
          status: 'Active' as const,
          isSupplier: true,
          isClient: false,
          createdAt: now,
          updatedAt: now,
        };
        if (!contact.organisationName && !contact.lastName) contact.organisationName = 'New Contact Ltd';
        data.contacts.push(contact);
        return contact;
      }
      const index = data.contacts.findIndex((x) => same(m.target, x.id, x.organisationName, `${x.firstName} ${x.lastName}`, x.email));
      const contact = need(data.contacts[index], 'contact');
      if (m.action === 'delete') data.contacts.splice(index, 1);
      else if (m.action === 'rename') contact.organisationName = m.name ?? contact.organisationName;
      else contact.status = m.action === 'archive' ? 'Hidden' : 'Active';
      contact.updatedAt = now;
      return contact;
    }
    case 'categories': {
      if (m.action === 'add') {
        const group = (str('category_group') ?? 'admin_expenses') as CategoryGroup;
        const category = {
          nominalCode: str('nominal_code') ?? '399',
          description: str('description') ?? 'Custom category',
          group,
          groupDescription: groupDescriptionOf(group),
          autoSalesTaxRate: (str('auto_sales_tax_rate') ?? 'Standard rate') as 'Standard rate',
          custom: true,
        };
        if (data.categories.some((x) => x.nominalCode === category.nominalCode)) throw new ControlError(`Nominal code ${category.nominalCode} is taken`);
        data.categories.push(category);
        return category;
      }
      const index = data.categories.findIndex((x) => same(m.target, x.nominalCode, x.description));
      const category = need(data.categories[index], 'category');
      // FreeAgent categories have no archived state: they are renamed or deleted.
      if (m.action === 'rename') category.description = m.name ?? category.description;
      else if (m.action === 'delete' || m.action === 'archive') data.categories.splice(index, 1);
      return category;
    }
    case 'projects': {
      if (m.action === 'add') {
        const project = {
          id: nextIdIn(data.projects),
          name: str('name') ?? 'New project',
          contactId: (data.contacts[0] ?? { id: 0 }).id,
          status: 'Active' as const,
          currency: data.currency,
          budget: '0',
          budgetUnits: 'Hours' as const,
          normalBillingRate: '0.0',
          billingPeriod: 'hour' as const,
          createdAt: now,
          updatedAt: now,
        };
        data.projects.push(project);
        return project;
      }
      const index = data.projects.findIndex((x) => same(m.target, x.id, x.name));
      const project = need(data.projects[index], 'project');
      if (m.action === 'delete') data.projects.splice(index, 1);
      else if (m.action === 'rename') project.name = m.name ?? project.name;
      else project.status = m.action === 'archive' ? 'Hidden' : 'Active';
      project.updatedAt = now;
      return project;
    }
    case 'bankAccounts': {
      if (m.action === 'add') {
        const account = {
          id: nextIdIn(data.bankAccounts),
          type: 'StandardBankAccount' as const,
          name: str('name') ?? 'New account',
          currency: str('currency') ?? data.currency,
          status: 'active' as const,
          isPrimary: false,
          isPersonal: false,
          openingBalance: '0.0',
          createdAt: now,
          updatedAt: now,
        };
        data.bankAccounts.push(account);
        return account;
      }
      const index = data.bankAccounts.findIndex((x) => same(m.target, x.id, x.name));
      const account = need(data.bankAccounts[index], 'bank account');
      if (m.action === 'delete') data.bankAccounts.splice(index, 1);
      else if (m.action === 'rename') account.name = m.name ?? account.name;
      else account.status = m.action === 'archive' ? 'hidden' : 'active';
      account.updatedAt = now;
      return account;
    }
    case 'priceListItems': {
      if (m.action === 'add') {
        const item = {
          id: nextIdIn(data.priceListItems),
          code: str('code') ?? `ITEM-${data.priceListItems.length + 1}`,
          description: str('description') ?? 'New item',
          itemType: 'Services' as const,
          price: str('price') ?? '0.0',
          quantity: '1.0',
          vatStatus: 'standard' as const,
          categoryCode: str('category') ?? '001',
          createdAt: now,
          updatedAt: now,
        };
        data.priceListItems.push(item);
        return item;
      }
      const index = data.priceListItems.findIndex((x) => same(m.target, x.id, x.code, x.description));
      const item = need(data.priceListItems[index], 'price list item');
      if (m.action === 'rename') item.description = m.name ?? item.description;
      else if (m.action === 'delete' || m.action === 'archive') data.priceListItems.splice(index, 1);
      item.updatedAt = now;
      return item;
    }
    case 'users': {
      if (m.action === 'add') {
        const user = {
          id: nextIdIn(data.users),
          email: str('email') ?? `user${data.users.length + 1}@example.com`,
          firstName: str('first_name') ?? 'New',
          lastName: str('last_name') ?? 'User',
          role: str('role') ?? 'Employee',
          permissionLevel: Number(m.entry?.permission_level ?? 2),
          createdAt: now,
          updatedAt: now,
        };
        data.users.push(user);
        return user;
      }
      const index = data.users.findIndex((x) => same(m.target, x.id, x.email, `${x.firstName} ${x.lastName}`));
      const user = need(data.users[index], 'user');
      if (m.action === 'delete' || m.action === 'archive') data.users.splice(index, 1);
      else if (m.action === 'rename') user.firstName = m.name ?? user.firstName;
      user.updatedAt = now;
      return user;
    }
  }
}
