/**
 * The steps of connecting KashFlow, read off KashFlow's own pages (seed 004: Apps > API Settings >
 * Enable AutoAuth; KashFlow help for the API switch and the IP restriction). Each step says whether
 * it is done and which control on this page the user needs next, so the panel can tick steps off
 * and highlight the control. Ids come first (the sandbox's pages, written after KashFlow's), then
 * labels, so a renamed id still finds its control.
 */
import { findCheckbox, findControl, isInput } from './dom.js';
import type { Step } from './steps.js';

export { currentStep, readyToSend, type Step } from './steps.js';

export type StepId = 'sign-in' | 'apps' | 'api-settings' | 'api-enabled' | 'autoauth' | 'ip' | 'save' | 'send';

export type KashflowPage = 'login' | 'apps' | 'api-settings' | 'ip-addresses' | 'other';

export function pageOf(pathname: string): KashflowPage {
  const path = pathname.replace(/\/+$/, '');
  if (/\/login$/.test(path)) return 'login';
  if (/\/apps\/api-settings\/ip-addresses$/.test(path)) return 'ip-addresses';
  if (/\/apps\/api-settings$/.test(path)) return 'api-settings';
  if (/\/apps$/.test(path)) return 'apps';
  return 'other';
}

export interface PageControls {
  signedInAs: string | null;
  appsLink: HTMLElement | null;
  apiSettingsButton: HTMLElement | null;
  apiEnabled: HTMLInputElement | null;
  autoAuth: HTMLInputElement | null;
  keyField: HTMLInputElement | null;
  restrictIp: HTMLInputElement | null;
  save: HTMLElement | null;
  signIn: HTMLElement | null;
}

export function controlsOf(doc: Document): PageControls {
  const user = doc.querySelector<HTMLElement>('#signed-in-user');
  const key = findControl(doc, ['#autoauth-key', 'input[aria-label="AutoAuth key"]']);
  return {
    signedInAs: user?.dataset.username ?? /Signed in as (\S+)/.exec(user?.textContent ?? '')?.[1] ?? null,
    appsLink: findControl(doc, ['#nav-apps'], { tags: 'nav a', text: /^Apps$/i }),
    apiSettingsButton: findControl(doc, ['#api-settings-button'], { tags: 'a, button', text: /^API Settings$/i }),
    apiEnabled: findCheckbox(doc, ['#api-enabled'], /^API enabled$/i),
    autoAuth: findCheckbox(doc, ['#autoauth-enabled'], /^Enable AutoAuth$/i),
    keyField: isInput(key) ? key : null,
    restrictIp: findCheckbox(doc, ['#restrict-ip'], /Restrict access to specific IP/i),
    save: findControl(doc, ['#update-api-settings'], { tags: 'button', text: /^(Update|Save)$/i }),
    signIn: findControl(doc, ['#sign-in', '#username'], { tags: 'button', text: /^Sign in$/i }),
  };
}

/** The API Settings form as it was saved (what the page showed when it loaded). */
export interface SavedSettings {
  apiEnabled: boolean;
  restrictIp: boolean;
}

export function savedSettingsOf(controls: PageControls): SavedSettings | null {
  if (!controls.apiEnabled) return null;
  return { apiEnabled: controls.apiEnabled.checked, restrictIp: controls.restrictIp?.checked ?? false };
}

/** A key looks like 1A2B3C4D-1A2B-1A2B-1A2B-1A2B3C4D5E6F (KashFlow's AutoAuth key format). */
export const keyPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function keyShown(controls: PageControls): boolean {
  const field = controls.keyField;
  return Boolean(field && controls.autoAuth?.checked && keyPattern.test(field.value.trim()));
}

export function kashflowSteps(input: { page: KashflowPage; controls: PageControls; saved: SavedSettings | null; sent: boolean }): Step<StepId>[] {
  const { page, controls, saved, sent } = input;
  const onSettings = page === 'api-settings';
  const signedIn = controls.signedInAs !== null;
  const apiOn = Boolean(controls.apiEnabled?.checked);
  const autoAuthOn = keyShown(controls);
  const restricted = Boolean(controls.restrictIp?.checked);
  // AutoAuth saves itself when ticked; the other two need Update.
  const dirty = Boolean(saved && controls.apiEnabled && (saved.apiEnabled !== apiOn || saved.restrictIp !== restricted));
  const settingsReached = onSettings || page === 'ip-addresses';
  return [
    { id: 'sign-in', label: 'Sign in to KashFlow', done: signedIn, target: page === 'login' ? controls.signIn : null },
    { id: 'apps', label: 'Open Apps in the menu on the left', done: page === 'apps' || settingsReached, target: signedIn ? controls.appsLink : null },
    { id: 'api-settings', label: 'Open API Settings (top right)', done: settingsReached, target: page === 'apps' ? controls.apiSettingsButton : null },
    {
      id: 'api-enabled',
      label: 'Make sure the API is enabled',
      detail: 'Tick "API enabled": without it no app can use your KashFlow data.',
      done: onSettings && apiOn,
      target: onSettings ? controls.apiEnabled : null,
    },
    {
      id: 'autoauth',
      label: 'Tick Enable AutoAuth',
      detail: 'KashFlow then shows the AutoAuth key Bookbridge needs.',
      done: onSettings && autoAuthOn,
      target: onSettings ? controls.autoAuth : null,
    },
    {
      id: 'ip',
      label: 'Mind the IP restriction',
      detail: restricted
        ? 'Access is limited to listed IP addresses. Keep AutoAuth on: with the key, Bookbridge\'s server adds its own address to the list.'
        : 'Access is not limited by IP address. (If you turn the restriction on later, AutoAuth lets Bookbridge add its address.)',
      done: onSettings && (!restricted || autoAuthOn),
      target: onSettings && restricted && !autoAuthOn ? controls.restrictIp : null,
    },
    {
      id: 'save',
      label: 'Save (Update)',
      detail: dirty ? 'You changed a setting: press Update to save it.' : undefined,
      done: onSettings && apiOn && !dirty,
      target: onSettings && dirty ? controls.save : null,
    },
    {
      id: 'send',
      label: 'Send to Bookbridge',
      detail: 'Below: with your consent, Bookbridge reads your username and the key from this page.',
      done: sent,
      target: null,
      reads: onSettings && autoAuthOn ? controls.keyField : null,
    },
  ];
}
