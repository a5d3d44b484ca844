/** A KashFlow user walking the sandbox's pages to turn on AutoAuth and read the key. */
import { PageBrowser } from './page-browser.js';

export interface KashflowCredentials {
  username: string;
  password: string;
  memorableWord: string;
  autoAuthKey: string;
}

/** Sign in, Apps > API Settings, tick Enable AutoAuth, Update, read the username and key. */
export async function kashflowCredentialsFromPages(appBase: string, account?: { username: string; password: string; memorableWord: string }): Promise<KashflowCredentials> {
  const browser = new PageBrowser();
  await browser.open(`${appBase}/`);
  const hint = browser.text('sandbox-hint') ?? '';
  const [, username, password, memorableWord] = /username (\S+), password (\S+), memorable word (\S+?)\./.exec(hint) ?? [];
  const who = account ?? { username: username!, password: password!, memorableWord: memorableWord! };
  await browser.submit('login-form', { username: who.username, password: who.password });
  await browser.click('nav-apps');
  await browser.click('api-settings-button');
  if (!('checked' in (browser.element('autoauth-enabled') ?? {}))) await browser.submit('api-settings-form', { AutoAuthEnabled: true });
  const autoAuthKey = browser.element('autoauth-key')?.value ?? '';
  if (!autoAuthKey) throw new Error('no AutoAuth key on the API Settings page');
  return { username: browser.element('signed-in-user')!['data-username']!, password: who.password, memorableWord: who.memorableWord, autoAuthKey };
}
