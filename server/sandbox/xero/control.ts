/**
 * The sandbox's control API (`/_control`, not a Xero path): reset, inject faults, read what was
 * created, change the upstream lists, and read counters. Tests and the demo use it.
 */
import type { Hono } from 'hono';
import { ControlError, createControlApp, jsonBody } from '../common/control.js';
import { z } from 'zod';
import { faultFields, grantFaultFields } from '../common/faults.js';
import { presentBankTransaction, presentCreditNote, presentInvoice, presentPayment } from './present.js';
import { accountClass, type AccountRecord, type ContactRecord, type ItemRecord, type TaxRateRecord } from './seed.js';
import type { OrganisationState, SandboxState } from './state.js';

const faultsSchema = z.object({
  tenantId: z.string().optional(),
  ...faultFields,
  ...grantFaultFields,
});

export const mutationSchema = z.object({
  tenantId: z.string(),
  list: z.enum(['accounts', 'contacts', 'taxRates', 'items', 'trackingCategories', 'trackingOptions']),
  action: z.enum(['rename', 'archive', 'unarchive', 'delete', 'add']),
  /** Which entry: its id, code (account/item code, tax type) or name. Not needed for `add`. */
  target: z.string().optional(),
  /** trackingOptions: the category (id or name) the option belongs to. */
  category: z.string().optional(),
  /** rename: the new name. */
  name: z.string().optional(),
  /** add: the new entry's fields in Xero's names (e.g. {Code, Name, Type} for an account). */
  entry: z.record(z.string(), z.unknown()).optional(),
});
export type Mutation = z.infer<typeof mutationSchema>;

export function createControlApi(state: SandboxState, reset: () => void): Hono {
  const control = createControlApp(reset);

  control.post('/faults', async (c) => {
    const body = faultsSchema.parse(await jsonBody(c));
    const { tenantId, revokeGrants, expireAccessTokens, ...faults } = body;
    if (tenantId) state.faults.tenants.set(tenantId.toLowerCase(), faults);
    else state.faults.all = faults;
    if (revokeGrants) revoke(state, tenantId?.toLowerCase());
    if (expireAccessTokens) expireAccess(state, tenantId?.toLowerCase());
    return c.json({ ok: true });
  });

  control.get('/documents', (c) => {
    const tenantId = c.req.query('tenantId')?.toLowerCase();
    const orgs = [...state.organisations.values()].filter((o) => !tenantId || o.data.tenantId === tenantId);
    return c.json({
      organisations: orgs.map((org) => ({
        tenantId: org.data.tenantId,
        name: org.data.name,
        invoices: [...org.invoices.values()].map((x) => presentInvoice(org, x)),
        creditNotes: [...org.creditNotes.values()].map((x) => presentCreditNote(org, x)),
        bankTransactions: [...org.bankTransactions.values()].map((x) => presentBankTransaction(org, x)),
        payments: [...org.payments.values()].map((x) => presentPayment(org, x)),
        attachments: [...org.attachments.entries()].flatMap(([documentId, list]) =>
          list.map((a) => ({ documentId, AttachmentID: a.AttachmentID, FileName: a.FileName, MimeType: a.MimeType, ContentLength: a.ContentLength })),
        ),
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
      connections: state.connections.size,
      grants: [...state.grants.values()].filter((g) => !g.revoked).length,
    }),
  );

  control.get('/organisations', (c) =>
    c.json([...state.organisations.values()].map((o) => ({ tenantId: o.data.tenantId, name: o.data.name, contacts: o.data.contacts.length }))),
  );

  return control;
}

/** Without a tenant: every grant is revoked (refresh → invalid_grant). With one: that organisation is disconnected. */
export function revoke(state: SandboxState, tenantId?: string): void {
  if (!tenantId) {
    for (const grant of state.grants.values()) grant.revoked = true;
    state.connections.clear();
    return;
  }
  for (const [id, connection] of state.connections) if (connection.tenantId === tenantId) state.connections.delete(id);
}

export function expireAccess(state: SandboxState, tenantId?: string): void {
  const now = state.now();
  const grantsWithTenant = new Set(
    [...state.connections.values()]
      .filter((x) => !tenantId || x.tenantId === tenantId)
      .flatMap((x) => [...state.grants.values()].filter((g) => g.userId === x.userId && g.clientId === x.clientId).map((g) => g.id)),
  );
  for (const record of state.accessTokens.values()) {
    if (!tenantId || grantsWithTenant.has(record.grantId)) record.expiresAt = Math.min(record.expiresAt, now);
  }
}

function orgOf(state: SandboxState, tenantId: string): OrganisationState {
  const org = state.organisations.get(tenantId.toLowerCase());
  if (!org) throw new ControlError(`No organisation ${tenantId}`);
  return org;
}

function matches(target: string | undefined, ...keys: (string | undefined)[]): boolean {
  if (!target) return false;
  const t = target.toLowerCase();
  return keys.some((k) => k !== undefined && k.toLowerCase() === t);
}

/** Changes an upstream list the way a user editing in Xero would (bumping UpdatedDateUTC). */
export function mutate(state: SandboxState, m: Mutation): unknown {
  const org = orgOf(state, m.tenantId);
  const now = state.now();
  const data = org.data;
  const str = (key: string) => (typeof m.entry?.[key] === 'string' ? (m.entry[key] as string) : undefined);
  const bool = (key: string) => (typeof m.entry?.[key] === 'boolean' ? (m.entry[key] as boolean) : undefined);

  switch (m.list) {
    case 'accounts': {
      if (m.action === 'add') {
        const type = str('Type') ?? 'OVERHEADS';
        const account: AccountRecord = {
          AccountID: state.ids.uuid(),
          Code: str('Code') ?? `N${data.accounts.length}`,
          Name: str('Name') ?? 'New account',
          Type: type,
          Class: accountClass(type),
          Status: 'ACTIVE',
          TaxType: str('TaxType') ?? 'INPUT2',
          Description: '',
          EnablePaymentsToAccount: type === 'BANK',
          ShowInExpenseClaims: false,
          SystemAccount: '',
          ReportingCode: '',
          HasAttachments: false,
          AddToWatchlist: false,
          BankAccountNumber: str('BankAccountNumber'),
          BankAccountType: type === 'BANK' ? 'BANK' : undefined,
          CurrencyCode: type === 'BANK' ? (str('CurrencyCode') ?? data.baseCurrency) : undefined,
          updatedAt: now,
        };
        data.accounts.push(account);
        return account;
      }
      const index = data.accounts.findIndex((a) => matches(m.target, a.AccountID, a.Code, a.Name));
      if (index < 0) throw new ControlError(`No account ${m.target}`);
      return applyStatus(data.accounts, index, m, now, 'Status');
    }
    case 'contacts': {
      if (m.action === 'add') {
        const contact: ContactRecord = {
          ContactID: state.ids.uuid(),
          Name: str('Name') ?? 'New contact',
          ContactNumber: str('ContactNumber'),
          AccountNumber: str('AccountNumber'),
          EmailAddress: str('EmailAddress'),
          ContactStatus: 'ACTIVE',
          IsSupplier: bool('IsSupplier') ?? true,
          IsCustomer: bool('IsCustomer') ?? false,
          updatedAt: now,
        };
        data.contacts.push(contact);
        org.contactsById.set(contact.ContactID, contact);
        return contact;
      }
      const index = data.contacts.findIndex((x) => matches(m.target, x.ContactID, x.ContactNumber, x.Name));
      if (index < 0) throw new ControlError(`No contact ${m.target}`);
      const contact = data.contacts[index] as ContactRecord;
      if (m.action === 'delete') {
        // Xero never deletes contacts; "delete" archives (GDPR removal shows as GDPRREQUEST).
        contact.ContactStatus = 'ARCHIVED';
        contact.updatedAt = now;
        return contact;
      }
      return applyStatus(data.contacts, index, m, now, 'ContactStatus');
    }
    case 'taxRates': {
      if (m.action === 'add') {
        const rate = Number(m.entry?.rate ?? 0);
        const direction = (str('direction') as TaxRateRecord['direction']) ?? 'purchases';
        const taxRate: TaxRateRecord = {
          Name: str('Name') ?? `${rate}% custom`,
          TaxType: str('TaxType') ?? `TAX${String(data.taxRates.length).padStart(3, '0')}`,
          Status: 'ACTIVE',
          ReportTaxType: direction === 'sales' ? 'OUTPUT' : 'INPUT',
          CanApplyToAssets: true,
          CanApplyToEquity: true,
          CanApplyToExpenses: direction !== 'sales',
          CanApplyToLiabilities: true,
          CanApplyToRevenue: direction !== 'purchases',
          DisplayTaxRate: rate,
          EffectiveRate: rate,
          TaxComponents: [{ Name: 'VAT', Rate: rate, IsCompound: false, IsNonRecoverable: false }],
          direction,
        };
        data.taxRates.push(taxRate);
        return taxRate;
      }
      const rate = data.taxRates.find((t) => matches(m.target, t.TaxType, t.Name));
      if (!rate) throw new ControlError(`No tax rate ${m.target}`);
      if (m.action === 'rename') rate.Name = m.name ?? rate.Name;
      else if (m.action === 'archive') rate.Status = 'ARCHIVED';
      else if (m.action === 'unarchive') rate.Status = 'ACTIVE';
      else if (m.action === 'delete') rate.Status = 'DELETED';
      return rate;
    }
    case 'items': {
      if (m.action === 'add') {
        const item: ItemRecord = {
          ItemID: state.ids.uuid(),
          Code: str('Code') ?? `ITEM-${data.items.length + 1}`,
          Name: str('Name') ?? 'New item',
          IsSold: true,
          IsPurchased: true,
          IsTrackedAsInventory: false,
          SalesDetails: { UnitPrice: Number(m.entry?.UnitPrice ?? 0), AccountCode: '200', TaxType: 'OUTPUT2' },
          PurchaseDetails: { UnitPrice: Number(m.entry?.UnitPrice ?? 0), AccountCode: '429', TaxType: 'INPUT2' },
          updatedAt: now,
        };
        data.items.push(item);
        return item;
      }
      const index = data.items.findIndex((i) => matches(m.target, i.ItemID, i.Code, i.Name));
      if (index < 0) throw new ControlError(`No item ${m.target}`);
      const item = data.items[index] as ItemRecord;
      if (m.action === 'rename') {
        item.Name = m.name ?? item.Name;
        item.updatedAt = now;
      } else if (m.action === 'delete' || m.action === 'archive') {
        // Items have no status in Xero: they are deleted outright.
        data.items.splice(index, 1);
      }
      return item;
    }
    case 'trackingCategories': {
      if (m.action === 'add') {
        const category = { TrackingCategoryID: state.ids.uuid(), Name: str('Name') ?? 'New category', Status: 'ACTIVE' as const, Options: [] };
        data.trackingCategories.push(category);
        return category;
      }
      const category = data.trackingCategories.find((t) => matches(m.target, t.TrackingCategoryID, t.Name));
      if (!category) throw new ControlError(`No tracking category ${m.target}`);
      if (m.action === 'rename') category.Name = m.name ?? category.Name;
      else if (m.action === 'archive') category.Status = 'ARCHIVED';
      else if (m.action === 'unarchive') category.Status = 'ACTIVE';
      else if (m.action === 'delete') category.Status = 'DELETED';
      return category;
    }
    case 'trackingOptions': {
      const category = data.trackingCategories.find((t) => matches(m.category, t.TrackingCategoryID, t.Name));
      if (!category) throw new ControlError(`No tracking category ${m.category}`);
      if (m.action === 'add') {
        const option = { TrackingOptionID: state.ids.uuid(), Name: str('Name') ?? 'New option', Status: 'ACTIVE' as const };
        category.Options.push(option);
        return option;
      }
      const index = category.Options.findIndex((o) => matches(m.target, o.TrackingOptionID, o.Name));
      const option = category.Options[index];
      if (!option) throw new ControlError(`No tracking option ${m.target}`);
      if (m.action === 'rename') option.Name = m.name ?? option.Name;
      else if (m.action === 'archive') option.Status = 'ARCHIVED';
      else if (m.action === 'unarchive') option.Status = 'ACTIVE';
      else if (m.action === 'delete') category.Options.splice(index, 1);
      return option;
    }
  }
}

function applyStatus<T extends { Name: string; updatedAt: number }>(
  list: T[],
  index: number,
  m: Mutation,
  now: number,
  statusField: keyof T,
): T {
  const record = list[index] as T;
  const setStatus = (value: string) => {
    (record as Record<keyof T, unknown>)[statusField] = value;
  };
  if (m.action === 'rename') record.Name = m.name ?? record.Name;
  else if (m.action === 'archive') setStatus('ARCHIVED');
  else if (m.action === 'unarchive') setStatus('ACTIVE');
  else if (m.action === 'delete') list.splice(index, 1);
  record.updatedAt = now;
  return record;
}
