/**
 * Shared by the reliability suite (issue 9): the figures of the fast and the full variant, the
 * summary lines, an HTTP client for a companion in a child process, and connecting QuickBooks
 * Online through the companion's routes and Intuit's (sandbox) pages, as a user does.
 *
 * `npm test` runs the fast variant; `npm run test:reliability` sets RELIABILITY=full.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { requestInit, type RequestOptions } from '../support/test-server.js';

export const FULL = process.env.RELIABILITY === 'full';

export const figures = FULL
  ? { crashRounds: 20, crashItems: 1000, importSuppliers: 3000, generatedInputs: 10_000, faultItems: 1000, concurrentPublishes: 50 }
  : { crashRounds: 3, crashItems: 100, importSuppliers: 1000, generatedInputs: 500, faultItems: 100, concurrentPublishes: 50 };

export const variant = FULL ? 'full' : 'fast';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const resultsDir = path.join(repoRoot, 'test-results');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by summary-setup.ts (npm run test:reliability): where this run's summary lines go. */
    reliabilitySummary?: string;
  }
}

/** One summary line per property, with its figures: printed now, and (full run) collected for its end. */
export function report(property: string, line: string, ok = true): void {
  console.log(`[reliability ${variant}] ${ok ? 'PASS' : 'FAIL'} ${property}: ${line}`);
  const file = inject('reliabilitySummary');
  if (!file) return;
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify({ property, line, ok, variant, at: new Date().toISOString() })}\n`);
}

export type Requester = (method: string, url: string, options?: RequestOptions) => Promise<Response>;

/** The same shape as TestServer.request, over real HTTP. */
export function httpRequester(base: string | (() => string)): Requester {
  return (method, url, options = {}) => {
    const root = typeof base === 'function' ? base() : base;
    return fetch(`${root}${url}`, { ...requestInit(method, options), signal: AbortSignal.timeout(60_000) });
  };
}

export const json = (res: Response) => res.json() as Promise<any>;

export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task` over `inputs` with at most `concurrency` at a time. */
export async function pool<T>(inputs: T[], concurrency: number, task: (input: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
      while (next < inputs.length) {
        const i = next++;
        await task(inputs[i]!, i);
      }
    }),
  );
}

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

/**
 * Connect QuickBooks Online as an admin does: authorize, sign in and pick the company on Intuit's
 * (sandbox) pages, the browser lands on our /oauth/callback, then Finish. Returns the connection
 * and the import job (not waited for).
 */
export async function connectQuickbooks(request: Requester, token: string, businessId: string, company = 'Harbour Lane Studio Ltd') {
  const start = await request('POST', `/api/businesses/${businessId}/connections/authorize`, { token, json: { provider: 'quickbooks-online' } });
  if (start.status !== 200) throw new Error(`authorize answered ${start.status}: ${await start.text()}`);
  const { authorizeUrl, state } = await json(start);
  const signIn = await (await fetch(authorizeUrl)).text();
  const action = new URL(authorizeUrl);
  const form = (fields: Record<string, string>) => fetch(`${action.origin}${action.pathname}`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  const consent = await (await form({ step: 'signin', tx: hidden(signIn, 'tx'), email: 'demo@example.com', password: 'any password' })).text();
  const escaped = company.replace(/&/g, '&#38;');
  const realmId = new RegExp(`id="company-(\\d+)"[^>]*> ${escaped}`).exec(consent)?.[1];
  if (!realmId) throw new Error(`no company ${company} on the consent page`);
  const done = await form({ step: 'consent', tx: hidden(consent, 'tx'), realmId, action: 'connect' });
  const back = new URL(done.headers.get('location') ?? '');
  const page = await request('GET', `/oauth/callback${back.search}`);
  if (page.status !== 200) throw new Error(`callback page answered ${page.status}: ${await page.text()}`);
  const status = await json(await request('GET', `/api/oauth/states/${state}`, { token }));
  if (status.status !== 'authorised') throw new Error(`authorisation ${JSON.stringify(status)}`);
  const finish = await request('POST', `/api/businesses/${businessId}/connections/finish`, { token, json: { grantId: status.grant.grantId, organisationId: realmId } });
  if (finish.status !== 201) throw new Error(`finish answered ${finish.status}: ${await finish.text()}`);
  const body = await json(finish);
  return { connectionId: body.connection.id as string, realmId, importJobId: body.jobId as string };
}

/** A QuickBooks bill as a user enters it (UK company: account 6100, VAT 20.0% S), numbered `number`. */
export function qboBill(number: string, day = 1, over: Record<string, unknown> = {}) {
  return {
    type: 'cost',
    contact: 'Ashford Catering Ltd',
    date: `2026-05-${String(1 + (day % 28)).padStart(2, '0')}`,
    number,
    currency: 'GBP',
    lines: [{ description: `Catering for ${number}`, amount: '10.00', category: '6100', taxRate: '20.0% S' }],
    total: '12.00',
    ...over,
  };
}

/** QuickBooks documents of one company, from the sandbox's control API. */
export async function qboDocuments(sandboxUrl: string, realmId: string): Promise<{ bills: any[]; purchases: any[]; invoices: any[]; vendorCredits: any[]; creditMemos: any[] }> {
  const url = `${sandboxUrl}/quickbooks-online/_control/documents?realmId=${realmId}`;
  const res = await fetch(url).catch(() => fetch(url));
  return ((await res.json()) as any).companies[0];
}

export async function sandboxControl(sandboxUrl: string, provider: string, p: string, body?: unknown): Promise<any> {
  const send = () =>
    fetch(`${sandboxUrl}/${provider}/_control${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  // Once more if a kept-alive socket was closed by the server as it was reused (ECONNRESET).
  const res = await send().catch(() => send());
  return res.json();
}

/** How many times each DocNumber appears: the user's view of "published once". */
export function countByNumber(documents: { DocNumber?: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of documents) if (d.DocNumber) counts.set(d.DocNumber, (counts.get(d.DocNumber) ?? 0) + 1);
  return counts;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
