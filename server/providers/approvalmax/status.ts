/**
 * From an ApprovalMax request to what the item shows: awaiting approval, approved or rejected,
 * who decided, when, and their comment. A request follows a ledger document when its
 * `externalUrl` (the deep link back to Xero or QuickBooks) carries that document's id.
 */
type Json = Record<string, unknown>;

export type ApprovalStateName = 'awaiting_approval' | 'approved' | 'rejected' | 'not_found';

export interface ApprovalStatus {
  state: ApprovalStateName;
  /** ApprovalMax's own word (onApproval, onHold, cancelled...), for support and the tooltip. */
  requestStatus?: string;
  requestId?: string;
  /** The approver: their name where ApprovalMax gives one, else ApprovalMax's user id. */
  decidedBy?: string;
  /** ISO date-time of the final decision. */
  decidedAt?: string;
  comment?: string;
}

export interface ApprovalQuery {
  /** The ledger's id of the published document (Xero InvoiceID, QuickBooks Bill Id). */
  ledgerDocumentId: string;
  /** The document's number in the ledger, when known: lets ApprovalMax filter for it. */
  documentNumber?: string;
  /** When it was published: requests created before then cannot follow it. */
  since?: Date;
}

/** `requestStatus` is a plain string in live answers; some data models show {name, value}. */
export function statusWord(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Json;
    if (typeof v.name === 'string') return v.name;
    if (typeof v.value === 'string') return v.value;
  }
  return undefined;
}

export function stateOf(requestStatus: string | undefined): ApprovalStateName {
  switch ((requestStatus ?? '').toLowerCase()) {
    case 'approved':
      return 'approved';
    case 'rejected':
      return 'rejected';
    case 'cancelled':
    case 'canceled':
    case 'deleted':
      // The request no longer follows the document (cancelled in ApprovalMax, or the bill was
      // deleted or voided in the ledger): nothing is waiting for approval.
      return 'not_found';
    default:
      return 'awaiting_approval';
  }
}

/** Ids a deep link carries: query values (InvoiceID=..., txnId=...) and path segments. */
export function idsInUrl(url: unknown): string[] {
  if (typeof url !== 'string' || url === '') return [];
  try {
    const u = new URL(url);
    const ids = [...u.searchParams.values(), ...u.pathname.split('/')].filter(Boolean);
    // Xero's short-code links carry the document link inside `redirecturl`.
    const inner = u.searchParams.get('redirecturl');
    if (inner) ids.push(...idsInUrl(new URL(inner, 'https://go.xero.com').toString()));
    return ids.map((x) => x.toLowerCase());
  } catch {
    return [];
  }
}

export function follows(request: Json, query: ApprovalQuery): boolean {
  return idsInUrl(request.externalUrl).includes(query.ledgerDocumentId.toLowerCase());
}

function decisionEvent(request: Json, state: ApprovalStateName): Json | undefined {
  const events = (Array.isArray(request.events) ? request.events : []) as Json[];
  const human = events.filter((e) => e && e.isSystem !== true && typeof e.eventType === 'string');
  const pattern = state === 'approved' ? /approved/i : /rejected/i;
  const matching = human.filter((e) => pattern.test(e.eventType as string));
  // The final approval names itself (approverApprovedRequestApproved); else the last approval.
  return (state === 'approved' ? matching.filter((e) => /requestapproved/i.test(e.eventType as string)).at(-1) : undefined) ?? matching.at(-1);
}

function authorOf(event: Json): string | undefined {
  const author = (event.author && typeof event.author === 'object' ? event.author : {}) as Json;
  for (const value of [event.authorName, author.name, event.authorId, author.id]) if (typeof value === 'string' && value) return value;
  return undefined;
}

function isoOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function toApprovalStatus(request: Json): ApprovalStatus {
  const requestStatus = statusWord(request.requestStatus);
  const state = stateOf(requestStatus);
  const out: ApprovalStatus = {
    state,
    ...(requestStatus ? { requestStatus } : {}),
    ...(typeof request.requestId === 'string' ? { requestId: request.requestId } : {}),
  };
  if (state !== 'approved' && state !== 'rejected') return out;
  const event = decisionEvent(request, state);
  const decidedBy = event ? authorOf(event) : undefined;
  const decidedAt = isoOf(request.decisionDate) ?? isoOf(event?.createdAt);
  const comment = typeof event?.comment === 'string' && event.comment ? event.comment : undefined;
  return { ...out, ...(decidedBy ? { decidedBy } : {}), ...(decidedAt ? { decidedAt } : {}), ...(comment ? { comment } : {}) };
}
