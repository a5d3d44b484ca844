/**
 * Xero's `where` query filter, the subset integrations use: comparisons (`Type=="BANK"`,
 * `Total>=10`, `Contact.ContactID==Guid("…")`, `Date>=DateTime(2024,01,31)`), string methods
 * (`Name.Contains("x")`, `.StartsWith`, `.EndsWith`), `AND`/`OR`/`&&`/`||`, `NOT`/`!` and
 * parentheses. It evaluates against the JSON a record is served as.
 */
export class WhereParseError extends Error {}

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string }
  | { t: 'p'; v: '(' | ')' | ',' | '.' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        v += src[j];
        j++;
      }
      if (j >= src.length) throw new WhereParseError('Unterminated string in where clause');
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if (ch === '>' || ch === '<' || ch === '!') {
        out.push({ t: 'op', v: ch });
        i++;
      } else if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
        out.push({ t: 'p', v: ch });
        i++;
      } else {
        throw new WhereParseError(`Unexpected character '${ch}' in where clause`);
      }
    }
  }
  return out;
}

type Node =
  | { k: 'or' | 'and'; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'cmp'; path: string[]; op: string; value: unknown }
  | { k: 'call'; path: string[]; method: string; arg: string }
  | { k: 'truthy'; path: string[] };

export type WherePredicate = (record: Record<string, unknown>) => boolean;

export function parseWhere(src: string): WherePredicate {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => {
    const t = tokens[pos++];
    if (!t) throw new WhereParseError('Unexpected end of where clause');
    return t;
  };
  const isWord = (t: Token | undefined, w: string) => t?.t === 'id' && t.v.toUpperCase() === w;

  const parseOr = (): Node => {
    let left = parseAnd();
    while (isWord(peek(), 'OR') || (peek()?.t === 'op' && peek()?.v === '||')) {
      take();
      left = { k: 'or', a: left, b: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (isWord(peek(), 'AND') || (peek()?.t === 'op' && peek()?.v === '&&')) {
      take();
      left = { k: 'and', a: left, b: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    if (isWord(peek(), 'NOT') || (peek()?.t === 'op' && peek()?.v === '!')) {
      take();
      return { k: 'not', a: parseUnary() };
    }
    return parsePrimary();
  };
  const parseValue = (): unknown => {
    const t = take();
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'id') {
      const word = t.v.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      if (word === 'guid') {
        expect('(');
        const g = take();
        if (g.t !== 'str') throw new WhereParseError('Guid() takes a string');
        expect(')');
        return g.v.toLowerCase();
      }
      if (word === 'datetime') {
        expect('(');
        const parts: number[] = [];
        for (;;) {
          const n = take();
          if (n.t !== 'num') throw new WhereParseError('DateTime() takes numbers');
          parts.push(n.v);
          if (peek()?.t === 'p' && peek()?.v === ',') take();
          else break;
        }
        expect(')');
        const [y = 1970, m = 1, d = 1, hh = 0, mm = 0, ss = 0] = parts;
        return { date: Date.UTC(y, m - 1, d, hh, mm, ss) };
      }
    }
    throw new WhereParseError('Expected a value in where clause');
  };
  const expect = (p: string) => {
    const t = take();
    if (t.t !== 'p' || t.v !== p) throw new WhereParseError(`Expected '${p}' in where clause`);
  };
  const parsePrimary = (): Node => {
    const t = peek();
    if (t?.t === 'p' && t.v === '(') {
      take();
      const inner = parseOr();
      expect(')');
      return inner;
    }
    const first = take();
    if (first.t !== 'id') throw new WhereParseError('Expected a field name in where clause');
    const path = [first.v];
    while (peek()?.t === 'p' && peek()?.v === '.') {
      take();
      const next = take();
      if (next.t !== 'id') throw new WhereParseError('Expected a field name after "."');
      if (peek()?.t === 'p' && peek()?.v === '(') {
        take();
        const arg = take();
        if (arg.t !== 'str') throw new WhereParseError(`${next.v}() takes a string`);
        expect(')');
        return { k: 'call', path, method: next.v, arg: arg.v };
      }
      path.push(next.v);
    }
    const op = peek();
    if (op?.t === 'op' && ['==', '!=', '>=', '<=', '>', '<'].includes(op.v)) {
      take();
      return { k: 'cmp', path, op: op.v, value: parseValue() };
    }
    return { k: 'truthy', path };
  };

  const root = parseOr();
  if (pos !== tokens.length) throw new WhereParseError('Unexpected text at the end of the where clause');
  return (record) => evaluate(root, record);
}

function resolve(record: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = record;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function msDateValue(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\/Date\((-?\d+)/.exec(value);
  if (m) return Number(m[1]);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function compare(left: unknown, op: string, right: unknown): boolean {
  let a: unknown = left;
  let b: unknown = right;
  if (b !== null && typeof b === 'object' && 'date' in b) {
    a = msDateValue(left);
    b = (b as { date: number }).date;
  } else if (typeof a === 'string' && typeof b === 'string' && /^[0-9a-f-]{36}$/i.test(a)) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  if (a === undefined) a = null;
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default: {
      if (a === null || b === null || typeof a !== typeof b) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === '>' ? x > y : op === '<' ? x < y : op === '>=' ? x >= y : x <= y;
    }
  }
}

function evaluate(node: Node, record: Record<string, unknown>): boolean {
  switch (node.k) {
    case 'or':
      return evaluate(node.a, record) || evaluate(node.b, record);
    case 'and':
      return evaluate(node.a, record) && evaluate(node.b, record);
    case 'not':
      return !evaluate(node.a, record);
    case 'truthy':
      return resolve(record, node.path) === true;
    case 'cmp':
      return compare(resolve(record, node.path), node.op, node.value);
    case 'call': {
      const value = resolve(record, node.path);
      if (typeof value !== 'string') return false;
      const method = node.method.toLowerCase();
      if (method === 'contains') return value.toLowerCase().includes(node.arg.toLowerCase());
      if (method === 'startswith') return value.toLowerCase().startsWith(node.arg.toLowerCase());
      if (method === 'endswith') return value.toLowerCase().endsWith(node.arg.toLowerCase());
      throw new WhereParseError(`Unsupported method ${node.method}`);
    }
  }
}
