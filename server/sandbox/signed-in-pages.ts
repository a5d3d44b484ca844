/**
 * The smallest stand-in for an OAuth provider's own web app, for the sandboxes that only emulate
 * the sign-in and consent pages (QuickBooks Online, Sage Accounting, FreeAgent, ApprovalMax):
 * a sign-in form and, once signed in, a home page that names the company the user is working in,
 * with a switcher when they can open several. The extension's guide reads that name to offer
 * "Connect this company to Bookbridge" with the company chosen (issue 7).
 *
 * Stable ids: `#company-name` (with `data-company-id`), `#signed-in-user`, `#company-switcher`.
 * Mounted by each sandbox at `/app`, so it is served at `<server>/sandbox/<provider>/app/`.
 * Links and redirects are relative, so it works under any mount path.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export interface SignedInPagesOptions {
  /** The product as the provider names it, e.g. "QuickBooks". */
  product: string;
  /** The brand colour of the header. */
  colour: string;
  /** What the product calls the thing a user works in: "company", "business", "organisation". */
  noun: string;
  /** The sandbox's sign-in hint (which emails to use). */
  hint: string;
  /**
   * The companies this email may open, the default first; undefined when the email and password
   * do not sign in. Read from the sandbox's live state on every request.
   */
  companiesOf(email: string, password: string): { id: string; name: string }[] | undefined;
}

const cookieName = 'sandbox_web_session';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function signedInPages(options: SignedInPagesOptions): Hono {
  const { product, colour, noun } = options;
  // Sessions live as long as the process: a sandbox reset does not sign the user out.
  const sessions = new Map<string, { email: string; password: string; companyId: string }>();
  const app = new Hono();

  const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;font:15px/1.5 system-ui,sans-serif;background:#f4f5f8;color:#1f2430}
header{display:flex;justify-content:space-between;align-items:center;background:${colour};color:#fff;padding:12px 24px}
header a{color:#fff}.brand{font-weight:700}main{padding:24px;max-width:880px}
.card{background:#fff;border-radius:8px;padding:20px 24px;box-shadow:0 1px 3px #0002;margin-bottom:16px}
label{display:block;font-weight:600;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:8px;border:1px solid #bbb;border-radius:4px}
button{margin-top:16px;padding:9px 18px;border:0;border-radius:4px;background:${colour};color:#fff;font-weight:600}
.hint{background:#eef7ff;border:1px solid #9cc8f0;padding:8px 12px;border-radius:4px;font-size:14px}.error{color:#c62828;font-weight:600}
#company-switcher a{margin-right:12px}
</style></head><body>${body}</body></html>`;

  const session = (c: Context) => {
    const token = getCookie(c, cookieName);
    const found = token ? sessions.get(token) : undefined;
    const companies = found ? options.companiesOf(found.email, found.password) : undefined;
    return found && companies?.length ? { token: token!, ...found, companies } : undefined;
  };

  const loginPage = (c: Context, error?: string) =>
    c.html(
      page(
        `Sign in | ${product}`,
        `<main><div class="card" style="max-width:420px;margin:48px auto">
<h1>Sign in to ${escapeHtml(product)}</h1>
<p class="hint" id="sandbox-hint">${escapeHtml(options.hint)}</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="./login" id="login-form">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button>
</form></div></main>`,
      ),
      error ? 401 : 200,
    );

  app.get('/', (c) => {
    // `/app` and `/app/` both land on the right page (relative links need the trailing slash).
    const path = new URL(c.req.url).pathname;
    const here = path.endsWith('/') ? './' : `${path.slice(path.lastIndexOf('/') + 1)}/`;
    return c.redirect(`${here}${session(c) ? 'home' : 'login'}`, 302);
  });
  app.get('/login', (c) => (session(c) ? c.redirect('./home', 302) : loginPage(c)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email.trim().toLowerCase() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const companies = password ? options.companiesOf(email, password) : undefined;
    if (!companies?.length) return loginPage(c, 'The email or password is incorrect.');
    const token = randomBytes(18).toString('base64url');
    sessions.set(token, { email, password, companyId: companies[0]!.id });
    // No Path: the cookie stays within this sandbox's folder, wherever it is mounted.
    setCookie(c, cookieName, token, { httpOnly: true, sameSite: 'Lax' });
    return c.redirect('./home', 302);
  });
  app.get('/logout', (c) => {
    const token = getCookie(c, cookieName);
    if (token) sessions.delete(token);
    deleteCookie(c, cookieName);
    return c.redirect('./login', 302);
  });

  app.get('/home', (c) => {
    const who = session(c);
    if (!who) return c.redirect('./login', 302);
    const wanted = c.req.query('company');
    const record = sessions.get(who.token)!;
    if (wanted && who.companies.some((co) => co.id === wanted)) record.companyId = wanted;
    const company = who.companies.find((co) => co.id === record.companyId) ?? who.companies[0]!;
    const others = who.companies.filter((co) => co.id !== company.id);
    return c.html(
      page(
        `Dashboard | ${company.name} | ${product}`,
        `<header><span class="brand">${escapeHtml(product)}</span>
<span><span id="company-name" data-company-id="${escapeHtml(company.id)}">${escapeHtml(company.name)}</span> &middot;
<span id="signed-in-user">${escapeHtml(who.email)}</span> &middot; <a id="sign-out" href="./logout">Sign out</a></span></header>
<main><h1 id="page-title">Dashboard</h1>
<div class="card"><p>Welcome back. You are working in <strong>${escapeHtml(company.name)}</strong>.</p></div>
${
  others.length
    ? `<div class="card"><h2>Switch ${escapeHtml(noun)}</h2><nav id="company-switcher" aria-label="Switch ${escapeHtml(noun)}">${others
        .map((co) => `<a href="./home?company=${encodeURIComponent(co.id)}" data-company-id="${escapeHtml(co.id)}">${escapeHtml(co.name)}</a>`)
        .join('')}</nav></div>`
    : ''
}</main>`,
      ),
    );
  });

  return app;
}
