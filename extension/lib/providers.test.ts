import { describe, expect, it } from 'vitest';
import type { ProviderSummary, Role } from '../../shared/api.js';
import { currentMembership } from './business.js';
import { connectBlockedReason, importedLists } from './providers.js';

const xero: ProviderSummary = {
  id: 'xero',
  name: 'Xero',
  authKind: 'oauth2',
  role: 'ledger',
  lists: ['categories', 'contacts'],
  destinations: { cost: [], sales: [], expense_claim: [], purchase_credit_note: [], sales_credit_note: [] },
  bankMatch: true,
  available: true,
  sandbox: true,
};

describe('who may press Connect', () => {
  it.each<Role>(['business_admin', 'user_admin', 'accountant'])('%s may connect an available provider', (role) => {
    expect(connectBlockedReason(xero, role)).toBeNull();
  });

  it('a standard user may not, whatever the provider', () => {
    expect(connectBlockedReason(xero, 'standard')).toBe('Only Admins can connect accounting software');
  });

  it("an unavailable provider shows the server's reason", () => {
    const off = { ...xero, available: false, unavailableReason: 'This server has no Xero app configured.' };
    expect(connectBlockedReason(off, 'business_admin')).toBe('This server has no Xero app configured.');
  });

  it('names the lists in the words Dext users know', () => {
    expect(importedLists(xero)).toBe('Imports: Categories, Suppliers and customers.');
  });
});

describe('current business', () => {
  const memberships = [
    { business: { id: 'b1', name: 'Acme' }, role: 'business_admin' as const },
    { business: { id: 'b2', name: 'Client Co' }, role: 'accountant' as const },
  ];
  it('is the one chosen last, while the user still belongs to it', () => {
    expect(currentMembership(memberships, 'b2')?.business.name).toBe('Client Co');
  });
  it('falls back to the first when the chosen one is gone', () => {
    expect(currentMembership(memberships, 'b9')?.business.name).toBe('Acme');
    expect(currentMembership([], 'b1')).toBeUndefined();
  });
});
