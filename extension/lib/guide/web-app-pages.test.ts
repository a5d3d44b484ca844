import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { signedInPages } from '../../../server/sandbox/signed-in-pages.js';
import { approvalmaxSite, freeagentSite, quickbooksOnlineSite, sageAccountingSite } from './web-app-pages.js';

const doc = (html: string) => parseHTML(html).document as unknown as Document;

/** The sandbox's signed-in page for `product`, as the browser gets it. */
async function homePage(product: string, company: string): Promise<Document> {
  const app = signedInPages({ product, colour: '#000', noun: 'company', hint: '', companiesOf: () => [{ id: '1', name: company }] });
  const login = await app.request('/login', { method: 'POST', body: new URLSearchParams({ email: 'demo@example.com', password: 'x' }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  return doc(await (await app.request('/home', { headers: { cookie } })).text());
}

describe("which organisation an OAuth provider's web app shows", () => {
  it.each([
    [quickbooksOnlineSite, 'QuickBooks'],
    [sageAccountingSite, 'Sage Accounting'],
    [freeagentSite, 'FreeAgent'],
    [approvalmaxSite, 'ApprovalMax'],
  ] as const)('$0.name: from the signed-in page, and from the title alone', async (site, product) => {
    expect(site.organisationOnPage(await homePage(product, 'Bramble & Oak Ltd'))).toEqual({ name: 'Bramble & Oak Ltd' });
    expect(site.organisationOnPage(doc(`<html><head><title>Bills | Northwind Ltd | ${product}</title></head><body></body></html>`))).toEqual({ name: 'Northwind Ltd' });
  });

  it('says nothing on a sign-in page', () => {
    expect(sageAccountingSite.organisationOnPage(doc('<html><head><title>Sign in | Sage Accounting</title></head><body><form></form></body></html>'))).toBeNull();
  });
});
