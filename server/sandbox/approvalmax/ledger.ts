/**
 * The ledger behind ApprovalMax. ApprovalMax pulls documents from the connected Xero (bills in
 * "Awaiting Approval", i.e. SUBMITTED; it polls about hourly) and, on the final decision, pushes
 * the outcome back: an approved bill becomes AUTHORISED ("Awaiting Payment"), a rejected one
 * goes back to DRAFT (approvalmax.md §0). The sandbox reaches a ledger sandbox's state through
 * a LedgerLink, so a test can publish a bill with the Xero adapter and watch ApprovalMax follow.
 */
import type { OrganisationState, SandboxState as XeroState } from '../xero/state.js';
import type { LedgerProvider, RequestLine } from './state.js';

export interface LedgerDocument {
  id: string;
  number?: string;
  reference?: string;
  contact: string;
  date: string;
  dueDate?: string;
  currency: string;
  total: number;
  totalTax: number;
  amountDue: number;
  /** The ledger's own status word (Xero: DRAFT, SUBMITTED, AUTHORISED...). */
  status: string;
  /** Whether ApprovalMax pulls it for approval. */
  awaitingApproval: boolean;
  /** Where it opens in the ledger (ApprovalMax's `externalUrl`). */
  url: string;
  lines: RequestLine[];
}

export interface LedgerLink {
  find(provider: LedgerProvider, organisationId: string, documentId: string): LedgerDocument | undefined;
  /** What the next poll would pull: bills awaiting approval. */
  pending(provider: LedgerProvider, organisationId: string): LedgerDocument[];
  /** Pushes the final decision back to the ledger. */
  decide(provider: LedgerProvider, organisationId: string, documentId: string, decision: 'approved' | 'rejected'): void;
}

const day = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10));

/** Xero's deep link to a bill (developer.xero.com deep-link guide). */
export function xeroBillUrl(invoiceId: string): string {
  return `https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=${invoiceId}`;
}

/** QuickBooks Online's link to a bill. */
export function quickbooksBillUrl(billId: string): string {
  return `https://app.qbo.intuit.com/app/bill?txnId=${billId}`;
}

function xeroOrganisation(xero: XeroState, tenantId: string): OrganisationState | undefined {
  return xero.organisations.get(tenantId.toLowerCase());
}

function xeroBill(org: OrganisationState, invoiceId: string): LedgerDocument | undefined {
  const invoice = org.invoices.get(invoiceId) ?? [...org.invoices.values()].find((i) => i.InvoiceID.toLowerCase() === invoiceId.toLowerCase());
  if (!invoice || invoice.Type !== 'ACCPAY') return undefined;
  const accountName = (code?: string) => org.data.accounts.find((a) => a.Code === code)?.Name;
  return {
    id: invoice.InvoiceID,
    number: invoice.InvoiceNumber || undefined,
    reference: invoice.Reference,
    contact: org.contactsById.get(invoice.ContactID)?.Name ?? '',
    date: day(invoice.Date) as string,
    dueDate: day(invoice.DueDate),
    currency: invoice.CurrencyCode,
    total: invoice.Total,
    totalTax: invoice.TotalTax,
    amountDue: invoice.AmountDue,
    status: invoice.Status,
    awaitingApproval: invoice.Status === 'SUBMITTED',
    url: xeroBillUrl(invoice.InvoiceID),
    lines: invoice.LineItems.map((l) => ({
      description: l.Description,
      quantity: l.Quantity,
      unitPrice: l.UnitAmount,
      amount: l.LineAmount,
      taxAmount: l.TaxAmount,
      accountCode: l.AccountCode,
      account: accountName(l.AccountCode),
      taxCode: l.TaxType,
    })),
  };
}

/** The parts of the QuickBooks Online sandbox's state this link reads (kept structural on purpose). */
export interface QuickbooksStateLike {
  companies: Map<string, { entities: Map<string, Map<string, Record<string, unknown>>> }>;
}

type Json = Record<string, any>;

function quickbooksBill(bill: Json): LedgerDocument {
  const lines = (Array.isArray(bill.Line) ? bill.Line : []) as Json[];
  const balance = Number(bill.Balance ?? bill.TotalAmt ?? 0);
  return {
    id: String(bill.Id),
    number: bill.DocNumber ? String(bill.DocNumber) : undefined,
    reference: bill.PrivateNote ? String(bill.PrivateNote) : undefined,
    contact: String(bill.VendorRef?.name ?? ''),
    date: String(bill.TxnDate ?? ''),
    dueDate: bill.DueDate ? String(bill.DueDate) : undefined,
    currency: String(bill.CurrencyRef?.value ?? 'USD'),
    total: Number(bill.TotalAmt ?? 0),
    totalTax: Number(bill.TxnTaxDetail?.TotalTax ?? 0),
    amountDue: balance,
    status: balance > 0 ? 'Open' : 'Paid',
    // QuickBooks bills have no approval status: ApprovalMax takes open ones [?].
    awaitingApproval: balance > 0,
    url: quickbooksBillUrl(String(bill.Id)),
    lines: lines
      .filter((l) => l.DetailType === 'AccountBasedExpenseLineDetail' || l.DetailType === 'ItemBasedExpenseLineDetail')
      .map((l) => {
        const detail = (l.AccountBasedExpenseLineDetail ?? l.ItemBasedExpenseLineDetail ?? {}) as Json;
        return {
          description: String(l.Description ?? ''),
          quantity: Number(detail.Qty ?? 1),
          unitPrice: Number(detail.UnitPrice ?? l.Amount ?? 0),
          amount: Number(l.Amount ?? 0),
          taxAmount: 0,
          accountCode: detail.AccountRef?.value ? String(detail.AccountRef.value) : undefined,
          account: detail.AccountRef?.name ? String(detail.AccountRef.name) : undefined,
          taxCode: detail.TaxCodeRef?.value ? String(detail.TaxCodeRef.value) : undefined,
        };
      }),
  };
}

/** A link to the Xero and/or QuickBooks Online sandboxes' live state. */
export function ledgerLink(ledgers: { xero?: XeroState; quickbooks?: QuickbooksStateLike }): LedgerLink {
  const qboBills = (realmId: string) => ledgers.quickbooks?.companies.get(realmId)?.entities.get('Bill');
  return {
    find(provider, organisationId, documentId) {
      if (provider === 'xero') {
        const org = ledgers.xero ? xeroOrganisation(ledgers.xero, organisationId) : undefined;
        return org ? xeroBill(org, documentId) : undefined;
      }
      const bill = qboBills(organisationId)?.get(documentId);
      return bill ? quickbooksBill(bill) : undefined;
    },
    pending(provider, organisationId) {
      if (provider === 'xero') {
        const org = ledgers.xero ? xeroOrganisation(ledgers.xero, organisationId) : undefined;
        if (!org) return [];
        return [...org.invoices.values()]
          .filter((i) => i.Type === 'ACCPAY' && i.Status === 'SUBMITTED')
          .map((i) => xeroBill(org, i.InvoiceID) as LedgerDocument);
      }
      return [...(qboBills(organisationId)?.values() ?? [])].map(quickbooksBill).filter((b) => b.awaitingApproval);
    },
    decide(provider, organisationId, documentId, decision) {
      if (provider !== 'xero' || !ledgers.xero) return; // QuickBooks bills carry no approval status
      const xero = ledgers.xero;
      const org = xeroOrganisation(xero, organisationId);
      const invoice = org?.invoices.get(documentId);
      if (!invoice || invoice.Status !== 'SUBMITTED') return;
      invoice.Status = decision === 'approved' ? 'AUTHORISED' : 'DRAFT';
      invoice.updatedAt = xero.now();
    },
  };
}
