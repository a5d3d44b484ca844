/**
 * The key providers' own words in the dashboard's connect dialog: the steps on their pages, where
 * the guide starts, and the fields for typing the details in by hand. Field names follow the
 * server's adapters (KashFlow's username/password/memorableWord/autoAuthKey; Bill.com's
 * `billComCredentialFields` in server/providers/bill-com/index.ts).
 */
import type { ComponentChildren } from 'preact';
import type { ProviderId } from '../../../shared/catalogue.js';

export interface ManualField {
  name: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  autoComplete?: string;
}

export interface KeyProviderText {
  /** The sandbox page the guide starts on (`<server>/sandbox/<id>/app/<page>`). */
  sandboxStart: string;
  steps(name: string): ComponentChildren[];
  manualIntro(name: string): string;
  manual: readonly ManualField[];
}

const kashflow: KeyProviderText = {
  sandboxStart: 'apps',
  steps: (name) => [
    `Sign in to ${name} and click the Apps tab in the menu on the left.`,
    'Click the API Settings button in the top right corner.',
    'Make sure the API is enabled, tick Enable AutoAuth, and save.',
    <>
      Press <strong>Send to Bookbridge</strong> in the Bookbridge panel there and type your password and memorable word into it. Bookbridge
      reads your username and AutoAuth key from the page with your consent: nothing to copy, nothing on the clipboard.
    </>,
    'Back here, select the organisation, select Next, then Finish.',
  ],
  manualIntro: (name) => `Enter your ${name} username, password and memorable word, and the AutoAuth key from Apps > API Settings.`,
  manual: [
    { name: 'username', label: 'Username', autoComplete: 'username' },
    { name: 'password', label: 'Password', secret: true, autoComplete: 'current-password' },
    { name: 'memorableWord', label: 'Memorable word', secret: true },
    { name: 'autoAuthKey', label: 'AutoAuth key' },
  ],
};

const billCom: KeyProviderText = {
  sandboxStart: 'settings',
  steps: (name) => [
    `Sign in to ${name} and choose the organisation to connect.`,
    'Open Settings: the Organization ID is at the bottom of the page.',
    'Under Sync & Integrations, open Manage Developer Keys and generate a developer key (accept the developer terms first).',
    <>
      Press <strong>Send to Bookbridge</strong> in the Bookbridge panel there and type your {name} password into it. Bookbridge reads your
      email, the Organization ID and the developer key from the page with your consent: nothing to copy, nothing on the clipboard.
    </>,
    'Back here, select Next, then Finish.',
  ],
  manualIntro: (name) =>
    `Enter the email and password you sign in to ${name} with, the Organization ID (bottom of Settings) and a developer key (Settings > Sync & Integrations > Manage Developer Keys).`,
  manual: [
    { name: 'username', label: 'Email', autoComplete: 'username' },
    { name: 'password', label: 'Password', secret: true, autoComplete: 'current-password' },
    { name: 'organizationId', label: 'Organization ID' },
    { name: 'devKey', label: 'Developer key', secret: true, optional: true },
  ],
};

export function keyProviderText(provider: ProviderId): KeyProviderText {
  return provider === 'bill-com' ? billCom : kashflow;
}
