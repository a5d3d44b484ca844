/**
 * How the Public API shows things: requests with camelCase fields and plain ISO dates, and
 * ASP.NET problem details for errors, whose `error` is an object (approvalmax.md §2, §4).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { CompanyRecord, RequestRecord } from './state.js';

export type Json = Record<string, unknown>;

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function presentRequest(r: RequestRecord): Json {
  return {
    requestId: r.requestId,
    companyId: r.companyId,
    friendlyName: r.friendlyName,
    documentNumber: r.documentNumber,
    reference: r.reference ?? null,
    contact: r.contact,
    date: r.date,
    ...(r.kind === 'purchase-orders' ? { deliveryDate: r.deliveryDate ?? null } : { dueDate: r.dueDate ?? null }),
    currencyCode: r.currencyCode,
    total: r.total,
    totalTax: r.totalTax,
    ...(r.kind === 'bills' ? { amountDue: r.amountDue ?? r.total } : {}),
    requestStatus: r.requestStatus,
    createdAt: iso(r.createdAt),
    modifiedAt: iso(r.modifiedAt),
    decisionDate: iso(r.decisionDate),
    origin: r.origin,
    version: r.version,
    externalUrl: r.externalUrl ?? null,
    lineItems: r.lineItems.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      amount: l.amount,
      taxAmount: l.taxAmount,
      accountCode: l.accountCode ?? null,
      account: l.account ?? null,
      taxCode: l.taxCode ?? null,
      tracking: [],
    })),
    events: r.events.map((e) => ({
      eventType: e.eventType,
      authorId: e.authorId,
      isSystem: e.isSystem,
      createdAt: iso(e.createdAt),
      ...(e.comment ? { comment: e.comment } : {}),
    })),
  };
}

/**
 * `GET /api/v1/companies`: `companyId` and `name` are documented. The linked ledger
 * (`integration`) is an emulator choice [?]: public material does not show whether the real
 * answer names it, so the adapter treats it as optional.
 */
export function presentCompany(company: CompanyRecord): Json {
  return {
    companyId: company.companyId,
    name: company.name,
    integration: company.ledger
      ? {
          type: company.ledger.provider === 'xero' ? 'Xero' : 'QBooks',
          organisationId: company.ledger.organisationId,
          organisationName: company.ledger.organisationName,
        }
      : { type: 'Standalone', organisationId: null, organisationName: null },
  };
}

export interface ProblemParameter {
  path: string;
  name: string;
  value: unknown;
  errorMessage: string;
}

/** The path as the real host sees it (the sandbox may be mounted under a prefix). */
function instanceOf(c: Context): string {
  const path = new URL(c.req.url).pathname;
  const at = path.indexOf('/api/v1/');
  return at >= 0 ? path.slice(at) : path;
}

export function problem(
  c: Context,
  status: 400 | 401 | 403 | 404 | 429 | 500,
  code: string,
  title: string,
  detail: string,
  parameters: ProblemParameter[] = [],
) {
  const body = {
    type: `/api/errors/${code}`,
    title,
    status,
    detail,
    instance: instanceOf(c),
    error: { code, parameters, title },
    traceId: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
  };
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json; charset=utf-8' });
}

export function invalidInput(c: Context, parameters: ProblemParameter[]) {
  return problem(c, 400, 'invalidInput', 'Invalid input.', parameters.map((p) => p.errorMessage).join(' '), parameters);
}
