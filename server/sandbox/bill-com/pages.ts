/**
 * The BILL web app pages a user walks through to connect: Sign in, choose an organisation (a
 * BILL user can belong to several), Settings (the organisation ID is shown at the bottom of the
 * settings page) and Settings > Sync & Integrations > Manage Developer Keys (Generate developer
 * key, after accepting the developer terms; up to 4 keys). Also a bill's page, where a published
 * bill's link lands.
 *
 * Links, form actions and redirects are relative to the page's depth ('../' per level), so the
 * pages work under `<server>/sandbox/bill-com/app/` and at a real host's root. Elements carry
 * stable ids and visible labels: the extension reads `#organization-id`, `#dev-key` and
 * `#signed-in-user[data-email]` and highlights `#manage-developer-keys`, `#generate-dev-key`.
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html, raw } from 'hono/html';
import { htmlDocument, menuLinks, safeNext, upTo, type Html } from '../common/web-pages.js';
import type { SandboxContext } from './context.js';
import { sandboxUser } from './seed.js';
import { findUser, type OrganizationData, type User } from './state.js';


const cookieName = 'bdc_web_session';
const webSessionMs = 8 * 60 * 60 * 1000;
const maxDeveloperKeys = 4;



const styles = `
*{box-sizing:border-box}body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1f3b;background:#f5f6fa}
header.top{display:flex;align-items:center;justify-content:space-between;background:#fff;border-bottom:1px solid #e3e5ee;padding:0 24px;height:56px}
.logo{font-weight:800;font-size:22px;letter-spacing:.5px;color:#1b1f3b}.logo span{color:#ff5a1f}
.who{font-size:13px;color:#4a4f6a}.who a{margin-left:14px;color:#3d5afe}
.shell{display:flex;min-height:calc(100vh - 56px)}nav.side{width:210px;background:#1b1f3b;padding-top:10px}
nav.side a{display:block;color:#cfd3ea;text-decoration:none;padding:10px 22px}nav.side a.active{background:#2c3160;color:#fff;font-weight:600}
main{flex:1;padding:26px 34px}h1{font-size:22px;margin:0 0 18px}h2{font-size:16px;margin:22px 0 8px}
.card{background:#fff;border:1px solid #e3e5ee;border-radius:8px;padding:18px 20px;margin-bottom:16px;max-width:780px}
.btn{display:inline-block;background:#3d5afe;color:#fff;border:0;border-radius:6px;padding:9px 16px;font-size:14px;text-decoration:none;cursor:pointer}
label{font-weight:600;display:block;margin:10px 0 4px}input[type=text],input[type=email],input[type=password]{width:100%;padding:9px;border:1px solid #c9ccdb;border-radius:6px}
input.key{font-family:Menlo,Consolas,monospace;font-size:14px;background:#f7f8fc}.notice{background:#e8f5e9;border:1px solid #66bb6a;padding:8px 12px;margin-bottom:14px;max-width:780px}
.error{background:#fdecea;border:1px solid #e57373;padding:8px 12px;margin-bottom:14px}.hint{color:#6b7090;font-size:12px}
.login{max-width:380px;margin:70px auto;background:#fff;border:1px solid #e3e5ee;border-radius:8px;padding:26px}
.sandbox-hint{background:#fff8e1;border:1px dashed #e0a800;padding:8px 12px;font-size:13px;margin:12px 0}
table{border-collapse:collapse;background:#fff;min-width:520px}th,td{border-bottom:1px solid #e3e5ee;padding:7px 10px;text-align:left}
.settings-grid{display:flex;flex-wrap:wrap;gap:14px;max-width:800px}.settings-grid section{background:#fff;border:1px solid #e3e5ee;border-radius:8px;padding:14px 18px;width:240px}
.org-id{margin-top:30px;color:#4a4f6a}.org-choice{display:block;padding:10px;border:1px solid #e3e5ee;border-radius:6px;margin:8px 0;font-weight:400}
`;

const page = (title: string, body: Html): Html => htmlDocument({ lang: 'en-US', brand: 'BILL', styles }, title, body);

const menu = [
  ['home', 'Home', 'nav-home'],
  ['settings', 'Settings', 'nav-settings'],
] as const;

function layout(user: User, org: OrganizationData, up: string, active: string, title: string, content: Html): Html {
  return page(
    title,
    html`<header class="top">
  <div class="logo">BILL<span>.</span></div>
  <div class="who"><span id="org-name">${org.name}</span> &middot;
    <span id="signed-in-user" data-email="${user.email}">${user.firstName} ${user.lastName} (${user.email})</span>
    <a id="switch-org" href="${up}select-org">Switch organization</a>
    <a id="sign-out" href="${up}logout">Sign out</a></div>
</header>
<div class="shell">
  <nav class="side" aria-label="Main menu">
    ${menuLinks(menu, up, active)}
  </nav>
  <main><h1 id="page-title">${title}</h1>${content}</main>
</div>`,
  );
}

const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function createPages(ctx: SandboxContext): Hono {
  const { state } = ctx;
  const app = new Hono();

  const signedIn = (c: Context) => {
    const token = getCookie(c, cookieName);
    const session = token ? state.webSessions.get(token) : undefined;
    if (!session || session.expiresAt < ctx.now().getTime()) return undefined;
    const user = state.users.find((u) => u.id === session.userId);
    return user ? { token, session, user } : undefined;
  };

  /** A page that needs a signed-in user with an organisation chosen. */
  const orgPage = (method: 'get' | 'post', ownPath: string, handler: (c: Context, user: User, org: OrganizationData, up: string) => Response | Promise<Response>) => {
    app[method](ownPath, async (c) => {
      const up = upTo(ownPath);
      const who = signedIn(c);
      const next = method === 'get' && !ownPath.includes(':') ? ownPath.replace(/^\//, '') : 'home';
      if (!who) return c.redirect(`${up}login?next=${encodeURIComponent(next)}`, 302);
      const org = who.session.organizationId ? state.organizations.get(who.session.organizationId) : undefined;
      if (!org) return c.redirect(`${up}select-org?next=${encodeURIComponent(next)}`, 302);
      return handler(c, who.user, org, up);
    });
  };

  app.get('/', (c) => {
    const path = new URL(c.req.url).pathname;
    const here = path.endsWith('/') ? './' : `${path.slice(path.lastIndexOf('/') + 1)}/`;
    return c.redirect(`${here}${signedIn(c) ? 'home' : 'login'}`, 302);
  });

  const loginPage = (c: Context, error?: string, email = '') =>
    c.html(
      page(
        'Sign in',
        html`<div class="login">
  <div class="logo">BILL<span>.</span></div>
  <h1 style="margin-top:14px">Sign in</h1>
  <div class="sandbox-hint" id="sandbox-hint">Sandbox user: email <b>${sandboxUser.email}</b>, password <b>${sandboxUser.password}</b></div>
  ${error ? html`<div class="error" id="login-error" role="alert">${error}</div>` : ''}
  <form method="post" action="./login?next=${encodeURIComponent(safeNext(c.req.query('next'), 'home'))}" id="login-form">
    <label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="${email}" required>
    <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
    <p><button class="btn" type="submit" id="sign-in">Sign in</button></p>
  </form>
</div>`,
      ),
      error ? 401 : 200,
    );

  app.get('/login', (c) => (signedIn(c) ? c.redirect(`./${safeNext(c.req.query('next'), 'home')}`, 302) : loginPage(c)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    const user = findUser(state, email);
    if (!user || user.password !== form.password) return loginPage(c, 'The email or password is incorrect.', email);
    const token = crypto.randomUUID();
    const single = user.organizationIds.length === 1 ? user.organizationIds[0] : undefined;
    state.webSessions.set(token, { userId: user.id, organizationId: single, expiresAt: ctx.now().getTime() + webSessionMs });
    // No Path: the browser scopes the cookie to this host's folder, wherever the sandbox is mounted.
    setCookie(c, cookieName, token, { httpOnly: true, sameSite: 'Lax' });
    const next = encodeURIComponent(safeNext(c.req.query('next'), 'home'));
    return c.redirect(single ? `./${safeNext(c.req.query('next'), 'home')}` : `./select-org?next=${next}`, 302);
  });

  app.get('/select-org', (c) => {
    const who = signedIn(c);
    if (!who) return c.redirect('./login?next=select-org', 302);
    const orgs = who.user.organizationIds.map((id) => state.organizations.get(id)!).filter(Boolean);
    const current = who.session.organizationId;
    return c.html(
      page(
        'Choose an organization',
        html`<div class="login" style="max-width:480px">
  <div class="logo">BILL<span>.</span></div>
  <h1 style="margin-top:14px" id="page-title">Choose an organization</h1>
  <p class="hint">You belong to ${orgs.length} organizations. Choose the one to work in.</p>
  <form method="post" action="./select-org?next=${encodeURIComponent(safeNext(c.req.query('next'), 'home'))}" id="org-form">
    ${orgs.map(
      (o, i) => html`<label class="org-choice" for="org-${o.id}"><input type="radio" id="org-${o.id}" name="organizationId" value="${o.id}"${raw((current ? current === o.id : i === 0) ? ' checked' : '')}> <span class="org-choice-name">${o.name}</span></label>`,
    )}
    <p><button class="btn" type="submit" id="continue">Continue</button></p>
  </form>
</div>`,
      ),
    );
  });
  app.post('/select-org', async (c) => {
    const who = signedIn(c);
    if (!who) return c.redirect('./login', 302);
    const form = await c.req.parseBody();
    const id = typeof form.organizationId === 'string' ? form.organizationId : '';
    if (!who.user.organizationIds.includes(id)) return c.redirect('./select-org', 302);
    who.session.organizationId = id;
    return c.redirect(`./${safeNext(c.req.query('next'), 'home')}`, 302);
  });

  const logout = (c: Context) => {
    const token = getCookie(c, cookieName);
    if (token) state.webSessions.delete(token);
    deleteCookie(c, cookieName);
    return c.redirect('./login', 302);
  };
  app.get('/logout', logout);
  app.post('/logout', logout);

  orgPage('get', '/home', (c, user, org, up) => {
    const recent = org.bills.slice(-8).reverse();
    return c.html(
      layout(
        user,
        org,
        up,
        'home',
        'Home',
        html`<div class="card"><p>Welcome, ${user.firstName}. ${org.vendors.filter((v) => !v.archived).length} active vendors, ${org.bills.length} bills.</p></div>
<h2>Recent bills</h2>
<table id="recent-bills"><tr><th>Vendor</th><th>Invoice #</th><th>Due</th><th>Amount</th><th>Status</th></tr>
${recent.map((b) => html`<tr><td>${b.vendorName}</td><td><a href="${up}bills/${b.id}">${b.invoice.invoiceNumber}</a></td><td>${b.dueDate}</td><td>${money(b.amount)}</td><td>${b.paymentStatus}</td></tr>`)}
</table>`,
      ),
    );
  });

  orgPage('get', '/settings', (c, user, org, up) =>
    c.html(
      layout(
        user,
        org,
        up,
        'settings',
        'Settings',
        html`<div class="settings-grid">
  <section><h2>Your company</h2><p>Profiles, users and roles, approval policies.</p></section>
  <section><h2>Payments</h2><p>Bank accounts, payment methods, auto-pay.</p></section>
  <section id="sync-integrations"><h2>Sync &amp; Integrations</h2>
    <p><a id="manage-developer-keys" href="${up}settings/developer-keys">Manage Developer Keys</a></p>
    <p class="hint">Accounting software sync, tokens.</p></section>
</div>
<p class="org-id" id="organization-id-row"><label for="organization-id" style="display:inline">Organization ID:</label>
  <output id="organization-id" data-organization-id="${org.id}">${org.id}</output></p>`,
      ),
    ),
  );

  const keysPage = (c: Context, user: User, org: OrganizationData, up: string, notice?: string, error?: string) => {
    const keys = org.developerKeys.slice().reverse();
    return c.html(
      layout(
        user,
        org,
        up,
        'settings',
        'Manage Developer Keys',
        html`${notice ? html`<div class="notice" id="keys-notice" role="status">${notice}</div>` : ''}
${error ? html`<div class="error" id="keys-error" role="alert">${error}</div>` : ''}
<div class="card">
  <p>A developer key identifies your app to the BILL API. Use it with your BILL username, password and organization ID to sign in with <code>POST /v3/login</code>. You can have up to ${maxDeveloperKeys} developer keys.</p>
  ${
    keys.length === 0
      ? html`<p id="no-keys">You have not generated a developer key yet.</p>`
      : keys.map(
          (k, i) => html`<div class="key-row"><label for="${i === 0 ? 'dev-key' : `dev-key-${i + 1}`}">Developer key${i === 0 ? '' : ` ${i + 1}`}</label>
  <input class="key" type="text" id="${i === 0 ? 'dev-key' : `dev-key-${i + 1}`}" value="${k.key}" readonly><p class="hint">Generated ${k.createdTime.slice(0, 10)}</p></div>`,
        )
  }
  ${
    keys.length < maxDeveloperKeys
      ? html`<form method="post" action="./developer-keys" id="generate-key-form">
    <label style="font-weight:400"><input type="checkbox" id="accept-terms" name="acceptTerms" value="yes"> I accept the BILL developer terms of service</label>
    <p><button class="btn" type="submit" id="generate-dev-key">Generate developer key</button></p>
  </form>`
      : html`<p id="keys-limit">You have ${maxDeveloperKeys} developer keys, the most BILL allows.</p>`
  }
</div>
<p class="org-id"><label for="organization-id" style="display:inline">Organization ID:</label> <output id="organization-id" data-organization-id="${org.id}">${org.id}</output></p>
<p><a id="back-to-settings" href="${up}settings">Back to Settings</a></p>`,
      ),
      error ? 400 : 200,
    );
  };

  orgPage('get', '/settings/developer-keys', (c, user, org, up) => keysPage(c, user, org, up));
  orgPage('post', '/settings/developer-keys', async (c, user, org, up) => {
    const form = await c.req.parseBody();
    if (form.acceptTerms !== 'yes') return keysPage(c, user, org, up, undefined, 'Accept the developer terms of service to generate a key.');
    if (org.developerKeys.length >= maxDeveloperKeys) return keysPage(c, user, org, up, undefined, `You already have ${maxDeveloperKeys} developer keys.`);
    const key = `${state.rng.alnum(8)}-${state.rng.alnum(4)}-${state.rng.alnum(4)}-${state.rng.alnum(4)}-${state.rng.alnum(12)}`.toUpperCase();
    org.developerKeys.push({ key, createdTime: ctx.now().toISOString(), createdBy: user.id });
    return keysPage(c, user, org, up, 'Your developer key is ready. Store it somewhere safe, such as a password manager.');
  });

  orgPage('get', '/bills/:id', (c, user, org, up) => {
    const bill = org.bills.find((b) => b.id === c.req.param('id'));
    if (!bill) return c.html(layout(user, org, up, 'home', 'Bill not found', html`<div class="card">No bill ${c.req.param('id')} in ${org.name}.</div>`), 404);
    const docs = org.uploads.filter((u) => u.billId === bill.id && u.documentId);
    return c.html(
      layout(
        user,
        org,
        up,
        'home',
        `Bill ${bill.invoice.invoiceNumber}`,
        html`<div class="card" id="bill" data-bill-id="${bill.id}">
  <p><b>${bill.vendorName}</b> &middot; invoice ${bill.invoice.invoiceNumber} dated ${bill.invoice.invoiceDate}, due ${bill.dueDate}</p>
  <table><tr><th>Description</th><th>Amount</th></tr>${bill.billLineItems.map((l) => html`<tr><td>${l.description ?? ''}</td><td>${money(l.amount)}</td></tr>`)}
  <tr><th>Total</th><th id="bill-amount">${money(bill.amount)}</th></tr></table>
  <p>Status: <span id="bill-status">${bill.paymentStatus}</span>${bill.archived ? ' (archived)' : ''}</p>
  <h2>Documents</h2><ul id="bill-documents">${docs.map((d) => html`<li>${d.name}</li>`)}</ul>
</div>`,
      ),
    );
  });

  orgPage('get', '/vendor-credits/:id', (c, user, org, up) => {
    const credit = org.vendorCredits.find((v) => v.id === c.req.param('id'));
    const vendor = credit ? org.vendors.find((v) => v.id === credit.vendorId) : undefined;
    return c.html(
      layout(
        user,
        org,
        up,
        'home',
        credit ? `Vendor credit ${credit.referenceNumber}` : 'Vendor credit not found',
        credit ? html`<div class="card" id="vendor-credit"><p><b>${vendor?.name ?? ''}</b> &middot; ${credit.creditDate} &middot; ${money(credit.amount)}</p></div>` : html`<div class="card">Not found.</div>`,
      ),
      credit ? 200 : 404,
    );
  });

  return app;
}
