import { describe, expect, it } from 'vitest';
import { activeFaults, rolls, takeRate429 } from './faults.js';
import { retryAfterHeader, SlidingWindow } from './rate-limit.js';

describe('sliding window', () => {
  it('counts calls inside the window and says when the oldest leaves', () => {
    const w = new SlidingWindow(60_000);
    w.add(0);
    w.add(10_000);
    expect(w.count(59_999)).toBe(2);
    expect(w.waitMs(30_000)).toBe(30_000);
    expect(w.count(60_000)).toBe(1);
    expect(w.count(70_000)).toBe(0);
    expect(w.waitMs(70_000)).toBe(0);
  });

  it('sends whole seconds on real time and fractions on scaled time', () => {
    expect(retryAfterHeader(1500, 1)).toBe('2');
    expect(retryAfterHeader(1, 1)).toBe('1');
    expect(retryAfterHeader(250, 60)).toBe('0.25');
  });
});

describe('injected faults', () => {
  it('uses up an organisation’s own 429 burst before the sandbox-wide one', () => {
    const all = { rate429: { count: 1, retryAfterSeconds: 9 } };
    const own = { rate429: { count: 2, retryAfterSeconds: 3 }, slowMs: 5 };
    const { faults, owner } = activeFaults<{ rate429?: { count: number; retryAfterSeconds: number }; slowMs?: number }>(all, own);
    expect(faults.slowMs).toBe(5);
    expect(takeRate429(owner.rate429)?.retryAfterSeconds).toBe(3);
    expect(takeRate429(owner.rate429)?.retryAfterSeconds).toBe(3);
    expect(takeRate429(owner.rate429)).toBeUndefined();
    expect(all.rate429.count).toBe(1);
  });

  it('throws no dice when a rate is unset', () => {
    let thrown = 0;
    const dice = { next: () => (thrown++, 0.5) };
    expect(rolls(dice, undefined)).toBe(false);
    expect(rolls(dice, 0)).toBe(false);
    expect(thrown).toBe(0);
    expect(rolls(dice, 0.6)).toBe(true);
    expect(rolls(dice, 0.4)).toBe(false);
  });
});
