/**
 * The Sage Accounting (v3.1, UK/IE) adapter. OAuth 2 authorization code; one sign-in covers
 * every business the user can open, chosen from `/businesses` and sent as `X-Business` on every
 * call. Lists page through `$next` at 200 a page; refresh asks for `updated_or_created_since`
 * and, where Sage offers it, `deleted_since` (reported as `deleted`). Sage has no idempotency
 * key: every document carries a reference and our tag, and `findPublished` looks it up.
 * Paid invoices get a contact payment allocated to them (bank match).
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError } from '../errors.js';
import { publishEach } from '../publish-each.js';
import type {
  Attachment,
  Credentials,
  ImportOptions,
  ListEntry,
  ListPage,
  Organisation,
  ProviderAdapter,
  ProviderContext,
  ProviderSession,
  PublishDocument,
  PublishOutcome,
  PublishResult,
  TokenSet,
} from '../types.js';
import { documentError, documentTiers, forbiddenError, readDiagnoses } from './classify.js';
import { createSageClient, type ApiResponse } from './client.js';
import {
  analysisCategoryEntry,
  analysisCategorySchema,
  artefactBody,
  bankAccountEntry,
  bankAccountSchema,
  catalogId,
  catalogItemEntry,
  catalogItemSchema,
  contactEntry,
  contactPaymentBody,
  contactSchema,
  destinations,
  envelopeSchema,
  isDestination,
  ledgerAccountEntry,
  ledgerAccountSchema,
  marker,
  otherPaymentBody,
  referenceOf,
  taxRateEntry,
  taxRateSchema,
  totalOf,
  type SageDestination,
} from './mapping.js';

const PAGE_SIZE = 200;

/** One pass over one endpoint: the changes, or (deleted) the ids Sage reports as deleted. */
interface Step {
  path: string;
  query: Record<string, string>;
  deleted?: boolean;
  entry?: (raw: unknown) => ListEntry | null;
  idOf?: (id: string) => string;
  /** analysis types: a plan without them answers 403, which means "no projects", not a failure. */
  optional?: boolean;
}

interface Checkpoint {
  step: number;
  next: string | null;
}

/** Sage's delta filters want `YYYY-MM-DDThh:mm:ss(+|-)hh:mm`. */
export function sageDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, map: (v: T) => ListEntry) {
  return (raw: unknown) => {
    const r = schema.safeParse(raw);
    return r.success ? map(r.data) : null;
  };
}

function steps(kind: ListKind, changedSince: Date | undefined): Step[] {
  const since = changedSince ? sageDateTime(changedSince) : undefined;
  const base = { items_per_page: String(PAGE_SIZE), attributes: 'all', ...(since ? { updated_or_created_since: since } : {}) };
  const deletions = (path: string, idOf?: (id: string) => string): Step[] =>
    since ? [{ path, query: { items_per_page: String(PAGE_SIZE), deleted_since: since }, deleted: true, idOf }] : [];
  switch (kind) {
    case 'categories':
      // Control accounts (debtors, creditors, VAT) cannot go on a document line.
      return [{ path: '/ledger_accounts', query: { ...base, show_control_accounts: 'false' }, entry: parsed(ledgerAccountSchema, ledgerAccountEntry) }];
    case 'contacts':
      return [{ path: '/contacts', query: { ...base, exclude_system: 'true' }, entry: parsed(contactSchema, contactEntry) }, ...deletions('/contacts')];
    case 'tax_rates':
      return [{ path: '/tax_rates', query: base, entry: parsed(taxRateSchema, taxRateEntry) }];
    case 'products':
      return (['product', 'service'] as const).flatMap((k) => [
        { path: `/${k}s`, query: base, entry: parsed(catalogItemSchema, (i) => catalogItemEntry(k, i)) },
        ...deletions(`/${k}s`, (id) => catalogId(k, id)),
      ]);
    case 'projects':
      return [
        {
          path: '/analysis_type_categories',
          query: { ...base, analysis_type_level: 'TRANSACTION' },
          entry: parsed(analysisCategorySchema, analysisCategoryEntry),
          optional: true,
        },
      ];
    case 'bank_accounts':
      return [{ path: '/bank_accounts', query: base, entry: parsed(bankAccountSchema, bankAccountEntry) }, ...deletions('/bank_accounts')];
  }
}

function readCheckpoint(value: string | null | undefined): Checkpoint {
  if (!value) return { step: 0, next: null };
  try {
    const c = JSON.parse(value) as Checkpoint;
    if (Number.isInteger(c.step) && c.step >= 0 && (c.next === null || typeof c.next === 'string')) return c;
  } catch {
    // fall through: an unreadable checkpoint restarts the list
  }
  return { step: 0, next: null };
}

export function createSageAccountingAdapter(ctx: ProviderContext): ProviderAdapter {
  const client = createSageClient(ctx);
  /** Invoices created whose payment did not go through yet, by idempotency key (resumed on retry). */
  const unpaid = new Map<string, PublishResult>();
  const tiers = new Map<string, string>();

  const webBase = ctx.hosts.www === ctx.entry.hosts.www ? 'https://app.accounting.sage.com' : `${ctx.hosts.www!.replace(/\/$/, '')}/app`;
  const urlOf = (destination: SageDestination, id: string) => `${webBase}${destinations[destination].path}/${id}`;

  /** The business's plan name, for a clear refusal message (fetched once, only after a 403). */
  async function tierName(session: ProviderSession): Promise<string | undefined> {
    if (tiers.has(session.organisationId)) return tiers.get(session.organisationId);
    try {
      const r = await client.request(session, { path: `/businesses/${session.organisationId}` });
      const subs = (r.body as { subscriptions?: Array<{ displayed_as?: string; active?: boolean }> } | null)?.subscriptions ?? [];
      const name = subs.find((s) => s.active !== false)?.displayed_as ?? subs[0]?.displayed_as;
      if (name) tiers.set(session.organisationId, name);
      return name;
    } catch {
      return undefined;
    }
  }

  async function failure(session: ProviderSession, response: ApiResponse, what: string, destination?: SageDestination): Promise<ProviderError> {
    const diagnoses = readDiagnoses(response.body);
    if (response.status === 403) {
      return forbiddenError(diagnoses, `create this ${what}`, destination ? documentTiers[destination] : undefined, await tierName(session));
    }
    return documentError(diagnoses, response.status, what);
  }

  async function* importList(session: ProviderSession, kind: ListKind, options: ImportOptions): AsyncIterable<ListPage> {
    const incremental = options.changedSince && ctx.entry.incrementalLists.includes(kind) ? options.changedSince : undefined;
    const plan = steps(kind, incremental);
    let { step, next } = readCheckpoint(options.checkpoint);
    let total = 0;
    while (step < plan.length) {
      const s = plan[step] as Step;
      const response = next ? await client.request(session, { path: next }) : await client.request(session, { path: s.path, query: s.query });
      if (s.optional && (response.status === 403 || response.status === 404)) {
        // e.g. Accounting Start has no analysis types: the list is simply empty.
        step++;
        next = null;
        yield { entries: [], checkpoint: step < plan.length ? JSON.stringify({ step, next }) : null, total };
        continue;
      }
      if (response.status === 403) throw forbiddenError(readDiagnoses(response.body), `list ${s.path.slice(1).replace(/_/g, ' ')}`);
      if (response.status !== 200) {
        throw new ProviderError('transient', `Sage Accounting could not list ${s.path.slice(1).replace(/_/g, ' ')} (${response.status}).`, {
          status: response.status,
          providerMessage: JSON.stringify(response.body).slice(0, 500),
        });
      }
      const page = envelopeSchema.safeParse(response.body);
      if (!page.success) throw new ProviderError('transient', `Sage Accounting sent ${s.path.slice(1)} in a shape we did not expect.`);
      next = page.data.$next ?? null;
      if (!next) {
        step++;
      }
      const checkpoint = next || step < plan.length ? JSON.stringify({ step, next } satisfies Checkpoint) : null;
      if (s.deleted) {
        const ids = page.data.$items.map((x) => (x as { id?: unknown })?.id).filter((id): id is string => typeof id === 'string');
        yield { entries: [], deleted: ids.map((id) => (s.idOf ? s.idOf(id) : id)), checkpoint };
      } else {
        if (!next) total += page.data.$total ?? 0;
        const entries = page.data.$items.map((raw) => s.entry?.(raw) ?? null).filter((e): e is ListEntry => e !== null);
        yield { entries, checkpoint, ...(page.data.$total !== undefined && page.data.$total !== null && plan.filter((p) => !p.deleted).length === 1 ? { total: page.data.$total } : {}) };
      }
    }
  }

  async function create(session: ProviderSession, destination: SageDestination, body: unknown): Promise<Record<string, unknown>> {
    const spec = destinations[destination];
    const response = await client.request(session, { method: 'POST', path: spec.path, json: body });
    if (response.status !== 201 && response.status !== 200) throw await failure(session, response, spec.what, destination);
    return (response.body ?? {}) as Record<string, unknown>;
  }

  /** Pays a published invoice in full or in part (bank match); idempotent through the invoice's allocations. */
  async function pay(session: ProviderSession, destination: SageDestination, doc: PublishDocument, invoiceId: string): Promise<string> {
    const response = await client.request(session, { method: 'POST', path: '/contact_payments', json: contactPaymentBody(destination, doc, invoiceId) });
    if (response.status !== 201 && response.status !== 200) throw await failure(session, response, 'payment');
    return String((response.body as { id?: unknown }).id);
  }

  async function publishOne(session: ProviderSession, doc: PublishDocument): Promise<PublishResult> {
    const destination = doc.destination;
    if (!isDestination(destination)) throw new ProviderError('validation', `Sage Accounting has no destination "${destination}".`, { fields: [{ field: 'destination', message: 'Unknown' }] });
    if (destination === 'other_payment' || destination === 'other_receipt') {
      const created = await create(session, destination, otherPaymentBody(destination, doc));
      return { documentId: String(created.id), url: urlOf(destination, String(created.id)) };
    }
    const needsPayment = Boolean(doc.paid) && destination.endsWith('invoice');
    let result = unpaid.get(doc.idempotencyKey);
    if (!result) {
      const created = await create(session, destination, artefactBody(destination, doc));
      result = { documentId: String(created.id), url: urlOf(destination, String(created.id)) };
    }
    if (!needsPayment) return result;
    try {
      const paymentId = await pay(session, destination, doc, result.documentId);
      unpaid.delete(doc.idempotencyKey);
      return { ...result, paymentId };
    } catch (error) {
      // The invoice exists: a retry pays it instead of creating a second one.
      unpaid.set(doc.idempotencyKey, result);
      if (error instanceof ProviderError) {
        throw new ProviderError(error.kind, `The ${destinations[destination].what} was created in Sage, but its payment was not: ${error.message}`, {
          status: error.status,
          providerMessage: error.providerMessage,
          fields: error.fields,
          retryAfterMs: error.retryAfterMs,
          list: error.list,
          cause: error,
        });
      }
      throw error;
    }
  }

  const sameMoney = (a: unknown, b: number) => typeof a === 'number' && Math.abs(a - b) < 0.005;

  async function findPublished(session: ProviderSession, doc: PublishDocument): Promise<PublishResult | null> {
    const destination = doc.destination;
    if (!isDestination(destination)) return null;
    const spec = destinations[destination];
    const reference = referenceOf(doc);
    const tag = marker(doc);
    if (destination === 'other_payment' || destination === 'other_receipt') {
      const body = otherPaymentBody(destination, doc);
      const root = body.other_payment;
      const response = await client.request(session, {
        path: spec.path,
        query: { transaction_type_id: root.transaction_type_id, bank_account_id: root.bank_account_id, from_date: root.date, to_date: root.date, attributes: 'all', items_per_page: PAGE_SIZE },
      });
      if (response.status !== 200) throw new ProviderError('transient', `Sage Accounting could not look the ${spec.what} up (${response.status}).`, { status: response.status });
      const found = (envelopeSchema.parse(response.body).$items as Array<Record<string, unknown>>).find(
        (p) => p.reference === reference && sameMoney(p.total_amount, root.total_amount) && (!p.contact || (p.contact as { id?: string }).id === doc.contact.externalId),
      );
      return found ? { documentId: String(found.id), url: urlOf(destination, String(found.id)) } : null;
    }
    const body = artefactBody(destination, doc);
    const total = totalOf(body);
    const response = await client.request(session, {
      path: spec.path,
      query: { search: reference, contact_id: doc.contact.externalId, from_date: doc.date, to_date: doc.date, attributes: 'all', show_payments_allocations: true, items_per_page: PAGE_SIZE },
    });
    if (response.status !== 200) throw new ProviderError('transient', `Sage Accounting could not look the ${spec.what} up (${response.status}).`, { status: response.status });
    const items = envelopeSchema.parse(response.body).$items as Array<Record<string, unknown>>;
    const found =
      items.find((x) => typeof x.notes === 'string' && x.notes.includes(tag)) ??
      items.find((x) => x.reference === reference && sameMoney(x.total_amount, total) && !(typeof x.notes === 'string' && /BB-[0-9A-F]{10}/.test(x.notes)));
    if (!found) return null;
    const result: PublishResult = { documentId: String(found.id), url: urlOf(destination, String(found.id)) };
    if (!doc.paid || !destination.endsWith('invoice')) return result;
    const allocations = (found.payments_allocations ?? []) as Array<{ contact_payment?: { id?: string } | null }>;
    const paymentId = allocations.map((a) => a.contact_payment?.id).find((id): id is string => typeof id === 'string');
    if (paymentId) return { ...result, paymentId };
    // Found but not paid: the earlier attempt stopped between the two calls; finish it now.
    unpaid.set(doc.idempotencyKey, result);
    const paid = await pay(session, destination, doc, result.documentId);
    unpaid.delete(doc.idempotencyKey);
    return { ...result, paymentId: paid };
  }

  return {
    id: 'sage-accounting',

    authorizationUrl({ state, redirectUri }) {
      if (!ctx.client) throw new ProviderError('credentials', 'This server has no Sage Accounting app configured (client id and secret).');
      // Sage's authorize endpoint takes no PKCE (sage-accounting.md §1); state protects the callback.
      const url = new URL(client.authorizationEndpoint);
      url.search = new URLSearchParams({
        filter: 'apiv3.1',
        response_type: 'code',
        client_id: ctx.client.id,
        redirect_uri: redirectUri,
        scope: ctx.entry.scopes.join(' '),
        state,
      }).toString();
      return url;
    },

    async exchangeCode({ code, redirectUri, params }) {
      if (params.error) {
        const reason = params.reason ?? params.error_description ?? params.error;
        throw new ProviderError(
          'credentials',
          /email already in use/i.test(reason)
            ? 'Sage says this login has no business in the country you picked. Sign in again, pick the country your business is in, and use the login of that business.'
            : `Sage did not complete the sign-in: ${reason}.`,
          { providerMessage: reason },
        );
      }
      return client.exchangeCode(code, redirectUri, params);
    },

    refreshTokens: (tokens: TokenSet) => client.refresh(tokens),

    async listOrganisations(credentials: Credentials): Promise<Organisation[]> {
      const out: Organisation[] = [];
      let next: string | null = '/businesses';
      for (let guard = 0; next && guard < 50; guard++) {
        const response: ApiResponse = await client.userRequest(credentials, { path: next });
        if (response.status !== 200) throw new ProviderError('transient', `Sage Accounting could not list your businesses (${response.status}).`, { status: response.status });
        const page = envelopeSchema.parse(response.body);
        for (const raw of page.$items as Array<Record<string, unknown>>) {
          const subs = (raw.subscriptions ?? []) as Array<{ displayed_as?: string; active?: boolean }>;
          const country = (raw.country as { id?: string } | null)?.id;
          const plan = subs.find((s) => s.active !== false)?.displayed_as ?? (subs.length ? `${subs[0]?.displayed_as} (inactive)` : undefined);
          out.push({ id: String(raw.id), name: String(raw.name ?? raw.displayed_as ?? raw.id), detail: [country, plan].filter(Boolean).join(' · ') || undefined });
          if (plan) tiers.set(String(raw.id), plan);
        }
        next = page.$next ?? null;
      }
      return out;
    },

    async revoke(credentials: Credentials) {
      if (credentials.kind !== 'oauth2') return;
      await client.revoke(credentials.tokens);
    },

    importList,

    async publish(session: ProviderSession, documents: PublishDocument[]): Promise<PublishOutcome[]> {
      // Sage has no bulk create: one document per POST (batchSize 1); more are sent in turn.
      return publishEach(documents, (doc) => publishOne(session, doc));
    },

    findPublished,

    async uploadAttachment(session: ProviderSession, published: PublishResult, doc: PublishDocument, file: Attachment) {
      const limits = ctx.entry.capabilities.attachments;
      if (limits && !limits.types.includes(file.contentType)) {
        throw new ProviderError('validation', `Sage Accounting takes PDF and image attachments here, not ${file.contentType}.`, { fields: [{ field: 'attachment', message: 'Unsupported type' }] });
      }
      if (limits && file.data.byteLength > limits.maxBytes) {
        throw new ProviderError('validation', `Sage Accounting takes attachments up to ${Math.round(limits.maxBytes / 1024 / 1024)} MB.`, { fields: [{ field: 'attachment', message: 'Too large' }] });
      }
      if (!isDestination(doc.destination)) throw new ProviderError('validation', `Sage Accounting has no destination "${doc.destination}".`);
      const spec = destinations[doc.destination];
      let link: Record<string, string>;
      if (spec.contextType) {
        link = { attachment_context_type_id: spec.contextType, attachment_context_id: published.documentId };
      } else {
        // Other payments have no attachment context type: attach to their transaction.
        const response = await client.request(session, { path: `${spec.path}/${published.documentId}` });
        const transaction = (response.body as { transaction?: { id?: string } } | null)?.transaction?.id;
        if (response.status !== 200 || !transaction) {
          throw new ProviderError(response.status === 404 ? 'stale_reference' : 'transient', `Sage Accounting could not find the ${spec.what} to attach the file to.`, { status: response.status });
        }
        link = { transaction_id: transaction };
      }
      const dot = file.fileName.lastIndexOf('.');
      const response = await client.request(session, {
        method: 'POST',
        path: '/attachments',
        json: {
          attachment: {
            file: Buffer.from(file.data).toString('base64'),
            file_name: file.fileName.slice(0, 255),
            mime_type: file.contentType,
            ...(dot > 0 ? { file_extension: file.fileName.slice(dot) } : {}),
            file_size: file.data.byteLength,
            description: `${spec.what} ${referenceOf(doc)}`.slice(0, 200),
            ...link,
          },
        },
      });
      if (response.status !== 201 && response.status !== 200) throw await failure(session, response, 'attachment');
    },
  };
}
