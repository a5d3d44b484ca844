/**
 * The BILL (Bill.com) adapter: v3 AP API with a developer key and a user sign-in (session).
 * One sign-in is one organisation. Lists: chart of accounts (categories), vendors and customers
 * (contacts), jobs/departments/locations/classes (projects), bank accounts; all paged with
 * `max`/`page` and, on refresh, filtered on `updatedTime`. Publishing: bills (up to 100 per
 * call, all-or-nothing) for cost items and expense claims, vendor credits for purchase credit
 * notes, a recorded payment for bills paid outside BILL, and documents uploaded asynchronously
 * (0du… until BILL has processed them, then 00h…). BILL has no idempotency key: a retry after an
 * unclear failure first looks the document up by vendor + invoice number (`findPublished`).
 */
import { z } from 'zod';
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError } from '../errors.js';
import type {
  Attachment,
  Credentials,
  ImportOptions,
  KeyCredentials,
  ListEntry,
  ListPage,
  Organisation,
  ProviderAdapter,
  ProviderContext,
  ProviderSession,
  PublishDocument,
  PublishOutcome,
  PublishResult,
} from '../types.js';
import { accessError, documentError, providerMessageOf } from './classify.js';
import { createBillClient, hostUrl, readCredentials, type BillAnswer, type BillCredentials, type ClientOptions } from './client.js';
import {
  bankAccountEntry,
  bankAccountSchema,
  billBody,
  billLines,
  billSchema,
  billTotal,
  categoryEntry,
  chartOfAccountSchema,
  classificationSchema,
  customerEntry,
  customerSchema,
  documentKind,
  listPageSchema,
  projectEntry,
  projectParts,
  recordPaymentBody,
  referenceOf,
  vendorCreditBody,
  vendorCreditSchema,
  vendorEntry,
  vendorSchema,
  type BillDocumentKind,
  type BillLineOut,
} from './mapping.js';

/**
 * What the user gives to connect BILL, in order. `selector` is where the extension finds a value
 * on BILL's own pages (the organisation ID at the bottom of Settings, the key on Settings > Sync &
 * Integrations > Manage Developer Keys); the password is typed by the user, never read from a page.
 * The developer key is optional: this server's own (BILL_COM_DEVELOPER_KEY) is used without one.
 */
export const billComCredentialFields = [
  { name: 'username', label: 'BILL email', hint: 'The email you sign in to BILL with.', secret: false, required: true, fromPage: true, selector: '#signed-in-user[data-email]' },
  { name: 'password', label: 'Password', hint: 'Your BILL password.', secret: true, required: true, fromPage: false },
  {
    name: 'organizationId',
    label: 'Organization ID',
    hint: "Shown at the bottom of BILL's Settings page; it begins with 008.",
    secret: false,
    required: true,
    fromPage: true,
    selector: '#organization-id',
  },
  {
    name: 'devKey',
    label: 'Developer key',
    hint: 'Only if this server has no BILL developer key of its own: Settings > Sync & Integrations > Manage Developer Keys > Generate developer key.',
    secret: true,
    required: false,
    fromPage: true,
    selector: '#dev-key',
  },
] as const;

export interface BillComAdapterOptions extends ClientOptions {
  /** Pauses between upload-status checks; after the last, a document still processing is left to BILL. */
  uploadPollMs?: number[];
}

const perPage = 100; // BILL's maximum `max`
const bulkLimit: Record<BillDocumentKind, number> = { bill: 100, vendor_credit: 50 };

interface Part {
  path: string;
  toEntries(raw: unknown[]): ListEntry[];
}

interface Checkpoint {
  part: number;
  page?: string;
}

function readCheckpoint(raw: string | null | undefined): Checkpoint | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Checkpoint;
    return Number.isInteger(v.part) && v.part >= 0 && (v.page === undefined || typeof v.page === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function parseAll<S extends z.ZodType>(schema: S, raw: unknown[], what: string): Array<z.infer<S>> {
  const parsed = z.array(schema).safeParse(raw);
  if (!parsed.success) throw new ProviderError('transient', `BILL sent ${what} in a shape we did not expect.`, { providerMessage: parsed.error.message.slice(0, 500) });
  return parsed.data;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

export function createBillComAdapter(ctx: ProviderContext, options: BillComAdapterOptions = {}): ProviderAdapter {
  const client = createBillClient(ctx, options);
  const uploadPollMs = options.uploadPollMs ?? [500, 1000, 2000, 4000, 8000, 8000];

  async function credentialsOf(session: ProviderSession): Promise<BillCredentials> {
    const creds = await session.credentials();
    if (creds.kind === 'oauth2') throw new ProviderError('expired', 'The saved BILL connection has no sign-in details: reconnect BILL.');
    return readCredentials(creds.values);
  }

  /** Any refusal that is not about a document: access problems first, then "our request was wrong". */
  function failure(answer: BillAnswer, what: string): ProviderError {
    return (
      accessError(answer.errors, answer.status, ctx.now()) ??
      new ProviderError('validation', `BILL refused to ${what}: ${answer.errors[0]?.message ?? `HTTP ${answer.status}`}`, {
        status: answer.status,
        providerMessage: providerMessageOf(answer.errors, answer.status),
      })
    );
  }

  async function organisation(c: BillCredentials, signal?: AbortSignal): Promise<Organisation> {
    const answer = await client.call(c, { path: `/organizations/${encodeURIComponent(c.organizationId)}` }, signal);
    if (!answer.ok) throw failure(answer, 'show the organization');
    const org = z.looseObject({ id: z.string(), name: z.string(), address: z.looseObject({ city: z.string().nullish(), stateOrProvince: z.string().nullish() }).nullish() }).safeParse(answer.body);
    if (!org.success) throw new ProviderError('transient', 'BILL sent the organization in a shape we did not expect.');
    const place = [org.data.address?.city, org.data.address?.stateOrProvince].filter(Boolean).join(', ');
    return { id: org.data.id, name: org.data.name, detail: ['USD', place].filter(Boolean).join(' · ') };
  }

  /** One BILL list after another, page by page; the checkpoint says which list and page come next. */
  async function* pages(c: BillCredentials, parts: Part[], options: ImportOptions, incremental: boolean, signal?: AbortSignal): AsyncGenerator<ListPage> {
    const start = readCheckpoint(options.checkpoint) ?? { part: 0 };
    const filters = incremental && options.changedSince ? `updatedTime:gte:"${options.changedSince.toISOString()}"` : undefined;
    for (let p = Math.min(start.part, parts.length); p < parts.length; p++) {
      const part = parts[p]!;
      let token = p === start.part ? start.page : undefined;
      let restarted = false;
      // Bounded: BILL's last page has no nextPage; 10,000 pages of 100 is far beyond any list.
      for (let n = 0; n < 10_000; n++) {
        const answer = await client.call(c, { path: part.path, query: { max: perPage, page: token, filters } }, signal);
        if (!answer.ok) {
          const pageRefused = token && answer.status === 400 && answer.errors.some((e) => e.params?.some((x) => x.name === 'page'));
          if (pageRefused && !restarted) {
            // A saved page token BILL no longer takes: read this list again from the top.
            restarted = true;
            token = undefined;
            continue;
          }
          throw failure(answer, `list ${part.path.split('/').pop()}`);
        }
        const page = listPageSchema.safeParse(answer.body);
        if (!page.success) throw new ProviderError('transient', 'BILL sent a list page in a shape we did not expect.', { providerMessage: page.error.message.slice(0, 500) });
        const next = page.data.nextPage || undefined;
        const checkpoint: Checkpoint | null = next ? { part: p, page: next } : p + 1 < parts.length ? { part: p + 1 } : null;
        yield { entries: part.toEntries(page.data.results), checkpoint: checkpoint ? JSON.stringify(checkpoint) : null };
        if (!next) break;
        token = next;
      }
    }
  }

  const partsFor: Record<ListKind, Part[]> = {
    categories: [{ path: '/classifications/chart-of-accounts', toEntries: (raw) => parseAll(chartOfAccountSchema, raw, 'the chart of accounts').map(categoryEntry) }],
    contacts: [
      { path: '/vendors', toEntries: (raw) => parseAll(vendorSchema, raw, 'vendors').map(vendorEntry) },
      { path: '/customers', toEntries: (raw) => parseAll(customerSchema, raw, 'customers').map(customerEntry) },
    ],
    projects: projectParts.map((part) => ({ path: part.path, toEntries: (raw: unknown[]) => parseAll(classificationSchema, raw, `${part.label.toLowerCase()}s`).map((p) => projectEntry(part.kind, p)) })),
    bank_accounts: [{ path: '/funding-accounts/banks', toEntries: (raw) => parseAll(bankAccountSchema, raw, 'bank accounts').map(bankAccountEntry) }],
    // BILL has no tax rates on AP documents, and items are not offered for cost lines.
    tax_rates: [],
    products: [],
  };

  async function* importList(session: ProviderSession, kind: ListKind, options: ImportOptions): AsyncGenerator<ListPage> {
    const c = await credentialsOf(session);
    const parts = partsFor[kind];
    if (parts.length === 0) {
      yield { entries: [], checkpoint: null, total: 0 };
      return;
    }
    yield* pages(c, parts, options, ctx.entry.incrementalLists.includes(kind), session.signal);
  }

  // --- publishing --------------------------------------------------------------------------

  const resultFor = (kind: BillDocumentKind, id: string, paymentId?: string): PublishResult => ({
    documentId: id,
    url: `${hostUrl(ctx, 'app')}/${kind === 'bill' ? 'bills' : 'vendor-credits'}/${encodeURIComponent(id)}`,
    ...(paymentId ? { paymentId } : {}),
  });

  interface Prepared {
    index: number;
    doc: PublishDocument;
    kind: BillDocumentKind;
    lines: BillLineOut[];
    body: Record<string, unknown>;
    /** For a paid bill: the ledger account of the bank account it was paid from. */
    payFrom?: { chartOfAccountId?: string };
  }

  /** The bank account a paid item names, for its ledger account (checked before the bill exists). */
  async function bankAccount(c: BillCredentials, id: string, signal?: AbortSignal): Promise<{ chartOfAccountId?: string }> {
    const answer = await client.call(c, { path: `/funding-accounts/banks/${encodeURIComponent(id)}` }, signal);
    const stale = () => new ProviderError('stale_reference', 'BILL does not have the bank account this item was paid from. Refresh the lists and choose another.', { status: answer.status, list: 'bank_accounts' });
    if (!answer.ok) {
      if (answer.status === 404 || answer.status === 400) throw stale();
      throw failure(answer, 'show the bank account');
    }
    const bank = bankAccountSchema.safeParse(answer.body);
    if (!bank.success || bank.data.archived) throw stale();
    return { chartOfAccountId: bank.data.chartOfAccountId ?? undefined };
  }

  async function prepare(c: BillCredentials, doc: PublishDocument, index: number, banks: Map<string, Promise<{ chartOfAccountId?: string }>>, signal?: AbortSignal): Promise<Prepared> {
    const kind = documentKind(doc);
    const lines = billLines(doc);
    const body = kind === 'bill' ? billBody(doc, lines) : vendorCreditBody(doc, lines);
    let payFrom: Prepared['payFrom'];
    if (doc.paid && kind === 'bill') {
      const amount = Number(doc.paid.amount);
      if (!Number.isFinite(amount) || amount <= 0) throw new ProviderError('validation', 'The payment amount must be more than zero.', { fields: [{ field: 'paid.amount', message: 'Must be more than zero' }] });
      const id = doc.paid.bankAccount.externalId;
      if (!banks.has(id)) banks.set(id, bankAccount(c, id, signal));
      payFrom = await banks.get(id)!;
    }
    return { index, doc, kind, lines, body, ...(payFrom ? { payFrom } : {}) };
  }

  type Created = { ok: true; id: string } | { ok: false; error: ProviderError };

  async function createOne(c: BillCredentials, p: Prepared, signal?: AbortSignal): Promise<Created> {
    try {
      const answer = await client.call(c, { method: 'POST', path: p.kind === 'bill' ? '/bills' : '/vendor-credits', json: p.body }, signal);
      if (!answer.ok) return { ok: false, error: accessError(answer.errors, answer.status, ctx.now()) ?? documentError(answer.errors, answer.status) };
      const parsed = (p.kind === 'bill' ? billSchema : vendorCreditSchema).safeParse(answer.body);
      if (!parsed.success) return { ok: false, error: new ProviderError('transient', 'BILL created the document but sent an answer we could not read.') };
      return { ok: true, id: parsed.data.id };
    } catch (error) {
      if (error instanceof ProviderError) return { ok: false, error };
      throw error;
    }
  }

  /**
   * Several documents of one kind: one bulk call (BILL creates all or none), so a refusal means
   * nothing was created and each document is then sent alone to learn which one BILL refuses.
   */
  async function createGroup(c: BillCredentials, group: Prepared[], signal?: AbortSignal): Promise<Created[]> {
    if (group.length === 1) return [await createOne(c, group[0]!, signal)];
    const kind = group[0]!.kind;
    let answer: BillAnswer;
    try {
      answer = await client.call(c, { method: 'POST', path: kind === 'bill' ? '/bills/bulk' : '/vendor-credits/bulk', json: group.map((p) => p.body) }, signal);
    } catch (error) {
      if (error instanceof ProviderError) return group.map(() => ({ ok: false, error }));
      throw error;
    }
    if (answer.ok) {
      // bills/bulk answers an array; vendor-credits/bulk wraps it: {"vendorCredits": [...]}.
      const list = kind === 'vendor_credit' && answer.body && typeof answer.body === 'object' && !Array.isArray(answer.body) ? (answer.body as { vendorCredits?: unknown }).vendorCredits : answer.body;
      const parsed = z.array(kind === 'bill' ? billSchema : vendorCreditSchema).safeParse(list);
      if (!parsed.success || parsed.data.length !== group.length) {
        const error = new ProviderError('transient', 'BILL created the documents but sent an answer we could not read.');
        return group.map(() => ({ ok: false, error }));
      }
      return parsed.data.map((d) => ({ ok: true, id: d.id }));
    }
    const access = accessError(answer.errors, answer.status, ctx.now());
    if (access) return group.map(() => ({ ok: false, error: access }));
    const out: Created[] = [];
    for (const p of group) out.push(await createOne(c, p, signal));
    return out;
  }

  /** Records the payment of a bill paid outside BILL; returns the payment id. */
  async function recordPayment(c: BillCredentials, doc: PublishDocument, billId: string, amount: number, chartOfAccountId: string | undefined, signal?: AbortSignal): Promise<string> {
    const answer = await client.call(c, { method: 'POST', path: '/bills/record-payment', json: recordPaymentBody(doc, billId, amount, chartOfAccountId) }, signal);
    if (!answer.ok) throw accessError(answer.errors, answer.status, ctx.now()) ?? documentError(answer.errors, answer.status);
    const paid = z.looseObject({ id: z.string() }).safeParse(answer.body);
    if (!paid.success) throw new ProviderError('transient', 'BILL recorded the payment but sent an answer we could not read.');
    return paid.data.id;
  }

  const paymentAmount = (doc: PublishDocument, total: number) => Math.min(Number(doc.paid!.amount), total);

  async function publish(session: ProviderSession, documents: PublishDocument[]): Promise<PublishOutcome[]> {
    const c = await credentialsOf(session);
    const signal = session.signal;
    const outcomes: PublishOutcome[] = new Array(documents.length);
    const banks = new Map<string, Promise<{ chartOfAccountId?: string }>>();
    const prepared: Prepared[] = [];
    for (const [index, doc] of documents.entries()) {
      try {
        prepared.push(await prepare(c, doc, index, banks, signal));
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        outcomes[index] = { ok: false, error };
      }
    }
    for (const kind of ['bill', 'vendor_credit'] as const) {
      const group = prepared.filter((p) => p.kind === kind);
      const created: Created[] = [];
      // One bulk call per 100 bills or 50 vendor credits (BILL's limits per request).
      for (let at = 0; at < group.length; at += bulkLimit[kind]) created.push(...(await createGroup(c, group.slice(at, at + bulkLimit[kind]), signal)));
      for (const [i, p] of group.entries()) {
        const result = created[i]!;
        if (!result.ok) {
          outcomes[p.index] = { ok: false, error: result.error };
          continue;
        }
        if (!p.doc.paid || kind !== 'bill') {
          outcomes[p.index] = { ok: true, result: resultFor(kind, result.id) };
          continue;
        }
        try {
          const paymentId = await recordPayment(c, p.doc, result.id, paymentAmount(p.doc, billTotal(p.lines)), p.payFrom?.chartOfAccountId, signal);
          outcomes[p.index] = { ok: true, result: resultFor(kind, result.id, paymentId) };
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          if (error.kind === 'validation' || error.kind === 'stale_reference' || error.kind === 'forbidden') {
            // The bill exists: it is published, unpaid in BILL (a retry must not make a second bill).
            outcomes[p.index] = { ok: true, result: resultFor(kind, result.id) };
          } else {
            // Unclear or postponed: the lookup on retry finds the bill and records the payment then.
            outcomes[p.index] = {
              ok: false,
              error: new ProviderError('transient', `BILL has the bill, but the payment could not be recorded yet: ${error.message}`, { providerMessage: error.providerMessage, status: error.status, cause: error }),
            };
          }
        }
      }
    }
    return outcomes;
  }

  /**
   * The document for this item, if BILL already has it: same vendor, same invoice (reference)
   * number, same amount, not archived. A paid bill found without its payment gets it now, which
   * finishes a publish that stopped between the two calls.
   */
  async function findPublished(session: ProviderSession, doc: PublishDocument): Promise<PublishResult | null> {
    const c = await credentialsOf(session);
    const signal = session.signal;
    let kind: BillDocumentKind;
    let total: number;
    try {
      kind = documentKind(doc);
      total = billTotal(billLines(doc));
    } catch {
      return null;
    }
    const reference = referenceOf(doc);
    const filters = `vendorId:eq:"${doc.contact.externalId}",archived:eq:false`;
    let token: string | undefined;
    // A vendor's recent documents, newest first; a few pages are plenty for a replay.
    for (let n = 0; n < 5; n++) {
      const answer = await client.call(c, { path: kind === 'bill' ? '/bills' : '/vendor-credits', query: { max: perPage, filters, sort: 'createdTime:desc', page: token } }, signal);
      if (!answer.ok) {
        const error = failure(answer, 'look the document up');
        // The vendor itself is gone: nothing of this item can be there.
        if (answer.status === 400 && error.kind === 'validation') return null;
        throw error;
      }
      const page = listPageSchema.parse(answer.body);
      if (kind === 'vendor_credit') {
        const credits = parseAll(vendorCreditSchema, page.results, 'vendor credits');
        const found = credits.find((v) => v.referenceNumber === reference && Math.abs((v.amount ?? NaN) - total) < 0.005);
        if (found) return resultFor(kind, found.id);
      } else {
        const bills = parseAll(billSchema, page.results, 'bills');
        const found = bills.find((b) => b.invoice?.invoiceNumber === reference && Math.abs((b.amount ?? NaN) - total) < 0.005);
        if (found) {
          if (doc.paid && (found.paidAmount ?? 0) === 0 && found.paymentStatus !== 'PAID' && found.paymentStatus !== 'SCHEDULED') {
            try {
              const { chartOfAccountId } = await bankAccount(c, doc.paid.bankAccount.externalId, signal);
              return resultFor(kind, found.id, await recordPayment(c, doc, found.id, paymentAmount(doc, total), chartOfAccountId, signal));
            } catch (error) {
              if (error instanceof ProviderError && (error.kind === 'transient' || error.kind === 'rate_limited' || error.kind === 'expired')) throw error;
              return resultFor(kind, found.id);
            }
          }
          return resultFor(kind, found.id);
        }
      }
      if (!page.nextPage) break;
      token = page.nextPage;
    }
    return null;
  }

  async function uploadAttachment(session: ProviderSession, published: PublishResult, doc: PublishDocument, file: Attachment): Promise<void> {
    const c = await credentialsOf(session);
    const signal = session.signal;
    const limits = ctx.entry.capabilities.attachments;
    if (limits && !limits.types.includes(file.contentType)) {
      throw new ProviderError('validation', `BILL takes PDF and image documents, not ${file.contentType}.`, { fields: [{ field: 'attachment', message: 'Unsupported type' }] });
    }
    if (limits && file.data.byteLength > limits.maxBytes) {
      throw new ProviderError('validation', `BILL takes documents up to ${Math.round(limits.maxBytes / 1024 / 1024)} MB.`, { fields: [{ field: 'attachment', message: 'Too large' }] });
    }
    if (documentKind(doc) !== 'bill') {
      throw new ProviderError('validation', 'BILL keeps documents on bills only; it has nowhere to attach a file to a vendor credit.', { fields: [{ field: 'attachment', message: 'Not supported for vendor credits' }] });
    }
    const billId = encodeURIComponent(published.documentId);
    // A retry after an unclear upload: the file may already be there.
    const existing = await client.call(c, { path: `/documents/bills/${billId}`, query: { max: perPage } }, signal);
    if (!existing.ok) throw failure(existing, 'list the bill’s documents');
    const names = z.looseObject({ results: z.array(z.looseObject({ name: z.string().nullish() })) }).safeParse(existing.body);
    if (names.success && names.data.results.some((d) => d.name === file.fileName)) return;

    const sent = await client.call(
      c,
      { method: 'POST', path: `/documents/bills/${billId}`, query: { name: file.fileName }, body: new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.contentType }), headers: { 'content-type': file.contentType } },
      signal,
    );
    if (!sent.ok) {
      const error = accessError(sent.errors, sent.status, ctx.now()) ?? documentError(sent.errors, sent.status);
      if (error.kind === 'validation') throw new ProviderError('validation', `BILL refused the document: ${error.fields[0]?.message ?? error.message}`, { status: error.status, providerMessage: error.providerMessage, fields: [{ field: 'attachment', message: error.fields[0]?.message ?? '' }] });
      throw error;
    }
    const id = z.looseObject({ id: z.string() }).safeParse(sent.body);
    if (!id.success) throw new ProviderError('transient', 'BILL took the document but sent an answer we could not read.');
    if (id.data.id.startsWith('00h')) return;

    // Asynchronous: 0du… while BILL processes the file. Wait a little for UPLOADED or FAILED.
    for (const pause of uploadPollMs) {
      await sleep(pause, signal);
      const answer = await client.call(c, { path: '/documents/upload-status', query: { ids: id.data.id } }, signal);
      if (!answer.ok) throw failure(answer, 'report on the upload');
      const statuses = z.array(z.looseObject({ uploadId: z.string().nullish(), documentId: z.string().nullish(), status: z.string().nullish() })).safeParse(answer.body);
      const status = statuses.success ? statuses.data.find((s) => s.uploadId === id.data.id) ?? statuses.data[0] : undefined;
      if (status?.status === 'FAILED') {
        throw new ProviderError('validation', 'BILL could not process the document (it may be damaged or password-protected).', {
          providerMessage: `upload ${id.data.id} FAILED`,
          fields: [{ field: 'attachment', message: 'BILL could not process the file' }],
        });
      }
      if (status?.documentId || status?.status === 'UPLOADED') return;
    }
    // Still processing: BILL finishes it on its own ("it takes a few minutes"); sending it again
    // now would only make a second copy.
  }

  return {
    id: 'bill-com',

    async verifyCredentials(values: KeyCredentials) {
      const c = readCredentials(values);
      const session = await client.connect(c);
      const org = await organisation(c);
      return {
        // The session is kept with the connection so the next job need not sign in again.
        values: { username: c.username, password: c.password, organizationId: c.organizationId, ...(c.devKey ? { devKey: c.devKey } : {}), sessionId: session.sessionId },
        organisations: [org],
      };
    },

    async listOrganisations(credentials: Credentials) {
      if (credentials.kind === 'oauth2') throw new ProviderError('expired', 'The saved BILL connection has no sign-in details: reconnect BILL.');
      return [await organisation(readCredentials(credentials.values))];
    },

    importList,
    publish,
    findPublished,
    uploadAttachment,
  };
}
