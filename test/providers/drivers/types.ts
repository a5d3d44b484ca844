/**
 * What the shared provider suite (test/providers/provider-suite.test.ts) needs to know about one
 * provider that the catalogue does not say: how a user gets through the provider's own pages or
 * gets the credentials, which organisations the sandbox has, which list entries a bookkeeper
 * would pick for a purchase and a sale, and how to read and change what the sandbox holds
 * (its `/_control` API). Everything else (destinations, item types, lists, revoke) comes from
 * `shared/catalogue.ts`, so a new destination in the catalogue is a new case in the suite.
 */
import type { ProviderId } from '../../../shared/catalogue.js';
import type { TestServer } from '../../support/test-server.js';

/** A step this provider cannot take, and why (listed by the suite instead of a test). */
export interface NotApplicable {
  notApplicable: string;
}
export const notApplicable = (reason: string): NotApplicable => ({ notApplicable: reason });
export const isApplicable = <T>(v: T | NotApplicable): v is T => !(typeof v === 'object' && v !== null && 'notApplicable' in v);

export interface DriverContext {
  server: TestServer;
  /** `${server.url}/sandbox/<provider>`: where this provider's sandbox is served. */
  sandbox: string;
}

/** A list entry as the companion shows it (GET …/lists/{kind}). */
export interface Entry {
  externalId: string;
  code: string | null;
  name: string;
  status: 'active' | 'archived';
  type: string | null;
}

/** What a bookkeeper picks for one side (purchases or sales): references the item API resolves. */
export interface Side {
  /** Supplier or customer: id, code or name. */
  contact: string;
  category: string;
  /** Omitted where the provider has no tax rates (the item is then "no tax"). */
  taxRate?: string;
  /** The tax rate's percentage, for the amounts the suite expects. */
  percent?: number;
  /** Default GBP. */
  currency?: string;
}

/** A document of the sandbox's `/_control/documents`, in the suite's words. */
export interface SandboxDocument {
  /** The catalogue's destination id this document is (e.g. a Xero ACCPAY invoice is `bill`). */
  destination: string;
  id: string;
  /** The contact it names, comparable with `Driver.contactRef(entry)`; null where the document has none. */
  contact: string | null;
  /** Gross total and tax as the provider stores them (credits may be negative). */
  total: number;
  tax: number;
  /** The tax codes of its lines, in the provider's terms (compared with `Side.taxCode`). */
  taxCodes: string[];
}

export interface Driver {
  id: ProviderId;
  organisations: {
    /** The organisation the suite connects, publishes to, reconnects. */
    main: string;
    /** A second organisation the same user can reach: reconnect to it is refused, change to it works. */
    other: string | NotApplicable;
  };
  /** OAuth providers: walk the provider's pages from `authorizeUrl`, choosing `organisation`; the redirect back. */
  authorize?(ctx: DriverContext, authorizeUrl: string, organisation: string): Promise<URL>;
  /** Key and session providers: the credentials a user gets from the provider's pages for `organisation`. */
  credentials?(ctx: DriverContext, organisation: string): Promise<Record<string, string>>;
  purchases: Side;
  sales: Side | NotApplicable;
  /** The claimant of an expense claim, where it is not the purchases contact. */
  claimant?: string;
  /** A bank account for paid destinations (id, code or name). */
  bankAccount: string;
  /** The tax code the sandbox shows on a line of each side, where the provider has tax rates. */
  taxCode?: { purchases: string; sales?: string };
  /** Destinations whose documents the provider stores with negative amounts (credits as negative bills). */
  negative?: readonly string[];
  /** How a document names its contact, from the companion's list entry. */
  contactRef(entry: Entry): string;
  /** Every document the sandbox holds for the organisation. */
  documents(ctx: DriverContext, organisationId: string): Promise<SandboxDocument[]>;
  /** The next create call is carried out but its answer never comes (the companion times out). */
  injectTimeout(ctx: DriverContext, organisationId: string): Promise<void>;
  clearFaults(ctx: DriverContext, organisationId: string): Promise<void>;
  /**
   * A user changes contacts in the provider: `archive` is archived (or deleted) there, `rename`
   * renamed to `to`, and a new supplier called `add` created.
   */
  changeContacts(ctx: DriverContext, organisationId: string, change: { archive: Entry; rename: Entry; to: string; add: string }): Promise<void>;
  /** The grant ends at the provider (the user removed the app, or changed the password). */
  revoke(ctx: DriverContext, organisationId: string): Promise<void>;
}

export async function control(ctx: DriverContext, path: string, body?: unknown, method?: string): Promise<any> {
  const res = await fetch(`${ctx.sandbox}/_control${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox control ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

export const num = (v: unknown): number => Number(v ?? 0);

/** Reads a hidden form field from a provider page. */
export function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`the page has no field ${name}`);
  return m[1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/** POSTs a provider form the way a browser does, without following the redirect. */
export function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

/** A provider that works beside a ledger (ApprovalMax, Bill.com): connected after the ledger. */
export interface SecondaryDriver extends Pick<Driver, 'id' | 'authorize' | 'credentials'> {
  /** The organisation connected, and the one the suite does not (refused where it belongs to another ledger organisation). */
  organisation: string;
  /** The ledger connected first, and its organisation. */
  ledger: { driver: Driver; organisation: string };
  /** Where the provider takes documents (Bill.com): how a bill published to it is found. */
  publishes?: Pick<Driver, 'purchases' | 'contactRef' | 'documents' | 'bankAccount'>;
}
