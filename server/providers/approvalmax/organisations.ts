/**
 * ApprovalMax organisations as choices. Each approves for one ledger organisation (a Xero
 * tenant, a QuickBooks realm) or stands alone; the server checks the link against the
 * business's ledger connection before Finish.
 */
import type { ProviderId } from '../../../shared/catalogue.js';
import type { Organisation } from '../types.js';

type Json = Record<string, unknown>;

/** The ledger organisation an ApprovalMax organisation is linked to, as listOrganisations reports it. */
export interface LinkedLedger {
  provider: ProviderId;
  organisationId: string;
  organisationName?: string;
}

function ledgerProviderOf(type: unknown): ProviderId | 'none' | undefined {
  if (typeof type !== 'string') return undefined;
  if (/xero/i.test(type)) return 'xero';
  if (/qbooks|quickbooks/i.test(type)) return 'quickbooks-online';
  if (/standalone/i.test(type)) return 'none';
  return undefined;
}

/**
 * One ApprovalMax organisation as a choice. `companyId` and `name` are documented; the linked
 * ledger (`integration`) is read when the answer carries it, so the server can check it is the
 * business's ledger organisation (`ledgerMatch`).
 */
export function organisationOf(company: Json): Organisation {
  const integration = (company.integration && typeof company.integration === 'object' ? company.integration : {}) as Json;
  const provider = ledgerProviderOf(integration.type);
  const ledgerId = typeof integration.organisationId === 'string' ? integration.organisationId : undefined;
  const ledgerName = typeof integration.organisationName === 'string' ? integration.organisationName : undefined;
  const extra: Record<string, string> = {};
  let detail: string | undefined;
  if (provider === 'none') {
    extra.ledgerProvider = 'none';
    detail = 'Standalone: not linked to Xero or QuickBooks Online';
  } else if (provider) {
    extra.ledgerProvider = provider;
    if (ledgerId) extra.ledgerOrganisationId = ledgerId;
    if (ledgerName) extra.ledgerOrganisationName = ledgerName;
    detail = `Approvals for ${provider === 'xero' ? 'Xero' : 'QuickBooks Online'}${ledgerName ? `: ${ledgerName}` : ''}`;
  }
  return {
    id: String(company.companyId ?? ''),
    name: String(company.name ?? company.companyId ?? ''),
    ...(detail ? { detail } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/**
 * Does this ApprovalMax organisation approve for the business's ledger organisation? `unknown`
 * when ApprovalMax did not say which ledger it is linked to and the names differ.
 */
export function ledgerMatch(organisation: Organisation, ledger: LinkedLedger): 'match' | 'mismatch' | 'unknown' {
  const extra = organisation.extra ?? {};
  if (extra.ledgerProvider === 'none') return 'mismatch';
  if (extra.ledgerProvider && extra.ledgerProvider !== ledger.provider) return 'mismatch';
  if (extra.ledgerOrganisationId) return extra.ledgerOrganisationId.toLowerCase() === ledger.organisationId.toLowerCase() ? 'match' : 'mismatch';
  const same = (a?: string, b?: string) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();
  return same(extra.ledgerOrganisationName ?? organisation.name, ledger.organisationName) ? 'match' : 'unknown';
}
