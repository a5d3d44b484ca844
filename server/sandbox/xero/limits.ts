/**
 * Xero's per-organisation limits: 5 calls in progress, 60 calls in a rolling minute, 5,000 in a
 * rolling day, and 10,000 per minute across the app (developer.xero.com/documentation/guides/
 * oauth2/limits). `timeScale` shrinks the windows for benchmarks (60 = a minute lasts a second).
 */
import { retryAfterHeader, SlidingWindow } from '../common/rate-limit.js';

export interface RateLimits {
  perMinute: number;
  concurrent: number;
  perDay: number;
}

export const xeroLimits: RateLimits = { perMinute: 60, concurrent: 5, perDay: 5000 };
export const appMinuteLimit = 10_000;

export type LimitProblem = 'minute' | 'day' | 'concurrent' | 'appminute';

export type Admission = { ok: true } | { ok: false; problem: LimitProblem; retryAfterMs: number };

export class TenantLimiter {
  inFlight = 0;
  private readonly minute: SlidingWindow;
  private readonly day: SlidingWindow;
  constructor(
    private readonly limits: RateLimits,
    private readonly timeScale: number,
  ) {
    this.minute = new SlidingWindow(60_000 / timeScale);
    this.day = new SlidingWindow(86_400_000 / timeScale);
  }

  /** Admits one call now (counting it) or says which limit it breaks. */
  admit(now: number): Admission {
    if (this.inFlight >= this.limits.concurrent) {
      return { ok: false, problem: 'concurrent', retryAfterMs: 1000 / this.timeScale };
    }
    if (this.day.count(now) >= this.limits.perDay) {
      return { ok: false, problem: 'day', retryAfterMs: this.day.waitMs(now) };
    }
    if (this.minute.count(now) >= this.limits.perMinute) {
      return { ok: false, problem: 'minute', retryAfterMs: this.minute.waitMs(now) };
    }
    this.minute.add(now);
    this.day.add(now);
    return { ok: true };
  }

  remaining(now: number): { minute: number; day: number } {
    return {
      minute: Math.max(0, this.limits.perMinute - this.minute.count(now)),
      day: Math.max(0, this.limits.perDay - this.day.count(now)),
    };
  }
}

export class AppLimiter {
  private readonly minute: SlidingWindow;
  constructor(private readonly timeScale: number) {
    this.minute = new SlidingWindow(60_000 / timeScale);
  }
  admit(now: number): Admission {
    if (this.minute.count(now) >= appMinuteLimit) {
      return { ok: false, problem: 'appminute', retryAfterMs: this.minute.waitMs(now) };
    }
    this.minute.add(now);
    return { ok: true };
  }
  remaining(now: number): number {
    return Math.max(0, appMinuteLimit - this.minute.count(now));
  }
}

/** Retry-After in whole seconds as Xero sends it; scaled sandboxes send fractions so benches stay fast. */
export { retryAfterHeader };
