/** API contract of the connection lifecycle and lists (server/connections, the dashboard). */
import { z } from 'zod';
import { listKinds, providerIds } from './catalogue.js';

export const purposes = ['connect', 'reconnect', 'change'] as const;
export const ProviderIdSchema = z.enum(providerIds, { error: `must be one of ${providerIds.join(', ')}` });
export const ListKindSchema = z.enum(listKinds, { error: `must be one of ${listKinds.join(', ')}` });

export const AuthorizeRequest = z.strictObject({
  provider: ProviderIdSchema,
  purpose: z.enum(purposes).default('connect'),
  connectionId: z.string().uuid('must be a connection id').optional(),
  /** The extension's identity redirect URL; default: this server's /oauth/callback page. */
  redirectUri: z.string().url('must be a URL').max(500).optional(),
  /** The organisation the user was looking at in the provider's web app, to pre-select. */
  organisationHint: z.string().max(200).optional(),
});

export const AuthorizeResponse = z.object({
  authorizeUrl: z.string(),
  state: z.string(),
  redirectUri: z.string(),
  expiresAt: z.string(),
});

export const Organisation = z.object({ id: z.string(), name: z.string(), detail: z.string().optional() });

export const GrantResponse = z.object({
  grantId: z.string(),
  provider: ProviderIdSchema,
  purpose: z.enum(purposes),
  organisations: z.array(Organisation),
  preselect: z.string().nullable(),
});
export type GrantResponse = z.infer<typeof GrantResponse>;

export const CompleteRequest = z.strictObject({
  state: z.string().min(1, 'is required').max(200),
  code: z.string().min(1, 'is required').max(4000).optional(),
  error: z.string().max(200).optional(),
  /** Other callback parameters (QuickBooks realmId...). */
  params: z.record(z.string().max(100), z.string().max(2000)).optional(),
});

export const AuthorizationStatus = z.object({
  status: z.enum(['waiting', 'authorised', 'failed', 'expired']),
  grant: GrantResponse.optional(),
  error: z.string().optional(),
});

export const KeyConnectRequest = z.strictObject({
  provider: ProviderIdSchema,
  purpose: z.enum(purposes).default('connect'),
  connectionId: z.string().uuid('must be a connection id').optional(),
  credentials: z.record(z.string().max(64), z.string().max(500, 'must be at most 500 characters')),
});

export const FinishRequest = z.strictObject({
  grantId: z.string().uuid('must be the grantId from the authorisation step'),
  organisationId: z.string().min(1, 'is required').max(200),
});

export const ConnectionView = z.object({
  id: z.string(),
  provider: ProviderIdSchema,
  providerName: z.string(),
  role: z.enum(['ledger', 'secondary']),
  status: z.enum(['active', 'expired', 'replaced', 'disconnected']),
  /** What the user sees: active, expiring (within 30 days), expired, refreshing... */
  health: z.enum(['active', 'expiring', 'expired', 'refreshing', 'replaced', 'disconnected']),
  daysLeft: z.number().nullable(),
  expiresAt: z.string(),
  expiredReason: z.string().nullable(),
  organisation: z.object({ id: z.string(), name: z.string() }),
  authorisedAt: z.string(),
  lastRefreshAt: z.string().nullable(),
  runningJobId: z.string().nullable(),
  replacedBy: z.string().nullable(),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

export const ConnectionsResponse = z.object({ connections: z.array(ConnectionView) });

export const FinishResponse = z.object({ connection: ConnectionView, jobId: z.string() });

export const DisconnectRequest = z.strictObject({ keepLists: z.boolean({ error: 'must be true or false' }) });

export const ListProgress = z.object({
  status: z.enum(['pending', 'running', 'done']),
  done: z.number(),
  total: z.number().nullable(),
  archived: z.number(),
  incremental: z.boolean(),
});

export const JobView = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  progress: z.unknown(),
  error: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});

export const ListEntryView = z.object({
  externalId: z.string(),
  code: z.string().nullable(),
  name: z.string(),
  status: z.enum(['active', 'archived']),
  archivedReason: z.string().nullable(),
  type: z.string().nullable(),
  taxRate: z.string().nullable(),
  currency: z.string().nullable(),
});

export const ListQuery = z.object({
  q: z.string().max(200).optional(),
  status: z.enum(['active', 'archived', 'all']).default('all'),
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(500).default(100),
  after: z.string().max(400).optional(),
});

export const ListResponse = z.object({ entries: z.array(ListEntryView), next: z.string().nullable(), total: z.number() });

export const AuditEntry = z.object({
  id: z.number(),
  userId: z.string().nullable(),
  action: z.string(),
  detail: z.unknown(),
  at: z.string(),
});

export const MergeSuggestion = z.object({
  kind: ListKindSchema,
  from: z.object({ externalId: z.string(), code: z.string().nullable(), name: z.string(), taxRate: z.string().nullable() }),
  to: z.object({ externalId: z.string(), code: z.string().nullable(), name: z.string() }).nullable(),
  matchedBy: z.enum(['code', 'name', 'tax_rate']).nullable(),
  affects: z.object({ rules: z.number(), items: z.number() }),
});

export const MergeProposal = z.object({
  from: z.object({ id: z.string(), organisation: z.string(), provider: z.string() }),
  suggestions: z.array(MergeSuggestion),
});

export const MergeRequest = z.strictObject({
  mappings: z
    .array(z.strictObject({ kind: ListKindSchema, from: z.string().min(1, 'is required').max(200), to: z.string().min(1).max(200).nullable() }))
    .max(100_000),
  dryRun: z.boolean({ error: 'must be true or false' }).default(true),
});

export const MergeResult = z.object({
  dryRun: z.boolean(),
  changed: z.object({ rules: z.number(), items: z.number() }),
  mergeId: z.string().nullable(),
  byMapping: z.array(z.object({ kind: ListKindSchema, from: z.string(), to: z.string().nullable(), rules: z.number(), items: z.number() })),
  rulesLeft: z.array(z.object({ ruleId: z.string(), reason: z.string() })),
});
