/**
 * A small seeded random source, so that every key, token and seeded name in the KashFlow
 * sandbox is the same for the same seed (tests can rely on it; a reset gives the same account).
 */
import { draws, hashSeed, mulberry32 } from '../common/random.js';

export interface Rng {
  /** [0, 1) */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  hex(length: number): string;
  /** GUID-like, lower-case hex, 8-4-4-4-12: KashFlow's AutoAuth keys and tokens look like this. */
  guid(): string;
}

export function createRng(seed: number | string): Rng {
  const d = draws(mulberry32(hashSeed(seed)));
  return {
    next: d.next,
    int: d.between,
    pick: d.pickOrThrow,
    hex: d.hex,
    guid: () => `${d.hex(8)}-${d.hex(4)}-${d.hex(4)}-${d.hex(4)}-${d.hex(12)}`,
  };
}
