/**
 * Talks to the Bookbridge server. Every failure becomes one `Problem` the popup and dashboard can
 * show as it is: the server could not be reached, the session has ended, or the server said no (with
 * its own message from the `{ error: { code, message, issues } }` envelope).
 */
import type { z } from 'zod';
import {
  ErrorBody,
  HealthResponse,
  LoginResponse,
  MeResponse,
  ProvidersResponse,
  type LoginRequest,
  type SetupRequest,
} from '../../shared/api.js';
import {
  AuditEntry,
  AuthorizationStatus,
  AuthorizeResponse,
  ConnectionsResponse,
  FinishResponse,
  GrantResponse,
  JobView,
  ListResponse,
  MergeProposal,
  MergeResult,
} from '../../shared/connections.js';
import { Item, ItemListResponse, PublishingSettingsView, Rule, RuleListResponse } from '../../shared/items.js';
import { z as zod } from 'zod';
import type { AuthorizeInput, ItemListInput, KeyConnectInput, ListEntriesInput, MergeInput, PublishingSettingsInput, RuleInput } from './api-types.js';

export type Problem =
  /** No answer at all: server down, wrong address, DNS failure, timeout. */
  | { kind: 'unreachable'; serverUrl: string; message: string }
  /** The server does not know our token any more (401 on an authenticated call). */
  | { kind: 'session_ended'; message: string }
  /** The extension may not talk to this origin yet (host permission not granted). */
  | { kind: 'permission_missing'; serverUrl: string; message: string }
  /** Something answered, but not the way a Bookbridge server does. */
  | { kind: 'bad_response'; serverUrl: string; status: number; message: string }
  /** The server answered with its error envelope. */
  | { kind: 'api'; status: number; code: string; message: string; issues?: { path: string; message: string }[] }
  /** A step that needs a server address or a session, taken before there is one. */
  | { kind: 'no_server'; message: string }
  | { kind: 'not_signed_in'; message: string };

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
    this.name = 'ProblemError';
  }
}

export const messages = {
  unreachable: (serverUrl: string) =>
    `Can't reach the Bookbridge server at ${serverUrl}. Check that it is running and that the address is right.`,
  sessionEnded: 'Your session has ended — sign in again.',
  permissionMissing: (serverUrl: string) =>
    `Bookbridge needs your permission to talk to ${serverUrl}. Enter the address again and choose Allow.`,
  notBookbridge: (serverUrl: string, status: number) =>
    `The server at ${serverUrl} answered (HTTP ${status}), but not like a Bookbridge server. Is the address right?`,
  noServer: 'Enter the address of your Bookbridge server first.',
  notSignedIn: 'Sign in first.',
};

export interface ApiClientOptions {
  serverUrl: string;
  /** Sent as `Authorization: Bearer <token>`; a 401 then means the session has ended. */
  token?: string | null;
  fetch?: typeof fetch;
  /** A server that takes longer than this counts as unreachable. */
  timeoutMs?: number;
}

interface RequestOptions<S extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Validates a 2xx body; omit for answers without one (204). */
  schema?: S;
}

export function createApiClient(options: ApiClientOptions) {
  const serverUrl = options.serverUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function request<S extends z.ZodType>(path: string, req: RequestOptions<S> = {}): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;

    let response: Response;
    try {
      response = await doFetch(`${serverUrl}${path}`, {
        method: req.method ?? 'GET',
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(timeoutMs),
        // The bearer token is the only credential; never send cookies to the server.
        credentials: 'omit',
      });
    } catch {
      // fetch rejects (TypeError, or AbortError/TimeoutError) only when no HTTP answer arrived.
      throw new ProblemError({ kind: 'unreachable', serverUrl, message: messages.unreachable(serverUrl) });
    }

    const body = await readJson(response);
    if (!response.ok) throw new ProblemError(errorProblem(response.status, body, Boolean(options.token), serverUrl));
    if (!req.schema) return undefined as z.infer<S>;
    const parsed = req.schema.safeParse(body);
    if (!parsed.success) {
      throw new ProblemError({
        kind: 'bad_response',
        serverUrl,
        status: response.status,
        message: messages.notBookbridge(serverUrl, response.status),
      });
    }
    return parsed.data;
  }

  return {
    serverUrl,
    request,
    health: () => request('/health', { schema: HealthResponse }),
    login: (body: LoginRequest) => request('/api/auth/login', { method: 'POST', body, schema: LoginResponse }),
    /** First run: create the first admin with the one-time code the server printed. */
    setup: (body: SetupRequest) => request('/api/setup', { method: 'POST', body, schema: LoginResponse }),
    logout: () => request('/api/auth/logout', { method: 'POST' }),
    me: () => request('/api/me', { schema: MeResponse }),
    providers: () => request('/api/providers', { schema: ProvidersResponse }),

    // --- connections (server/connections/routes.ts) -----------------------------------------
    connections: (businessId: string) => request(`${biz(businessId)}/connections`, { schema: ConnectionsResponse }),
    authorize: (businessId: string, body: AuthorizeInput) =>
      request(`${biz(businessId)}/connections/authorize`, { method: 'POST', body, schema: AuthorizeResponse }),
    completeOAuth: (body: { state: string; code?: string; error?: string; params?: Record<string, string> }) =>
      request('/api/oauth/complete', { method: 'POST', body, schema: GrantResponse }),
    oauthStatus: (state: string) => request(`/api/oauth/states/${encodeURIComponent(state)}`, { schema: AuthorizationStatus }),
    connectWithKey: (businessId: string, body: KeyConnectInput) =>
      request(`${biz(businessId)}/connections/key`, { method: 'POST', body, schema: GrantResponse }),
    finish: (businessId: string, body: { grantId: string; organisationId: string }) =>
      request(`${biz(businessId)}/connections/finish`, { method: 'POST', body, schema: FinishResponse }),
    refresh: (businessId: string, connectionId: string) =>
      request(`${conn(businessId, connectionId)}/refresh`, { method: 'POST', schema: zod.object({ jobId: zod.string() }) }),
    disconnect: (businessId: string, connectionId: string, keepLists: boolean) =>
      request(`${conn(businessId, connectionId)}/disconnect`, { method: 'POST', body: { keepLists }, schema: zod.object({ revoked: zod.boolean() }) }),
    job: (businessId: string, jobId: string) => request(`${biz(businessId)}/jobs/${encodeURIComponent(jobId)}`, { schema: JobView }),
    listEntries: (input: ListEntriesInput) => {
      const query = new URLSearchParams();
      if (input.q) query.set('q', input.q);
      if (input.status) query.set('status', input.status);
      if (input.limit) query.set('limit', String(input.limit));
      if (input.after) query.set('after', input.after);
      const qs = query.toString();
      return request(`${conn(input.businessId, input.connectionId)}/lists/${input.kind}${qs ? `?${qs}` : ''}`, { schema: ListResponse });
    },
    mergeProposal: (businessId: string, connectionId: string) => request(`${conn(businessId, connectionId)}/merge`, { schema: MergeProposal }),
    merge: (businessId: string, connectionId: string, body: MergeInput) =>
      request(`${conn(businessId, connectionId)}/merge`, { method: 'POST', body, schema: MergeResult }),
    undoMerge: (businessId: string, connectionId: string) =>
      request(`${conn(businessId, connectionId)}/merge/undo`, { method: 'POST', schema: zod.object({ restored: zod.number() }) }),
    audit: (businessId: string, limit = 50) =>
      request(`${biz(businessId)}/audit?limit=${limit}`, { schema: zod.object({ entries: zod.array(AuditEntry) }) }),

    // --- items, rules, publishing settings (server/items, server/rules, server/settings) -----
    items: (businessId: string, input: ItemListInput = {}) => {
      const query = new URLSearchParams();
      if (input.state) query.set('state', input.state);
      if (input.type) query.set('type', input.type);
      if (input.limit) query.set('limit', String(input.limit));
      if (input.cursor) query.set('cursor', input.cursor);
      const qs = query.toString();
      return request(`${biz(businessId)}/items${qs ? `?${qs}` : ''}`, { schema: ItemListResponse });
    },
    item: (businessId: string, itemId: string) => request(`${biz(businessId)}/items/${encodeURIComponent(itemId)}`, { schema: Item }),
    publish: (businessId: string, itemId: string) =>
      request(`${biz(businessId)}/items/${encodeURIComponent(itemId)}/publish`, { method: 'POST', schema: Item }),
    republish: (businessId: string, itemId: string) =>
      request(`${biz(businessId)}/items/${encodeURIComponent(itemId)}/republish`, { method: 'POST', schema: Item }),
    rules: (businessId: string) => request(`${biz(businessId)}/rules`, { schema: RuleListResponse }),
    saveRule: (businessId: string, rule: RuleInput, ruleId?: string) =>
      ruleId
        ? request(`${biz(businessId)}/rules/${encodeURIComponent(ruleId)}`, { method: 'PUT', body: rule, schema: Rule })
        : request(`${biz(businessId)}/rules`, { method: 'POST', body: rule, schema: Rule }),
    deleteRule: (businessId: string, ruleId: string) => request(`${biz(businessId)}/rules/${encodeURIComponent(ruleId)}`, { method: 'DELETE' }),
    settings: (businessId: string) => request(`${biz(businessId)}/publishing-settings`, { schema: PublishingSettingsView }),
    saveSettings: (businessId: string, settings: PublishingSettingsInput) =>
      request(`${biz(businessId)}/publishing-settings`, { method: 'PUT', body: settings, schema: PublishingSettingsView }),

    /**
     * GET jobs/{id}/events: the server's `progress` events, one JobView each, until the job ends,
     * `signal` aborts, or the stream breaks. EventSource cannot send the bearer token, so this reads
     * the stream with fetch.
     */
    async *jobEvents(businessId: string, jobId: string, signal: AbortSignal): AsyncGenerator<zod.infer<typeof JobView>> {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let response: Response;
      try {
        response = await doFetch(`${serverUrl}${biz(businessId)}/jobs/${encodeURIComponent(jobId)}/events`, { headers, signal, credentials: 'omit' });
      } catch {
        if (signal.aborted) return;
        throw new ProblemError({ kind: 'unreachable', serverUrl, message: messages.unreachable(serverUrl) });
      }
      if (!response.ok || !response.body) {
        throw new ProblemError(errorProblem(response.status, await readJson(response), Boolean(options.token), serverUrl));
      }
      for await (const event of readServerSentEvents(response.body, signal)) {
        if (event.event !== 'progress') continue;
        const parsed = JobView.safeParse(safeJson(event.data));
        if (parsed.success) yield parsed.data;
      }
    },
  };
}

const biz = (businessId: string) => `/api/businesses/${encodeURIComponent(businessId)}`;
const conn = (businessId: string, connectionId: string) => `${biz(businessId)}/connections/${encodeURIComponent(connectionId)}`;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Parses a text/event-stream body (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        return; // aborted or the connection dropped: the caller decides what next
      }
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Turns anything thrown into a Problem, so callers never show a raw exception. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'api', status: 0, code: 'extension_error', message: `Something went wrong in the extension: ${message}` };
}

function errorProblem(status: number, body: unknown, sentToken: boolean, serverUrl: string): Problem {
  // A 401 on a call that carried our token means the session is gone (expired, signed out
  // elsewhere, server data reset). Without a token (sign-in) it is the server's own message.
  if (status === 401 && sentToken) return { kind: 'session_ended', message: messages.sessionEnded };
  const envelope = ErrorBody.safeParse(body);
  if (!envelope.success) {
    // A proxy in front of a stopped server answers 502/503/504 with its own page.
    if (status === 502 || status === 503 || status === 504) {
      return { kind: 'unreachable', serverUrl, message: messages.unreachable(serverUrl) };
    }
    return { kind: 'bad_response', serverUrl, status, message: messages.notBookbridge(serverUrl, status) };
  }
  const { code, message, issues } = envelope.data.error;
  return { kind: 'api', status, code, message, ...(issues ? { issues } : {}) };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
