import { listKindLabels } from '../../shared/catalogue.js';
import type { ProviderSummary, Role } from '../../shared/api.js';
import { isAdminRole } from './roles.js';

/** How the user will connect, in their words. */
export function howItConnects(provider: ProviderSummary): string {
  switch (provider.authKind) {
    case 'oauth2':
      return `You sign in at ${provider.name} and choose what Bookbridge may use.`;
    case 'api_key':
      return `Bookbridge guides you to ${provider.name}'s API settings and takes the key from there, with your consent.`;
    case 'session':
      return `You sign in with your ${provider.name} user; Bookbridge keeps the session.`;
  }
}

export function importedLists(provider: ProviderSummary): string {
  return provider.lists.length === 0 ? 'No lists to import.' : `Imports: ${provider.lists.map((kind) => listKindLabels[kind]).join(', ')}.`;
}

/** Why Connect cannot be used, or `null` when it can. The role is checked first: it applies to every provider. */
export function connectBlockedReason(provider: ProviderSummary, role: Role): string | null {
  if (!isAdminRole(role)) return 'Only Admins can connect accounting software';
  if (!provider.available) return provider.unavailableReason ?? `${provider.name} cannot be connected on this server.`;
  return null;
}
