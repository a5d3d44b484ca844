/**
 * ApprovalMax's Public API limit: 100 read requests per minute per client id + company id
 * (approvalmax.md §5). A rolling window; `timeScale` shrinks the minute for benchmarks.
 */
export class MinuteLimiter {
  private stamps: number[] = [];
  private readonly windowMs: number;

  constructor(
    private readonly perMinute: number,
    timeScale: number,
  ) {
    this.windowMs = 60_000 / timeScale;
  }

  private prune(now: number): void {
    let i = 0;
    while (i < this.stamps.length && (this.stamps[i] as number) <= now - this.windowMs) i++;
    if (i > 0) this.stamps = this.stamps.slice(i);
  }

  /** Counts one call, or says how long until the oldest call leaves the window. */
  admit(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.prune(now);
    if (this.stamps.length >= this.perMinute) {
      return { ok: false, retryAfterMs: Math.max(1, (this.stamps[0] as number) + this.windowMs - now) };
    }
    this.stamps.push(now);
    return { ok: true };
  }

  remaining(now: number): number {
    this.prune(now);
    return Math.max(0, this.perMinute - this.stamps.length);
  }
}

/** Whole seconds as a real server sends; fractions when the sandbox runs on scaled time. */
export function retryAfterHeader(ms: number, timeScale: number): string {
  if (timeScale === 1) return String(Math.max(1, Math.ceil(ms / 1000)));
  return String(Math.max(0.001, Math.ceil(ms) / 1000));
}
