/**
 * Seeded randomness, so every id, name and fault the sandbox makes is the same on every run
 * with the same seed (tests and benchmarks can rely on them).
 */
import { deriveSeed, draws, mulberry32 } from '../common/random.js';

export { deriveSeed };

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped GUID, as Xero's ids are. */
  uuid(): string;
}

export function createRandom(seed: number): Random {
  const d = draws(mulberry32(seed));
  return {
    next: d.next,
    int: d.below,
    pick: d.pick,
    // Not the common uuid(): Xero's sandbox draws the variant nibble first, and seeded ids
    // (organisations, contacts) must stay what they have always been.
    uuid: () => {
      const variant = (8 + Math.floor(d.next() * 4)).toString(16);
      return `${d.hex(8)}-${d.hex(4)}-4${d.hex(3)}-${variant}${d.hex(3)}-${d.hex(12)}`;
    },
  };
}
