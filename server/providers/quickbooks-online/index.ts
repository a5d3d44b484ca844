/**
 * The QuickBooks Online adapter: Intuit OAuth with the company from the callback's `realmId`,
 * the company listed from CompanyInfo, lists by query (paged) or change data capture (refresh),
 * documents with `requestid` idempotency and batches of up to 30, attachments through /upload,
 * and revoke. See quickbooks-online.md; nothing here logs tokens.
 */
import type { Credentials, ProviderAdapter, ProviderContext } from '../types.js';
import { createQboClient } from './client.js';
import { importList } from './lists.js';
import { createQboOAuth } from './oauth.js';
import { createPublisher } from './publish.js';

export interface QuickbooksAdapterOptions {
  /** MAXRESULTS per list page (QuickBooks allows up to 1000). */
  pageSize?: number;
}

export function createQuickbooksOnlineAdapter(ctx: ProviderContext, options: QuickbooksAdapterOptions = {}): ProviderAdapter {
  const client = createQboClient(ctx);
  const auth = createQboOAuth(ctx);
  const publisher = createPublisher(client);
  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));

  return {
    id: 'quickbooks-online',
    authorizationUrl: ({ state, redirectUri }) => auth.authorizationUrl({ state, redirectUri }),
    exchangeCode: ({ code, redirectUri, params }) => auth.exchangeCode({ code, redirectUri, params }),
    refreshTokens: (tokens) => auth.refreshTokens(tokens),
    async listOrganisations(credentials: Credentials) {
      const realmId = credentials.kind === 'oauth2' ? credentials.tokens.extra?.realmId : undefined;
      if (!realmId) return [];
      const body = (await client.callWith(credentials, { path: `companyinfo/${encodeURIComponent(realmId)}` })) as { CompanyInfo?: Record<string, unknown> };
      const info = body.CompanyInfo ?? {};
      const country = typeof info.Country === 'string' ? info.Country : undefined;
      return [{ id: realmId, name: String(info.CompanyName ?? `QuickBooks company ${realmId}`), ...(country ? { detail: country === 'GB' ? 'United Kingdom' : country === 'US' ? 'United States' : country } : {}) }];
    },
    revoke: (credentials) => auth.revoke(credentials),
    importList: (session, kind, importOptions) => importList(client, session, kind, importOptions, ctx.now, pageSize),
    publish: (session, documents) => publisher.publish(session, documents),
    findPublished: (session, document) => publisher.findPublished(session, document),
    uploadAttachment: (session, published, document, file) => publisher.uploadAttachment(session, published, document, file),
  };
}
