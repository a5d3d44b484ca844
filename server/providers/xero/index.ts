/**
 * The Xero adapter. OAuth 2 with PKCE through oauth4webapi; the organisation (tenant) is chosen
 * from GET /connections; every accounting call carries `xero-tenant-id`. Publishing sends up to
 * 50 documents per call with `summarizeErrors=false` and one Idempotency-Key per batch, so a
 * retried batch replays Xero's first answer instead of creating documents twice.
 */
import { createHash } from 'node:crypto';
import PQueue from 'p-queue';
import { z } from 'zod';
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import type {
  Attachment,
  Credentials,
  ImportOptions,
  ListPage,
  Organisation,
  ProviderAdapter,
  ProviderContext,
  ProviderSession,
  PublishDocument,
  PublishOutcome,
  PublishResult,
} from '../types.js';
import { elementError, messagesOf, responseError } from './classify.js';
import {
  accountSchema,
  bankAccountEntry,
  categoryEntry,
  checkArithmetic,
  connectionSchema,
  contactEntry,
  contactSchema,
  deepLink,
  documentIdOf,
  isPostable,
  itemSchema,
  paginationSchema,
  productEntry,
  projectEntries,
  safeFileName,
  targetOf,
  taxRateEntry,
  taxRateSchema,
  trackingCategorySchema,
  writtenElements,
  xeroDocument,
  type Collection,
  type Target,
  type WrittenElement,
} from './mapping.js';
import { authorizationUrl, exchangeCode, refreshTokens, revokeRefreshToken } from './oauth.js';

const API = '/api.xro/2.0';
/** Xero's largest page of contacts (developer.xero.com/documentation/api/accounting/contacts). */
const CONTACTS_PAGE_SIZE = 1000;

interface Call {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

function bearer(credentials: Credentials): string {
  if (credentials.kind !== 'oauth2') throw new ProviderError('credentials', 'A Xero connection needs OAuth tokens.');
  return credentials.tokens.accessToken;
}

/** Idempotency-Key for a batch: a hash of its documents' keys (≤128 chars, as Xero requires). */
export function batchKey(kind: string, keys: string[]): string {
  return `bb-${kind}-${createHash('sha256').update(keys.join('\n')).digest('base64url')}`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ProviderError('transient', `Xero sent ${what} in a shape we did not expect.`, { providerMessage: result.error.message.slice(0, 500) });
  }
  return result.data;
}

/** A write answer's elements (mapping.ts `writtenElements`), or the same refusal `parse` gives. */
function written(value: unknown, what: string): WrittenElement[] {
  const elements = writtenElements(value);
  if (!elements) throw new ProviderError('transient', `Xero sent ${what} in a shape we did not expect.`, { providerMessage: String(JSON.stringify(value)).slice(0, 500) });
  return elements;
}

function whereText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function createXeroAdapter(ctx: ProviderContext): ProviderAdapter {
  // Xero allows 5 calls in progress per organisation; queue beyond that instead of earning 429s.
  const queues = new Map<string, PQueue>();
  const queueFor = (organisationId: string) => {
    let queue = queues.get(organisationId);
    if (!queue) {
      queue = new PQueue({ concurrency: ctx.entry.rateLimit.concurrent });
      queues.set(organisationId, queue);
    }
    return queue;
  };
  const shortCodes = new Map<string, Promise<string | undefined>>();

  const url = (path: string, query?: Record<string, string | undefined>) => {
    const u = new URL(`${ctx.hosts.api}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  };

  /** One accounting call: on a 401 the session renews once and the call is repeated. */
  const call = async (session: ProviderSession, req: Call): Promise<Response> => {
    let credentials = await session.credentials();
    for (let attempt = 0; ; attempt++) {
      const token = bearer(credentials);
      const response = await queueFor(session.organisationId).add(
        () =>
          providerFetch(ctx, {
            method: req.method ?? 'GET',
            url: url(`${API}${req.path}`, req.query),
            headers: { authorization: `Bearer ${token}`, 'xero-tenant-id': session.organisationId, ...req.headers },
            json: req.json,
            body: req.body,
            signal: session.signal,
          }),
      );
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        credentials = await session.renew(credentials);
        continue;
      }
      return response;
    }
  };

  /** A call whose 2xx JSON body is returned; anything else becomes a classified ProviderError. */
  const callJson = async (session: ProviderSession, req: Call): Promise<Record<string, unknown>> => {
    const response = await call(session, req);
    const body = await readJson(ctx, response);
    if (!response.ok) throw responseError(response.status, body);
    return (body ?? {}) as Record<string, unknown>;
  };

  // The promise is cached, not the value: concurrent batches share one /Organisation call.
  const organisationShortCode = (session: ProviderSession): Promise<string | undefined> => {
    let pending = shortCodes.get(session.organisationId);
    if (!pending) {
      pending = callJson(session, { path: '/Organisation' }).then(
        (body) => (body.Organisations as { ShortCode?: string }[] | undefined)?.[0]?.ShortCode,
        () => undefined, // the link then opens Xero without switching organisation
      );
      shortCodes.set(session.organisationId, pending);
      // A failed lookup is tried again next time.
      void pending.then((code) => code ?? shortCodes.delete(session.organisationId));
    }
    return pending;
  };

  const apiWithToken = async (credentials: Credentials, method: 'GET' | 'DELETE', path: string, query?: Record<string, string | undefined>) => {
    const response = await providerFetch(ctx, { method, url: url(path, query), headers: { authorization: `Bearer ${bearer(credentials)}` } });
    if (!response.ok) throw responseError(response.status, await readJson(ctx, response).catch(() => null));
    return response;
  };

  const connections = async (credentials: Credentials, authEventId?: string) => {
    const response = await apiWithToken(credentials, 'GET', '/connections', { authEventId });
    return parse(z.array(connectionSchema), await readJson(ctx, response), 'its connections');
  };

  // --- lists -----------------------------------------------------------------------------

  async function* importList(session: ProviderSession, kind: ListKind, options: ImportOptions): AsyncIterable<ListPage> {
    const incremental = options.changedSince && ctx.entry.incrementalLists.includes(kind);
    const headers: Record<string, string> = incremental ? { 'If-Modified-Since': (options.changedSince as Date).toISOString() } : {};
    switch (kind) {
      case 'categories':
      case 'bank_accounts': {
        const body = await callJson(session, {
          path: '/Accounts',
          query: kind === 'bank_accounts' ? { where: 'Type=="BANK"' } : undefined,
          headers,
        });
        const accounts = parse(z.array(accountSchema), body.Accounts ?? [], 'its accounts');
        const entries =
          kind === 'categories' ? accounts.filter(isPostable).map(categoryEntry) : accounts.filter((a) => a.Type === 'BANK').map(bankAccountEntry);
        const deleted = accounts.filter((a) => a.Status === 'DELETED').map((a) => a.AccountID);
        yield { entries, checkpoint: null, total: entries.length, ...(deleted.length ? { deleted } : {}) };
        return;
      }
      case 'contacts': {
        let page = options.checkpoint ? Math.max(1, Number.parseInt(options.checkpoint, 10) || 1) : 1;
        // Bounded: Xero says how many pages there are; stop at a short page in any case.
        for (let guard = 0; guard < 100_000; guard++) {
          const body = await callJson(session, {
            path: '/Contacts',
            query: { page: String(page), pageSize: String(CONTACTS_PAGE_SIZE), includeArchived: 'true' },
            headers,
          });
          const contacts = parse(z.array(contactSchema), body.Contacts ?? [], 'its contacts');
          const pagination = body.pagination ? paginationSchema.safeParse(body.pagination).data : undefined;
          const last = contacts.length < CONTACTS_PAGE_SIZE || (pagination !== undefined && page >= pagination.pageCount);
          yield {
            entries: contacts.map(contactEntry),
            checkpoint: last ? null : String(page + 1),
            total: pagination?.itemCount,
          };
          if (last) return;
          page++;
        }
        return;
      }
      case 'tax_rates': {
        const body = await callJson(session, { path: '/TaxRates' });
        const rates = parse(z.array(taxRateSchema), body.TaxRates ?? [], 'its tax rates');
        const entries = rates.filter((t) => t.Status !== 'DELETED').map(taxRateEntry);
        const deleted = rates.filter((t) => t.Status === 'DELETED').map((t) => t.TaxType);
        yield { entries, checkpoint: null, total: entries.length, ...(deleted.length ? { deleted } : {}) };
        return;
      }
      case 'products': {
        const body = await callJson(session, { path: '/Items', headers });
        const entries = parse(z.array(itemSchema), body.Items ?? [], 'its items').map(productEntry);
        yield { entries, checkpoint: null, total: entries.length };
        return;
      }
      case 'projects': {
        const body = await callJson(session, { path: '/TrackingCategories', query: { includeArchived: 'true' } });
        const categories = parse(z.array(trackingCategorySchema), body.TrackingCategories ?? [], 'its tracking categories');
        const entries = categories.filter((t) => t.Status !== 'DELETED').flatMap(projectEntries);
        yield { entries, checkpoint: null, total: entries.length };
        return;
      }
    }
  }

  // --- publishing --------------------------------------------------------------------------

  const publish = async (session: ProviderSession, documents: PublishDocument[]): Promise<PublishOutcome[]> => {
    const outcomes: (PublishOutcome | undefined)[] = new Array(documents.length);
    const groups = new Map<Collection, { index: number; document: PublishDocument; target: Target; element: Record<string, unknown> }[]>();
    documents.forEach((document, index) => {
      try {
        const target = targetOf(document);
        const problem = checkArithmetic(document);
        if (problem) throw problem;
        const element = xeroDocument(document, target);
        const group = groups.get(target.collection) ?? [];
        group.push({ index, document, target, element });
        groups.set(target.collection, group);
      } catch (error) {
        outcomes[index] = { ok: false, error: asProviderError(error) };
      }
    });

    let stop: ProviderError | undefined;
    const shortCode = groups.size > 0 ? await organisationShortCode(session) : undefined;
    const toPay: { index: number; document: PublishDocument; target: Target; result: PublishResult }[] = [];
    for (const [collection, group] of groups) {
      for (const batch of chunk(group, ctx.entry.capabilities.batchSize)) {
        if (stop) {
          for (const item of batch) outcomes[item.index] = { ok: false, error: stop };
          continue;
        }
        try {
          const body = await callJson(session, {
            method: 'PUT',
            path: `/${collection}`,
            query: { summarizeErrors: 'false', unitdp: '4' },
            json: { [collection]: batch.map((b) => b.element) },
            headers: { 'Idempotency-Key': batchKey(collection, batch.map((b) => b.document.idempotencyKey)) },
          });
          const elements = written(body[collection] ?? [], 'its answer');
          batch.forEach((item, i) => {
            const element = elements[i];
            const id = element ? documentIdOf(element, collection) : undefined;
            const errors = element ? messagesOf(element) : [];
            if (!element || !id || element.StatusAttributeString === 'ERROR' || (errors.length > 0 && element.StatusAttributeString !== 'WARNING')) {
              outcomes[item.index] = { ok: false, error: elementError(errors.length ? errors : ['Xero did not return the document.']) };
              return;
            }
            const result: PublishResult = { documentId: id, url: deepLink(item.target, id, shortCode) };
            outcomes[item.index] = { ok: true, result };
            if (item.document.paid && collection !== 'BankTransactions') toPay.push({ ...item, result });
          });
        } catch (error) {
          const providerError = asProviderError(error);
          for (const item of batch) outcomes[item.index] = { ok: false, error: providerError };
          if (providerError.kind === 'rate_limited' || providerError.kind === 'expired' || providerError.kind === 'forbidden') stop = providerError;
        }
      }
    }

    // Bank match: a payment from the chosen bank account against each paid bill or invoice.
    for (const batch of chunk(toPay, ctx.entry.capabilities.batchSize)) {
      const paymentFailed = (item: (typeof batch)[number], error: ProviderError) => {
        outcomes[item.index] = {
          ok: false,
          error: new ProviderError(
            error.kind,
            `Xero created the ${item.target.label} but did not record its payment: ${error.message}`,
            { fields: error.fields, providerMessage: `${item.result.documentId} ${error.providerMessage ?? ''}`.trim(), status: error.status, list: error.list, retryAfterMs: error.retryAfterMs },
          ),
        };
      };
      if (stop) {
        for (const item of batch) paymentFailed(item, stop);
        continue;
      }
      try {
        const body = await callJson(session, {
          method: 'PUT',
          path: '/Payments',
          query: { summarizeErrors: 'false' },
          json: {
            Payments: batch.map(({ document, target, result }) => {
              const paid = document.paid as NonNullable<PublishDocument['paid']>;
              return {
                ...(target.collection === 'Invoices' ? { Invoice: { InvoiceID: result.documentId } } : { CreditNote: { CreditNoteID: result.documentId } }),
                Account: paid.bankAccount.code ? { Code: paid.bankAccount.code } : { AccountID: paid.bankAccount.externalId },
                Date: paid.date,
                Amount: Number(paid.amount),
                Reference: document.reference ?? document.number,
              };
            }),
          },
          headers: { 'Idempotency-Key': batchKey('Payments', batch.map((b) => b.document.idempotencyKey)) },
        });
        const elements = written(body.Payments ?? [], 'its answer');
        batch.forEach((item, i) => {
          const element = elements[i];
          const errors = element ? messagesOf(element) : [];
          if (!element?.PaymentID || element.PaymentID === '00000000-0000-0000-0000-000000000000' || element.StatusAttributeString === 'ERROR') {
            paymentFailed(item, elementError(errors.length ? errors : ['Xero did not return the payment.']));
          } else {
            outcomes[item.index] = { ok: true, result: { ...item.result, paymentId: element.PaymentID } };
          }
        });
      } catch (error) {
        const providerError = asProviderError(error);
        for (const item of batch) paymentFailed(item, providerError);
      }
    }
    return outcomes.map((o) => o ?? { ok: false, error: new ProviderError('transient', 'The document was not sent.') });
  };

  const findPublished = async (session: ProviderSession, document: PublishDocument): Promise<PublishResult | null> => {
    const target = targetOf(document);
    const contactId = document.contact.externalId;
    const live = (e: WrittenElement) => !['DELETED', 'VOIDED'].includes(String((e as Record<string, unknown>).Status));
    let candidates: WrittenElement[] = [];
    if (target.collection === 'Invoices') {
      const number = target.type === 'ACCPAY' ? (document.number ?? document.reference) : document.number;
      if (!number) return null;
      const body = await callJson(session, {
        path: '/Invoices',
        query: { InvoiceNumbers: number, ContactIDs: contactId, Statuses: 'DRAFT,SUBMITTED,AUTHORISED,PAID' },
      });
      candidates = written(body.Invoices ?? [], 'its invoices').filter((e) => e.Type === target.type);
    } else if (target.collection === 'CreditNotes') {
      const number = target.type === 'ACCPAYCREDIT' ? (document.number ?? document.reference) : document.number;
      if (!number) return null;
      const body = await callJson(session, {
        path: '/CreditNotes',
        query: { where: `Type=="${target.type}" AND CreditNoteNumber=="${whereText(number)}" AND Contact.ContactID==Guid("${whereText(contactId)}")` },
      });
      candidates = written(body.CreditNotes ?? [], 'its credit notes');
    } else {
      const reference = document.reference ?? document.number;
      if (!reference) return null;
      const body = await callJson(session, {
        path: '/BankTransactions',
        query: { where: `Type=="${target.type}" AND Reference=="${whereText(reference)}" AND Contact.ContactID==Guid("${whereText(contactId)}")` },
      });
      candidates = written(body.BankTransactions ?? [], 'its bank transactions');
    }
    candidates = candidates.filter(live);
    // Several with the same number: prefer the one with this document's total.
    const sameTotal = candidates.find((e) => Number((e as Record<string, unknown>).Total) === Number(document.total));
    const found = sameTotal ?? candidates[0];
    const id = found ? documentIdOf(found, target.collection) : undefined;
    if (!found || !id) return null;
    const paymentId = found.Payments?.[0]?.PaymentID;
    return { documentId: id, url: deepLink(target, id, await organisationShortCode(session)), ...(paymentId ? { paymentId } : {}) };
  };

  const uploadAttachment = async (session: ProviderSession, published: PublishResult, document: PublishDocument, file: Attachment): Promise<void> => {
    const limits = ctx.entry.capabilities.attachments;
    if (limits && file.data.byteLength > limits.maxBytes) {
      throw new ProviderError('validation', `The file is larger than Xero accepts (${Math.round(limits.maxBytes / 1024 / 1024)} MB).`, {
        fields: [{ field: 'file', message: 'Too large' }],
      });
    }
    if (limits && !limits.types.includes(file.contentType)) {
      throw new ProviderError('validation', `Xero does not take ${file.contentType} files here.`, { fields: [{ field: 'file', message: 'Unsupported type' }] });
    }
    const target = targetOf(document);
    const name = safeFileName(file.fileName);
    // POST replaces a file of the same name, so a retried upload never adds a second copy.
    await callJson(session, {
      method: 'POST',
      path: `/${target.collection}/${encodeURIComponent(published.documentId)}/Attachments/${encodeURIComponent(name)}`,
      body: file.data as Uint8Array<ArrayBuffer>,
      headers: {
        'content-type': file.contentType,
        'Idempotency-Key': batchKey('Attachment', [document.idempotencyKey, name]),
      },
    });
  };

  return {
    id: 'xero',
    authorizationUrl: (p) => authorizationUrl(ctx, p),
    exchangeCode: (p) => exchangeCode(ctx, p),
    refreshTokens: (tokens) => refreshTokens(ctx, tokens),

    async listOrganisations(credentials: Credentials): Promise<Organisation[]> {
      // Prefer the organisations ticked in this consent; fall back to all the grant covers.
      const authEventId = credentials.kind === 'oauth2' ? credentials.tokens.extra?.authenticationEventId : undefined;
      let rows = authEventId ? await connections(credentials, authEventId) : [];
      if (rows.length === 0) rows = await connections(credentials);
      return rows.map((r) => ({ id: r.tenantId, name: r.tenantName ?? r.tenantId, ...(r.tenantType ? { detail: r.tenantType === 'ORGANISATION' ? 'Organisation' : r.tenantType } : {}) }));
    },

    async revoke(credentials: Credentials, organisationId: string): Promise<void> {
      // Disconnect just this organisation; revoking the refresh token would also cut the user's
      // other organisations, so that only happens when none is left.
      const rows = await connections(credentials);
      const mine = rows.find((r) => r.tenantId === organisationId);
      if (mine) await apiWithToken(credentials, 'DELETE', `/connections/${encodeURIComponent(mine.id)}`);
      const remaining = rows.filter((r) => r.tenantId !== organisationId);
      if (remaining.length === 0 && credentials.kind === 'oauth2' && credentials.tokens.refreshToken) {
        await revokeRefreshToken(ctx, credentials.tokens.refreshToken);
      }
    },

    importList,
    publish,
    findPublished,
    uploadAttachment,
  };
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  return new ProviderError('transient', 'Something went wrong while talking to Xero.', { cause: error });
}
