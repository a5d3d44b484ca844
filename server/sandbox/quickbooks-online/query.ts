/**
 * QuickBooks' query language (quickbooks-online.md §2), the subset Intuit documents:
 * `SELECT * | count(*) FROM <Entity> [WHERE a op v AND ...] [ORDERBY f [ASC|DESC], ...]
 * [STARTPOSITION n] [MAXRESULTS m]`, operators = < > <= >= IN LIKE, no OR, `Id` only with = / IN,
 * STARTPOSITION 1-based, MAXRESULTS default 100 and at most 1000, and name lists filtered to
 * `Active = true` unless the query names `Active`.
 */
import { validation, type QboFault } from './faults.js';
import type { Json } from './seed.js';

export type Operator = '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';
type Value = string | number | boolean;

export interface Condition {
  field: string;
  op: Operator;
  values: Value[];
}

export interface Query {
  count: boolean;
  entity: string;
  where: Condition[];
  orderBy: { field: string; desc: boolean }[];
  startPosition: number;
  maxResults: number;
}

export const MAX_RESULTS = 1000;
export const DEFAULT_MAX_RESULTS = 100;

interface Token {
  kind: 'word' | 'string' | 'number' | 'op' | 'punct';
  text: string;
  at: number;
}

function parseError(token: Token | undefined, query: string): QboFault {
  const text = token ? token.text : '<EOF>';
  const column = token ? token.at + 1 : query.length + 1;
  return validation('4000', 'Error parsing query', `QueryParserError: Encountered " ${text} " at line 1, column ${column}.`);
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= query.length) throw parseError({ kind: 'string', text: query.slice(i), at: i }, query);
        const c = query[j] as string;
        if (c === '\\' && query[j + 1] === "'") {
          text += "'";
          j += 2;
          continue;
        }
        if (c === "'") break;
        text += c;
        j++;
      }
      tokens.push({ kind: 'string', text, at: i });
      i = j + 1;
      continue;
    }
    const op = /^(<=|>=|!=|=|<|>)/.exec(query.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[1] as string, at: i });
      i += (op[1] as string).length;
      continue;
    }
    if ('(),*'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(query.slice(i));
    if (num && !/[A-Za-z_]/.test(query[i + num[0].length] ?? '')) {
      tokens.push({ kind: 'number', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w.]*/.exec(query.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    throw parseError({ kind: 'punct', text: ch, at: i }, query);
  }
  return tokens;
}

export function parseQuery(query: string): Query {
  const tokens = tokenize(query);
  let p = 0;
  const peek = () => tokens[p];
  const isWord = (w: string) => peek()?.kind === 'word' && peek()!.text.toUpperCase() === w;
  const expectWord = (w: string) => {
    if (!isWord(w)) throw parseError(peek(), query);
    p++;
  };
  const expectPunct = (t: string) => {
    if (peek()?.text !== t || peek()?.kind !== 'punct') throw parseError(peek(), query);
    p++;
  };
  const value = (): Value => {
    const t = peek();
    if (!t) throw parseError(t, query);
    p++;
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'word' && /^(true|false)$/i.test(t.text)) return t.text.toLowerCase() === 'true';
    throw parseError(t, query);
  };
  const int = (): number => {
    const t = peek();
    if (t?.kind !== 'number' || !/^\d+$/.test(t.text)) throw parseError(t, query);
    p++;
    return Number(t.text);
  };

  expectWord('SELECT');
  let count = false;
  if (peek()?.text === '*') p++;
  else if (isWord('COUNT')) {
    p++;
    expectPunct('(');
    expectPunct('*');
    expectPunct(')');
    count = true;
  } else throw validation('4001', 'Invalid query', 'QueryValidationError: only SELECT * or SELECT count(*) is supported');
  expectWord('FROM');
  const entityToken = peek();
  if (entityToken?.kind !== 'word') throw parseError(entityToken, query);
  p++;
  const q: Query = { count, entity: entityToken.text, where: [], orderBy: [], startPosition: 1, maxResults: DEFAULT_MAX_RESULTS };

  if (isWord('WHERE')) {
    p++;
    for (;;) {
      const f = peek();
      if (f?.kind !== 'word') throw parseError(f, query);
      p++;
      let op: Operator;
      const o = peek();
      if (o?.kind === 'op' && o.text !== '!=') {
        op = o.text as Operator;
        p++;
      } else if (isWord('IN')) {
        op = 'IN';
        p++;
      } else if (isWord('LIKE')) {
        op = 'LIKE';
        p++;
      } else throw parseError(o, query);
      const values: Value[] = [];
      if (op === 'IN') {
        expectPunct('(');
        values.push(value());
        while (peek()?.text === ',') {
          p++;
          values.push(value());
        }
        expectPunct(')');
      } else values.push(value());
      if (f.text.toLowerCase() === 'id' && op !== '=' && op !== 'IN') {
        throw validation('4001', 'Invalid query', `QueryValidationError: operator ${op} is not supported for property Id`);
      }
      q.where.push({ field: f.text, op, values });
      if (isWord('AND')) {
        p++;
        continue;
      }
      if (isWord('OR')) throw validation('4000', 'Error parsing query', 'QueryParserError: OR is not supported');
      break;
    }
  }
  if (isWord('ORDERBY') || isWord('ORDER')) {
    if (isWord('ORDER')) {
      p++;
      expectWord('BY');
    } else p++;
    for (;;) {
      const f = peek();
      if (f?.kind !== 'word') throw parseError(f, query);
      p++;
      let desc = false;
      if (isWord('DESC')) {
        desc = true;
        p++;
      } else if (isWord('ASC')) p++;
      q.orderBy.push({ field: f.text, desc });
      if (peek()?.text === ',') {
        p++;
        continue;
      }
      break;
    }
  }
  if (isWord('STARTPOSITION')) {
    p++;
    q.startPosition = Math.max(1, int());
  }
  if (isWord('MAXRESULTS')) {
    p++;
    // Intuit answers at most 1000 entities whatever MAXRESULTS asks for.
    q.maxResults = Math.min(MAX_RESULTS, int());
  }
  if (p < tokens.length) throw parseError(peek(), query);
  return q;
}

/** A field by dotted path, case-insensitively (QuickBooks accepts `Metadata.LastUpdatedTime`). */
export function fieldValue(record: Json, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    const obj = current as Json;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === part.toLowerCase());
    current = key === undefined ? undefined : obj[key];
  }
  // A reference compares by its value (e.g. `VendorRef = '56'`).
  if (typeof current === 'object' && current !== null && 'value' in current) return (current as { value: unknown }).value;
  return current;
}

const isoLike = /^\d{4}-\d{2}-\d{2}/;

function compare(a: unknown, b: Value): number | undefined {
  if (a === undefined || a === null) return undefined;
  if (typeof b === 'boolean' || typeof a === 'boolean') return String(a) === String(b) ? 0 : 1;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
    return x - y;
  }
  const sa = String(a);
  // Ids are numeric strings: '10' sorts after '9'.
  if (/^\d+$/.test(sa) && /^\d+$/.test(b)) return Number(sa) - Number(b);
  if (isoLike.test(sa) && isoLike.test(b)) {
    const x = Date.parse(sa.length === 10 ? `${sa}T00:00:00Z` : sa);
    const y = Date.parse(b.length === 10 ? `${b}T00:00:00Z` : b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  }
  return sa.toLowerCase().localeCompare(b.toLowerCase());
}

export function matches(record: Json, condition: Condition): boolean {
  const actual = fieldValue(record, condition.field);
  const [first] = condition.values;
  switch (condition.op) {
    case 'IN':
      return condition.values.some((v) => compare(actual, v) === 0);
    case 'LIKE': {
      if (typeof actual !== 'string' || typeof first !== 'string') return false;
      const pattern = new RegExp(`^${first.split('%').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
      return pattern.test(actual);
    }
    default: {
      const r = compare(actual, first as Value);
      if (r === undefined) return false;
      if (condition.op === '=') return r === 0;
      if (condition.op === '<') return r < 0;
      if (condition.op === '>') return r > 0;
      if (condition.op === '<=') return r <= 0;
      return r >= 0;
    }
  }
}

export function sortRecords(records: Json[], orderBy: Query['orderBy']): Json[] {
  if (orderBy.length === 0) {
    // Without ORDERBY QuickBooks returns records in Id order.
    return [...records].sort((a, b) => Number(a.Id) - Number(b.Id) || String(a.Id).localeCompare(String(b.Id)));
  }
  return [...records].sort((a, b) => {
    for (const o of orderBy) {
      const va = fieldValue(a, o.field);
      const vb = fieldValue(b, o.field);
      const r = va === vb ? 0 : va === undefined ? -1 : vb === undefined ? 1 : (compare(va, vb as Value) ?? 0);
      if (r !== 0) return o.desc ? -r : r;
    }
    return 0;
  });
}
