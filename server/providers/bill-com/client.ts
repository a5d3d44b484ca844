/**
 * Talking to BILL's v3 API: `POST /v3/login` with username + password + organizationId +
 * devKey gives a sessionId; every later call sends the `devKey` and `sessionId` headers.
 *
 * - A session ends after 35 idle minutes (BDC_1109). Sessions are kept in memory per credential
 *   set (seeded from the one saved when connecting, so a restart costs no login: BILL allows only
 *   200 logins per developer key per hour), replaced ahead of the idle limit, and replaced once,
 *   transparently, when BILL says BDC_1109.
 * - BILL allows 3 calls in progress per developer key per organisation (BDC_1322): calls for one
 *   organisation go through a queue of 3, and a BDC_1322 caused by another process is retried a
 *   few times after a short pause before it becomes `rate_limited`.
 * Nothing here logs; passwords, keys and session ids never go into error messages.
 */
import { createHash } from 'node:crypto';
import PQueue from 'p-queue';
import { ProviderError } from '../errors.js';
import { providerFetch, readJson } from '../http.js';
import { readKeyFields, type KeyField } from '../key-fields.js';
import type { KeyCredentials, ProviderContext } from '../types.js';
import { codes, firstCode, loginError, readBdcErrors, type BdcError, type KeySource, type Phase } from './classify.js';

/** What the user gives us (see `billComCredentialFields` in index.ts), plus the saved session. */
export interface BillCredentials {
  username: string;
  password: string;
  organizationId: string;
  /** The user's own developer key; without it, this server's (BILL_COM_DEVELOPER_KEY). */
  devKey?: string;
  /** The session from the last sign-in, saved with the connection. */
  sessionId?: string;
}

export interface BillSession {
  sessionId: string;
  userId: string;
  lastUsedAt: number;
}

export interface BillAnswer {
  ok: boolean;
  status: number;
  /** Parsed JSON for a 2xx answer (null when empty). */
  body: unknown;
  errors: BdcError[];
}

export interface BillRequest {
  method?: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export interface ClientOptions {
  /** Replace a session that has been idle this long (BILL ends it at 35 minutes). */
  refreshIdleMs?: number;
  /** Retries of a BDC_1322 (too many calls at once) before giving up. */
  busyRetries?: number;
  busyBackoffMs?: number;
}

const credentialFields: readonly KeyField<keyof BillCredentials>[] = [
  { name: 'username', required: 'Enter the email you sign in to BILL with.' },
  { name: 'password', required: 'Enter your BILL password.', keepWhitespace: true },
  {
    name: 'organizationId',
    required: "Enter the BILL Organization ID: it is shown at the bottom of BILL's Settings page and begins with 008.",
    pattern: {
      test: /^008[A-Za-z0-9]{5,30}$/,
      message: "That is not a BILL Organization ID: copy it from the bottom of BILL's Settings page (it begins with 008).",
      fieldMessage: 'Not a BILL Organization ID',
    },
  },
  { name: 'devKey' },
  { name: 'sessionId' },
];

export function readCredentials(values: KeyCredentials): BillCredentials {
  return readKeyFields(values, credentialFields) as BillCredentials;
}

/** A BILL host's base URL (real, or the sandbox's), without a trailing slash. */
export function hostUrl(ctx: ProviderContext, name: 'api' | 'app'): string {
  const base = ctx.hosts[name] ?? ctx.entry.hosts[name];
  if (!base) throw new Error(`No URL configured for the BILL ${name} host.`);
  return base.replace(/\/$/, '');
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

export function createBillClient(ctx: ProviderContext, options: ClientOptions = {}) {
  const refreshIdleMs = options.refreshIdleMs ?? 34 * 60_000;
  const busyRetries = options.busyRetries ?? 4;
  const busyBackoffMs = options.busyBackoffMs ?? 250;
  const sessions = new Map<string, Promise<BillSession>>();
  const seeded = new Set<string>();
  const queues = new Map<string, PQueue>();

  function developerKey(c: BillCredentials): { key: string; source: KeySource } {
    if (c.devKey) return { key: c.devKey, source: 'user' };
    if (ctx.client?.id) return { key: ctx.client.id, source: 'server' };
    throw new ProviderError('forbidden', 'This server has no BILL developer key: the administrator must set BILL_COM_DEVELOPER_KEY, or enter your own developer key.', {
      fields: [{ field: 'devKey', message: 'Required on this server' }],
    });
  }

  const cacheKey = (c: BillCredentials) =>
    createHash('sha256').update([c.username.toLowerCase(), c.password, c.organizationId, developerKey(c).key].join('\0')).digest('hex');

  const apiUrl = (path: string, query?: BillRequest['query']) => {
    const url = new URL(`${hostUrl(ctx, 'api')}/connect/v3${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  };

  async function login(c: BillCredentials, phase: Phase, signal?: AbortSignal): Promise<BillSession> {
    const { key, source } = developerKey(c);
    const response = await providerFetch(ctx, {
      method: 'POST',
      url: apiUrl('/login'),
      json: { username: c.username, password: c.password, organizationId: c.organizationId, devKey: key },
      signal,
    });
    const body = await readJson(ctx, response);
    if (!response.ok) throw loginError(readBdcErrors(body), response.status, phase, source, ctx.now());
    const b = (body ?? {}) as { sessionId?: unknown; userId?: unknown; organizationId?: unknown };
    if (typeof b.sessionId !== 'string' || b.sessionId === '') {
      throw new ProviderError('transient', 'BILL sent a sign-in answer we could not read.', { status: response.status });
    }
    if (typeof b.organizationId === 'string' && b.organizationId !== c.organizationId) {
      throw new ProviderError(phase === 'connect' ? 'credentials' : 'expired', 'BILL signed in to a different organization than the one asked for.', {
        fields: [{ field: 'organizationId', message: 'Mismatch' }],
      });
    }
    return { sessionId: b.sessionId, userId: typeof b.userId === 'string' ? b.userId : '', lastUsedAt: ctx.now().getTime() };
  }

  /** The stored session promise for these credentials: cached, seeded from the saved one, or a new sign-in. */
  function session(c: BillCredentials, signal?: AbortSignal): Promise<BillSession> {
    const key = cacheKey(c);
    if (!sessions.has(key) && c.sessionId && !seeded.has(key)) {
      seeded.add(key);
      sessions.set(key, Promise.resolve({ sessionId: c.sessionId, userId: '', lastUsedAt: ctx.now().getTime() }));
    }
    const cached = sessions.get(key);
    if (cached) return cached;
    const pending = login(c, 'use', signal);
    sessions.set(key, pending);
    pending.catch(() => {
      if (sessions.get(key) === pending) sessions.delete(key);
    });
    return pending;
  }

  /** A new sign-in replacing `stale`, shared by every caller that saw the same stale session. */
  function renew(c: BillCredentials, stale: Promise<BillSession>, signal?: AbortSignal): Promise<BillSession> {
    const key = cacheKey(c);
    const current = sessions.get(key);
    if (current && current !== stale) return current;
    const next = login(c, 'use', signal);
    sessions.set(key, next);
    next.catch(() => {
      if (sessions.get(key) === next) sessions.delete(key);
    });
    return next;
  }

  function queueFor(c: BillCredentials): PQueue {
    const key = `${developerKey(c).key}\0${c.organizationId}`;
    let queue = queues.get(key);
    if (!queue) {
      queue = new PQueue({ concurrency: ctx.entry.rateLimit.concurrent });
      queues.set(key, queue);
    }
    return queue;
  }

  /**
   * One API call with a live session, inside the organisation's queue. Returns BILL's answer,
   * with its error array when it is not a 2xx; BDC_1109 (once) and BDC_1322 (a few times) are
   * handled here. Network failures, 429 and 5xx arrive as ProviderErrors from providerFetch.
   */
  function call(c: BillCredentials, req: BillRequest, signal?: AbortSignal): Promise<BillAnswer> {
    const { key } = developerKey(c);
    return queueFor(c).add(
      async () => {
        let renewed = false;
        for (let busy = 0; ; ) {
          let pending = session(c, signal);
          let s = await pending;
          if (ctx.now().getTime() - s.lastUsedAt >= refreshIdleMs) {
            // Replaced ahead of BILL's 35 idle minutes rather than after a refused call.
            pending = renew(c, pending, signal);
            s = await pending;
          }
          const response = await providerFetch(ctx, {
            method: req.method ?? 'GET',
            url: apiUrl(req.path, req.query),
            headers: { devKey: key, sessionId: s.sessionId, ...req.headers },
            json: req.json,
            body: req.body,
            signal,
          });
          s.lastUsedAt = ctx.now().getTime();
          const body = await readJson(ctx, response);
          if (response.ok) return { ok: true, status: response.status, body, errors: [] };
          const errors = readBdcErrors(body);
          const code = firstCode(errors);
          if (code === codes.sessionInvalid && !renewed) {
            // Ended after 35 idle minutes (or by a logout elsewhere): sign in again, once.
            renewed = true;
            await renew(c, pending, signal);
            continue;
          }
          if (code === codes.concurrent && busy < busyRetries) {
            // Another process is using this organisation's three slots: wait for one to free up.
            busy += 1;
            await sleep(busyBackoffMs * 2 ** (busy - 1) + Math.floor(Math.random() * busyBackoffMs), signal);
            continue;
          }
          return { ok: false, status: response.status, body, errors };
        }
      },
    ) as Promise<BillAnswer>;
  }

  return {
    developerKey,
    /** A fresh sign-in that becomes the cached session (used when connecting). */
    async connect(c: BillCredentials, signal?: AbortSignal): Promise<BillSession> {
      const fresh = await login(c, 'connect', signal);
      sessions.set(cacheKey(c), Promise.resolve(fresh));
      return fresh;
    },
    call,
  };
}

export type BillClient = ReturnType<typeof createBillClient>;
