/**
 * Seeded randomness shared by the sandboxes, so every id, name and fault dice roll is the same on
 * every run with the same seed (tests and benchmarks rely on it; a reset gives the same data back).
 * Each sandbox's own random.ts shapes this into the ids its provider uses.
 */

/** mulberry32: tiny, fast and good enough for emulator data (never for secrets). Uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bit, over the string's UTF-16 code units: spreads short or similar seeds apart. */
export function hashSeed(seed: number | string): number {
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * FNV-1a as BILL's and FreeAgent's sandboxes first wrote it: one step per code point, taking only
 * its first UTF-16 unit. The same as `hashSeed` for every seed without characters beyond U+FFFF;
 * kept apart so a seed with an emoji still gives those sandboxes the data it always gave.
 */
export function hashSeedByCodePoint(seed: number | string): number {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes a label into a seed so sub-streams (per organisation, ids, faults) stay independent. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The draws every sandbox makes from one stream; a sandbox picks the ones its ids need. */
export interface Draws {
  next: () => number;
  /** Integer in [0, maxExclusive). */
  below(maxExclusive: number): number;
  /** Integer in [min, max]. */
  between(minInclusive: number, maxInclusive: number): number;
  /** One item; from an empty list, undefined (typed as T, as the sandboxes have always used it). */
  pick<T>(items: readonly T[]): T;
  /** Like `pick`, but an empty list is an error rather than undefined. */
  pickOrThrow<T>(items: readonly T[]): T;
  /** `length` lower-case hex digits. */
  hex(length: number): string;
  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string;
  /** A lower-case version-4-shaped UUID (8-4-4-4-12, version nibble 4, variant 8 to b). */
  uuid(): string;
}

export function draws(next: () => number): Draws {
  const chars = (alphabet: string, length: number) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  const hex = (length: number) => chars('0123456789abcdef', length);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  return {
    next,
    below: (max) => Math.floor(next() * max),
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick,
    pickOrThrow: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return pick(items);
    },
    hex,
    chars,
    uuid: () => {
      // Draw order matters for seeded output: the variant nibble comes after the first 15 digits.
      const head = `${hex(8)}-${hex(4)}-4${hex(3)}-`;
      const variant = (8 + Math.floor(next() * 4)).toString(16);
      return `${head}${variant}${hex(3)}-${hex(12)}`;
    },
  };
}
