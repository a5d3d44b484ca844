/**
 * Rate-limit pieces the sandboxes share: a sliding window of call times and the Retry-After
 * value a 429 carries. Each sandbox keeps its own limits (per minute, per day, per client and
 * organisation) and its own 429 body.
 */

/** Call times in a sliding window, with an index instead of shift() so pruning stays O(1). */
export class SlidingWindow {
  private stamps: number[] = [];
  private head = 0;
  constructor(private readonly lengthMs: number) {}

  private prune(now: number): void {
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= now - this.lengthMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  /** Calls still inside the window. */
  count(now: number): number {
    this.prune(now);
    return this.stamps.length - this.head;
  }

  /** Ms until the oldest call leaves the window (at least 1), or 0 when it is empty. */
  waitMs(now: number): number {
    this.prune(now);
    const oldest = this.stamps[this.head];
    return oldest === undefined ? 0 : Math.max(1, oldest + this.lengthMs - now);
  }

  add(now: number): void {
    this.stamps.push(now);
  }
}

/**
 * Retry-After in whole seconds, as the real providers send it; a sandbox on scaled time (a minute
 * lasting a second for benchmarks) sends fractions so clients do not wait a real second.
 */
export function retryAfterHeader(ms: number, timeScale: number): string {
  if (timeScale === 1) return String(Math.max(1, Math.ceil(ms / 1000)));
  return String(Math.max(0.001, Math.ceil(ms) / 1000));
}
