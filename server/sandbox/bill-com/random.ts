/**
 * A small seeded random source, so that every seeded name, id and amount in the BILL sandbox is
 * the same for the same seed (tests rely on it; a reset gives the same organisations back).
 */
import { draws, hashSeedByCodePoint, mulberry32 } from '../common/random.js';

export interface Rng {
  /** [0, 1) */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** `count` letters and digits, mixed case, as BILL's ids use. */
  alnum(count: number): string;
}

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function createRng(seed: number | string): Rng {
  const d = draws(mulberry32(hashSeedByCodePoint(seed)));
  return { next: d.next, int: d.between, pick: d.pickOrThrow, alnum: (count) => d.chars(alphabet, count) };
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
