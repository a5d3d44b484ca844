/**
 * Seed data: ApprovalMax people, companies linked to the Xero and QuickBooks sandboxes' default
 * organisations, and a history of approval requests (bills pulled from the ledger, purchase
 * orders raised in ApprovalMax) with realistic UK suppliers, statuses and decision trails.
 * Everything is deterministic from the seed.
 */
import { defaultCompanies as defaultQuickbooksCompanies } from '../quickbooks-online/seed.js';
import { defaultOrganisations as defaultXeroOrganisations } from '../xero/seed.js';
import { quickbooksBillUrl, xeroBillUrl } from './ledger.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import type { AmUser, CompanyRecord, CompanySpec, RequestEvent, RequestLine, RequestRecord, RequestStatus } from './state.js';

/** 30 September 2026: the history ends here, so it is the same whatever the clock says. */
export const SEED_TIME = Date.UTC(2026, 8, 30, 9, 0, 0);
const DAY = 86_400_000;

export function seedUsers(seed: number): AmUser[] {
  const random = createRandom(deriveSeed(seed, 'people'));
  const people: [string, string][] = [
    ['demo@example.com', 'Demo User'],
    ['accountant@example.com', 'Alex Accountant'],
    ['priya.shah@example.com', 'Priya Shah'],
    ['tom.okafor@example.com', 'Tom Okafor'],
    ['hannah.price@example.com', 'Hannah Price'],
  ];
  return people.map(([email, name]) => ({ userId: random.uuid(), email, name }));
}

let defaults: CompanySpec[] | undefined;

/**
 * ApprovalMax organisations linked to the ledger sandboxes' default organisations (their seed 1),
 * so in sandbox mode the ApprovalMax organisation matches the business's Xero or QuickBooks one.
 * Northwind is on the Advanced plan: the Public API refuses its data ("is disabled").
 */
export function defaultCompanySpecs(): CompanySpec[] {
  if (!defaults) {
    const xero = defaultXeroOrganisations(1);
    const quickbooks = defaultQuickbooksCompanies(1);
    const xeroLedger = (i: number) => ({ provider: 'xero' as const, organisationId: xero[i]!.tenantId, organisationName: xero[i]!.name });
    defaults = [
      { name: 'Demo Company (UK)', ledger: xeroLedger(0), plan: 'premium', bills: 150, purchaseOrders: 20 },
      { name: 'Bookbridge Test Ltd', ledger: xeroLedger(1), plan: 'trial', bills: 30 },
      { name: 'Northwind Trading Ltd', ledger: xeroLedger(2), plan: 'advanced', bills: 12 },
      {
        name: quickbooks[0]!.name,
        ledger: { provider: 'quickbooks-online', organisationId: quickbooks[0]!.realmId, organisationName: quickbooks[0]!.name },
        plan: 'premium',
        currency: quickbooks[0]!.currency,
        bills: 20,
      },
    ];
  }
  return structuredClone(defaults);
}

const suppliers = [
  'Harbour Electrical Ltd', 'Summit Office Supplies', 'Granite Facilities Management', 'Riverside Catering Co',
  'Kingfisher Logistics Ltd', 'Beacon IT Services', 'Meadow Print & Design', 'Copper Kettle Cleaning',
  'Atlas Van Hire', 'Thistle Telecom plc', 'Falcon Security Group', 'Willow Stationers',
  'Orbit Software Ltd', 'Northern Rail Freight', 'Bright Spark Electrical', 'Oak & Ash Joinery',
];
const accounts: [string, string][] = [
  ['429', 'General Expenses'], ['453', 'Office Expenses'], ['461', 'Printing & Stationery'],
  ['489', 'Telephone & Internet'], ['473', 'Repairs and Maintenance'], ['310', 'Cost of Goods Sold'],
];
const items = [
  'Printer paper and toner', 'Quarterly fire alarm service', 'Broadband and phone lines', 'Courier collections',
  'Replacement office chairs', 'Cleaning, October', 'Laptop docking stations', 'Van hire, 3 days',
  'Business cards and letterheads', 'Staff lunch, client meeting', 'Emergency plumbing call-out', 'Software licences',
];
const rejections = [
  'Wrong cost centre: please re-code to 453 and resubmit.',
  'No quote attached. What are the hours behind this invoice?',
  'Duplicate of a bill already approved last week.',
  'Amount does not match the purchase order.',
];

const round2 = (n: number) => Math.round(n * 100) / 100;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function lines(random: Random): RequestLine[] {
  const count = 1 + random.int(3);
  return Array.from({ length: count }, () => {
    const [code, name] = random.pick(accounts);
    const quantity = 1 + random.int(4);
    const unitPrice = round2(5 + random.next() * 600);
    const amount = round2(quantity * unitPrice);
    const zeroRated = random.next() < 0.15;
    return {
      description: random.pick(items),
      quantity,
      unitPrice,
      amount,
      taxAmount: zeroRated ? 0 : round2(amount * 0.2),
      accountCode: code,
      account: name,
      taxCode: zeroRated ? 'NONE' : 'INPUT2',
    };
  });
}

function pickStatus(random: Random): RequestStatus {
  const r = random.next();
  if (r < 0.55) return 'approved';
  if (r < 0.7) return 'onApproval';
  if (r < 0.78) return 'rejected';
  if (r < 0.84) return 'cancelled';
  if (r < 0.9) return 'onReview';
  if (r < 0.93) return 'onHold';
  return 'draft';
}

/** The trail of events that leads to a status (eventType names as seen in live responses). */
export function trailFor(
  status: RequestStatus,
  at: { created: number; decided: number },
  people: { requester: string; approver: string },
  comment?: string,
): RequestEvent[] {
  const system = '00000000-0000-0000-0000-000000000000';
  if (status === 'draft') return [];
  const events: RequestEvent[] = [{ eventType: 'requesterSubmitted', authorId: people.requester, isSystem: false, createdAt: at.created }];
  switch (status) {
    case 'approved':
      events.push(
        { eventType: 'approverApprovedRequestApproved', authorId: people.approver, isSystem: false, createdAt: at.decided, ...(comment ? { comment } : {}) },
        { eventType: 'pushedToSource', authorId: system, isSystem: true, createdAt: at.decided + 60_000 },
      );
      break;
    case 'rejected':
      events.push({ eventType: 'approverRejected', authorId: people.approver, isSystem: false, createdAt: at.decided, ...(comment ? { comment } : {}) });
      break;
    case 'cancelled':
      events.push({ eventType: 'requesterCancelled', authorId: people.requester, isSystem: false, createdAt: at.decided, ...(comment ? { comment } : {}) });
      break;
    case 'onHold':
      events.push({ eventType: 'approverPutOnHold', authorId: people.approver, isSystem: false, createdAt: at.decided, ...(comment ? { comment } : {}) });
      break;
    default:
      break;
  }
  return events;
}

export function seedCompany(seed: number, spec: CompanySpec, users: AmUser[]): CompanyRecord {
  const random = createRandom(deriveSeed(seed, `company/${spec.name}`));
  const companyId = spec.companyId ?? random.uuid();
  const byEmail = (email: string) => users.find((u) => u.email === email)!.userId;
  const company: CompanyRecord = {
    companyId,
    name: spec.name,
    ledger: spec.ledger,
    plan: spec.plan ?? 'premium',
    currency: spec.currency ?? 'GBP',
    administrators: [byEmail('demo@example.com'), ...(spec.name === 'Demo Company (UK)' ? [byEmail('accountant@example.com')] : [])],
    approvers: ['priya.shah@example.com', 'tom.okafor@example.com', 'hannah.price@example.com'].map(byEmail),
    requests: new Map(),
  };
  const segment = spec.ledger?.provider === 'quickbooks-online' ? 'qbooks' : 'xero';
  const requester = byEmail('demo@example.com');

  const make = (kind: 'bills' | 'purchase-orders', index: number): RequestRecord => {
    const created = SEED_TIME - random.int(180) * DAY - random.int(8 * 3600) * 1000;
    const status = pickStatus(random);
    const decided = created + (1 + random.int(72)) * 3_600_000;
    const approver = random.pick(company.approvers);
    const comment = status === 'rejected' ? random.pick(rejections) : status === 'cancelled' ? 'Raised twice, cancelling this one.' : undefined;
    const requestLines = status === 'draft' && random.next() < 0.5 ? [] : lines(random);
    const net = round2(requestLines.reduce((s, l) => s + l.amount, 0));
    const tax = round2(requestLines.reduce((s, l) => s + l.taxAmount, 0));
    const isBill = kind === 'bills';
    const ledgerDocumentId = isBill ? (segment === 'xero' ? random.uuid() : String(1000 + index)) : undefined;
    const number = isBill ? `INV-${String(4000 + random.int(5000))}` : `PO-${String(index + 1).padStart(4, '0')}`;
    const events = trailFor(status, { created, decided }, { requester, approver }, comment);
    const decisive = status === 'approved' || status === 'rejected';
    return {
      requestId: random.uuid(),
      companyId,
      segment,
      kind,
      friendlyName: number,
      documentNumber: number,
      reference: isBill ? `Ref ${random.hex(6).toUpperCase()}` : undefined,
      contact: random.pick(suppliers),
      date: dayOf(created),
      ...(isBill ? { dueDate: dayOf(created + 30 * DAY) } : { deliveryDate: dayOf(created + 14 * DAY) }),
      currencyCode: company.currency,
      total: round2(net + tax),
      totalTax: tax,
      ...(isBill ? { amountDue: round2(net + tax) } : {}),
      lineItems: requestLines,
      requestStatus: status,
      origin: isBill ? (segment === 'xero' ? 'Xero' : 'QBooks') : 'ApprovalMax',
      version: events.length || 1,
      createdAt: created,
      modifiedAt: events.at(-1)?.createdAt ?? created,
      ...(decisive ? { decisionDate: decided } : {}),
      ...(ledgerDocumentId ? { ledgerDocumentId, externalUrl: segment === 'xero' ? xeroBillUrl(ledgerDocumentId) : quickbooksBillUrl(ledgerDocumentId) } : {}),
      events,
    };
  };

  const all: RequestRecord[] = [];
  for (let i = 0; i < (spec.bills ?? 40); i++) all.push(make('bills', i));
  for (let i = 0; i < (spec.purchaseOrders ?? 10); i++) all.push(make('purchase-orders', i));
  all.sort((a, b) => a.createdAt - b.createdAt);
  for (const request of all) company.requests.set(request.requestId, request);
  return company;
}
