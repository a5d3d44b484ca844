/**
 * Which Xero organisation the user is looking at in Xero's web app (go.xero.com). Xero's pages show
 * the organisation's name in the navigation's organisation menu and in the title
 * ("Xero | Dashboard | Demo Company (UK)"); the URL carries its short code (/app/!aBc12/...).
 * Selectors are tried in order; the title is the fallback.
 */
export interface XeroOrganisationOnPage {
  name: string;
  shortCode?: string;
}

const nameSelectors = ['[data-automationid="xnav-orgname"]', '[data-automationid="org-name"]', '.xnav-appbutton--body', '#xero-organisation-name'];

export function organisationOnPage(doc: Document): XeroOrganisationOnPage | null {
  const shortCode = /\/app\/(![\w-]+)\//.exec(doc.location.pathname)?.[1];
  let name: string | undefined;
  for (const selector of nameSelectors) {
    const text = doc.querySelector(selector)?.textContent?.trim();
    if (text) {
      name = text;
      break;
    }
  }
  if (!name) {
    const parts = doc.title.split('|').map((p) => p.trim()).filter(Boolean);
    if (parts.length >= 3 && /^xero$/i.test(parts[0]!)) name = parts[parts.length - 1];
  }
  if (!name) return null;
  return { name: name.slice(0, 200), ...(shortCode ? { shortCode } : {}) };
}
