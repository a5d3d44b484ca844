/**
 * What happens inside ApprovalMax, which the Public API only reads: a ledger document is pulled
 * into an approval request, and an approver decides it (the decision then goes back to the
 * ledger). The control API drives these to stand in for ApprovalMax's poll and its users.
 */
import type { LedgerDocument } from './ledger.js';
import { trailFor } from './seed.js';
import { segmentOf, type CompanyRecord, type RequestRecord, type SandboxState } from './state.js';

export class RequestError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** The live request that follows this ledger document, if ApprovalMax has pulled it. */
export function requestForDocument(company: CompanyRecord, ledgerDocumentId: string): RequestRecord | undefined {
  const id = ledgerDocumentId.toLowerCase();
  return [...company.requests.values()]
    .filter((r) => r.ledgerDocumentId?.toLowerCase() === id && r.requestStatus !== 'cancelled')
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

/** Pulls one bill: a new request "on approval", or the one already following it. */
export function pullDocument(state: SandboxState, company: CompanyRecord, document: LedgerDocument, options: { requireAwaiting: boolean }): { request: RequestRecord; created: boolean } {
  const existing = requestForDocument(company, document.id);
  if (existing) return { request: existing, created: false };
  const segment = segmentOf(company);
  if (!segment || !company.ledger) throw new RequestError(409, `${company.name} is a standalone organisation: it pulls nothing from a ledger.`);
  if (options.requireAwaiting && !document.awaitingApproval) {
    const words = segment === 'xero' ? 'bills in "Awaiting Approval" (SUBMITTED)' : 'open bills';
    throw new RequestError(409, `ApprovalMax pulls only ${words}; this one is ${document.status}.`);
  }
  const now = state.now();
  const requester = company.administrators[0] as string;
  const request: RequestRecord = {
    requestId: state.ids.uuid(),
    companyId: company.companyId,
    segment,
    kind: 'bills',
    friendlyName: document.number ?? document.reference ?? `Bill ${document.date}`,
    documentNumber: document.number ?? '',
    reference: document.reference,
    contact: document.contact,
    date: document.date,
    dueDate: document.dueDate,
    currencyCode: document.currency,
    total: document.total,
    totalTax: document.totalTax,
    amountDue: document.amountDue,
    lineItems: document.lines,
    requestStatus: 'onApproval',
    origin: segment === 'xero' ? 'Xero' : 'QBooks',
    version: 1,
    createdAt: now,
    modifiedAt: now,
    externalUrl: document.url,
    ledgerDocumentId: document.id,
    events: trailFor('onApproval', { created: now, decided: now }, { requester, approver: requester }),
  };
  company.requests.set(request.requestId, request);
  return { request, created: true };
}

export type Decision = 'approved' | 'rejected' | 'cancelled' | 'onHold';

/** An approver's decision (or the requester's cancel), pushed back to the ledger when final. */
export function decide(state: SandboxState, company: CompanyRecord, request: RequestRecord, decision: Decision, authorId: string, comment?: string): RequestRecord {
  if (!['onApproval', 'onReview', 'onHold'].includes(request.requestStatus)) {
    throw new RequestError(409, `The request is ${request.requestStatus}: only a request on approval can be decided.`);
  }
  const now = state.now();
  const [, ...added] = trailFor(decision, { created: now, decided: now }, { requester: authorId, approver: authorId }, comment);
  request.events.push(...added);
  request.requestStatus = decision;
  request.modifiedAt = now;
  request.version++;
  if (decision === 'approved' || decision === 'rejected') {
    request.decisionDate = now;
    if (company.ledger && request.ledgerDocumentId) {
      state.ledger?.decide(company.ledger.provider, company.ledger.organisationId, request.ledgerDocumentId, decision);
    }
  }
  return request;
}
