/**
 * What the user types into the password frame for each key provider (never read from a page),
 * and the consent they give. The background accepts from the frame only these names, so the frame
 * cannot overwrite what was read from the page and the page cannot add a secret.
 */
import type { KeyProviderId } from './key-site.js';

export interface SecretField {
  name: string;
  label: string;
  id: string;
}

export const secretFields: Record<KeyProviderId, readonly SecretField[]> = {
  kashflow: [
    { name: 'password', label: 'KashFlow password', id: 'bb-password' },
    { name: 'memorableWord', label: 'Memorable word', id: 'bb-memorable' },
  ],
  // server/providers/bill-com/index.ts billComCredentialFields: the password is the one field not on a page.
  'bill-com': [{ name: 'password', label: 'BILL password', id: 'bb-password' }],
};

export function consentText(provider: KeyProviderId, serverUrl: string): string {
  return provider === 'kashflow'
    ? `I agree: Bookbridge reads my KashFlow username and the AutoAuth key from this page and sends them, with the password and memorable word above, to my Bookbridge server at ${serverUrl}. Nothing is copied to the clipboard.`
    : `I agree: Bookbridge reads my BILL email, the Organization ID and the developer key from this page and sends them, with the password above, to my Bookbridge server at ${serverUrl}. Nothing is copied to the clipboard.`;
}

export function isKeyProvider(value: string | null | undefined): value is KeyProviderId {
  return value === 'kashflow' || value === 'bill-com';
}

/** Only the secret fields this provider has, as strings. */
export function secretsFor(provider: KeyProviderId, secrets: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name } of secretFields[provider]) if (typeof secrets[name] === 'string') out[name] = secrets[name] as string;
  return out;
}
