import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { organisationOnPage } from './xero-page.js';

function page(html: string, pathname: string): Document {
  const { document } = parseHTML(html);
  Object.defineProperty(document, 'location', { value: new URL(`https://go.xero.com${pathname}`) });
  return document as unknown as Document;
}

describe("which organisation Xero's page shows", () => {
  it('reads the name from the navigation and the short code from the URL', () => {
    const doc = page('<html><head><title>Xero | Dashboard | Other</title></head><body><span data-automationid="xnav-orgname"> Demo Company (UK) </span></body></html>', '/app/!k9LmN/dashboard');
    expect(organisationOnPage(doc)).toEqual({ name: 'Demo Company (UK)', shortCode: '!k9LmN' });
  });

  it("falls back to the title's last part", () => {
    const doc = page('<html><head><title>Xero | Bills to pay | Northwind Trading Ltd</title></head><body></body></html>', '/AccountsPayable/');
    expect(organisationOnPage(doc)).toEqual({ name: 'Northwind Trading Ltd' });
  });

  it('says nothing on pages that name no organisation (signed out)', () => {
    expect(organisationOnPage(page('<html><head><title>Login | Xero</title></head><body></body></html>', '/'))).toBeNull();
  });
});
