/**
 * Seeded randomness, so the companies, people and requests the sandbox makes are the same on
 * every run with the same seed (tests can rely on them).
 */
import { deriveSeed, draws, mulberry32 } from '../common/random.js';

export { deriveSeed };

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** A lower-case version-4-shaped UUID, as ApprovalMax's companyId and requestId are. */
  uuid(): string;
  hex(length: number): string;
}

export function createRandom(seed: number): Random {
  const d = draws(mulberry32(seed));
  return { next: d.next, int: d.below, pick: d.pick, uuid: d.uuid, hex: d.hex };
}
