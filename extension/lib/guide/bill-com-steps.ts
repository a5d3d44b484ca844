/**
 * The steps of connecting Bill.com (BILL), read off BILL's own pages: sign in, choose the
 * organisation, Settings (the Organization ID is at the bottom of the page), Sync & Integrations >
 * Manage Developer Keys > Generate developer key, then Send to Bookbridge. What is read, and where
 * (`#organization-id`, `#dev-key`, `#signed-in-user[data-email]`), follows the server's
 * `billComCredentialFields` (server/providers/bill-com/index.ts); ids first, then labels.
 */
import { findCheckbox, findControl, isInput } from './dom.js';
import type { Step } from './steps.js';

export type BillComStepId = 'sign-in' | 'organisation' | 'settings' | 'organisation-id' | 'developer-keys' | 'developer-key' | 'send';

export type BillComPage = 'login' | 'select-org' | 'settings' | 'developer-keys' | 'other';

export function billComPageOf(pathname: string): BillComPage {
  const path = pathname.replace(/\/+$/, '');
  if (/\/login$/.test(path)) return 'login';
  if (/\/select-org$/.test(path)) return 'select-org';
  if (/\/settings\/developer-keys$/.test(path)) return 'developer-keys';
  if (/\/settings$/.test(path)) return 'settings';
  return 'other';
}

export interface BillComControls {
  /** The signed-in user's email (BILL's username). */
  signedInAs: string | null;
  signIn: HTMLElement | null;
  chooseOrganisation: HTMLElement | null;
  settingsLink: HTMLElement | null;
  organisationId: HTMLElement | null;
  manageKeys: HTMLElement | null;
  acceptTerms: HTMLInputElement | null;
  generate: HTMLElement | null;
  devKey: HTMLInputElement | null;
}

const emailPattern = /[^\s@()]+@[^\s@()]+\.[^\s@()]+/;
/** BILL's organisation ids begin with 008 (Settings page; bill-com.md). */
export const organisationIdPattern = /^008[0-9A-Za-z]{5,}$/;
/** A developer key: one token, no spaces, long enough not to be a label. */
export const devKeyPattern = /^[0-9A-Za-z][0-9A-Za-z-]{15,}$/;

export function billComControlsOf(doc: Document): BillComControls {
  const user = doc.querySelector<HTMLElement>('#signed-in-user');
  const key = findControl(doc, ['#dev-key', 'input[aria-label="Developer key"]']);
  return {
    signedInAs: user?.dataset.email ?? emailPattern.exec(user?.textContent ?? '')?.[0] ?? null,
    signIn: findControl(doc, ['#sign-in'], { tags: 'button', text: /^Sign in$/i }),
    chooseOrganisation: findControl(doc, ['#org-form #continue', '#continue'], { tags: 'button', text: /^Continue$/i }),
    settingsLink: findControl(doc, ['#nav-settings'], { tags: 'nav a', text: /^Settings$/i }),
    organisationId: findControl(doc, ['#organization-id', '[data-organization-id]']),
    manageKeys: findControl(doc, ['#manage-developer-keys'], { tags: 'a, button', text: /^Manage Developer Keys$/i }),
    acceptTerms: findCheckbox(doc, ['#accept-terms'], /accept the BILL developer terms/i),
    generate: findControl(doc, ['#generate-dev-key'], { tags: 'button', text: /^Generate developer key$/i }),
    devKey: isInput(key) ? key : null,
  };
}

/** The organisation id the page shows, if it looks like one. */
export function organisationIdOf(controls: BillComControls): string | null {
  const el = controls.organisationId;
  const text = (el?.dataset.organizationId ?? el?.textContent ?? '').trim();
  return organisationIdPattern.test(text) ? text : null;
}

export function devKeyOf(controls: BillComControls): string | null {
  const key = controls.devKey?.value.trim() ?? '';
  return devKeyPattern.test(key) ? key : null;
}

export function billComSteps(input: { page: BillComPage; controls: BillComControls; sent: boolean }): Step<BillComStepId>[] {
  const { page, controls, sent } = input;
  const signedIn = controls.signedInAs !== null;
  const organisationId = organisationIdOf(controls);
  const devKey = devKeyOf(controls);
  const onKeys = page === 'developer-keys' || Boolean(devKey || controls.generate);
  const onSettings = page === 'settings' || onKeys;
  return [
    { id: 'sign-in', label: 'Sign in to BILL', done: signedIn || page === 'select-org', target: page === 'login' ? controls.signIn : null },
    {
      id: 'organisation',
      label: 'Choose the organisation to connect',
      detail: page === 'select-org' ? 'Pick it in the list, then Continue.' : undefined,
      done: signedIn && page !== 'select-org',
      target: page === 'select-org' ? controls.chooseOrganisation : null,
    },
    { id: 'settings', label: 'Open Settings', done: onSettings, target: signedIn && !onSettings ? controls.settingsLink : null },
    {
      id: 'organisation-id',
      label: 'Find the Organization ID',
      detail: organisationId ? `${organisationId}, at the bottom of Settings: Bookbridge reads it from here.` : 'At the bottom of the Settings page; it begins with 008.',
      done: onSettings && organisationId !== null,
      target: null,
      reads: organisationId ? controls.organisationId : null,
    },
    {
      id: 'developer-keys',
      label: 'Open Manage Developer Keys (under Sync & Integrations)',
      done: onKeys,
      target: onSettings && !onKeys ? controls.manageKeys : null,
    },
    {
      id: 'developer-key',
      label: 'Generate a developer key',
      detail: devKey ? 'Bookbridge reads the key from this page when you send.' : 'Accept the developer terms, then Generate developer key.',
      done: devKey !== null,
      target: onKeys && !devKey ? (controls.acceptTerms && !controls.acceptTerms.checked ? controls.acceptTerms : controls.generate) : null,
      reads: devKey ? controls.devKey : null,
    },
    {
      id: 'send',
      label: 'Send to Bookbridge',
      detail: 'Below: type your BILL password; with your consent Bookbridge reads your email, the Organization ID and the key from this page.',
      done: sent,
      target: null,
    },
  ];
}
