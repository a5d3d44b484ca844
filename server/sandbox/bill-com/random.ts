/**
 * A small seeded random source, so that every seeded name, id and amount in the BILL sandbox is
 * the same for the same seed (tests rely on it; a reset gives the same organisations back).
 */
export interface Rng {
  /** [0, 1) */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** `count` letters and digits, mixed case, as BILL's ids use. */
  alnum(count: number): string;
}

function hashSeed(seed: number | string): number {
  // FNV-1a, 32 bit: spreads short or similar seeds apart.
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** mulberry32: tiny and good enough for emulator data (never for secrets). */
export function createRng(seed: number | string): Rng {
  let a = hashSeed(seed);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    alnum: (count) => {
      let out = '';
      for (let i = 0; i < count; i++) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
  };
}

/**
 * BILL object ids: a three-character type prefix, then 17 characters (20 in all). The prefixes
 * BILL documents: organisation 008, vendor 009, bill 00n, document 00h, upload in progress 0du,
 * offline payment stp, vendor credit vcr (developer.bill.com guides). The rest follow BILL's
 * v2 objects as far as known [?]: customer 0cu, chart of accounts 0ca, user 006.
 */
export const idPrefix = {
  organization: '008',
  user: '006',
  vendor: '009',
  customer: '0cu',
  chartOfAccount: '0ca',
  job: '0jb',
  department: '0de',
  location: '0lc',
  accountingClass: '0cl',
  employee: '0em',
  item: '0ii',
  bankAccount: 'bac',
  bill: '00n',
  billLine: '0bl',
  vendorCredit: 'vcr',
  vendorCreditLine: '0vl',
  payment: 'stp',
  billPayment: '0bp',
  document: '00h',
  upload: '0du',
} as const;

export type IdKind = keyof typeof idPrefix;

export function billId(rng: Rng, kind: IdKind): string {
  return `${idPrefix[kind]}01${rng.alnum(15)}`;
}
