/**
 * The sandbox's control API (`/_control`, not a Sage path), shaped like the Xero sandbox's:
 * reset, inject faults, read what was created, change the upstream lists, read counters; plus
 * `/businesses` to change a business's tier, subscription or a user's access rights.
 */
import type { Hono } from 'hono';
import { ControlError, createControlApp, jsonBody } from '../common/control.js';
import { z } from 'zod';
import { faultFields, grantFaultFields } from '../common/faults.js';
import { presentArtefact, presentContactPayment, presentOtherPayment } from './present.js';
import { areas, type CatalogItemRecord, type ContactRecord, type LedgerAccountRecord, type Tier } from './seed.js';
import type { BusinessState, SandboxState } from './state.js';

const faultsSchema = z.object({
  businessId: z.string().optional(),
  ...faultFields,
  failNext: z.object({ method: z.string().optional(), path: z.string(), status: z.number().int().min(400).max(599), count: z.number().int().min(1) }).optional(),
  ...grantFaultFields,
});

export const mutationSchema = z.object({
  businessId: z.string(),
  list: z.enum(['ledger_accounts', 'contacts', 'tax_rates', 'products', 'services', 'bank_accounts', 'analysis_type_categories']),
  action: z.enum(['rename', 'archive', 'unarchive', 'delete', 'add']),
  /** Which entry: its id, code (nominal code, reference, item code) or name. Not needed for `add`. */
  target: z.string().optional(),
  name: z.string().optional(),
  /** add: fields in Sage's names (e.g. {name, reference, contact_types} for a contact). */
  entry: z.record(z.string(), z.unknown()).optional(),
});
export type Mutation = z.infer<typeof mutationSchema>;

const businessPatchSchema = z.object({
  tier: z.enum(['START', 'STANDARD', 'PLUS']).optional(),
  subscriptionActive: z.boolean().optional(),
  access: z.object({ email: z.string(), area: z.enum(areas), access: z.enum(['full', 'restricted', 'read_only', 'none']) }).optional(),
});

export function createControlApi(state: SandboxState, reset: () => void): Hono {
  const control = createControlApp(reset);

  control.post('/faults', async (c) => {
    const { businessId, revokeGrants, expireAccessTokens, ...faults } = faultsSchema.parse(await jsonBody(c));
    if (businessId) state.faults.businesses.set(businessId, faults);
    else state.faults.all = faults;
    const now = state.now();
    if (revokeGrants) for (const grant of state.grants.values()) grant.revoked = true;
    if (expireAccessTokens) for (const token of state.accessTokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
    return c.json({ ok: true });
  });

  control.get('/documents', (c) => {
    const wanted = c.req.query('businessId');
    const list = [...state.businesses.values()].filter((b) => !wanted || b.data.id === wanted);
    return c.json({
      businesses: list.map((biz) => ({
        businessId: biz.data.id,
        name: biz.data.name,
        purchaseInvoices: artefacts(biz, 'purchase_invoice'),
        salesInvoices: artefacts(biz, 'sales_invoice'),
        purchaseCreditNotes: artefacts(biz, 'purchase_credit_note'),
        salesCreditNotes: artefacts(biz, 'sales_credit_note'),
        otherPayments: [...biz.otherPayments.values()].map((p) => presentOtherPayment(biz, p)),
        contactPayments: [...biz.contactPayments.values()].map((p) => presentContactPayment(biz, p)),
        attachments: [...biz.attachments.values()].map((a) => ({
          id: a.id,
          file_name: a.file_name,
          mime_type: a.mime_type,
          file_size: a.file_size,
          attachment_context_type_id: a.context_type_id ?? null,
          attachment_context_id: a.context_id ?? null,
          transaction_id: a.transaction_id ?? null,
          deleted: a.deleted_at !== undefined,
        })),
      })),
    });
  });

  control.post('/mutate', async (c) => c.json({ entry: mutate(state, mutationSchema.parse(await c.req.json())) }));

  control.get('/stats', (c) =>
    c.json({ ...state.stats, log: state.stats.log.slice(-500), grants: [...state.grants.values()].filter((g) => !g.revoked).length }),
  );

  control.get('/businesses', (c) =>
    c.json(
      [...state.businesses.values()].map((b) => ({
        id: b.data.id,
        name: b.data.name,
        tier: b.data.tier,
        subscriptionActive: b.data.subscriptionActive,
        contacts: b.data.contacts.length,
      })),
    ),
  );

  control.post('/businesses/:id', async (c) => {
    const biz = state.businesses.get(c.req.param('id'));
    if (!biz) throw new ControlError(`No business ${c.req.param('id')}`);
    const patch = businessPatchSchema.parse(await c.req.json());
    if (patch.tier) biz.data.tier = patch.tier as Tier;
    if (patch.subscriptionActive !== undefined) biz.data.subscriptionActive = patch.subscriptionActive;
    if (patch.access) {
      const user = state.users.find((u) => u.email === patch.access?.email);
      const membership = user?.memberships.find((m) => m.businessId === biz.data.id);
      if (!membership) throw new ControlError(`${patch.access.email} is not a user of ${biz.data.name}`);
      membership.access[patch.access.area] = patch.access.access;
    }
    return c.json({ ok: true, tier: biz.data.tier, subscriptionActive: biz.data.subscriptionActive });
  });

  return control;
}

function artefacts(biz: BusinessState, kind: string) {
  return [...biz.artefacts.values()].filter((a) => a.kind === kind).map((a) => ({ ...presentArtefact(biz, a), created_by_client_id: a.createdByClientId }));
}

function matches(target: string | undefined, ...keys: (string | number | undefined)[]): boolean {
  if (!target) return false;
  const t = target.toLowerCase();
  return keys.some((k) => k !== undefined && String(k).toLowerCase() === t);
}

/** Changes an upstream list the way a user editing in Sage would (bumping updated_at). */
export function mutate(state: SandboxState, m: Mutation): unknown {
  const biz = state.businesses.get(m.businessId);
  if (!biz) throw new ControlError(`No business ${m.businessId}`);
  const data = biz.data;
  const now = state.now();
  const entry = m.entry ?? {};
  const s = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined);
  const stamp = () => ({ id: state.ids.id(), created_at: now, updated_at: now });
  const touch = <T extends { updated_at: number }>(record: T): T => {
    record.updated_at = now;
    return record;
  };
  const noArchive = (what: string) => {
    throw new ControlError(`Sage has no archive for ${what}: use delete`);
  };

  switch (m.list) {
    case 'ledger_accounts': {
      if (m.action === 'add') {
        const account: LedgerAccountRecord = {
          ...stamp(),
          nominal_code: Number(entry.nominal_code ?? 8000 + data.ledgerAccounts.length),
          name: s('name') ?? 'New ledger account',
          display_name: s('name') ?? 'New ledger account',
          ledger_account_type_id: s('ledger_account_type_id') ?? 'OVERHEADS',
          tax_rate_id: s('tax_rate_id') ?? 'GB_STANDARD',
          included_in_chart: true,
          is_control_account: false,
          visible_in: ['expenses', 'other_payments', 'journals', 'reporting'],
        };
        data.ledgerAccounts.push(account);
        return account;
      }
      const index = data.ledgerAccounts.findIndex((a) => matches(m.target, a.id, a.nominal_code, a.name));
      const account = data.ledgerAccounts[index];
      if (!account) throw new ControlError(`No ledger account ${m.target}`);
      if (m.action === 'rename') account.name = account.display_name = m.name ?? account.name;
      else if (m.action === 'archive') account.included_in_chart = false;
      else if (m.action === 'unarchive') account.included_in_chart = true;
      // The API has no deleted_since for ledger accounts: a deleted one simply stops being listed.
      else if (m.action === 'delete') data.ledgerAccounts.splice(index, 1);
      return touch(account);
    }
    case 'tax_rates': {
      if (m.action === 'add') {
        const rate = { ...stamp(), id: s('id') ?? `GB_CUSTOM_${data.taxRates.length}`, name: s('name') ?? 'Custom rate', percentage: Number(entry.percentage ?? 0), is_visible: true, zero: Number(entry.percentage ?? 0) === 0 };
        data.taxRates.push(rate);
        return rate;
      }
      const index = data.taxRates.findIndex((t) => matches(m.target, t.id, t.name));
      const rate = data.taxRates[index];
      if (!rate) throw new ControlError(`No tax rate ${m.target}`);
      if (m.action === 'rename') rate.name = m.name ?? rate.name;
      else if (m.action === 'archive') rate.is_visible = false;
      else if (m.action === 'unarchive') rate.is_visible = true;
      else if (m.action === 'delete') data.taxRates.splice(index, 1);
      return touch(rate);
    }
    case 'contacts': {
      if (m.action === 'add') {
        const types = Array.isArray(entry.contact_types) ? (entry.contact_types as ContactRecord['contact_types']) : ['VENDOR' as const];
        const contact: ContactRecord = {
          ...stamp(),
          name: s('name') ?? 'New contact',
          reference: s('reference') ?? `NEW${data.contacts.length}`.slice(0, 10),
          contact_types: types,
          email: s('email'),
          currency_id: 'GBP',
          system: false,
        };
        data.contacts.push(contact);
        return contact;
      }
      const contact = data.contacts.find((x) => !x.deleted_at && matches(m.target, x.id, x.reference, x.name));
      if (!contact) throw new ControlError(`No contact ${m.target}`);
      if (m.action === 'rename') contact.name = m.name ?? contact.name;
      else if (m.action === 'delete') contact.deleted_at = now;
      else noArchive('contacts');
      return touch(contact);
    }
    case 'products':
    case 'services': {
      const kind = m.list === 'products' ? 'product' : 'service';
      if (m.action === 'add') {
        const item: CatalogItemRecord = {
          ...stamp(),
          kind,
          item_code: s('item_code') ?? `NEW-${data.items.length}`,
          description: s('description') ?? 'New item',
          sales_ledger_account_id: (data.ledgerAccounts.find((a) => a.nominal_code === 4000) as LedgerAccountRecord).id,
          purchase_ledger_account_id: (data.ledgerAccounts.find((a) => a.nominal_code === 5000) as LedgerAccountRecord).id,
          sales_tax_rate_id: 'GB_STANDARD',
          purchase_tax_rate_id: 'GB_STANDARD',
          cost_price: Number(entry.cost_price ?? 0),
          sales_price: Number(entry.sales_price ?? 0),
          active: true,
        };
        data.items.push(item);
        return item;
      }
      const item = data.items.find((i) => i.kind === kind && !i.deleted_at && matches(m.target, i.id, i.item_code, i.description));
      if (!item) throw new ControlError(`No ${kind} ${m.target}`);
      if (m.action === 'rename') item.description = m.name ?? item.description;
      else if (m.action === 'archive') item.active = false;
      else if (m.action === 'unarchive') item.active = true;
      else if (m.action === 'delete') item.deleted_at = now;
      return touch(item);
    }
    case 'bank_accounts': {
      if (m.action === 'add') {
        const ledger: LedgerAccountRecord = {
          ...stamp(),
          nominal_code: Number(entry.nominal_code ?? 1250 + data.bankAccounts.length),
          name: s('account_name') ?? 'New bank account',
          display_name: s('account_name') ?? 'New bank account',
          ledger_account_type_id: 'BANK',
          included_in_chart: true,
          is_control_account: false,
          visible_in: ['banking', 'journals', 'reporting'],
        };
        data.ledgerAccounts.push(ledger);
        const bank = {
          ...stamp(),
          account_name: ledger.name,
          bank_account_type_id: 'CHECKING' as const,
          ledger_account_id: ledger.id,
          nominal_code: ledger.nominal_code,
          balance: 0,
          currency_id: 'GBP',
        };
        data.bankAccounts.push(bank);
        return bank;
      }
      const bank = data.bankAccounts.find((b) => !b.deleted_at && matches(m.target, b.id, b.nominal_code, b.account_name));
      if (!bank) throw new ControlError(`No bank account ${m.target}`);
      if (m.action === 'rename') bank.account_name = m.name ?? bank.account_name;
      else if (m.action === 'delete') bank.deleted_at = now;
      else noArchive('bank accounts');
      return touch(bank);
    }
    case 'analysis_type_categories': {
      const type = data.analysisTypes.find((t) => matches(s('analysis_type') ?? 'Project', t.id, t.name));
      if (m.action === 'add') {
        if (!type) throw new ControlError('No such analysis type');
        const category = { ...stamp(), code: s('code') ?? `NEW${type.categories.length}`, name: s('name') ?? 'New category', active: true };
        type.categories.push(category);
        type.updated_at = now;
        return category;
      }
      for (const t of data.analysisTypes) {
        const category = t.categories.find((x) => !x.deleted_at && matches(m.target, x.id, x.code, x.name));
        if (!category) continue;
        if (m.action === 'rename') category.name = m.name ?? category.name;
        else if (m.action === 'archive') category.active = false;
        else if (m.action === 'unarchive') category.active = true;
        else if (m.action === 'delete') category.deleted_at = now;
        t.updated_at = now;
        return touch(category);
      }
      throw new ControlError(`No analysis type category ${m.target}`);
    }
  }
}
