/**
 * Reading what a user typed into a key-based connect form (KashFlow, BILL...): each provider lists
 * its fields as data (required or not, its own words when one is missing or malformed) and this
 * one function checks them in order, so the first problem the user sees is the first field's.
 */
import { ProviderError } from './errors.js';
import type { KeyCredentials } from './types.js';

export interface KeyField<K extends string = string> {
  name: K;
  /** What to tell the user when it is empty; a field without this is optional. */
  required?: string;
  /** Passwords are kept exactly as typed; every other field loses surrounding white space. */
  keepWhitespace?: boolean;
  /** A shape a non-empty value must have, what to tell the user, and the field's own note. */
  pattern?: { test: RegExp; message: string; fieldMessage: string };
}

/** The fields' values, optional empty ones left out; a ProviderError('credentials') on the first problem. */
export function readKeyFields<K extends string>(values: KeyCredentials, fields: readonly KeyField<K>[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const field of fields) {
    const raw = values[field.name];
    const value = typeof raw === 'string' ? (field.keepWhitespace ? raw : raw.trim()) : '';
    if (!value) {
      if (field.required) throw new ProviderError('credentials', field.required, { fields: [{ field: field.name, message: 'Required' }] });
      continue;
    }
    if (field.pattern && !field.pattern.test.test(value)) {
      throw new ProviderError('credentials', field.pattern.message, { fields: [{ field: field.name, message: field.pattern.fieldMessage }] });
    }
    out[field.name] = value;
  }
  return out;
}
