/**
 * ApprovalMax's Public API limit: 100 read requests per minute per client id + company id
 * (approvalmax.md §5). A rolling window; `timeScale` shrinks the minute for benchmarks.
 */
import { retryAfterHeader, SlidingWindow } from '../common/rate-limit.js';

export { retryAfterHeader };

export class MinuteLimiter {
  private readonly window: SlidingWindow;

  constructor(
    private readonly perMinute: number,
    timeScale: number,
  ) {
    this.window = new SlidingWindow(60_000 / timeScale);
  }

  /** Counts one call, or says how long until the oldest call leaves the window. */
  admit(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    if (this.window.count(now) >= this.perMinute) return { ok: false, retryAfterMs: this.window.waitMs(now) };
    this.window.add(now);
    return { ok: true };
  }

  remaining(now: number): number {
    return Math.max(0, this.perMinute - this.window.count(now));
  }
}
