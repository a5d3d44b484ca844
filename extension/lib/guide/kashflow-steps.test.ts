/**
 * The guide's reading of KashFlow's pages, checked against the KashFlow sandbox's own pages (the
 * same HTML the browser gets), parsed with linkedom.
 */
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { createKashflowSandbox } from '../../../server/sandbox/kashflow/index.js';
import { controlsOf, currentStep, kashflowSteps, pageOf, readyToSend, savedSettingsOf } from './kashflow-steps.js';

/**
 * linkedom keeps no form state: give inputs `checked` (and `value`) reflecting their attributes,
 * which is what a freshly loaded page shows.
 */
function withFormState(doc: Document): Document {
  const proto = Object.getPrototypeOf(doc.createElement('input')) as object;
  if (!Object.getOwnPropertyDescriptor(proto, 'checked')) {
    Object.defineProperty(proto, 'checked', {
      configurable: true,
      get(this: Element) {
        return this.hasAttribute('checked');
      },
      set(this: Element, on: boolean) {
        if (on) this.setAttribute('checked', '');
        else this.removeAttribute('checked');
      },
    });
  }
  return doc;
}

async function pagesOf() {
  const sandbox = createKashflowSandbox({ accounts: [{}] });
  const login = await sandbox.hosts.app.request('/login?next=apps', {
    method: 'POST',
    body: new URLSearchParams({ username: 'demo', password: 'demo-password' }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const get = async (path: string) => {
    const { document } = parseHTML(await (await sandbox.hosts.app.request(path, { headers: { cookie } })).text());
    return withFormState(document as unknown as Document);
  };
  const loginPage = withFormState(parseHTML(await (await sandbox.hosts.app.request('/login')).text()).document as unknown as Document);
  return { sandbox, get, loginPage, cookie };
}

describe('the KashFlow guide reads the page', () => {
  it('knows the pages by their path, under the sandbox prefix too', () => {
    expect(pageOf('/login')).toBe('login');
    expect(pageOf('/sandbox/kashflow/app/apps')).toBe('apps');
    expect(pageOf('/apps/api-settings/')).toBe('api-settings');
    expect(pageOf('/apps/api-settings/ip-addresses')).toBe('ip-addresses');
    expect(pageOf('/dashboard')).toBe('other');
  });

  it('on the sign-in page: step one, Sign in highlighted', async () => {
    const { loginPage } = await pagesOf();
    const controls = controlsOf(loginPage);
    const steps = kashflowSteps({ page: 'login', controls, saved: null, sent: false });
    expect(currentStep(steps)?.id).toBe('sign-in');
    expect(currentStep(steps)?.target?.id).toBe('sign-in');
  });

  it('on Apps: signed in, Apps done, API Settings highlighted', async () => {
    const { get } = await pagesOf();
    const doc = await get('/apps');
    const controls = controlsOf(doc);
    expect(controls.signedInAs).toBe('demo');
    const steps = kashflowSteps({ page: 'apps', controls, saved: null, sent: false });
    expect(steps.filter((s) => s.done).map((s) => s.id)).toEqual(['sign-in', 'apps']);
    expect(currentStep(steps)?.target?.id).toBe('api-settings-button');
  });

  it('on API Settings: AutoAuth is next; ticked with its key, all is ready to send', async () => {
    const { get } = await pagesOf();
    const doc = await get('/apps/api-settings');
    const controls = controlsOf(doc);
    const saved = savedSettingsOf(controls);
    expect(saved).toEqual({ apiEnabled: true, restrictIp: true });
    let steps = kashflowSteps({ page: 'api-settings', controls, saved, sent: false });
    expect(currentStep(steps)?.id).toBe('autoauth');
    expect(currentStep(steps)?.target?.id).toBe('autoauth-enabled');
    expect(steps.find((s) => s.id === 'ip')?.detail).toMatch(/limited to listed IP addresses/);
    expect(readyToSend(steps)).toBe(false);

    // What the page's own script does when the box is ticked: the key appears.
    controls.autoAuth!.checked = true;
    controls.keyField!.value = '1A2B3C4D-1A2B-1A2B-1A2B-1A2B3C4D5E6F';
    steps = kashflowSteps({ page: 'api-settings', controls: controlsOf(doc), saved, sent: false });
    expect(readyToSend(steps)).toBe(true);
    expect(currentStep(steps)?.id).toBe('send');
  });

  it('asks for Update when the API switch was changed and not saved', async () => {
    const { get } = await pagesOf();
    const doc = await get('/apps/api-settings');
    const controls = controlsOf(doc);
    const saved = savedSettingsOf(controls);
    controls.apiEnabled!.checked = false;
    let steps = kashflowSteps({ page: 'api-settings', controls, saved, sent: false });
    expect(currentStep(steps)?.id).toBe('api-enabled');
    controls.apiEnabled!.checked = true;
    controls.restrictIp!.checked = false;
    steps = kashflowSteps({ page: 'api-settings', controls, saved, sent: false });
    const save = steps.find((s) => s.id === 'save')!;
    expect(save.done).toBe(false);
    expect(save.target?.id).toBe('update-api-settings');
  });

  it('finds the controls by their labels when the ids change', () => {
    const { document } = parseHTML(`<html><body>
      <nav><a href="apps">Apps</a></nav>
      <label><input type="checkbox" checked> API enabled</label>
      <label><input type="checkbox"> Enable AutoAuth</label>
      <button>Update</button></body></html>`);
    const controls = controlsOf(withFormState(document as unknown as Document));
    expect(controls.appsLink?.textContent).toBe('Apps');
    expect(controls.apiEnabled?.checked).toBe(true);
    expect(controls.autoAuth?.checked).toBe(false);
    expect(controls.save?.textContent).toBe('Update');
  });
});
