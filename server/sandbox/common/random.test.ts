import { describe, expect, it } from 'vitest';
import { deriveSeed, draws, hashSeed, hashSeedByCodePoint, mulberry32 } from './random.js';

describe('common seeded randomness', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = draws(mulberry32(42));
    const b = draws(mulberry32(42));
    const c = draws(mulberry32(43));
    const take = (d: typeof a) => [d.uuid(), d.hex(8), d.between(1, 6), d.below(10)];
    const first = take(a);
    expect(take(b)).toEqual(first);
    expect(take(c)).not.toEqual(first);
  });

  it('makes version-4-shaped uuids and stays inside the asked ranges', () => {
    const d = draws(mulberry32(7));
    for (let i = 0; i < 200; i++) {
      expect(d.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const n = d.between(3, 5);
      expect(n >= 3 && n <= 5).toBe(true);
    }
  });

  it('refuses to pick from an empty list only when asked to', () => {
    const d = draws(mulberry32(1));
    expect(d.pick([])).toBeUndefined();
    expect(() => d.pickOrThrow([])).toThrow('empty');
  });

  it('hashes string seeds the two historic ways, equal below U+10000', () => {
    expect(hashSeed('demo')).toBe(hashSeedByCodePoint('demo'));
    expect(hashSeed('demo😀')).not.toBe(hashSeedByCodePoint('demo😀'));
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
  });
});
