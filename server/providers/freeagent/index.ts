/**
 * The FreeAgent adapter (freeagent.md): OAuth 2.0 without an organisation choice (one login is
 * one company, found at /v2/company), URL ids, wrapped bodies, Link-header paging with
 * `updated_since` for contacts, and publishing to bills (and negative bills for supplier
 * credits), bank explanations, invoices, credit notes and expense claims. FreeAgent has no
 * idempotency mechanism, so a retry looks the document up by its reference first
 * (`findPublished`); attachments are embedded base64 on an update of the document.
 */
import Big from 'big.js';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import { publishEach } from '../publish-each.js';
import { providerFetch } from '../http.js';
import type {
  Attachment,
  Credentials,
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
import { createClient, nextLink, USER_AGENT } from './client.js';
import {
  bankAccountEntry,
  bankAccountSchema,
  billBody,
  categoriesSchema,
  categoryEntries,
  companyInfo,
  companySchema,
  contactEntry,
  contactSchema,
  destinations,
  expenseBodies,
  explanationBody,
  invalid,
  lookupReference,
  organisationDetail,
  priceListItemEntry,
  priceListItemSchema,
  projectEntry,
  projectSchema,
  purchaseLines,
  refUrl,
  salesBody,
  taxRateEntries,
  trailingId,
  webUrl,
  type CompanyInfo,
  type FreeagentDestination,
  type PurchaseLine,
} from './mapping.js';

export interface FreeagentAdapterOptions {
  /** Entries per page when listing (FreeAgent: at most 100). */
  pageSize?: number;
}

const COMPANY_TTL_MS = 10 * 60_000;
/** FreeAgent accepts these for embedded attachments (application/x-pdf, not application/pdf). */
const attachmentTypes: Record<string, string> = {
  'application/pdf': 'application/x-pdf',
  'application/x-pdf': 'application/x-pdf',
  'image/png': 'image/png',
  'image/x-png': 'image/x-png',
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpg',
  'image/gif': 'image/gif',
};

const billSchema = z.looseObject({
  url: z.string(),
  contact: z.string().nullish(),
  reference: z.string().nullish(),
  dated_on: z.string().nullish(),
  total_value: z.union([z.string(), z.number()]).nullish(),
  paid_value: z.union([z.string(), z.number()]).nullish(),
  status: z.string().nullish(),
});
const salesSchema = z.looseObject({
  url: z.string(),
  contact: z.string().nullish(),
  reference: z.string().nullish(),
  dated_on: z.string().nullish(),
  total_value: z.union([z.string(), z.number()]).nullish(),
  status: z.string().nullish(),
});
const expenseSchema = z.looseObject({ url: z.string(), user: z.string().nullish(), receipt_reference: z.string().nullish(), dated_on: z.string().nullish() });
const explanationSchema = z.looseObject({
  url: z.string(),
  receipt_reference: z.string().nullish(),
  gross_value: z.union([z.string(), z.number()]).nullish(),
  paid_bill: z.string().nullish(),
  paid_invoice: z.string().nullish(),
});
const userSchema = z.looseObject({ url: z.string(), email: z.string().nullish(), first_name: z.string().nullish(), last_name: z.string().nullish(), updated_at: z.string().nullish() });
/** A user as a contact of the contacts list: the claimant of expense claims. */
const userEntry = (u: z.infer<typeof userSchema>): ListEntry => ({
  externalId: u.url,
  name: [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email || u.url,
  status: 'active',
  type: 'employee',
  ...(u.email ? { extra: { email: u.email } } : {}),
});

const destinationPaths: Record<FreeagentDestination, { root: string; path: string; what: string; web: string }> = {
  bill: { root: 'bill', path: '/bills', what: 'bill', web: 'bills' },
  bill_credit: { root: 'bill', path: '/bills', what: 'bill refund', web: 'bills' },
  bank_explanation: { root: 'bank_transaction_explanation', path: '/bank_transaction_explanations', what: 'bank explanation', web: 'bank_transaction_explanations' },
  invoice: { root: 'invoice', path: '/invoices', what: 'invoice', web: 'invoices' },
  credit_note: { root: 'credit_note', path: '/credit_notes', what: 'credit note', web: 'credit_notes' },
  expense: { root: 'expense', path: '/expenses', what: 'expense claim', web: 'expenses' },
};

const sameMoney = (a: unknown, b: Big) => a !== undefined && a !== null && new Big(String(a)).eq(b.round(2));

export function createFreeagentAdapter(ctx: ProviderContext, options: FreeagentAdapterOptions = {}): ProviderAdapter {
  const client = createClient(ctx);
  const api = client.api;
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
  const as: oauth.AuthorizationServer = {
    issuer: api,
    authorization_endpoint: `${api}/v2/approve_app`,
    token_endpoint: `${api}/v2/token_endpoint`,
  };
  const companies = new Map<string, { at: number; info: Promise<CompanyInfo> }>();
  const categoryRates = new Map<string, { at: number; rates: Promise<Map<string, string | undefined>> }>();

  // --- OAuth ----------------------------------------------------------------------------------

  const oauthClient = (): { client: oauth.Client; auth: oauth.ClientAuth } => {
    if (!ctx.client) throw new ProviderError('forbidden', 'This server has no FreeAgent app configured: set FREEAGENT_CLIENT_ID and FREEAGENT_CLIENT_SECRET.');
    return { client: { client_id: ctx.client.id }, auth: oauth.ClientSecretBasic(ctx.client.secret) };
  };
  const oauthOptions = {
    [oauth.customFetch]: (url: string, init: RequestInit) =>
      providerFetch(ctx, { url, method: init.method, headers: { ...(init.headers as Record<string, string>), 'user-agent': USER_AGENT }, body: init.body ?? undefined, signal: init.signal ?? undefined }),
    [oauth.allowInsecureRequests]: api.startsWith('http:'),
  };

  const toTokens = (r: oauth.TokenEndpointResponse): TokenSet => ({
    accessToken: r.access_token,
    refreshToken: r.refresh_token,
    accessTokenExpiresAt: ctx.now().getTime() + (r.expires_in ?? 3600) * 1000,
  });

  /** oauth4webapi's errors in FreeAgent's terms; `phase` says whether a user is at the screen. */
  function tokenError(error: unknown, phase: 'connect' | 'refresh'): never {
    if (error instanceof ProviderError) throw error;
    if (error instanceof oauth.ResponseBodyError) {
      const providerMessage = `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
      if (error.error === 'invalid_grant') {
        throw phase === 'refresh'
          ? new ProviderError('expired', 'FreeAgent no longer accepts this connection (the app was removed in FreeAgent, or the sign-in was withdrawn): reconnect FreeAgent.', { status: error.status, providerMessage, cause: error })
          : new ProviderError('credentials', 'The FreeAgent sign-in expired before it finished (FreeAgent codes last 15 minutes). Connect again.', { status: error.status, providerMessage, cause: error });
      }
      if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
        throw new ProviderError('forbidden', "FreeAgent refused this server's app credentials: check FREEAGENT_CLIENT_ID and FREEAGENT_CLIENT_SECRET.", { status: error.status, providerMessage, cause: error });
      }
      throw new ProviderError(phase === 'refresh' ? 'expired' : 'credentials', `FreeAgent refused the sign-in (${error.error}).`, { status: error.status, providerMessage, cause: error });
    }
    // A 401 with "HTTP Basic: Access denied." (and WWW-Authenticate: Basic): the client id or secret is wrong.
    const response = (error as { cause?: unknown; response?: unknown })?.response ?? (error as { cause?: unknown })?.cause;
    const status = response instanceof Response ? response.status : undefined;
    if (error instanceof oauth.WWWAuthenticateChallengeError || status === 401) {
      throw new ProviderError('forbidden', "FreeAgent refused this server's app credentials: check FREEAGENT_CLIENT_ID and FREEAGENT_CLIENT_SECRET.", {
        status: 401,
        providerMessage: 'HTTP Basic: Access denied.',
        cause: error,
      });
    }
    throw new ProviderError('transient', 'FreeAgent answered the sign-in in a way Bookbridge could not read. Try again.', {
      status,
      providerMessage: error instanceof Error ? error.message.slice(0, 300) : undefined,
      cause: error,
    });
  }

  // --- company, users, categories (cached per organisation) ----------------------------------

  async function fetchCompany(session: ProviderSession): Promise<CompanyInfo> {
    const { body } = await client.json(session, { path: '/company', action: 'read the company details' }, z.looseObject({ company: companySchema }));
    return companyInfo(body.company);
  }

  function company(session: ProviderSession): Promise<CompanyInfo> {
    const cached = companies.get(session.organisationId);
    if (cached && ctx.now().getTime() - cached.at < COMPANY_TTL_MS) return cached.info;
    const info = fetchCompany(session);
    companies.set(session.organisationId, { at: ctx.now().getTime(), info });
    info.catch(() => companies.delete(session.organisationId));
    return info;
  }

  /** nominal code → the category's auto tax id (standard, zero…), for lines left on "Auto". */
  function autoRates(session: ProviderSession): Promise<Map<string, string | undefined>> {
    const cached = categoryRates.get(session.organisationId);
    if (cached && ctx.now().getTime() - cached.at < COMPANY_TTL_MS) return cached.rates;
    const rates = client
      .json(session, { path: '/categories', action: 'read the categories' }, categoriesSchema)
      .then(({ body }) => new Map(categoryEntries(body).map((e) => [e.externalId, e.taxRate])));
    categoryRates.set(session.organisationId, { at: ctx.now().getTime(), rates });
    rates.catch(() => categoryRates.delete(session.organisationId));
    return rates;
  }

  async function autoRateFor(session: ProviderSession, info: CompanyInfo, line: PurchaseLine): Promise<Big | undefined> {
    if (line.choice.kind !== 'auto' || line.gross !== undefined || line.manualTax !== undefined) return undefined;
    const id = (await autoRates(session)).get(line.categoryUrl);
    const percent = id ? info.rates.get(id) : undefined;
    return percent ? new Big(percent) : new Big(0);
  }

  /** The company's users, the claimants of expense claims. */
  async function listUsers(session: ProviderSession): Promise<z.infer<typeof userSchema>[]> {
    try {
      return (await client.json(session, { path: '/users', action: 'list the FreeAgent users' }, z.looseObject({ users: z.array(userSchema) }))).body.users;
    } catch (error) {
      // Below "Tax, Accounting & Users" a user sees only themself.
      if (!(error instanceof ProviderError && error.kind === 'forbidden')) throw error;
      return [(await client.json(session, { path: '/users/me', action: 'read your FreeAgent user' }, z.looseObject({ user: userSchema }))).body.user];
    }
  }

  /** The claimant: a FreeAgent user URL, or the user whose name or email is the item's contact. */
  async function claimantUrl(session: ProviderSession, doc: PublishDocument): Promise<string> {
    if (/\/v2\/users\/\d+$/.test(doc.contact.externalId)) return doc.contact.externalId;
    const users = await listUsers(session);
    const wanted = [doc.contact.name, doc.contact.code, doc.contact.externalId].filter(Boolean).map((s) => String(s).trim().toLowerCase());
    const match = users.find((u) => wanted.includes(`${u.first_name ?? ''} ${u.last_name ?? ''}`.trim().toLowerCase()) || (u.email && wanted.includes(u.email.toLowerCase())));
    if (!match) {
      const names = users.map((u) => `${u.first_name ?? ''} ${u.last_name ?? ''}`.trim()).join(', ');
      throw invalid(`FreeAgent records expense claims against its users, and none is called ${doc.contact.name}. Choose one of: ${names}.`, 'contact');
    }
    return match.url;
  }

  // --- lists ------------------------------------------------------------------------------

  /** Pages of one list, following Link `rel="next"`; the checkpoint is the next page number. */
  async function* paged<T>(
    session: ProviderSession,
    path: string,
    query: Record<string, string | undefined>,
    key: string,
    schema: z.ZodType<T>,
    toEntry: (item: T) => ListPage['entries'][number],
    checkpoint: string | null | undefined,
    action: string,
  ): AsyncGenerator<ListPage> {
    const page = Number(checkpoint ?? '1');
    let target: string | undefined = client.urlOf(path, { ...query, per_page: pageSize, page: Number.isInteger(page) && page > 0 ? page : 1 }).toString();
    while (target) {
      const { body, response } = await client.json(session, { path: target, action }, z.looseObject({ [key]: z.array(schema) }));
      const next = nextLink(response.headers.get('link'));
      const total = Number(response.headers.get('x-total-count'));
      yield {
        entries: (body[key] as T[]).map(toEntry),
        checkpoint: next ? (new URL(next).searchParams.get('page') ?? null) : null,
        ...(Number.isFinite(total) && response.headers.has('x-total-count') ? { total } : {}),
      };
      target = next;
    }
  }

  // --- publishing ---------------------------------------------------------------------------

  const destinationOf = (doc: PublishDocument): FreeagentDestination => {
    if (!(destinations as readonly string[]).includes(doc.destination)) {
      throw invalid(`FreeAgent has no destination "${doc.destination}".`, 'destination');
    }
    return doc.destination as FreeagentDestination;
  };

  const resultOf = (info: CompanyInfo, destination: FreeagentDestination, documentUrl: string, paymentId?: string): PublishResult => ({
    documentId: documentUrl,
    url: webUrl(api, info, `${destinationPaths[destination].web}/${trailingId(documentUrl)}`, documentUrl),
    ...(paymentId ? { paymentId } : {}),
  });

  const post = async (session: ProviderSession, destination: FreeagentDestination, body: unknown, path = destinationPaths[destination].path) => {
    const d = destinationPaths[destination];
    const { body: created } = await client.json(session, { method: 'POST', path, json: body, action: `publish ${d.what}s`, what: d.what }, z.record(z.string(), z.unknown()));
    return created;
  };

  const contactUrl = (doc: PublishDocument) => refUrl(api, 'contacts', doc.contact);
  const bankUrl = (doc: PublishDocument) => {
    if (!doc.paid) throw invalid('Choose the bank account this was paid from: FreeAgent records a paid item as a bank transaction.', 'paid.bankAccount');
    return refUrl(api, 'bank_accounts', doc.paid.bankAccount);
  };

  /** A payment against a bill (money out; money in for a bill refund) or an invoice (money in). */
  async function recordPayment(session: ProviderSession, doc: PublishDocument, kind: 'paid_bill' | 'paid_invoice', documentUrl: string, refund: boolean): Promise<string> {
    const amount = new Big(doc.paid!.amount).abs();
    const moneyOut = kind === 'paid_bill' ? !refund : refund;
    const body = {
      bank_transaction_explanation: {
        bank_account: bankUrl(doc),
        dated_on: doc.paid!.date,
        gross_value: (moneyOut ? amount.times(-1) : amount).toFixed(2),
        [kind]: documentUrl,
        description: `${kind === 'paid_bill' ? 'Payment' : 'Receipt'}: ${doc.contact.name} ${lookupReference(doc)}`.slice(0, 255),
        receipt_reference: lookupReference(doc),
      },
    };
    const created = await post(session, 'bank_explanation', body);
    return String((created.bank_transaction_explanation as { url?: string })?.url ?? '');
  }

  async function publishOne(session: ProviderSession, doc: PublishDocument): Promise<PublishResult> {
    const destination = destinationOf(doc);
    const info = await company(session);
    switch (destination) {
      case 'bill':
      case 'bill_credit': {
        const refund = destination === 'bill_credit' ? new Big(doc.total).gt(0) : false;
        const lines = purchaseLines(doc, info, api, refund ? -1 : 1);
        const created = await post(session, destination, billBody(doc, info, contactUrl(doc), lines));
        const url = String((created.bill as { url?: string })?.url);
        const isRefund = destination === 'bill_credit' || new Big(doc.total).lt(0);
        const paymentId = doc.paid ? await paymentOrError(session, doc, 'paid_bill', url, isRefund, info, destination) : undefined;
        return resultOf(info, destination, url, paymentId);
      }
      case 'bank_explanation': {
        const account = bankUrl(doc);
        const lines = purchaseLines(doc, info, api, new Big(doc.total).gt(0) ? -1 : 1);
        const autoRate = await autoRateFor(session, info, lines[0]!);
        const created = await post(session, destination, explanationBody(doc, lines, autoRate, account));
        return resultOf(info, destination, String((created.bank_transaction_explanation as { url?: string })?.url));
      }
      case 'invoice':
      case 'credit_note': {
        const created = await post(session, destination, salesBody(doc, info, api, contactUrl(doc), destination));
        const url = String((created[destination] as { url?: string })?.url);
        // Created as Draft; "Sent" is a transition. A paid invoice must be sent before a payment.
        if (doc.status?.toLowerCase() === 'sent' || (destination === 'invoice' && doc.paid)) {
          await client.request(session, { method: 'PUT', path: `${url}/transitions/mark_as_sent`, action: `mark the ${destination.replace('_', ' ')} as sent`, what: destinationPaths[destination].what });
        }
        const paymentId = destination === 'invoice' && doc.paid ? await paymentOrError(session, doc, 'paid_invoice', url, false, info, destination) : undefined;
        return resultOf(info, destination, url, paymentId);
      }
      case 'expense': {
        const user = await claimantUrl(session, doc);
        const lines = purchaseLines(doc, info, api, new Big(doc.total).gt(0) ? -1 : 1);
        const rates = await Promise.all(lines.map((l) => autoRateFor(session, info, l)));
        const bodies = expenseBodies(doc, info, lines, rates, user);
        // One line: a plain create; several: FreeAgent's batch create (all or nothing).
        const created = await post(session, destination, bodies.length === 1 ? { expense: bodies[0] } : { expenses: bodies });
        const first = bodies.length === 1 ? (created.expense as { url?: string }) : (created.expenses as Array<{ url?: string }>)[0];
        return resultOf(info, destination, String(first?.url));
      }
    }
  }

  /** The document exists; if its payment fails, say so (findPublished completes it on retry). */
  async function paymentOrError(session: ProviderSession, doc: PublishDocument, kind: 'paid_bill' | 'paid_invoice', url: string, refund: boolean, info: CompanyInfo, destination: FreeagentDestination): Promise<string> {
    try {
      return await recordPayment(session, doc, kind, url, refund);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const where = resultOf(info, destination, url).url;
      throw new ProviderError(error.kind, `FreeAgent created the ${destinationPaths[destination].what} (${where}) but did not record its payment: ${error.message}`, {
        status: error.status,
        providerMessage: error.providerMessage,
        fields: error.fields,
        list: error.list,
        retryAfterMs: error.retryAfterMs,
        cause: error,
      });
    }
  }

  /** Explanations on a bank account on one date (listing them needs the account). */
  async function explanationsOn(session: ProviderSession, bankAccountUrl: string, date: string) {
    const { body } = await client.json(
      session,
      { path: '/bank_transaction_explanations', query: { bank_account: bankAccountUrl, from_date: date, to_date: date, per_page: 100 }, action: 'look for the published bank explanation' },
      z.looseObject({ bank_transaction_explanations: z.array(explanationSchema) }),
    );
    return body.bank_transaction_explanations;
  }

  async function findPublished(session: ProviderSession, doc: PublishDocument): Promise<PublishResult | null> {
    const destination = destinationOf(doc);
    const info = await company(session);
    const reference = lookupReference(doc);
    switch (destination) {
      case 'bill':
      case 'bill_credit': {
        const { body } = await client.json(
          session,
          { path: '/bills', query: { contact: contactUrl(doc), from_date: doc.date, to_date: doc.date, per_page: 100 }, action: 'look for the published bill' },
          z.looseObject({ bills: z.array(billSchema) }),
        );
        const bill = body.bills.find((b) => b.reference === reference);
        if (!bill) return null;
        let paymentId: string | undefined;
        if (doc.paid) {
          const existing = (await explanationsOn(session, bankUrl(doc), doc.paid.date)).find((x) => x.paid_bill === bill.url);
          const isRefund = destination === 'bill_credit' || new Big(doc.total).lt(0);
          // The bill was created but its payment was not: record it now, once.
          paymentId = existing?.url ?? (sameMoney(bill.paid_value ?? '0', new Big(0)) ? await recordPayment(session, doc, 'paid_bill', bill.url, isRefund) : undefined);
        }
        return resultOf(info, destination, bill.url, paymentId);
      }
      case 'bank_explanation': {
        const found = (await explanationsOn(session, bankUrl(doc), doc.paid?.date ?? doc.date)).find((x) => x.receipt_reference === reference && !x.paid_bill && !x.paid_invoice);
        return found ? resultOf(info, destination, found.url) : null;
      }
      case 'invoice':
      case 'credit_note': {
        const resource = destination === 'invoice' ? 'invoices' : 'credit_notes';
        const given = doc.number?.trim() || doc.reference?.trim();
        const { body } = await client.json(
          session,
          // Newest first: a retry looks for something made minutes ago.
          { path: `/${resource}`, query: { ...(destination === 'invoice' ? { contact: contactUrl(doc) } : {}), sort: '-created_at', per_page: 100 }, action: `look for the published ${destinationPaths[destination].what}` },
          z.looseObject({ [resource]: z.array(salesSchema) }),
        );
        const list = (body[resource] as z.infer<typeof salesSchema>[]).filter((d) => d.contact === contactUrl(doc));
        // Without a reference of ours (FreeAgent numbered it), match date and total instead.
        const found = given ? list.find((d) => d.reference === given) : list.find((d) => d.dated_on === doc.date && sameMoney(d.total_value, new Big(doc.total).abs()));
        if (!found) return null;
        let paymentId: string | undefined;
        if (destination === 'invoice' && doc.paid) {
          paymentId = (await explanationsOn(session, bankUrl(doc), doc.paid.date)).find((x) => x.paid_invoice === found.url)?.url;
        }
        return resultOf(info, destination, found.url, paymentId);
      }
      case 'expense': {
        const user = await claimantUrl(session, doc);
        const { body } = await client.json(
          session,
          { path: '/expenses', query: { from_date: doc.date, to_date: doc.date, per_page: 100 }, action: 'look for the published expense claim' },
          z.looseObject({ expenses: z.array(expenseSchema) }),
        );
        const found = body.expenses.find((e) => e.receipt_reference === reference && e.user === user);
        return found ? resultOf(info, destination, found.url) : null;
      }
    }
  }

  // --- the adapter -----------------------------------------------------------------------

  return {
    id: 'freeagent',

    authorizationUrl({ state, redirectUri }) {
      // FreeAgent documents no PKCE and no scopes: the app is a confidential client and gets
      // the user's own access level (freeagent.md §1).
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set('client_id', oauthClient().client.client_id);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('state', state);
      return url;
    },

    async exchangeCode({ code, redirectUri }) {
      const { client: c, auth } = oauthClient();
      try {
        const params = oauth.validateAuthResponse(as, c, new URLSearchParams({ code }), oauth.skipStateCheck);
        const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, redirectUri, oauth.nopkce, oauthOptions);
        return toTokens(await oauth.processAuthorizationCodeResponse(as, c, response));
      } catch (error) {
        tokenError(error, 'connect');
      }
    },

    async refreshTokens(tokens) {
      if (!tokens.refreshToken) throw new ProviderError('expired', 'This FreeAgent connection has no refresh token: reconnect FreeAgent.');
      const { client: c, auth } = oauthClient();
      try {
        const response = await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refreshToken, oauthOptions);
        const next = toTokens(await oauth.processRefreshTokenResponse(as, c, response));
        // FreeAgent sends a new refresh token each time; the old one is treated as spent.
        return { ...next, refreshToken: next.refreshToken ?? tokens.refreshToken };
      } catch (error) {
        tokenError(error, 'refresh');
      }
    },

    async listOrganisations(credentials: Credentials): Promise<Organisation[]> {
      if (credentials.kind !== 'oauth2') throw new ProviderError('credentials', 'FreeAgent connects through its sign-in page.');
      // One login is one company: no chooser, the company is /v2/company.
      const response = await client.bearer(credentials.tokens.accessToken, { path: '/company' });
      if (!response.ok) throw await client.failure(response, { action: 'read the company details' });
      const parsed = z.looseObject({ company: companySchema }).safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw new ProviderError('transient', 'FreeAgent sent the company details in a shape Bookbridge did not expect.', { providerMessage: parsed.error.message.slice(0, 300) });
      const info = companyInfo(parsed.data.company);
      return [{ id: info.id, name: info.name, detail: organisationDetail(info) }];
    },

    async *importList(session, kind, importOptions) {
      switch (kind) {
        case 'categories': {
          const { body } = await client.json(session, { path: '/categories', action: 'import categories' }, categoriesSchema);
          yield { entries: categoryEntries(body), checkpoint: null };
          return;
        }
        case 'tax_rates': {
          // Fresh, not cached: a refresh is when a changed VAT rate should show.
          const info = await fetchCompany(session);
          companies.set(session.organisationId, { at: ctx.now().getTime(), info: Promise.resolve(info) });
          const entries = taxRateEntries(info);
          yield { entries, checkpoint: null, total: entries.length };
          return;
        }
        case 'contacts': {
          // Expense claims are recorded against FreeAgent users, not contacts: the users come
          // first (as employees) so a claimant can be chosen like any contact; then page 1.
          const since = importOptions.changedSince?.getTime();
          const users = importOptions.checkpoint ? [] : (await listUsers(session)).filter((u) => since === undefined || !u.updated_at || Date.parse(u.updated_at) >= since);
          if (!importOptions.checkpoint) yield { entries: users.map(userEntry), checkpoint: '1' };
          for await (const page of paged(
            session,
            '/contacts',
            // All (hidden ones come back archived), oldest first so pages stay put as contacts are added.
            { view: 'all', sort: 'created_at', updated_since: importOptions.changedSince?.toISOString() },
            'contacts',
            contactSchema,
            contactEntry,
            importOptions.checkpoint,
            'import contacts',
          )) {
            yield page.total === undefined ? page : { ...page, total: page.total + users.length };
          }
          return;
        }
        case 'projects':
          yield* paged(session, '/projects', { sort: 'created_at' }, 'projects', projectSchema, projectEntry, importOptions.checkpoint, 'import projects');
          return;
        case 'bank_accounts':
          yield* paged(session, '/bank_accounts', {}, 'bank_accounts', bankAccountSchema, bankAccountEntry, importOptions.checkpoint, 'import bank accounts');
          return;
        case 'products':
          yield* paged(session, '/price_list_items', {}, 'price_list_items', priceListItemSchema, priceListItemEntry, importOptions.checkpoint, 'import price list items');
          return;
      }
    },

    async publish(session, documents): Promise<PublishOutcome[]> {
      return publishEach(documents, (doc) => publishOne(session, doc));
    },

    findPublished,

    async uploadAttachment(session, published, doc, file: Attachment) {
      const destination = destinationOf(doc);
      if (destination === 'invoice' || destination === 'credit_note') {
        throw new ProviderError('forbidden', "FreeAgent's API keeps no files on sales invoices or credit notes: the file stays in Bookbridge.", {
          fields: [{ field: 'attachment', message: 'Not supported for this destination' }],
        });
      }
      const max = ctx.entry.capabilities.attachments?.maxBytes ?? 5 * 1024 * 1024;
      if (file.data.byteLength > max) {
        throw invalid(`FreeAgent takes files up to ${Math.round(max / 1024 / 1024)} MB; this one is ${(file.data.byteLength / 1024 / 1024).toFixed(1)} MB.`, 'attachment');
      }
      const contentType = attachmentTypes[file.contentType.toLowerCase()];
      if (!contentType) throw invalid(`FreeAgent takes PDF, PNG, JPEG or GIF files, not ${file.contentType}.`, 'attachment');
      const d = destinationPaths[destination];
      // One attachment per object: a second upload replaces the first.
      await client.request(session, {
        method: 'PUT',
        path: published.documentId,
        json: { [d.root]: { attachment: { data: Buffer.from(file.data).toString('base64'), file_name: file.fileName, content_type: contentType, description: file.fileName } } },
        action: `attach files to ${d.what}s`,
        what: d.what,
      });
    },
  };
}

