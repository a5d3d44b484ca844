/** Seeded randomness (mulberry32): every realm, name and fault is the same on every run with one seed. */
import { deriveSeed, draws, mulberry32 } from '../common/random.js';

export { deriveSeed };

export interface Random {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  digits(n: number): string;
}

export function createRandom(seed: number): Random {
  const d = draws(mulberry32(seed));
  return {
    next: d.next,
    int: d.below,
    pick: d.pick,
    // Realm ids and DocNumbers: n digits, never a leading zero.
    digits: (n) => String(1 + d.below(9)) + d.chars('0123456789', Math.max(0, n - 1)),
  };
}
