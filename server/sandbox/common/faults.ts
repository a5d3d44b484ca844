/**
 * Fault injection the sandboxes share: the `/_control/faults` fields, which faults apply to a
 * call (one organisation's own, else the sandbox-wide ones), the 429 burst, and the dice for 5xx
 * answers and timeouts. What a fault looks like on the wire (error body, Retry-After words) stays
 * with each provider.
 */
import { z } from 'zod';

/** The fault fields every sandbox's `/_control/faults` takes (merge into its own schema). */
export const faultFields = {
  rate429: z.object({ count: z.number().int().min(0), retryAfterSeconds: z.number().min(0) }).optional(),
  error5xxRate: z.number().min(0).max(1).optional(),
  timeoutRate: z.number().min(0).max(1).optional(),
  slowMs: z.number().int().min(0).max(120_000).optional(),
};

/** "The user removed the app" and "the access tokens ran out", for the same request. */
export const grantFaultFields = {
  revokeGrants: z.literal(true).optional(),
  expireAccessTokens: z.literal(true).optional(),
};

/** Faults as any sandbox stores them (a 429 burst without Retry-After is allowed here). */
export interface BaseFaults {
  rate429?: { count: number; retryAfterSeconds?: number };
  error5xxRate?: number;
  timeoutRate?: number;
  slowMs?: number;
}

/** Faults as `faultFields` parses them: a 429 burst always says its Retry-After. */
export interface Faults extends BaseFaults {
  rate429?: { count: number; retryAfterSeconds: number };
}

/** How long a "timed out" call holds the connection before the sandbox lets it go. */
export const HANG_MS = 120_000;

/** Waits `ms`, or less if the caller goes away; never keeps the process alive. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The faults for one organisation: its own laid over the sandbox-wide ones. `owner` is the set
 * whose counted faults (the 429 burst, and whatever else `counted` names) a call uses up.
 */
export function activeFaults<F extends BaseFaults>(
  all: F,
  own: F | undefined,
  counted: (faults: F) => unknown = (f) => f.rate429,
): { faults: F; owner: F } {
  return { faults: { ...all, ...own }, owner: own && counted(own) ? own : all };
}

/** Uses up one call of a 429 burst: the burst (its Retry-After seconds), or undefined when none is left. */
export function takeRate429<B extends { count: number }>(burst: B | undefined): B | undefined {
  if (!burst || burst.count <= 0) return undefined;
  burst.count--;
  return burst;
}

/** One throw of the fault dice: true with probability `rate` (no throw when rate is 0 or unset). */
export function rolls(dice: { next(): number }, rate: number | undefined): boolean {
  return !!rate && dice.next() < rate;
}
