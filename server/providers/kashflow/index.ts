/**
 * The KashFlow adapter. One login is one company. KashFlow's REST API needs a session made
 * from the username, the password and three letters of the memorable word; the API Settings
 * page may restrict calls to listed IP addresses, and the AutoAuth key lets this server list
 * its own IP (SOAP `AutoAuthIP`) so nobody has to look it up. KashFlow has no idempotency
 * mechanism: a retry after an unclear failure first looks the document up (`findPublished`).
 */
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import { publishEach } from '../publish-each.js';
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
import type { ListKind } from '../../../shared/catalogue.js';
import { appName, createKashflowClient, hostUrl, readCredentials, type KashflowCredentials } from './client.js';
import {
  bankAccountEntry,
  bankAccountSchema,
  contactEntry,
  contactSchema,
  destinations,
  expenseBody,
  grossOf,
  invoiceBody,
  invoiceNumber,
  isCredit,
  kashflowLines,
  lookupReference,
  nominalEntry,
  nominalSchema,
  objectTypeOf,
  pageSchema,
  productEntry,
  productSchema,
  projectEntry,
  projectSchema,
  purchaseBody,
  vatRateEntry,
  vatRateSchema,
  type KashflowDestination,
  type PaymentDefaults,
} from './mapping.js';

/**
 * What the user gives to connect KashFlow, in order. `fromPage` fields can be read from
 * KashFlow's own pages by the extension: the username from `#signed-in-user[data-username]`,
 * the key from `#autoauth-key` on Apps > API Settings once Enable AutoAuth is ticked. The
 * password and memorable word are typed by the user and never read from a page.
 */
export const kashflowCredentialFields = [
  { name: 'username', label: 'KashFlow username', secret: false, required: true, fromPage: true },
  {
    name: 'password',
    label: 'Password',
    hint: 'Your KashFlow login password, or the separate API password if API Settings uses one.',
    secret: true,
    required: true,
    fromPage: false,
  },
  {
    name: 'memorableWord',
    label: 'Memorable word',
    hint: 'KashFlow asks for three of its letters at each sign-in; Bookbridge answers for you.',
    secret: true,
    required: true,
    fromPage: false,
  },
  {
    name: 'autoAuthKey',
    label: 'AutoAuth key',
    hint: 'Apps > API Settings > tick Enable AutoAuth, then copy the key. It lets this server add its IP address to KashFlow\'s allowed list.',
    secret: true,
    required: false,
    fromPage: true,
  },
] as const;

const perPage = 100; // KashFlow's documented maximum

interface ContactCheckpoint {
  part: 'suppliers' | 'customers';
  page: number;
}

function readCheckpoint<T>(raw: string | null | undefined, valid: (v: unknown) => v is T): T | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const isPageCheckpoint = (v: unknown): v is { page: number } =>
  typeof v === 'object' && v !== null && Number.isInteger((v as { page?: unknown }).page) && (v as { page: number }).page >= 1;
const isContactCheckpoint = (v: unknown): v is ContactCheckpoint =>
  isPageCheckpoint(v) && ['suppliers', 'customers'].includes((v as { part?: unknown }).part as string);

function isDestination(value: string): value is KashflowDestination {
  return (destinations as readonly string[]).includes(value);
}

export function createKashflowAdapter(ctx: ProviderContext): ProviderAdapter {
  const client = createKashflowClient(ctx);

  async function credentialsOf(session: ProviderSession): Promise<KashflowCredentials> {
    const creds = await session.credentials();
    if (creds.kind === 'oauth2') throw new ProviderError('expired', 'The saved KashFlow connection has no username and password: reconnect KashFlow.');
    return readCredentials(creds.values);
  }

  async function organisation(c: KashflowCredentials, signal?: AbortSignal): Promise<Organisation> {
    const settings = await client.getJson(
      c,
      '/settings',
      z.looseObject({ CompanyName: z.string().nullish(), CompanyId: z.union([z.string(), z.number()]).nullish(), BaseCurrency: z.string().nullish() }),
      undefined,
      signal,
    );
    const s = await client.session(c, signal);
    const id = String(settings.CompanyId ?? s.companyId);
    return { id, name: settings.CompanyName || s.companyName || `KashFlow company ${id}`, detail: settings.BaseCurrency ?? undefined };
  }

  /** One paged KashFlow list, from `page`, yielding a page at a time. */
  async function* pages<T>(
    c: KashflowCredentials,
    path: string,
    schema: z.ZodType<T>,
    firstPage: number,
    toEntry: (item: T) => ListEntry,
    checkpointAfter: (page: number, last: boolean) => string | null,
    signal?: AbortSignal,
  ): AsyncGenerator<ListPage> {
    // Bounded: stops at the last page KashFlow reports, or on an empty page.
    for (let page = firstPage; page < firstPage + 10_000; page++) {
      const body = await client.getJson(c, path, pageSchema, { page, perpage: perPage, sortby: path === '/suppliers' || path === '/customers' ? 1 : undefined }, signal);
      const items = z.array(schema).safeParse(body.Data);
      if (!items.success) throw new ProviderError('transient', `KashFlow sent ${path.slice(1)} in a shape we did not expect.`, { providerMessage: items.error.message.slice(0, 500) });
      const total = body.MetaData?.TotalRecords ?? undefined;
      const last = items.data.length < perPage || !body.MetaData?.NextPageUrl || (total !== undefined && page * perPage >= total);
      yield { entries: items.data.map(toEntry), checkpoint: checkpointAfter(page, last), total };
      if (last) return;
    }
  }

  async function* importList(session: ProviderSession, kind: ListKind, options: ImportOptions): AsyncGenerator<ListPage> {
    const c = await credentialsOf(session);
    const signal = session.signal;
    switch (kind) {
      case 'categories': {
        const nominals = await client.getJson(c, '/nominals', z.array(nominalSchema), undefined, signal);
        yield { entries: nominals.map(nominalEntry), checkpoint: null, total: nominals.length };
        return;
      }
      case 'tax_rates': {
        const rates = await client.getJson(c, '/vat/settings/vatrates', z.array(vatRateSchema), undefined, signal);
        yield { entries: rates.map(vatRateEntry), checkpoint: null, total: rates.length };
        return;
      }
      case 'bank_accounts': {
        const accounts = await client.getJson(c, '/bankaccounts', z.array(bankAccountSchema), { includeArchivedAccounts: true }, signal);
        yield { entries: accounts.map(bankAccountEntry), checkpoint: null, total: accounts.length };
        return;
      }
      case 'products': {
        const from = readCheckpoint(options.checkpoint, isPageCheckpoint)?.page ?? 1;
        yield* pages(c, '/products', productSchema, from, productEntry, (page, last) => (last ? null : JSON.stringify({ page: page + 1 })), signal);
        return;
      }
      case 'projects': {
        const from = readCheckpoint(options.checkpoint, isPageCheckpoint)?.page ?? 1;
        yield* pages(c, '/projects', projectSchema, from, projectEntry, (page, last) => (last ? null : JSON.stringify({ page: page + 1 })), signal);
        return;
      }
      case 'contacts': {
        // Suppliers, then customers: two KashFlow lists, one Bookbridge list.
        const start = readCheckpoint(options.checkpoint, isContactCheckpoint) ?? { part: 'suppliers', page: 1 };
        if (start.part === 'suppliers') {
          yield* pages(
            c,
            '/suppliers',
            contactSchema,
            start.page,
            (s) => contactEntry(s, 'supplier'),
            (page, last) => JSON.stringify(last ? { part: 'customers', page: 1 } : { part: 'suppliers', page: page + 1 }),
            signal,
          );
        }
        yield* pages(
          c,
          '/customers',
          contactSchema,
          start.part === 'customers' ? start.page : 1,
          (s) => contactEntry(s, 'customer'),
          (page, last) => (last ? null : JSON.stringify({ part: 'customers', page: page + 1 })),
          signal,
        );
        return;
      }
    }
  }

  async function vatRatesById(c: KashflowCredentials, doc: PublishDocument, signal?: AbortSignal): Promise<Map<string, string>> {
    const needed = doc.taxMode !== 'no_tax' && doc.lines.some((l) => l.tax && l.tax.rate === undefined);
    if (!needed) return new Map();
    const rates = await client.getJson(c, '/vat/settings/vatrates', z.array(vatRateSchema), undefined, signal);
    return new Map(rates.map((r) => [String(r.VATId), String(r.VATRate)]));
  }

  /** The payment method KashFlow needs with a payment: the bank account's default one. */
  async function paymentDefaults(c: KashflowCredentials, doc: PublishDocument, signal?: AbortSignal): Promise<PaymentDefaults | undefined> {
    if (!doc.paid) return undefined;
    const accounts = await client.getJson(c, '/bankaccounts', z.array(bankAccountSchema), { includeArchivedAccounts: true }, signal);
    const wanted = doc.paid.bankAccount;
    const account = accounts.find((a) => String(a.Id) === wanted.externalId) ?? accounts.find((a) => wanted.code !== undefined && String(a.Code) === wanted.code);
    if (!account) {
      throw new ProviderError('stale_reference', `KashFlow does not have the bank account this item was paid from. Refresh the lists and choose another.`, { list: 'bank_accounts' });
    }
    return { accountId: account.Id, method: account.DefaultPurchasePaymentType?.Id ?? 3 /* BACS [?] */ };
  }

  function resultFor(destination: KashflowDestination, number: unknown, paymentId?: unknown): PublishResult {
    const type = objectTypeOf(destination);
    const id = String(number);
    return {
      documentId: id,
      url: `${hostUrl(ctx, 'app')}/${type}/${encodeURIComponent(id)}`,
      ...(paymentId !== undefined && paymentId !== null ? { paymentId: String(paymentId) } : {}),
    };
  }

  async function publishOne(c: KashflowCredentials, doc: PublishDocument, signal?: AbortSignal): Promise<PublishResult> {
    const destination = doc.destination;
    if (!isDestination(destination)) {
      throw new ProviderError('validation', `KashFlow has no destination "${destination}".`, { fields: [{ field: 'destination', message: 'Unknown' }] });
    }
    const lines = kashflowLines(doc, await vatRatesById(c, doc, signal), isCredit(destination));
    if (destination === 'expense') {
      const payment = await paymentDefaults(c, doc, signal);
      if (!payment) throw new ProviderError('validation', 'A KashFlow bank payment must be paid: choose the bank account it was paid from.', { fields: [{ field: 'paid', message: 'Required' }] });
      const created = await client.create(c, '/expenses', expenseBody(doc, lines, payment), signal);
      return resultFor(destination, created.Number);
    }
    const payment = await paymentDefaults(c, doc, signal);
    if (objectTypeOf(destination) === 'invoices') {
      const created = await client.create(c, '/invoices', invoiceBody(doc, lines, payment), signal);
      return resultFor(destination, created.Number, firstPaymentId(created));
    }
    const created = await client.create(c, '/purchases', purchaseBody(doc, lines, payment), signal);
    return resultFor(destination, created.Number, firstPaymentId(created));
  }

  function firstPaymentId(created: Record<string, unknown>): unknown {
    const lines = created.PaymentLines;
    return Array.isArray(lines) && lines.length > 0 ? (lines[0] as { Id?: unknown }).Id : undefined;
  }

  const documentSummary = z.looseObject({
    Number: z.coerce.number(),
    SupplierCode: z.string().nullish(),
    CustomerCode: z.string().nullish(),
    SupplierReference: z.string().nullish(),
    CustomerReference: z.string().nullish(),
    Comment: z.string().nullish(),
    IssuedDate: z.string().nullish(),
    GrossAmount: z.coerce.number().nullish(),
    Amount: z.coerce.number().nullish(),
  });

  /**
   * Looks a document up by what we sent: contact, reference (or our BB- marker), date and
   * gross total; an invoice with a numeric number is looked up by that Number.
   */
  async function findPublished(session: ProviderSession, doc: PublishDocument): Promise<PublishResult | null> {
    const c = await credentialsOf(session);
    const signal = session.signal;
    const destination = doc.destination;
    if (!isDestination(destination)) return null;
    const lines = kashflowLines(doc, await vatRatesById(c, doc, signal), isCredit(destination));
    const gross = grossOf(lines);
    const reference = lookupReference(doc).toLowerCase();
    const sameDay = (date: string | null | undefined, want: string) => !date || date.slice(0, 10) === want.slice(0, 10);
    const contact = (doc.contact.code ?? doc.contact.externalId.replace(/^(supplier|customer):/, '')).toLowerCase();
    const type = objectTypeOf(destination);

    if (type === 'invoices') {
      const number = invoiceNumber(doc);
      if (number !== undefined) {
        const response = await client.request(c, { path: `/invoices/${number}` }, signal);
        if (response.status === 404) return null;
        if (!response.ok) throw new ProviderError('transient', 'KashFlow could not look the invoice up.', { status: response.status });
        const found = documentSummary.safeParse(await response.json());
        return found.success && found.data.CustomerCode?.toLowerCase() === contact ? resultFor(destination, found.data.Number) : null;
      }
    }
    const query = type === 'invoices' ? { customercode: contact, searchtext: reference } : { suppliercode: contact, searchtext: reference };
    // A handful of matches at most; bounded pages in case a reference is very common.
    for (let page = 1; page <= 5; page++) {
      const body = await client.getJson(c, `/${type}`, pageSchema, { ...query, page, perpage: perPage }, signal);
      for (const raw of body.Data) {
        const d = documentSummary.safeParse(raw);
        if (!d.success) continue;
        const doc2 = d.data;
        const ref = (type === 'invoices' ? doc2.CustomerReference : type === 'expenses' ? doc2.Comment : doc2.SupplierReference) ?? '';
        const total = type === 'expenses' ? doc2.Amount : doc2.GrossAmount;
        const refMatches = type === 'expenses' ? ref.toLowerCase().includes(reference) : ref.toLowerCase() === reference;
        const date = type === 'expenses' ? (doc.paid?.date ?? doc.date) : doc.date;
        if (refMatches && sameDay(doc2.IssuedDate, date) && (total === null || total === undefined || Math.abs(total - gross) < 0.005)) {
          return resultFor(destination, doc2.Number);
        }
      }
      if (!body.MetaData?.NextPageUrl) break;
    }
    return null;
  }

  return {
    id: 'kashflow',

    async verifyCredentials(values: KeyCredentials) {
      const c = readCredentials(values);
      // The key first: on a fresh account nothing gets in until this server's IP is listed.
      if (c.autoAuthKey) await client.autoAuthIP(c.autoAuthKey, 'connect');
      await client.connect(c);
      const org = await organisation(c);
      return {
        values: { username: c.username, password: c.password, memorableWord: c.memorableWord, ...(c.autoAuthKey ? { autoAuthKey: c.autoAuthKey } : {}) },
        organisations: [org],
      };
    },

    async listOrganisations(credentials: Credentials) {
      if (credentials.kind === 'oauth2') throw new ProviderError('expired', 'The saved KashFlow connection has no username and password: reconnect KashFlow.');
      return [await organisation(readCredentials(credentials.values))];
    },

    importList,

    async publish(session: ProviderSession, documents: PublishDocument[]): Promise<PublishOutcome[]> {
      const c = await credentialsOf(session);
      // batchSize is 1 for KashFlow; more are sent one after another.
      return publishEach(documents, (doc) => publishOne(c, doc, session.signal));
    },

    findPublished,

    async uploadAttachment(session: ProviderSession, published: PublishResult, doc: PublishDocument, file: Attachment) {
      const c = await credentialsOf(session);
      const limits = ctx.entry.capabilities.attachments;
      if (limits && !limits.types.includes(file.contentType)) {
        throw new ProviderError('validation', `KashFlow takes PDF and image attachments, not ${file.contentType}.`, { fields: [{ field: 'attachment', message: 'Unsupported type' }] });
      }
      if (limits && file.data.byteLength > limits.maxBytes) {
        throw new ProviderError('validation', `KashFlow takes attachments up to ${Math.round(limits.maxBytes / 1024 / 1024)} MB.`, { fields: [{ field: 'attachment', message: 'Too large' }] });
      }
      if (!isDestination(doc.destination)) throw new ProviderError('validation', `KashFlow has no destination "${doc.destination}".`);
      const form = new FormData();
      form.set('file', new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.contentType }), file.fileName);
      const response = await client.request(c, { method: 'POST', path: `/${objectTypeOf(doc.destination)}/${encodeURIComponent(published.documentId)}/files`, body: form }, session.signal);
      if (!response.ok) {
        const body = await client.errorBody(response);
        throw new ProviderError('validation', `KashFlow refused the attachment: ${body.Message ?? response.status}`, { status: response.status, providerMessage: body.Message, fields: [{ field: 'attachment', message: body.Message ?? '' }] });
      }
      await response.body?.cancel();
    },
  };
}

export { appName as kashflowAppName };
