import { describe, expect, it } from 'vitest';
import { ledgerMatch, organisationOf } from './organisations.js';

const tenantId = '0f2a6c1e-1111-4222-8333-944455556666';

describe('ApprovalMax organisations and the ledger they approve for', () => {
  it('keeps the linked Xero organisation and checks it against the business’s ledger', () => {
    const org = organisationOf({ companyId: 'c1', name: 'Demo Company (UK)', integration: { type: 'Xero', organisationId: tenantId, organisationName: 'Demo Company (UK)' } });
    expect(org).toEqual({
      id: 'c1',
      name: 'Demo Company (UK)',
      detail: 'Approvals for Xero: Demo Company (UK)',
      extra: { ledgerProvider: 'xero', ledgerOrganisationId: tenantId, ledgerOrganisationName: 'Demo Company (UK)' },
    });
    expect(ledgerMatch(org, { provider: 'xero', organisationId: tenantId.toUpperCase() })).toBe('match');
    expect(ledgerMatch(org, { provider: 'xero', organisationId: 'another' })).toBe('mismatch');
    expect(ledgerMatch(org, { provider: 'quickbooks-online', organisationId: tenantId })).toBe('mismatch');
  });

  it('a standalone organisation never matches a ledger', () => {
    const org = organisationOf({ companyId: 'c2', name: 'Standalone Ltd', integration: { type: 'Standalone', organisationId: null } });
    expect(org.detail).toBe('Standalone: not linked to Xero or QuickBooks Online');
    expect(ledgerMatch(org, { provider: 'xero', organisationId: tenantId, organisationName: 'Standalone Ltd' })).toBe('mismatch');
  });

  it('with only companyId and name (all ApprovalMax documents), the name decides or it stays unknown', () => {
    const org = organisationOf({ companyId: 'c3', name: 'Harbour Lane Studio Ltd' });
    expect(org).toEqual({ id: 'c3', name: 'Harbour Lane Studio Ltd' });
    expect(ledgerMatch(org, { provider: 'quickbooks-online', organisationId: '9130', organisationName: 'harbour lane studio ltd ' })).toBe('match');
    expect(ledgerMatch(org, { provider: 'quickbooks-online', organisationId: '9130', organisationName: 'Other Ltd' })).toBe('unknown');
  });
});
