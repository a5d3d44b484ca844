/**
 * The guide's reading of BILL's pages, checked against the Bill.com sandbox's own pages (the same
 * HTML the browser gets), parsed with linkedom, walked the way a user walks them.
 */
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { createBillComSandbox } from '../../../server/sandbox/bill-com/index.js';
import { sandboxUser } from '../../../server/sandbox/bill-com/seed.js';
import { billComSite } from './bill-com-site.js';
import { billComControlsOf, billComPageOf, billComSteps } from './bill-com-steps.js';
import { currentStep } from './steps.js';

/** A visitor with a cookie, following BILL's relative redirects under /app/. */
function visitor() {
  const sandbox = createBillComSandbox({ client: { id: 'server-developer-key', secret: 'x' } });
  let cookie = '';
  const open = async (path: string, form?: Record<string, string>): Promise<Document> => {
    let url = new URL(`http://bill.test/app/${path}`);
    let init: RequestInit | undefined = form ? { method: 'POST', body: new URLSearchParams(form) } : undefined;
    for (let hops = 0; hops < 5; hops++) {
      const res = await sandbox.app.request(url.toString(), { ...init, headers: { cookie } });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0]!;
      if (res.status === 302) {
        url = new URL(res.headers.get('location')!, url);
        init = undefined;
        continue;
      }
      const { document } = parseHTML(await res.text());
      Object.defineProperty(document, 'location', { value: url });
      return document as unknown as Document;
    }
    throw new Error('too many redirects');
  };
  return { sandbox, open };
}

const stepsOf = (doc: Document) => billComSteps({ page: billComPageOf(doc.location.pathname), controls: billComControlsOf(doc), sent: false });

describe('the Bill.com guide reads the page', () => {
  it('walks sign-in, organisation, Settings and Manage Developer Keys, highlighting each control', async () => {
    const { open } = visitor();
    const login = await open('settings');
    expect(billComPageOf(login.location.pathname)).toBe('login');
    expect(currentStep(stepsOf(login))).toMatchObject({ id: 'sign-in', target: { id: 'sign-in' } });

    const chooser = await open('login?next=settings', { email: sandboxUser.email, password: sandboxUser.password });
    expect(billComPageOf(chooser.location.pathname)).toBe('select-org');
    expect(currentStep(stepsOf(chooser))).toMatchObject({ id: 'organisation', target: { id: 'continue' } });
    const organizationId = (chooser.querySelector('input[name=organizationId]') as HTMLInputElement).getAttribute('value')!;

    const settings = await open('select-org?next=settings', { organizationId });
    const onSettings = stepsOf(settings);
    expect(onSettings.filter((s) => s.done).map((s) => s.id)).toEqual(['sign-in', 'organisation', 'settings', 'organisation-id']);
    expect(onSettings.find((s) => s.id === 'organisation-id')).toMatchObject({ detail: expect.stringContaining(organizationId), reads: { id: 'organization-id' } });
    expect(currentStep(onSettings)).toMatchObject({ id: 'developer-keys', target: { id: 'manage-developer-keys' } });
    expect(billComSite.open(settings).capture()).toMatchObject({ ok: false });

    const keys = await open('settings/developer-keys');
    expect(currentStep(stepsOf(keys))).toMatchObject({ id: 'developer-key', target: { id: 'accept-terms' } });
    const generated = await open('settings/developer-keys', { acceptTerms: 'yes' });
    const steps = stepsOf(generated);
    expect(currentStep(steps)?.id).toBe('send');
    expect(steps.find((s) => s.id === 'developer-key')?.reads?.id).toBe('dev-key');

    // What Send reads: the email, the organisation and the key, all from the page.
    const page = billComSite.open(generated);
    expect(page.sendHere()).toBe(true);
    const devKey = (generated.querySelector('#dev-key') as HTMLInputElement).getAttribute('value')!;
    expect(page.capture()).toEqual({ ok: true, values: { username: sandboxUser.email, organizationId, devKey } });
    expect(page.summary()).toBe(`BILL email: ${sandboxUser.email}; Organization ID: ${organizationId}; developer key shown on this page (read from this page)`);
    expect(page.summary()).not.toContain(devKey);
  });

  it('finds the controls by their labels when the ids change', () => {
    const { document } = parseHTML(`<html><body>
      <nav><a href="settings">Settings</a></nav>
      <a href="settings/developer-keys">Manage Developer Keys</a>
      <label><input type="checkbox"> I accept the BILL developer terms of service</label>
      <button>Generate developer key</button></body></html>`);
    const controls = billComControlsOf(document as unknown as Document);
    expect(controls.settingsLink?.textContent).toBe('Settings');
    expect(controls.manageKeys?.textContent).toBe('Manage Developer Keys');
    expect(controls.acceptTerms?.type).toBe('checkbox');
    expect(controls.generate?.textContent).toBe('Generate developer key');
  });
});
