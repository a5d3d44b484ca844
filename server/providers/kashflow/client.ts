/**
 * Talking to KashFlow: the SOAP `AutoAuthIP` call that lists this server's IP, the REST
 * two-step session (username + password, then three letters of the memorable word), and
 * REST calls with `Authorization: KfToken <SessionToken>`.
 *
 * Sessions are kept in memory per credential set and shared by concurrent callers; a session
 * that KashFlow has ended (60 idle minutes) is replaced once, and a refused IP (the server
 * moved, or someone emptied the list) is listed again once with the saved AutoAuth key. Calls
 * for one KashFlow login run one at a time (KashFlow publishes no limits; kashflow.md §5).
 * Nothing here logs; passwords, memorable words and keys never go into error messages.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import { readKeyFields, type KeyField } from '../key-fields.js';
import type { KeyCredentials, ProviderContext } from '../types.js';
import { authError, documentError, readErrorBody, type AuthPhase, type KashflowErrorBody } from './classify.js';

/** What the user gives us (see `kashflowCredentialFields` in index.ts). */
export interface KashflowCredentials {
  username: string;
  password: string;
  memorableWord: string;
  /** Optional: without it the server's IP must already be on KashFlow's allowed list. */
  autoAuthKey?: string;
}

export interface KashflowSession {
  token: string;
  companyId: string;
  companyName: string;
}

export const appName = 'Bookbridge';

const credentialFields: readonly KeyField<keyof KashflowCredentials>[] = [
  { name: 'username', required: 'Enter your KashFlow username.' },
  { name: 'password', required: 'Enter your KashFlow password.', keepWhitespace: true },
  { name: 'memorableWord', required: 'Enter your KashFlow memorable word: KashFlow asks for three of its letters at every sign-in.' },
  {
    name: 'autoAuthKey',
    pattern: {
      test: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      message: 'That is not an AutoAuth key: copy the key shown under Enable AutoAuth in Apps > API Settings (it looks like 1A2B3C4D-1A2B-1A2B-1A2B-1A2B3C4D5E6F).',
      fieldMessage: 'Not an AutoAuth key',
    },
  },
];

export function readCredentials(values: KeyCredentials): KashflowCredentials {
  return readKeyFields(values, credentialFields) as KashflowCredentials;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`).exec(xml);
  if (m) return (m[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').trim();
  return new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?/>`).test(xml) ? '' : undefined;
}

async function errorBody(response: Response): Promise<KashflowErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    return readErrorBody(JSON.parse(text));
  } catch {
    return { Message: text.slice(0, 300) || undefined };
  }
}

const isIpRefusal = (status: number, body: KashflowErrorBody) =>
  status === 401 && (body.Error === 'IPAddressNotAllowed' || /\bIP address\b/i.test(body.Message ?? ''));

export interface ApiRequest {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: BodyInit;
}

/** A KashFlow host's base URL (real, or the sandbox's), without a trailing slash. */
export function hostUrl(ctx: ProviderContext, name: 'app' | 'api' | 'soap'): string {
  const base = ctx.hosts[name] ?? ctx.entry.hosts[name];
  if (!base) throw new Error(`No URL configured for the KashFlow ${name} host.`);
  return base.replace(/\/$/, '');
}

export function createKashflowClient(ctx: ProviderContext) {
  const sessions = new Map<string, Promise<KashflowSession>>();
  const queues = new Map<string, Promise<unknown>>();

  const cacheKey = (c: KashflowCredentials) =>
    createHash('sha256').update(`${c.username.toLowerCase()}\0${c.password}\0${c.memorableWord}`).digest('hex');

  const apiUrl = (path: string, query?: ApiRequest['query']) => {
    const url = new URL(`${hostUrl(ctx, 'api')}/v2${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  };

  /** SOAP AutoAuthIP: KashFlow adds the calling IP to the account that owns the key. */
  async function autoAuthIP(key: string, phase: AuthPhase, signal?: AbortSignal): Promise<void> {
    const envelope =
      '<?xml version="1.0" encoding="utf-8"?>' +
      '<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
      `<soap:Body><AutoAuthIP xmlns="KashFlow"><appName>${appName}</appName><AutoAuthKey>${escapeXml(key)}</AutoAuthKey></AutoAuthIP></soap:Body></soap:Envelope>`;
    const response = await providerFetch(ctx, {
      method: 'POST',
      url: `${hostUrl(ctx, 'soap')}/api/service.asmx`,
      headers: { 'content-type': 'text/xml; charset=utf-8', accept: 'text/xml', SOAPAction: '"KashFlow/AutoAuthIP"' },
      body: envelope,
      signal,
    });
    const xml = await response.text();
    const status = xmlText(xml, 'Status');
    if (!response.ok || status === undefined) {
      throw new ProviderError('transient', 'KashFlow sent an answer to AutoAuth that we could not read.', { status: response.status, providerMessage: xml.slice(0, 300) });
    }
    if (status.toUpperCase() === 'OK') return;
    const detail = xmlText(xml, 'StatusDetail') ?? '';
    const kind = phase === 'connect' ? 'credentials' : 'expired';
    const details = { providerMessage: detail, fields: [{ field: 'autoAuthKey', message: detail }] };
    if (/AutoAuth/i.test(detail) && /(not enabled|disabled|switched off)/i.test(detail)) {
      throw new ProviderError(kind, 'AutoAuth is not enabled in KashFlow: tick Enable AutoAuth in Apps > API Settings, then copy the key shown there.', details);
    }
    if (/key/i.test(detail)) {
      throw new ProviderError(
        kind,
        phase === 'connect'
          ? 'The AutoAuth key is wrong: copy it again from Apps > API Settings (generating a new key replaces the old one).'
          : 'KashFlow no longer accepts the saved AutoAuth key (a new key may have been generated): reconnect KashFlow with the current key.',
        details,
      );
    }
    if (/API/.test(detail) && /(not enabled|disabled|switched off)/i.test(detail)) {
      throw new ProviderError(phase === 'connect' ? 'credentials' : 'forbidden', 'API access is switched off in KashFlow: turn on "API enabled" in Apps > API Settings and click Update.', details);
    }
    throw new ProviderError(kind, `KashFlow refused the AutoAuth key: ${detail || 'no reason given'}.`, details);
  }

  /** The two-step sign-in (kashflow.md §1a): POST then PUT /sessiontoken. */
  async function login(c: KashflowCredentials, phase: AuthPhase, signal?: AbortSignal): Promise<KashflowSession> {
    let relisted = false;
    for (;;) {
      const first = await providerFetch(ctx, { method: 'POST', url: apiUrl('/sessiontoken'), json: { UserName: c.username, Password: c.password }, signal });
      if (first.status === 200 || first.status === 201) {
        const temp = (await readJson(ctx, first)) as { TemporaryToken?: unknown; MemorableWordList?: Array<{ Position?: unknown }>; IsLockedOut?: unknown };
        if (temp?.IsLockedOut === true) throw authError({ Error: 'AccountLocked' }, 403, phase);
        if (typeof temp?.TemporaryToken !== 'string' || !Array.isArray(temp.MemorableWordList)) {
          throw new ProviderError('transient', 'KashFlow sent a sign-in answer we could not read.', { status: first.status });
        }
        const answers = temp.MemorableWordList.map((p) => {
          const position = Number(p?.Position);
          return { Position: position, Value: c.memorableWord.charAt(position - 1) };
        });
        const second = await providerFetch(ctx, {
          method: 'PUT',
          url: apiUrl('/sessiontoken'),
          json: { TemporaryToken: temp.TemporaryToken, MemorableWordList: answers, KeepUserLoggedIn: false },
          signal,
        });
        if (!second.ok) throw authError(await errorBody(second), second.status, phase);
        const done = (await readJson(ctx, second)) as { SessionToken?: unknown; CompanyId?: unknown; CompanyName?: unknown };
        if (typeof done?.SessionToken !== 'string') throw new ProviderError('transient', 'KashFlow sent a sign-in answer we could not read.', { status: second.status });
        return { token: done.SessionToken, companyId: String(done.CompanyId ?? ''), companyName: String(done.CompanyName ?? '') };
      }
      const body = await errorBody(first);
      // Later on, a refused IP is fixed once with the saved key (the server may have moved).
      if (phase === 'use' && isIpRefusal(first.status, body) && c.autoAuthKey && !relisted) {
        relisted = true;
        await autoAuthIP(c.autoAuthKey, 'use', signal);
        continue;
      }
      throw authError(body, first.status, phase);
    }
  }

  function session(c: KashflowCredentials, signal?: AbortSignal): Promise<KashflowSession> {
    const key = cacheKey(c);
    let pending = sessions.get(key);
    if (!pending) {
      pending = login(c, 'use', signal);
      sessions.set(key, pending);
      pending.catch(() => {
        if (sessions.get(key) === pending) sessions.delete(key);
      });
    }
    return pending;
  }

  function serialise<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  }

  /**
   * One REST call with a live session. Returns any answer that is not a sign-in problem
   * (2xx, 400, 404...); sign-in problems become ProviderErrors ('expired', 'forbidden').
   */
  function request(c: KashflowCredentials, req: ApiRequest, signal?: AbortSignal): Promise<Response> {
    const key = cacheKey(c);
    return serialise(key, async () => {
      let renewed = false;
      let relisted = false;
      for (;;) {
        const pending = session(c, signal);
        const s = await pending;
        const response = await providerFetch(ctx, {
          method: req.method ?? 'GET',
          url: apiUrl(req.path, req.query),
          headers: { authorization: `KfToken ${s.token}` },
          json: req.json,
          body: req.body,
          signal,
        });
        if (response.status !== 401 && response.status !== 403) return response;
        const body = await errorBody(response);
        if (response.status === 401 && body.Error === 'InvalidSessionToken' && !renewed) {
          // Ended after 60 idle minutes (or logged out elsewhere): sign in again, once.
          renewed = true;
          if (sessions.get(key) === pending) sessions.delete(key);
          continue;
        }
        if (isIpRefusal(response.status, body) && c.autoAuthKey && !relisted) {
          relisted = true;
          await autoAuthIP(c.autoAuthKey, 'use', signal);
          continue;
        }
        throw authError(body, response.status, 'use');
      }
    });
  }

  /** GET and validate; a 400/404 here means our request was wrong, not the user's data. */
  async function getJson<S extends z.ZodType>(c: KashflowCredentials, path: string, schema: S, query?: ApiRequest['query'], signal?: AbortSignal): Promise<z.infer<S>> {
    const response = await request(c, { path, query }, signal);
    if (!response.ok) {
      const body = await errorBody(response);
      throw new ProviderError('validation', `KashFlow refused to list ${path.slice(1)}: ${body.Message ?? response.status}`, { status: response.status, providerMessage: body.Message });
    }
    const parsed = schema.safeParse(await readJson(ctx, response));
    if (!parsed.success) {
      throw new ProviderError('transient', `KashFlow sent ${path.slice(1)} in a shape we did not expect.`, { providerMessage: parsed.error.message.slice(0, 500) });
    }
    return parsed.data;
  }

  /** POST a document; KashFlow's refusals become stale_reference or validation errors. */
  async function create(c: KashflowCredentials, path: string, json: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const response = await request(c, { method: 'POST', path, json }, signal);
    if (!response.ok) throw documentError(await errorBody(response), response.status);
    const body = await readJson(ctx, response);
    return (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  }

  return {
    autoAuthIP,
    /** A fresh sign-in that also becomes the cached session (used when connecting). */
    async connect(c: KashflowCredentials, signal?: AbortSignal): Promise<KashflowSession> {
      const fresh = await login(c, 'connect', signal);
      sessions.set(cacheKey(c), Promise.resolve(fresh));
      return fresh;
    },
    session,
    request,
    getJson,
    create,
    errorBody,
  };
}

export type KashflowClient = ReturnType<typeof createKashflowClient>;
