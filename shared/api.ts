/**
 * The API contract both sides use: request bodies the extension sends and the shapes it reads.
 * The server builds its OpenAPI document from these same schemas.
 */
import { z } from 'zod';
import { itemTypes, listKinds, providerIds } from './catalogue.js';

export const roles = ['business_admin', 'user_admin', 'accountant', 'standard'] as const;
export type Role = (typeof roles)[number];
export const roleLabels: Record<Role, string> = {
  business_admin: 'Business admin',
  user_admin: 'User admin',
  accountant: 'Accountant / bookkeeper',
  standard: 'Standard user',
};
/** Seed 003: "Business Admins and User Admins ... Accountants or bookkeepers accessing a client account". */
export function isAdminRole(role: Role): boolean {
  return role !== 'standard';
}

export const Email = z.string().trim().toLowerCase().email('must be an email address').max(254);
export const Password = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters');

export const LoginRequest = z.strictObject({
  email: Email,
  password: z.string().min(1, 'is required').max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const SetupRequest = z.strictObject({
  setupCode: z.string().trim().min(1, 'is required').max(64),
  email: Email,
  name: z.string().trim().min(1, 'is required').max(120),
  password: Password,
  businessName: z.string().trim().min(1, 'is required').max(120),
});
export type SetupRequest = z.infer<typeof SetupRequest>;

export const User = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isServerAdmin: z.boolean(),
});
export type User = z.infer<typeof User>;

export const Business = z.object({ id: z.string(), name: z.string() });
export type Business = z.infer<typeof Business>;

export const Membership = z.object({ business: Business, role: z.enum(roles) });
export type Membership = z.infer<typeof Membership>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.string().describe('ISO time; the session slides forward while used'),
  user: User,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const MeResponse = z.object({ user: User, memberships: z.array(Membership) });
export type MeResponse = z.infer<typeof MeResponse>;

export const ProviderSummary = z.object({
  id: z.enum(providerIds),
  name: z.string(),
  authKind: z.enum(['oauth2', 'api_key', 'session']),
  role: z.enum(['ledger', 'secondary']),
  lists: z.array(z.enum(listKinds)),
  destinations: z.record(z.enum(itemTypes), z.array(z.object({ id: z.string(), label: z.string(), statuses: z.array(z.string()) }))),
  bankMatch: z.boolean(),
  limitations: z.string().optional(),
  /** Whether this server can connect it now, and if not, why (e.g. no client id configured). */
  available: z.boolean(),
  unavailableReason: z.string().optional(),
  /** True when it connects to the built-in sandbox rather than the real provider. */
  sandbox: z.boolean(),
});
export type ProviderSummary = z.infer<typeof ProviderSummary>;

export const ProvidersResponse = z.object({ providers: z.array(ProviderSummary) });
export type ProvidersResponse = z.infer<typeof ProvidersResponse>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  database: z.enum(['ok', 'error']),
  sandbox: z.boolean(),
});
