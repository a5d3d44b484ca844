/**
 * Seeded randomness: the same seed gives the same companies, contacts, ids and fault dice, so
 * tests and the demo can rely on them (a reset brings back the same data).
 */
import { draws, hashSeedByCodePoint, mulberry32 } from '../common/random.js';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  hex(length: number): string;
}

export function createRandom(seed: number | string): Random {
  const d = draws(mulberry32(hashSeedByCodePoint(seed)));
  return { next: d.next, int: d.between, pick: d.pickOrThrow, hex: d.hex };
}
