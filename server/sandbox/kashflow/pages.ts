/**
 * app.kashflow.com: the pages a user walks through to connect an app: Sign in, the left-hand
 * menu with its Apps tab, Apps with the API Settings button top right, API Settings (API
 * switch, IP restriction and its list, Enable AutoAuth with the key, password mode, Update).
 *
 * Links, form actions and redirects are relative to the page's own depth ('../' per level),
 * so the same pages work under `<server>/sandbox/kashflow/app/` and at the root of
 * app.kashflow.com (the browser end-to-end test maps that host here). Elements carry stable
 * ids and names because the extension's content script finds and highlights them and reads
 * the username (#signed-in-user[data-username]) and the key (#autoauth-key) from the page.
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html, raw } from 'hono/html';
import { htmlDocument, menuLinks, safeNext, upTo, type Html } from '../common/web-pages.js';
import type { Account } from './model.js';
import { countRequest, type SandboxContext } from './context.js';
import { defaultAccountSeed, kashflowDateTime } from './seed.js';
import { findAccount } from './state.js';

type Env = { Variables: { account: Account } };

const sessionCookie = 'KFSESSION';
const webSessionMs = 8 * 60 * 60 * 1000;


const styles = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 "Segoe UI",Arial,sans-serif;color:#1d2b36;background:#f3f5f7}
header.kf-top{display:flex;align-items:center;justify-content:space-between;background:#00205b;color:#fff;padding:0 20px;height:52px}
header.kf-top .kf-logo{font-weight:700;font-size:20px;letter-spacing:.3px}header.kf-top .kf-logo span{color:#7ac143}
header.kf-top .kf-user{font-size:13px}header.kf-top a{color:#cfe3ff;margin-left:12px}
.kf-shell{display:flex;min-height:calc(100vh - 52px)}
nav.kf-menu{width:200px;background:#0b2f6b;padding-top:8px}nav.kf-menu a{display:block;color:#dbe6f5;text-decoration:none;padding:11px 20px;border-left:4px solid transparent}
nav.kf-menu a:hover{background:#12407f}nav.kf-menu a.active{background:#12407f;border-left-color:#7ac143;color:#fff;font-weight:600}
main.kf-main{flex:1;padding:24px 32px}.kf-titlebar{display:flex;align-items:center;justify-content:space-between;margin-bottom:18px}
h1{font-size:22px;margin:0}.btn{display:inline-block;background:#7ac143;color:#fff;border:0;border-radius:3px;padding:8px 16px;font-size:14px;text-decoration:none;cursor:pointer}
.btn.secondary{background:#5a6b7b}.btn.small{padding:4px 10px;font-size:12px}.panel{background:#fff;border:1px solid #dde3e8;border-radius:4px;padding:20px;margin-bottom:16px;max-width:760px}
.row{margin:12px 0}.row label{font-weight:600}.hint{color:#5a6b7b;font-size:12px;margin:4px 0 0 24px}.key{font-family:Consolas,monospace;font-size:15px;width:360px;padding:6px;border:1px solid #b9c4ce;background:#f7f9fb}
.notice{background:#e8f5dc;border:1px solid #7ac143;padding:8px 12px;margin-bottom:14px;max-width:760px}.error{background:#fdecea;border:1px solid #d9534f;padding:8px 12px;margin-bottom:14px;max-width:760px}
.switch{display:inline-flex;align-items:center;gap:8px}table.kf{border-collapse:collapse;background:#fff;min-width:480px}table.kf th,table.kf td{border:1px solid #dde3e8;padding:6px 10px;text-align:left}
.tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border:1px solid #dde3e8;border-radius:4px;padding:14px;width:200px}
.login{max-width:360px;margin:60px auto;background:#fff;border:1px solid #dde3e8;border-radius:4px;padding:24px}.login input{width:100%;padding:8px;margin:4px 0 12px}
.sandbox-hint{background:#fff8e1;border:1px dashed #e0a800;padding:8px 12px;font-size:13px;margin-bottom:14px}
`;

const document = (title: string, body: Html): Html => htmlDocument({ lang: 'en-GB', brand: 'KashFlow', styles }, title, body);

const menu = [
  ['dashboard', 'Dashboard', 'nav-dashboard'],
  ['customers', 'Customers', 'nav-customers'],
  ['suppliers', 'Suppliers', 'nav-suppliers'],
  ['bank', 'Bank', 'nav-bank'],
  ['reports', 'Reports', 'nav-reports'],
  ['vat', 'VAT', 'nav-vat'],
  ['apps', 'Apps', 'nav-apps'],
  ['settings', 'Settings', 'nav-settings'],
] as const;

function layout(account: Account, up: string, active: string, title: string, content: Html, actions: Html = html``): Html {
  return document(
    title,
    html`<header class="kf-top">
  <div class="kf-logo">Kash<span>Flow</span></div>
  <div class="kf-user"><span id="company-name">${account.companyName}</span> &middot;
    <span id="signed-in-user" data-username="${account.username}">Signed in as ${account.username}</span>
    <a id="sign-out" href="${up}logout">Sign out</a></div>
</header>
<div class="kf-shell">
  <nav class="kf-menu" id="left-menu" aria-label="Main menu">
    ${menuLinks(menu, up, active)}
  </nav>
  <main class="kf-main">
    <div class="kf-titlebar"><h1 id="page-title">${title}</h1><div class="kf-actions">${actions}</div></div>
    ${content}
  </main>
</div>`,
  );
}


export function createPagesApp(ctx: SandboxContext): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', countRequest(ctx, 'app'));

  const signedIn = (c: Context): Account | undefined => {
    const token = getCookie(c, sessionCookie);
    const session = token ? ctx.state.webSessions.get(token) : undefined;
    if (!session || session.expiresAt < ctx.now().getTime()) return undefined;
    return findAccount(ctx.state, session.username);
  };

  /** Registers a page that needs a signed-in user; the handler gets the account and '../' prefix. */
  const page = (
    method: 'get' | 'post',
    ownPath: string,
    handler: (c: Context<Env>, account: Account, up: string) => Response | Promise<Response>,
  ) => {
    app[method](ownPath, async (c) => {
      const up = upTo(ownPath);
      const account = signedIn(c);
      if (!account) {
        const next = ownPath.replace(/^\//, '');
        return c.redirect(`${up}login?next=${encodeURIComponent(method === 'get' && !ownPath.includes(':') ? next : 'dashboard')}`, 302);
      }
      return handler(c, account, up);
    });
  };

  app.get('/', (c) => {
    // Mounted at '/x/app' and asked for '/x/app' (no slash): './' would leave the folder.
    const path = new URL(c.req.url).pathname;
    const here = path.endsWith('/') ? './' : `${path.slice(path.lastIndexOf('/') + 1)}/`;
    return c.redirect(`${here}${signedIn(c) ? 'dashboard' : 'login'}`, 302);
  });

  const loginPage = (c: Context, error?: string, username = '') =>
    c.html(
      document(
        'Sign in',
        html`<div class="login">
  <div class="kf-logo" style="font-size:24px;font-weight:700;color:#00205b">Kash<span style="color:#7ac143">Flow</span></div>
  <h1 style="margin:12px 0">Sign in</h1>
  <div class="sandbox-hint" id="sandbox-hint">Sandbox account: username <b>${defaultAccountSeed.username}</b>, password <b>${defaultAccountSeed.password}</b>, memorable word <b>${defaultAccountSeed.memorableWord}</b>.</div>
  ${error ? html`<div class="error" id="login-error" role="alert">${error}</div>` : ''}
  <form method="post" action="./login?next=${encodeURIComponent(safeNext(c.req.query('next'), 'dashboard'))}" id="login-form">
    <label for="username">Username</label><input id="username" name="username" autocomplete="username" value="${username}" required>
    <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
    <button class="btn" type="submit" id="sign-in">Sign in</button>
  </form>
</div>`,
      ),
      error ? 401 : 200,
    );

  app.get('/login', (c) => (signedIn(c) ? c.redirect(`./${safeNext(c.req.query('next'), 'dashboard')}`, 302) : loginPage(c)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const account = findAccount(ctx.state, username);
    if (!account || account.password !== password) return loginPage(c, 'The username or password you entered is incorrect.', username);
    if (account.locked) return loginPage(c, 'This account is locked. Reset your password to unlock it.', username);
    const token = ctx.state.rng.guid();
    ctx.state.webSessions.set(token, { username: account.username, expiresAt: ctx.now().getTime() + webSessionMs });
    // No Path: the browser scopes the cookie to this host's folder, wherever the sandbox is mounted.
    setCookie(c, sessionCookie, token, { httpOnly: true, sameSite: 'Lax' });
    return c.redirect(`./${safeNext(c.req.query('next'), 'dashboard')}`, 302);
  });

  const logout = (c: Context) => {
    const token = getCookie(c, sessionCookie);
    if (token) ctx.state.webSessions.delete(token);
    deleteCookie(c, sessionCookie);
    return c.redirect('./login', 302);
  };
  app.get('/logout', logout);
  app.post('/logout', logout);

  page('get', '/dashboard', (c, account, up) =>
    c.html(
      layout(
        account,
        up,
        'dashboard',
        'Dashboard',
        html`<div class="panel"><p>Welcome back, ${account.username}.</p>
<p>${account.purchases.length} purchases, ${account.invoices.length} invoices and ${account.expenses.length} bank payments recorded.</p></div>`,
      ),
    ),
  );

  for (const [path, label] of [['customers', 'Customers'], ['suppliers', 'Suppliers'], ['bank', 'Bank'], ['reports', 'Reports'], ['vat', 'VAT'], ['settings', 'Settings']] as const) {
    page('get', `/${path}`, (c, account, up) =>
      c.html(layout(account, up, path, label, html`<div class="panel"><p>This page is not part of the sandbox.</p></div>`)),
    );
  }

  page('get', '/apps', (c, account, up) =>
    c.html(
      layout(
        account,
        up,
        'apps',
        'Apps',
        html`<p>Connect KashFlow to the apps you use.</p>
<div class="tiles" id="app-tiles">
  ${['Dext', 'Stripe', 'PayPal', 'Shopify', 'Dropbox'].map((name) => html`<div class="tile"><b>${name}</b><br><span class="hint" style="margin:0">Not connected</span></div>`)}
</div>`,
        html`<a class="btn" id="api-settings-button" href="${up}apps/api-settings">API Settings</a>`,
      ),
    ),
  );

  const apiSettingsPage = (c: Context<Env>, account: Account, up: string, message?: { kind: 'notice' | 'error'; text: string }) => {
    const api = account.api;
    const form = `${up}apps/api-settings`;
    return c.html(
      layout(
        account,
        up,
        'apps',
        'API Settings',
        html`${message ? html`<div class="${message.kind}" id="settings-${message.kind}" role="status">${message.text}</div>` : ''}
<form method="post" action="${form}" id="api-settings-form" data-autoauth-url="${up}apps/api-settings/autoauth">
<div class="panel">
  <div class="row"><label class="switch" for="api-enabled"><input type="checkbox" role="switch" id="api-enabled" name="APIEnabled" value="on"${raw(api.APIEnabled ? ' checked' : '')}> API enabled</label>
    <p class="hint">Allow other software to read and write your KashFlow data.</p></div>
  <div class="row"><label for="restrict-ip"><input type="checkbox" id="restrict-ip" name="AccessToSpecificIPAddressesOnly" value="on"${raw(api.AccessToSpecificIPAddressesOnly ? ' checked' : '')}> Restrict access to specific IP addresses</label>
    <p class="hint"><a id="ip-addresses-link" href="${up}apps/api-settings/ip-addresses">View and edit the allowed IP addresses</a> (<span id="ip-count">${api.allowedIps.length}</span> listed)</p></div>
  <div class="row"><label for="autoauth-enabled"><input type="checkbox" id="autoauth-enabled" name="AutoAuthEnabled" value="on"${raw(api.AutoAuthEnabled ? ' checked' : '')}> Enable AutoAuth</label>
    <p class="hint">Lets an app add its own IP address to the list above with the AutoAuth key.</p>
    <div class="row" id="autoauth-key-row"${raw(api.AutoAuthEnabled ? '' : ' hidden')} style="margin-left:24px">
      <label for="autoauth-key">AutoAuth key</label><br>
      <input class="key" id="autoauth-key" readonly value="${api.AutoAuthEnabled ? api.AutoAuthKey : ''}" aria-label="AutoAuth key">
      <button type="button" class="btn small secondary" id="copy-autoauth-key">Copy</button>
      <button type="submit" class="btn small secondary" id="regenerate-autoauth-key" formaction="${up}apps/api-settings/regenerate-key">Generate new key</button>
    </div></div>
  <div class="row" id="password-mode"><label>API password</label><br>
    <label><input type="radio" id="password-mode-login" name="PasswordMode" value="login"${raw(api.UseSeparateSOAPAPIPassword ? '' : ' checked')}> Use login password</label><br>
    <label><input type="radio" id="password-mode-separate" name="PasswordMode" value="separate"${raw(api.UseSeparateSOAPAPIPassword ? ' checked' : '')}> Separate API password</label>
    <input type="password" id="api-password" name="ApiPassword" autocomplete="new-password" placeholder="${api.Password ? 'Leave blank to keep the current one' : 'New API password'}" aria-label="Separate API password">
  </div>
  <div class="row"><label for="remote-login"><input type="checkbox" id="remote-login" name="EnableRemoteLogin" value="on"${raw(api.EnableRemoteLogin ? ' checked' : '')}> Enable remote login</label></div>
  <button type="submit" class="btn" id="update-api-settings">Update</button>
</div>
</form>
<script>${raw(apiSettingsScript)}</script>`,
      ),
    );
  };

  page('get', '/apps/api-settings', (c, account, up) => {
    const saved = c.req.query('saved');
    const text = saved === 'key' ? 'A new AutoAuth key has been generated.' : saved ? 'Your API settings have been updated.' : undefined;
    return apiSettingsPage(c, account, up, text ? { kind: 'notice', text } : undefined);
  });

  page('post', '/apps/api-settings', async (c, account, up) => {
    const form = await c.req.parseBody();
    const on = (name: string) => form[name] === 'on';
    const separate = form.PasswordMode === 'separate';
    const newPassword = typeof form.ApiPassword === 'string' ? form.ApiPassword : '';
    if (separate && !newPassword && !account.api.Password) {
      return apiSettingsPage(c, account, up, { kind: 'error', text: 'Enter a separate API password, or choose Use login password.' });
    }
    account.api.APIEnabled = on('APIEnabled');
    account.api.AccessToSpecificIPAddressesOnly = on('AccessToSpecificIPAddressesOnly');
    account.api.AutoAuthEnabled = on('AutoAuthEnabled');
    account.api.EnableRemoteLogin = on('EnableRemoteLogin');
    account.api.UseSeparateSOAPAPIPassword = separate;
    if (separate && newPassword) account.api.Password = newPassword;
    return c.redirect(`${up}apps/api-settings?saved=1`, 302);
  });

  // Ticking "Enable AutoAuth" saves at once and shows the key (the page's script calls this).
  page('post', '/apps/api-settings/autoauth', async (c, account) => {
    const form = await c.req.parseBody();
    account.api.AutoAuthEnabled = form.enabled === 'on' || form.enabled === 'true';
    return c.json({ AutoAuthEnabled: account.api.AutoAuthEnabled, AutoAuthKey: account.api.AutoAuthEnabled ? account.api.AutoAuthKey : '' });
  });

  page('post', '/apps/api-settings/regenerate-key', (c, account, up) => {
    account.api.AutoAuthKey = ctx.state.rng.guid().toUpperCase();
    return c.redirect(`${up}apps/api-settings?saved=key`, 302);
  });

  const ipPage = (c: Context<Env>, account: Account, up: string, error?: string) =>
    c.html(
      layout(
        account,
        up,
        'apps',
        'Allowed IP addresses',
        html`${error ? html`<div class="error" id="ip-error" role="alert">${error}</div>` : ''}
<div class="panel">
<table class="kf" id="ip-list"><thead><tr><th>IP address</th><th>Comment</th><th>Added</th><th></th></tr></thead><tbody>
${account.api.allowedIps.length === 0 ? html`<tr id="ip-list-empty"><td colspan="4">No IP addresses. While the restriction is on, no app can use the API.</td></tr>` : ''}
${account.api.allowedIps.map(
  (e) => html`<tr data-ip="${e.ip}"><td class="ip">${e.ip}</td><td class="comment">${e.comment}</td><td>${e.added}</td>
<td><form method="post" action="${up}apps/api-settings/ip-addresses/remove"><input type="hidden" name="ip" value="${e.ip}"><button class="btn small secondary" type="submit">Remove</button></form></td></tr>`,
)}
</tbody></table>
<form method="post" action="${up}apps/api-settings/ip-addresses" id="add-ip-form" style="margin-top:14px">
  <label for="new-ip">IP address</label> <input id="new-ip" name="ip" required>
  <label for="new-ip-comment">Comment</label> <input id="new-ip-comment" name="comment">
  <button class="btn" type="submit" id="add-ip">Add</button>
</form>
</div>
<p><a id="back-to-api-settings" href="${up}apps/api-settings">Back to API Settings</a></p>`,
      ),
      error ? 400 : 200,
    );

  page('get', '/apps/api-settings/ip-addresses', (c, account, up) => ipPage(c, account, up));
  page('post', '/apps/api-settings/ip-addresses', async (c, account, up) => {
    const form = await c.req.parseBody();
    const ip = typeof form.ip === 'string' ? form.ip.trim() : '';
    const comment = typeof form.comment === 'string' ? form.comment.trim().slice(0, 100) : '';
    if (!isIp(ip)) return ipPage(c, account, up, `"${ip}" is not an IP address.`);
    if (!account.api.allowedIps.some((e) => e.ip === ip)) account.api.allowedIps.push({ ip, comment, added: kashflowDateTime(ctx.now()) });
    return c.redirect(`${up}apps/api-settings/ip-addresses`, 302);
  });
  page('post', '/apps/api-settings/ip-addresses/remove', async (c, account, up) => {
    const form = await c.req.parseBody();
    account.api.allowedIps = account.api.allowedIps.filter((e) => e.ip !== form.ip);
    return c.redirect(`${up}apps/api-settings/ip-addresses`, 302);
  });

  // Where a published document's link lands.
  page('get', '/purchases/:number', (c, account, up) => {
    const p = account.purchases.find((x) => String(x.Number) === c.req.param('number'));
    if (!p) return c.html(layout(account, up, 'suppliers', 'Purchase not found', html`<div class="panel">No such purchase.</div>`), 404);
    return c.html(
      layout(
        account,
        up,
        'suppliers',
        `Purchase ${p.Number}`,
        html`<div class="panel" id="document"><p>${p.SupplierName} (${p.SupplierCode}), reference <b>${p.SupplierReference}</b>, ${p.IssuedDate.slice(0, 10)}</p>
<p>Net ${p.NetAmount.toFixed(2)}, VAT ${p.VATAmount.toFixed(2)}, total <b>${p.GrossAmount.toFixed(2)}</b>${p.IsCredit ? ' (credit)' : ''}</p></div>`,
      ),
    );
  });
  page('get', '/invoices/:number', (c, account, up) => {
    const i = account.invoices.find((x) => String(x.Number) === c.req.param('number'));
    if (!i) return c.html(layout(account, up, 'customers', 'Invoice not found', html`<div class="panel">No such invoice.</div>`), 404);
    return c.html(
      layout(
        account,
        up,
        'customers',
        `Invoice ${i.Number}`,
        html`<div class="panel" id="document"><p>${i.CustomerName} (${i.CustomerCode}), ${i.IssuedDate.slice(0, 10)}</p><p>Total <b>${i.GrossAmount.toFixed(2)}</b>${i.IsCredit ? ' (credit)' : ''}</p></div>`,
      ),
    );
  });
  page('get', '/expenses/:number', (c, account, up) => {
    const e = account.expenses.find((x) => String(x.Number) === c.req.param('number'));
    if (!e) return c.html(layout(account, up, 'bank', 'Bank payment not found', html`<div class="panel">No such payment.</div>`), 404);
    return c.html(
      layout(account, up, 'bank', `Bank payment ${e.Number}`, html`<div class="panel" id="document"><p>${e.SupplierCode}, ${e.IssuedDate.slice(0, 10)}, <b>${e.Amount.toFixed(2)}</b></p><p>${e.Comment}</p></div>`),
    );
  });

  return app;
}

function isIp(value: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
  return v4.test(value) || (/^[0-9a-f:]+$/i.test(value) && value.includes(':') && value.length <= 39);
}

// Ticking Enable AutoAuth saves straight away and reveals the key (no Update needed, as the
// help article implies); Copy puts the key on the clipboard.
const apiSettingsScript = `
(function(){
  var form=document.getElementById('api-settings-form');
  var box=document.getElementById('autoauth-enabled');
  var row=document.getElementById('autoauth-key-row');
  var key=document.getElementById('autoauth-key');
  box.addEventListener('change',function(){
    var body=new URLSearchParams();body.set('enabled',box.checked?'on':'off');
    fetch(form.getAttribute('data-autoauth-url'),{method:'POST',body:body,credentials:'same-origin'})
      .then(function(r){return r.json();})
      .then(function(d){key.value=d.AutoAuthKey||'';row.hidden=!d.AutoAuthEnabled;key.dispatchEvent(new Event('kf:autoauth-key',{bubbles:true}));});
  });
  document.getElementById('copy-autoauth-key').addEventListener('click',function(){
    key.select();if(navigator.clipboard){navigator.clipboard.writeText(key.value);}
  });
})();
`;
