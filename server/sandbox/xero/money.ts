/**
 * Exact decimal arithmetic for the sandbox's totals: amounts are bigints scaled by 10^8, so
 * quantity (4dp) × unit amount (4dp) and line × tax rate stay exact before Xero's 2dp rounding.
 */
export type Dec = bigint;

const SCALE_DIGITS = 8;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

export const ZERO: Dec = 0n;

/** Parses a JSON number or decimal string; undefined when absent or not a number. */
export function dec(value: unknown): Dec | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = value.toFixed(SCALE_DIGITS);
  } else if (typeof value === 'string' && value.trim() !== '') {
    text = value.trim();
  } else {
    return undefined;
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = (m[3] ?? '').padEnd(SCALE_DIGITS + 1, '0');
  let units = BigInt(m[2] || '0') * SCALE + BigInt(fraction.slice(0, SCALE_DIGITS));
  if (Number(fraction[SCALE_DIGITS]) >= 5) units += 1n;
  return m[1] === '-' ? -units : units;
}

export function fromInt(n: number): Dec {
  return BigInt(n) * SCALE;
}

/** Rounds half away from zero to `dp` decimal places (Xero rounds line tax per line to 2dp). */
export function round(value: Dec, dp: number): Dec {
  const step = 10n ** BigInt(SCALE_DIGITS - dp);
  const sign = value < 0n ? -1n : 1n;
  const abs = value * sign;
  const rounded = ((abs + step / 2n) / step) * step;
  return rounded * sign;
}

export function mul(a: Dec, b: Dec): Dec {
  const product = a * b;
  const sign = product < 0n ? -1n : 1n;
  return (((product * sign) + SCALE / 2n) / SCALE) * sign;
}

export function div(a: Dec, b: Dec): Dec {
  if (b === 0n) return 0n;
  const sign = (a < 0n) !== (b < 0n) ? -1n : 1n;
  const absA = a < 0n ? -a : a;
  const absB = b < 0n ? -b : b;
  return (((absA * SCALE * 2n) / absB + 1n) / 2n) * sign;
}

export function sum(values: Iterable<Dec>): Dec {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

export function toNumber(value: Dec): number {
  return Number(value) / Number(SCALE);
}

/** Fixed-point text, e.g. toFixed(dec('1.5'), 2) === '1.50'. */
export function toFixed(value: Dec, dp: number): string {
  const r = round(value, dp);
  const sign = r < 0n ? '-' : '';
  const abs = r < 0n ? -r : r;
  const whole = abs / SCALE;
  if (dp === 0) return `${sign}${whole}`;
  const frac = (abs % SCALE).toString().padStart(SCALE_DIGITS, '0').slice(0, dp);
  return `${sign}${whole}.${frac}`;
}
