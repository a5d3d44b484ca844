/**
 * Pieces of the key-based providers' web apps (BILL, KashFlow) that a user walks through to
 * connect: relative links that work at any mount depth, a safe post-sign-in target, the HTML
 * document around a page and the left-hand menu. Each provider's look and words stay its own.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** '../' once per directory level of the page's path on the host, './' at the top. */
export function upTo(ownPath: string): string {
  const depth = ownPath.split('/').filter(Boolean).length - 1;
  return depth > 0 ? '../'.repeat(depth) : './';
}

/** `value` if it is one of our own relative page paths (never an absolute or protocol-relative URL), else `fallback`. */
export function safeNext(value: string | undefined, fallback: string): string {
  return value && /^[a-z0-9][a-z0-9/-]*$/.test(value) && !value.includes('//') ? value : fallback;
}

/** The whole document: `<title>` reads "<title> | <brand>"; `styles` is the provider's stylesheet. */
export function htmlDocument(site: { lang: string; brand: string; styles: string }, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="${site.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} | ${site.brand}</title><style>${raw(site.styles)}</style></head>
<body>${body}</body>
</html>`;
}

/** The menu's links as [path, label, id]; the active one is marked for sight and for screen readers. */
export function menuLinks(menu: readonly (readonly [string, string, string])[], up: string, active: string): Html[] {
  return menu.map(([path, label, id]) => html`<a id="${id}" href="${up}${path}"${raw(active === path ? ' class="active" aria-current="page"' : '')}>${label}</a>`);
}
