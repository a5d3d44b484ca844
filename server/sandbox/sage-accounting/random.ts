/**
 * Seeded randomness, so every id and name the sandbox makes is the same on every run with the
 * same seed (tests and benchmarks rely on it).
 */
import { deriveSeed, draws, mulberry32 } from '../common/random.js';

export { deriveSeed };

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** A 32-hex-digit id, the shape of Sage's GUIDs (no dashes). */
  id(): string;
  hex(length: number): string;
}

export function createRandom(seed: number): Random {
  const d = draws(mulberry32(seed));
  return { next: d.next, int: d.below, pick: d.pick, id: () => d.hex(32), hex: d.hex };
}
