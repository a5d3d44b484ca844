/**
 * fast-check arbitraries derived from zod 4 schemas: a valid value for a request schema, and the
 * paths of its fields (for the bad-input generator to break one at a time).
 *
 * Why our own: `zod-fast-check` (the maintained derivation) supports zod 3 and fast-check 3
 * only (`npm view zod-fast-check peerDependencies`: zod ^3.18, fast-check <4); this project runs
 * zod 4 and fast-check 4. Covers what our request schemas use: objects (strict or not), strings
 * with lengths, regexes and formats, numbers (coerced in queries), booleans, enums, literals,
 * arrays, records, optional/nullable/default, pipes and refinements (checked by safeParse).
 */
import fc from 'fast-check';
import type { z } from 'zod';

type Def = Record<string, any> & { type: string };
const defOf = (schema: z.ZodType): Def => (schema as any)._zod.def;

export type FieldKind = 'string' | 'number' | 'boolean' | 'enum' | 'object' | 'array' | 'record' | 'other';

export interface Field {
  path: (string | number)[];
  kind: FieldKind;
  /** The field's own schema (unwrapped from optional/nullable/default). */
  schema: z.ZodType;
  optional: boolean;
  /** Longest string the schema takes, if it says. */
  maxLength?: number;
}

/** Strips optional, nullable, default, readonly and pipes to the schema that checks the value. */
export function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean; nullable: boolean } {
  let s = schema;
  let optional = false;
  let nullable = false;
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (d.type === 'optional' || d.type === 'default' || d.type === 'prefault') {
      optional = true;
      s = d.innerType;
    } else if (d.type === 'nullable') {
      nullable = true;
      s = d.innerType;
    } else if (d.type === 'readonly' || d.type === 'catch') s = d.innerType;
    else if (d.type === 'pipe') s = d.in;
    else break;
  }
  return { schema: s, optional, nullable };
}

function checks(d: Def): Def[] {
  return ((d.checks ?? []) as any[]).map((c) => c._zod.def);
}

const plain = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.'.split('');

function stringArbitrary(d: Def): fc.Arbitrary<string> {
  const cs = checks(d);
  const min = Math.max(0, ...cs.filter((c) => c.check === 'min_length').map((c) => c.minimum as number));
  const max = Math.min(...cs.filter((c) => c.check === 'max_length').map((c) => c.maximum as number), Infinity);
  const format = cs.find((c) => c.check === 'string_format') ?? (d.format ? d : undefined);
  let arb: fc.Arbitrary<string>;
  if (format?.format === 'uuid' || format?.format === 'guid') arb = fc.uuid({ version: 4 });
  else if (format?.format === 'email') arb = fc.emailAddress();
  else if (format?.format === 'url') arb = fc.webUrl();
  else if (format?.pattern instanceof RegExp) arb = fc.stringMatching(format.pattern);
  else arb = fc.string({ unit: fc.constantFrom(...plain), minLength: Math.max(min, 1), maxLength: Math.max(Math.min(max, 24), Math.max(min, 1)) }).map((s) => (s.trim() ? s : 'x'));
  return arb.filter((s) => s.trim().length >= min && s.length <= max);
}

function numberArbitrary(d: Def): fc.Arbitrary<number> {
  const cs = checks(d);
  const lo = cs.find((c) => c.check === 'greater_than');
  const hi = cs.find((c) => c.check === 'less_than');
  const min = lo ? (lo.value as number) + (lo.inclusive ? 0 : 1) : 0;
  const max = hi ? (hi.value as number) - (hi.inclusive ? 0 : 1) : min + 1000;
  return fc.integer({ min, max });
}

/** An arbitrary of values the schema's checks accept (refinements are left to the caller's safeParse). */
export function arbitraryOf(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  const d = defOf(schema);
  switch (d.type) {
    case 'optional':
    case 'default':
    case 'prefault':
      return fc.option(arbitraryOf(d.innerType, depth), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(arbitraryOf(d.innerType, depth), { nil: null, freq: 3 });
    case 'readonly':
    case 'catch':
      return arbitraryOf(d.innerType, depth);
    case 'pipe':
      return arbitraryOf(d.in, depth);
    case 'string':
      return stringArbitrary(d);
    case 'number':
      return numberArbitrary(d).map((n) => (d.coerce ? String(n) : n));
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(d.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(d.values as unknown[]));
    case 'array': {
      const cs = checks(d);
      const min = Math.max(0, ...cs.filter((c) => c.check === 'min_length').map((c) => c.minimum as number));
      return fc.array(arbitraryOf(d.element, depth + 1), { minLength: min, maxLength: Math.max(min, depth > 2 ? min : 3) });
    }
    case 'record':
      return fc.dictionary(stringArbitrary(defOf(unwrap(d.keyType).schema)), arbitraryOf(d.valueType, depth + 1) as fc.Arbitrary<unknown>, { maxKeys: 3 });
    case 'object': {
      const shape = d.shape as Record<string, z.ZodType>;
      const entries = Object.entries(shape).map(([k, v]) => [k, arbitraryOf(v, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries)).map((o) => Object.fromEntries(Object.entries(o as object).filter(([, v]) => v !== undefined)));
    }
    case 'union':
      return fc.oneof(...(d.options as z.ZodType[]).map((o) => arbitraryOf(o, depth)));
    case 'unknown':
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    default:
      return fc.constant(undefined);
  }
}

/** A valid value: derived, then kept only when the whole schema (refinements too) accepts it. */
export function validArbitrary(schema: z.ZodType): fc.Arbitrary<unknown> {
  return arbitraryOf(schema).filter((v) => schema.safeParse(v).success);
}

/** Every field of a value of this schema (present or not), with its path and kind. */
export function fieldsOf(schema: z.ZodType, path: (string | number)[] = [], optional = false, out: Field[] = []): Field[] {
  const { schema: s, optional: opt } = unwrap(schema);
  const d = defOf(s);
  const kind: FieldKind = ['string', 'number', 'boolean', 'enum', 'object', 'array', 'record'].includes(d.type) ? (d.type as FieldKind) : 'other';
  const maxLength = d.type === 'string' ? Math.min(...checks(d).filter((c) => c.check === 'max_length').map((c) => c.maximum as number), Infinity) : undefined;
  if (path.length > 0) out.push({ path, kind, schema: s, optional: optional || opt, ...(maxLength !== undefined && Number.isFinite(maxLength) ? { maxLength } : {}) });
  if (d.type === 'object') for (const [k, v] of Object.entries(d.shape as Record<string, z.ZodType>)) fieldsOf(v, [...path, k], false, out);
  if (d.type === 'array') fieldsOf(d.element, [...path, 0], false, out);
  return out;
}

export function isStrictObject(schema: z.ZodType): boolean {
  const d = defOf(unwrap(schema).schema);
  return d.type === 'object' && d.catchall !== undefined && defOf(d.catchall).type === 'never';
}

/** Reads a path in a value (undefined when absent). */
export function getAt(value: unknown, path: (string | number)[]): unknown {
  let v: any = value;
  for (const p of path) v = v?.[p];
  return v;
}

/** A copy of `value` with `path` set (creating objects/arrays on the way); `undefined` deletes it. */
export function setAt(value: unknown, path: (string | number)[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  const base: any = Array.isArray(value) ? [...value] : value && typeof value === 'object' ? { ...(value as object) } : typeof head === 'number' ? [] : {};
  const child = setAt(base[head!], rest, next);
  if (child === undefined && rest.length === 0) {
    if (Array.isArray(base)) base.splice(head as number, 1);
    else delete base[head!];
  } else base[head!] = child;
  return base;
}
