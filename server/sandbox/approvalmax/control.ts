/**
 * The sandbox's control API (`/_control`, not an ApprovalMax path), modelled on the Xero
 * sandbox's: reset, faults (429 bursts, 5xx, timeouts, revoked grants, expired tokens, and the
 * plan gate), and — standing in for ApprovalMax's hourly poll and its approvers — requests
 * created for ledger documents and decided, plus counters.
 */
import type { Hono } from 'hono';
import { ControlError as SandboxControlError, createControlApp, jsonBody } from '../common/control.js';
import { z } from 'zod';
import { faultFields, grantFaultFields } from '../common/faults.js';
import { presentCompany, presentRequest } from './present.js';
import { decide, pullDocument, RequestError, requestForDocument } from './requests.js';
import type { LedgerDocument } from './ledger.js';
import type { CompanyRecord, SandboxState } from './state.js';

const faultsSchema = z.object({
  companyId: z.string().optional(),
  ...faultFields,
  ...grantFaultFields,
  /** The organisation's plan: anything but premium/trial makes the Public API refuse its data. */
  plan: z.enum(['premium', 'trial', 'advanced', 'standard']).optional(),
});

const lineSchema = z.object({
  description: z.string(),
  quantity: z.number().default(1),
  unitPrice: z.number(),
  amount: z.number(),
  taxAmount: z.number().default(0),
  accountCode: z.string().optional(),
  account: z.string().optional(),
  taxCode: z.string().optional(),
});

/** A document given whole, when no ledger sandbox is linked. */
const documentSchema = z.object({
  number: z.string().optional(),
  reference: z.string().optional(),
  contact: z.string(),
  date: z.string(),
  dueDate: z.string().optional(),
  currency: z.string().default('GBP'),
  total: z.number(),
  totalTax: z.number().default(0),
  amountDue: z.number().optional(),
  status: z.string().default('SUBMITTED'),
  url: z.string().optional(),
  lines: z.array(lineSchema).default([]),
});

const decisionSchema = z.object({
  decision: z.enum(['approved', 'rejected', 'cancelled', 'onHold']),
  /** The approver's email (default: the organisation's first approver). */
  approver: z.string().optional(),
  comment: z.string().max(2000).optional(),
});

export const requestSchema = z.object({
  /** The ApprovalMax organisation; default: the one linked to `ledgerOrganisationId`. */
  companyId: z.string().optional(),
  ledgerOrganisationId: z.string().optional(),
  ledgerDocumentId: z.string().min(1),
  document: documentSchema.optional(),
  decision: decisionSchema.shape.decision.optional(),
  approver: z.string().optional(),
  comment: z.string().max(2000).optional(),
});

class ControlError extends SandboxControlError {
  constructor(status: 400 | 404 | 409, message: string) {
    super(message, status);
  }
}

export function revoke(state: SandboxState, companyId?: string): void {
  for (const grant of state.grants.values()) if (!companyId || grant.companyIds.includes(companyId)) grant.revoked = true;
}

export function expireAccess(state: SandboxState, companyId?: string): void {
  const now = state.now();
  for (const record of state.accessTokens.values()) {
    const grant = state.grants.get(record.grantId);
    if (!companyId || grant?.companyIds.includes(companyId)) record.expiresAt = Math.min(record.expiresAt, now);
  }
}

function companyFor(state: SandboxState, body: { companyId?: string; ledgerOrganisationId?: string }): CompanyRecord {
  if (body.companyId) {
    const company = state.companies.get(body.companyId.toLowerCase());
    if (!company) throw new ControlError(404, `No ApprovalMax organisation ${body.companyId}`);
    return company;
  }
  const ledgerId = body.ledgerOrganisationId?.toLowerCase();
  const company = [...state.companies.values()].find((c) => ledgerId && c.ledger?.organisationId.toLowerCase() === ledgerId);
  if (!company) throw new ControlError(404, `No ApprovalMax organisation is linked to ledger organisation ${body.ledgerOrganisationId ?? '(none given)'}`);
  return company;
}

function approverId(state: SandboxState, company: CompanyRecord, email?: string): string {
  if (!email) return company.approvers[0] as string;
  const user = state.users.find((u) => u.email === email.toLowerCase());
  if (!user || !(company.approvers.includes(user.userId) || company.administrators.includes(user.userId))) {
    throw new ControlError(400, `${email} is not an approver in ${company.name}`);
  }
  return user.userId;
}

export function createControlApi(state: SandboxState, reset: () => void): Hono {
  const control = createControlApp(reset, [RequestError]);

  control.post('/faults', async (c) => {
    const body = faultsSchema.parse(await jsonBody(c));
    const { companyId: rawId, revokeGrants, expireAccessTokens, plan, ...faults } = body;
    const companyId = rawId?.toLowerCase();
    if (companyId) state.faults.companies.set(companyId, faults);
    else state.faults.all = faults;
    if (plan) {
      if (!companyId || !state.companies.has(companyId)) throw new ControlError(400, 'plan needs the companyId of an organisation');
      state.companies.get(companyId)!.plan = plan;
    }
    if (revokeGrants) revoke(state, companyId);
    if (expireAccessTokens) expireAccess(state, companyId);
    return c.json({ ok: true });
  });

  /**
   * ApprovalMax pulls a ledger document into a request (as its poll would), and optionally an
   * approver decides it at once. Idempotent per document: a second call finds the same request.
   */
  control.post('/requests', async (c) => {
    const body = requestSchema.parse(await c.req.json());
    const company = companyFor(state, body);
    let request = requestForDocument(company, body.ledgerDocumentId);
    let created = false;
    if (!request) {
      let document: LedgerDocument | undefined;
      if (body.document) {
        const d = body.document;
        document = {
          id: body.ledgerDocumentId,
          ...d,
          amountDue: d.amountDue ?? d.total,
          awaitingApproval: true,
          url: d.url ?? '',
        };
      } else if (company.ledger && state.ledger) {
        document = state.ledger.find(company.ledger.provider, company.ledger.organisationId, body.ledgerDocumentId);
      }
      if (!document) throw new ControlError(404, `${company.ledger ? company.ledger.organisationName : company.name} has no bill ${body.ledgerDocumentId}`);
      ({ request, created } = pullDocument(state, company, document, { requireAwaiting: !body.document }));
    }
    if (body.decision) decide(state, company, request, body.decision, approverId(state, company, body.approver), body.comment);
    return c.json({ created, request: presentRequest(request) }, created ? 201 : 200);
  });

  control.post('/requests/:requestId/decision', async (c) => {
    const body = decisionSchema.parse(await c.req.json());
    const id = c.req.param('requestId').toLowerCase();
    const company = [...state.companies.values()].find((x) => x.requests.has(id));
    const request = company?.requests.get(id);
    if (!company || !request) throw new ControlError(404, `No request ${id}`);
    decide(state, company, request, body.decision, approverId(state, company, body.approver), body.comment);
    return c.json({ request: presentRequest(request) });
  });

  /** The hourly poll: every bill awaiting approval in the linked ledger(s) becomes a request. */
  control.post('/sync', async (c) => {
    const body = z.object({ companyId: z.string().optional() }).parse(await jsonBody(c));
    const companies = body.companyId ? [companyFor(state, body)] : [...state.companies.values()];
    const pulled: unknown[] = [];
    for (const company of companies) {
      if (!company.ledger || !state.ledger) continue;
      for (const document of state.ledger.pending(company.ledger.provider, company.ledger.organisationId)) {
        const { request, created } = pullDocument(state, company, document, { requireAwaiting: true });
        if (created) pulled.push(presentRequest(request));
      }
    }
    return c.json({ pulled });
  });

  control.get('/requests', (c) => {
    const companyId = c.req.query('companyId')?.toLowerCase();
    const ledgerDocumentId = c.req.query('ledgerDocumentId')?.toLowerCase();
    const rows = [...state.companies.values()]
      .filter((x) => !companyId || x.companyId === companyId)
      .flatMap((x) => [...x.requests.values()])
      .filter((r) => !ledgerDocumentId || r.ledgerDocumentId?.toLowerCase() === ledgerDocumentId);
    return c.json({ requests: rows.map(presentRequest) });
  });

  control.get('/companies', (c) =>
    c.json(
      [...state.companies.values()].map((x) => ({
        ...presentCompany(x),
        plan: x.plan,
        requests: x.requests.size,
        approvers: x.approvers.map((id) => state.users.find((u) => u.userId === id)?.email),
      })),
    ),
  );

  control.get('/stats', (c) =>
    c.json({
      ...state.stats,
      grants: [...state.grants.values()].filter((g) => !g.revoked).length,
    }),
  );

  return control;
}
