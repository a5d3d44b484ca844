/** Xero's web app for the web-app guide (go.xero.com; the page reading is in xero-page.ts). */
import type { WebAppSite } from './web-app-guide.js';
import { organisationOnPage } from './xero-page.js';

export const xeroSite: WebAppSite = { provider: 'xero', name: 'Xero', noun: 'organisation', organisationOnPage };
