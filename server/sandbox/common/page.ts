/**
 * The sign-in and consent pages' chrome for the OAuth sandboxes (Xero, ApprovalMax,
 * QuickBooks): one layout; each provider's brand name and colours are the theme.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export interface PageTheme {
  /** Shown in the title as "<title> | <brand> (sandbox)". */
  brand: string;
  background: string;
  text: string;
  /** The card's max width in px. */
  width: number;
  inputBorder: string;
  button: string;
  secondaryButton: string;
  hint: { background: string; border: string };
  error: string;
  /** The provider's own rules for what its pages hold (scope lists, organisation rows...). */
  extraCss: string;
}

export function themedPage(theme: PageTheme, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | ${theme.brand} (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:${theme.background};margin:0;color:${theme.text}}
main{max-width:${theme.width}px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 4px #0002}
h1{font-size:22px;margin:0 0 16px} label{display:block;margin:12px 0 4px;font-weight:600}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;border:1px solid ${theme.inputBorder};border-radius:4px}
button{margin-top:20px;padding:10px 18px;border:0;border-radius:4px;background:${theme.button};color:#fff;font-weight:600;cursor:pointer}
button.secondary{background:${theme.secondaryButton};color:${theme.text};margin-left:8px}
.hint{background:${theme.hint.background};border:1px solid ${theme.hint.border};padding:8px 12px;border-radius:4px;font-size:14px}
.error{color:${theme.error};font-weight:600} ${theme.extraCss}
</style></head><body><main>${body}</main></body></html>`;
}
