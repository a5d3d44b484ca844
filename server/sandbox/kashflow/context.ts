import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { normaliseIp, type FaultRule, type SandboxState } from './state.js';

export interface SandboxContext {
  state: SandboxState;
  now(): Date;
  /** Lifetime of the temporary token between POST and PUT /sessiontoken. */
  temporaryTokenTtlMs: number;
  /** A REST session ends after this long without use (KashFlow: 60 minutes, sliding). */
  sessionIdleMs: number;
  callerIp(c: Context): string;
  reset(): void;
}

/**
 * The caller's IP, as KashFlow sees it: from the socket. `trustForwardedFor` exists for tests
 * that want to pretend to be another host; it must never be on when the sandbox is shared.
 */
export function callerIpReader(trustForwardedFor: boolean): (c: Context) => string {
  return (c) => {
    if (trustForwardedFor) {
      const forwarded = c.req.header('x-forwarded-for');
      if (forwarded) return normaliseIp(forwarded.split(',')[0] ?? '');
    }
    try {
      return normaliseIp(getConnInfo(c).remote.address ?? 'unknown');
    } catch {
      // app.request() in unit tests has no socket.
      return 'unknown';
    }
  };
}

export function countRequest(ctx: SandboxContext, host: 'app' | 'api' | 'soap'): MiddlewareHandler {
  return async (c, next) => {
    const { stats } = ctx.state;
    stats.requests[host] += 1;
    const key = `${c.req.method} ${host}${hostRelativePath(c.req.path, host)}`;
    stats.routes[key] = (stats.routes[key] ?? 0) + 1;
    await next();
  };
}

/** The path on the emulated host, whatever prefix the sandbox is mounted under. */
export function hostRelativePath(path: string, host: 'app' | 'api' | 'soap'): string {
  const marker = host === 'api' ? '/v2' : host === 'soap' ? '/api/service.asmx' : '';
  if (!marker) return path;
  const i = path.indexOf(marker);
  return i >= 0 ? path.slice(i) : path;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function matches(rule: FaultRule, host: 'api' | 'soap', method: string, path: string): boolean {
  if (rule.host !== host) return false;
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (rule.path && !(path === rule.path || path.startsWith(`${rule.path}/`) || path.startsWith(`${rule.path}?`))) return false;
  return true;
}

/** Applies the first matching fault rule set through `/_control/faults`. */
export function injectFaults(ctx: SandboxContext, host: 'api' | 'soap'): MiddlewareHandler {
  return async (c, next) => {
    const { state } = ctx;
    const path = hostRelativePath(c.req.path, host);
    const rule = state.faults.find((r) => matches(r, host, c.req.method, path));
    if (!rule || (rule.rate !== undefined && state.rng.next() >= rule.rate)) return next();
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) state.faults = state.faults.filter((r) => r !== rule);
    }
    state.stats.faultsInjected += 1;
    switch (rule.kind) {
      case 'rate_limit': {
        const seconds = rule.retryAfterSeconds ?? 30;
        c.header('Retry-After', String(seconds));
        return c.json({ Error: 'TooManyRequests', Message: `Too many requests. Please retry after ${seconds} seconds.` }, 429);
      }
      case 'server_error':
        return c.json({ Error: 'InternalServerError', Message: 'An error has occurred.' }, (rule.status ?? 500) as 500);
      case 'slow':
        await sleep(rule.delayMs ?? 1000);
        return next();
      case 'timeout':
        if (rule.afterCommit) {
          // The document is created; only the answer is late (the caller times out first).
          await next();
          await sleep(rule.delayMs ?? 30_000);
          return;
        }
        await sleep(rule.delayMs ?? 30_000);
        return c.json({ Error: 'GatewayTimeout', Message: 'The request timed out.' }, 504);
    }
  };
}
