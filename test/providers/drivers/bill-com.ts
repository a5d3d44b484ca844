/**
 * Bill.com: a developer key and a user sign-in (session), read off BILL's own pages (sign in,
 * choose the organisation, Settings > Manage Developer Keys). One sign-in is one organisation.
 */
import { PageBrowser } from '../../support/page-browser.js';
import { control, num, type SecondaryDriver, type SandboxDocument } from './types.js';
import { quickbooksOnline } from './quickbooks-online.js';

type Json = Record<string, any>;

const doc = (destination: string, x: Json): SandboxDocument => ({
  destination,
  id: x.id,
  contact: x.vendorId ?? null,
  total: num(x.amount ?? x.totalAmount),
  // BILL has no tax rates: tax is folded into the line amounts (bill-com.md §2).
  tax: 0,
  taxCodes: [],
});

export const billCom: SecondaryDriver = {
  id: 'bill-com',
  organisation: 'Hudson Valley Coffee Roasters LLC',
  // A US AP tool: beside the sandbox's US QuickBooks company.
  ledger: { driver: quickbooksOnline, organisation: 'Bramble & Oak Landscaping LLC' },
  async credentials(ctx, organisation) {
    const browser = new PageBrowser();
    await browser.open(`${ctx.sandbox}/app/`);
    const [, email, password] = /email (\S+), password (\S+)$/.exec((browser.text('sandbox-hint') ?? '').trim()) ?? [];
    await browser.submit('login-form', { email: email!, password: password! });
    const org = [...browser.html.matchAll(/id="org-(008[A-Za-z0-9]+)"[^>]*> <span class="org-choice-name">([^<]+)</g)].find((m) => m[2] === organisation);
    if (!org) throw new Error(`no organisation ${organisation} on BILL's chooser`);
    await browser.submit('org-form', { organizationId: org[1]! });
    await browser.click('nav-settings');
    const organizationId = browser.text('organization-id') ?? '';
    await browser.click('manage-developer-keys');
    if (!browser.element('dev-key')) await browser.submit('generate-key-form', { acceptTerms: true });
    return { username: browser.element('signed-in-user')!['data-email']!, password: password!, organizationId, devKey: browser.element('dev-key')?.value ?? '' };
  },
  publishes: {
    purchases: { contact: 'Kingston Office Supply', category: '6500', currency: 'USD' },
    bankAccount: 'First Hudson Bank Checking ••4821',
    contactRef: (e) => e.externalId,
    async documents(ctx, organizationId) {
      const d = await control(ctx, `/documents?organizationId=${organizationId}`);
      // A bill paid outside BILL is a bill with a recorded payment (bill-com.md §3).
      return [...d.bills.map((x: Json) => doc(x.paymentStatus === 'PAID' ? 'paid_bill' : 'bill', x)), ...d.vendorCredits.map((x: Json) => doc('vendor_credit', x))];
    },
  },
};
