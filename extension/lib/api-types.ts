/**
 * Types of what the server sends and takes, for the extension's pages. Type-only on purpose: the
 * schemas in shared/ pull in zod (about 35 KB gzip), which only the background needs to validate
 * answers; the popup and content scripts must stay small (issue 8 budgets).
 */
import type { z } from 'zod';
import type * as Api from '../../shared/api.js';
import type * as Conn from '../../shared/connections.js';
import type * as Items from '../../shared/items.js';
import type { ListKind, ProviderId } from '../../shared/catalogue.js';

export type { Business, Membership, ProviderSummary, Role, MeResponse } from '../../shared/api.js';
export type ConnectionView = z.infer<typeof Conn.ConnectionView>;
export type ConnectionHealth = ConnectionView['health'];
export type GrantResponse = z.infer<typeof Conn.GrantResponse>;
export type Organisation = z.infer<typeof Conn.Organisation>;
export type AuthorizeResponse = z.infer<typeof Conn.AuthorizeResponse>;
export type AuthorizationStatus = z.infer<typeof Conn.AuthorizationStatus>;
export type FinishResponse = z.infer<typeof Conn.FinishResponse>;
export type JobView = z.infer<typeof Conn.JobView>;
export type ListProgress = z.infer<typeof Conn.ListProgress>;
export type ListEntryView = z.infer<typeof Conn.ListEntryView>;
export type ListResponse = z.infer<typeof Conn.ListResponse>;
export type MergeProposal = z.infer<typeof Conn.MergeProposal>;
export type MergeSuggestion = z.infer<typeof Conn.MergeSuggestion>;
export type MergeResult = z.infer<typeof Conn.MergeResult>;
export type AuditEntry = z.infer<typeof Conn.AuditEntry>;
export type ProvidersResponse = z.infer<typeof Api.ProvidersResponse>;

export type Purpose = (typeof Conn.purposes)[number];

export interface AuthorizeInput {
  provider: ProviderId;
  purpose: Purpose;
  connectionId?: string;
  redirectUri?: string;
  organisationHint?: string;
}

export interface KeyConnectInput {
  provider: ProviderId;
  purpose: Purpose;
  connectionId?: string;
  credentials: Record<string, string>;
}

export interface ListEntriesInput {
  businessId: string;
  connectionId: string;
  kind: ListKind;
  q?: string;
  status?: 'active' | 'archived' | 'all';
  limit?: number;
  after?: string;
}

export interface MergeInput {
  mappings: { kind: ListKind; from: string; to: string | null }[];
  dryRun: boolean;
}

/** The import job's progress (server/connections/import-lists.ts): one entry per list. */
export interface ImportProgress {
  mode?: 'full' | 'refresh';
  lists: Partial<Record<ListKind, ListProgress>>;
}

export type Item = z.infer<typeof Items.Item>;
export type ItemState = Items.ItemState;
export type ItemListResponse = z.infer<typeof Items.ItemListResponse>;
export type Rule = z.infer<typeof Items.Rule>;
export type RuleInput = z.input<typeof Items.RuleInput>;
export type PublishingSettingsInput = z.infer<typeof Items.PublishingSettings>;
export type PublishingSettingsView = z.infer<typeof Items.PublishingSettingsView>;

export interface ItemListInput {
  state?: ItemState;
  type?: Item['type'];
  limit?: number;
  cursor?: string;
}
