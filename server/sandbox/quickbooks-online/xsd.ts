/**
 * A small checker of QuickBooks JSON against Intuit's XSDs (specs/quickbooks-online/, from the
 * Java SDK): JSON uses the XSD's element and attribute names, so every key of an object must be
 * an element or attribute of its type (or of a base type), values must fit their simple types
 * and enumerations, and `IntuitObject` stands for any entity of its substitution group. Used by
 * the contract test to hold both the sandbox and the adapter to the official schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ElementDef {
  type?: string;
  many: boolean;
}

interface ComplexType {
  base?: string;
  simpleContent: boolean;
  elements: Map<string, ElementDef>;
  /** `ref="IntuitObject"`-style members: any element of these substitution groups. */
  groups: { group: string; many: boolean }[];
  attributes: Map<string, string | undefined>;
}

interface SimpleType {
  base?: string;
  enums?: string[];
}

export interface XsdSchema {
  complex: Map<string, ComplexType>;
  simple: Map<string, SimpleType>;
  /** Top-level element name → type. */
  elements: Map<string, string>;
  /** Substitution group → member element names. */
  groups: Map<string, string[]>;
}

const attr = (text: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(text)?.[1];
const local = (type: string | undefined) => type?.replace(/^\w+:(?=\w)/, (p) => (p === 'xs:' ? p : ''));

export function loadSchema(dir: string): XsdSchema {
  const schema: XsdSchema = { complex: new Map(), simple: new Map(), elements: new Map(), groups: new Map() };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.xsd'))) {
    let text = readFileSync(path.join(dir, file), 'utf8').replace(/<xs:annotation>[\s\S]*?<\/xs:annotation>/g, '');
    for (const m of text.matchAll(/<xs:complexType\s+name="(\w+)"[^>]*>([\s\S]*?)<\/xs:complexType>/g)) {
      const body = m[2] as string;
      const type: ComplexType = { simpleContent: /<xs:simpleContent>/.test(body), elements: new Map(), groups: [], attributes: new Map() };
      type.base = local(attr(/<xs:(?:extension|restriction)\s[^>]*>/.exec(body)?.[0] ?? '', 'base'));
      for (const e of body.matchAll(/<xs:element\s([^>]*?)\/?>/g)) {
        const a = e[1] as string;
        const max = attr(a, 'maxOccurs');
        const many = max === 'unbounded' || (max !== undefined && Number(max) > 1);
        const ref = attr(a, 'ref');
        if (ref) type.groups.push({ group: ref, many });
        else type.elements.set(attr(a, 'name') as string, { type: local(attr(a, 'type')), many });
      }
      for (const e of body.matchAll(/<xs:attribute\s([^>]*?)\/?>/g)) type.attributes.set(attr(e[1] as string, 'name') as string, local(attr(e[1] as string, 'type')));
      schema.complex.set(m[1] as string, type);
    }
    text = text.replace(/<xs:complexType\s+name="\w+"[^>]*>[\s\S]*?<\/xs:complexType>/g, '');
    for (const m of text.matchAll(/<xs:simpleType\s+name="(\w+)"[^>]*>([\s\S]*?)<\/xs:simpleType>/g)) {
      const body = m[2] as string;
      const enums = [...body.matchAll(/<xs:enumeration\s+value="([^"]*)"/g)].map((x) => x[1] as string);
      schema.simple.set(m[1] as string, { base: local(attr(/<xs:restriction\s[^>]*>/.exec(body)?.[0] ?? '', 'base')), ...(enums.length ? { enums } : {}) });
    }
    for (const e of text.matchAll(/<xs:element\s([^>]*?)\/?>/g)) {
      const a = e[1] as string;
      const name = attr(a, 'name');
      const type = local(attr(a, 'type'));
      if (!name) continue;
      if (type) schema.elements.set(name, type);
      const group = attr(a, 'substitutionGroup');
      if (group) schema.groups.set(group, [...(schema.groups.get(group) ?? []), name]);
    }
  }
  return schema;
}

function lookup(schema: XsdSchema, typeName: string, key: string): { def?: ElementDef; attribute?: string | null } {
  let current: string | undefined = typeName;
  while (current) {
    const t = schema.complex.get(current);
    if (!t) break;
    const def = t.elements.get(key);
    if (def) return { def };
    for (const g of t.groups) {
      if ((schema.groups.get(g.group) ?? []).includes(key)) return { def: { type: schema.elements.get(key), many: g.many } };
    }
    if (t.attributes.has(key)) return { attribute: t.attributes.get(key) ?? null };
    current = t.base;
  }
  return {};
}

function checkSimple(schema: XsdSchema, type: string | undefined, value: unknown, at: string, problems: string[]): void {
  if (!type) return;
  const simple = schema.simple.get(type);
  if (simple) {
    if (simple.enums && !simple.enums.includes(String(value))) problems.push(`${at}: "${String(value)}" is not one of ${type} (${simple.enums.slice(0, 8).join(', ')}${simple.enums.length > 8 ? '…' : ''})`);
    checkSimple(schema, simple.base, value, at, problems);
    return;
  }
  const ok = (() => {
    switch (type) {
      case 'xs:decimal':
      case 'xs:double':
      case 'xs:float':
        return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
      case 'xs:int':
      case 'xs:integer':
      case 'xs:long':
      case 'xs:positiveInteger':
      case 'xs:nonNegativeInteger':
        return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
      case 'xs:boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false';
      case 'xs:date':
        return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value);
      case 'xs:dateTime':
        return typeof value === 'string' && !Number.isNaN(Date.parse(value));
      default:
        return typeof value !== 'object' || value === null;
    }
  })();
  if (!ok) problems.push(`${at}: ${JSON.stringify(value)} is not ${type}`);
}

/** Problems found in `value` as an instance of `typeName` (empty when it fits). */
export function checkJson(schema: XsdSchema, typeName: string, value: unknown, at = typeName): string[] {
  const problems: string[] = [];
  const visit = (type: string | undefined, v: unknown, where: string) => {
    if (!type || v === null) return;
    const complex = schema.complex.get(type);
    if (!complex) return checkSimple(schema, type, v, where, problems);
    if (typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${where}: expected an object of ${type}`);
      return;
    }
    let simpleContent = false;
    for (let t: string | undefined = type; t; t = schema.complex.get(t)?.base) if (schema.complex.get(t)?.simpleContent) simpleContent = true;
    for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
      const path = `${where}.${key}`;
      if (simpleContent && key === 'value') continue;
      const found = lookup(schema, type, key);
      if (found.attribute !== undefined) {
        if (found.attribute) checkSimple(schema, found.attribute, child, path, problems);
        continue;
      }
      if (!found.def) {
        problems.push(`${path}: not an element or attribute of ${type}`);
        continue;
      }
      if (Array.isArray(child)) {
        if (!found.def.many) problems.push(`${path}: ${type} allows one, not a list`);
        child.forEach((item, i) => visit(found.def!.type, item, `${path}[${i}]`));
      } else visit(found.def.type, child, path);
    }
  };
  visit(typeName, value, at);
  return problems;
}
