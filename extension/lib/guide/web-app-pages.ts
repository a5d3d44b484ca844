/**
 * Which organisation the user is looking at in each OAuth provider's web app. Each reader tries
 * its selectors in order, then the page title. The selectors are those of the built-in sandbox's
 * signed-in page (server/sandbox/signed-in-pages.ts: `#company-name`, title
 * "<page> | <company> | <product>"); the real web apps could not be inspected from here, so their
 * title is the fallback and a selector for them is added when one is confirmed.
 */
import type { WebAppSite } from './web-app-guide.js';

function readOrganisation(doc: Document, selectors: readonly string[], product: RegExp): { name: string } | null {
  for (const selector of selectors) {
    const text = doc.querySelector(selector)?.textContent?.replace(/\s+/g, ' ').trim();
    if (text) return { name: text.slice(0, 200) };
  }
  // "<page> | <company> | <product>": the company is the part before the product's name.
  const parts = doc.title.split('|').map((p) => p.trim()).filter(Boolean);
  if (parts.length >= 3 && product.test(parts[parts.length - 1]!)) return { name: parts[parts.length - 2]!.slice(0, 200) };
  return null;
}

export const quickbooksOnlineSite: WebAppSite = {
  provider: 'quickbooks-online',
  name: 'QuickBooks Online',
  noun: 'company',
  organisationOnPage: (doc) => readOrganisation(doc, ['#company-name'], /^QuickBooks/i),
};

export const sageAccountingSite: WebAppSite = {
  provider: 'sage-accounting',
  name: 'Sage Accounting',
  noun: 'business',
  organisationOnPage: (doc) => readOrganisation(doc, ['#business-name', '#company-name'], /^Sage/i),
};

export const freeagentSite: WebAppSite = {
  provider: 'freeagent',
  name: 'FreeAgent',
  noun: 'company',
  organisationOnPage: (doc) => readOrganisation(doc, ['#company-name'], /^FreeAgent$/i),
};

export const approvalmaxSite: WebAppSite = {
  provider: 'approvalmax',
  name: 'ApprovalMax',
  noun: 'organisation',
  organisationOnPage: (doc) => readOrganisation(doc, ['#organisation-name', '#company-name'], /^ApprovalMax$/i),
  pitch: (businessName, organisation) => `See ${organisation}'s approval decisions on ${businessName}'s items in Bookbridge.`,
};
