/**
 * What the key guide (key-site-guide.ts) needs to know about one provider's pages: the steps as
 * the page stands, whether Send belongs on this page, and what Bookbridge reads from the page when
 * the user sends. The secrets (password, memorable word) are never here: they are typed into the
 * extension's own page in an iframe (entrypoints/guide-credentials) and meet these values only in
 * the background.
 */
import type { ProviderId } from '../../../shared/catalogue.js';
import type { Step } from './steps.js';

export type KeyProviderId = Extract<ProviderId, 'kashflow' | 'bill-com'>;

export type Capture = { ok: true; values: Record<string, string> } | { ok: false; message: string };

export interface KeySitePage {
  steps(sent: boolean): Step[];
  /** Whether this is the page where the user sends (the password box is shown here). */
  sendHere(): boolean;
  /** One line above the password box: what Bookbridge will read (never a secret). */
  summary(): string;
  /** The values read from the page for the server, only when the user sends. */
  capture(): Capture;
}

export interface KeySite {
  provider: KeyProviderId;
  /** The provider in the user's words, e.g. "KashFlow", "BILL". */
  name: string;
  /** Where the launcher is offered when nothing was started from Bookbridge. */
  offersHere(doc: Document): boolean;
  /** Reads the page as it loaded (KashFlow remembers the saved settings). */
  open(doc: Document): KeySitePage;
}
