/**
 * Exact cents for the sandbox's totals: amounts are bigints in millionths, so quantity × unit
 * price and line × tax rate stay exact until QuickBooks rounds to cents.
 */
const DIGITS = 6;
const SCALE = 10n ** BigInt(DIGITS);

export type Dec = bigint;

/** A JSON number or decimal string; undefined when absent or not a number. */
export function dec(value: unknown): Dec | undefined {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = value.toFixed(DIGITS);
  else if (typeof value === 'string' && value.trim() !== '') text = value.trim();
  else return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = (m[3] ?? '').padEnd(DIGITS + 1, '0');
  let units = BigInt(m[2] || '0') * SCALE + BigInt(fraction.slice(0, DIGITS));
  if (Number(fraction[DIGITS]) >= 5) units += 1n;
  return m[1] === '-' ? -units : units;
}

/** Half away from zero to `dp` places. */
export function round(value: Dec, dp = 2): Dec {
  const step = 10n ** BigInt(DIGITS - dp);
  const sign = value < 0n ? -1n : 1n;
  return (((value * sign + step / 2n) / step) * step) * sign;
}

export function mul(a: Dec, b: Dec): Dec {
  const p = a * b;
  const sign = p < 0n ? -1n : 1n;
  return (((p * sign) + SCALE / 2n) / SCALE) * sign;
}

/** a × percent / 100. */
export function percentOf(a: Dec, percent: Dec): Dec {
  return mul(a, percent) / 100n;
}

/** a / (1 + percent/100): the net part of a tax-inclusive amount. */
export function netOfInclusive(gross: Dec, percent: Dec): Dec {
  const divisor = SCALE * 100n + percent;
  const sign = gross < 0n ? -1n : 1n;
  return (((gross * sign * SCALE * 100n * 2n) / divisor + 1n) / 2n) * sign;
}

export function toNumber(value: Dec, dp = 2): number {
  dp = Math.min(dp, DIGITS);
  return Number(round(value, dp)) / Number(SCALE);
}

export const fromNumber = (n: number): Dec => dec(n) ?? 0n;
