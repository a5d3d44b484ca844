/**
 * FreeAgent's numbers: money and rates travel as decimal strings ("213.0", "-35.5", "83.33"),
 * the way Ruby prints a BigDecimal: no trailing zeros, but always one decimal place.
 */
import Big from 'big.js';

export class DecimalError extends Error {}

/** Reads a decimal sent as a string or a number; throws DecimalError for anything else. */
export function dec(value: unknown, field: string): Big {
  if (typeof value === 'number' && Number.isFinite(value)) return new Big(value);
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return new Big(value.trim());
  throw new DecimalError(`${field} is not a number`);
}

export function optionalDec(value: unknown, field: string): Big | undefined {
  return value === undefined || value === null || value === '' ? undefined : dec(value, field);
}

/** "100.00" → "100.0", "83.30" → "83.3", "-0.00" → "0.0". */
export function fa(value: Big, places = 2): string {
  const fixed = value.round(places).toFixed(places);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '.0') : `${fixed}.0`;
  return trimmed === '-0.0' ? '0.0' : trimmed;
}

export const zero = new Big(0);

/** Tax inside a gross amount at `rate` percent, to the penny (FreeAgent: gross × rate / (100 + rate)). */
export function taxInGross(gross: Big, rate: Big): Big {
  return gross.times(rate).div(rate.plus(100)).round(2);
}

/** Tax on a net amount at `rate` percent, to the penny. */
export function taxOnNet(net: Big, rate: Big): Big {
  return net.times(rate).div(100).round(2);
}
