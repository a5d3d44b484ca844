/**
 * Queries run on every request or every item, built and compiled by Kysely once and then run
 * with new values. Building and compiling costs 3–50 µs of JavaScript, more than SQLite needs
 * for a keyed read or a one-row update (issue 8: item creation, publishing). The SQL stays
 * Kysely's, so it stays portable; only the compile step is skipped after the first run.
 */
import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/** Stands for the value named `key` while the query is built. */
class Placeholder {
  constructor(readonly key: string) {}
}

interface Compiled {
  query: CompiledQuery;
  /** Per parameter: the name of the value to put there, or a constant the query itself holds. */
  slots: unknown[];
}

/**
 * `build` is called once per set of value names, with placeholders for the
 * values: it must use them only as values (`where(column, '=', v.x)`, `set(...)`, `values(row)`)
 * and must give the same SQL whatever the values are (no `in` lists, no clause that depends on a
 * value). A value that does not end up as a parameter is refused on the first run.
 */
export function compiledOnce<V extends object, R>(build: (db: Db, values: V) => Compilable<R>) {
  // By the names of the values given. Kept once per process, not per database: a process talks
  // to one kind of database, and a transaction's queries compile as its database's do.
  const shapes = new Map<string, Compiled>();
  const run = async (db: Db, values: V) => {
    const names = Object.keys(values);
    const shape = names.join(',');
    let found = shapes.get(shape);
    if (!found) shapes.set(shape, (found = checked('compiledOnce', build(db, placeholders<V>(names)).compile(), names)));
    return db.executeQuery<R>({ ...found.query, parameters: filled(found.slots, values) });
  };
  return {
    all: async (db: Db, values: V): Promise<R[]> => (await run(db, values)).rows,
    first: async (db: Db, values: V): Promise<R | undefined> => (await run(db, values)).rows[0],
    /** Rows written (inserts, updates, deletes). */
    run: async (db: Db, values: V): Promise<bigint> => (await run(db, values)).numAffectedRows ?? 0n,
  };
}

/** Stands for item `index` of the list while the query is built. */
class ListItem {
  constructor(readonly index: number) {}
}

/**
 * `compiledOnce` for a query with one `in` list of values (issue 8: the pre-publish check reads a
 * batch's list entries and numbers this way). Compiled once per list length, lengths rounded up to
 * a power of two, the list padded with its last value (`in` is unchanged by a repeat), so a few
 * statements serve every length. `build` gets the list as placeholders and must use them only
 * inside that `in`. An empty list reads nothing.
 */
export function compiledWithList<V extends object, R>(build: (db: Db, values: V, list: unknown[]) => Compilable<R>) {
  const shapes = new Map<string, Compiled>();
  return async (db: Db, values: V, list: readonly unknown[]): Promise<R[]> => {
    if (list.length === 0) return [];
    const size = 2 ** Math.ceil(Math.log2(list.length));
    const names = Object.keys(values);
    const shape = `${size}:${names.join(',')}`;
    let found = shapes.get(shape);
    if (!found) {
      const items = Array.from({ length: size }, (_, i) => new ListItem(i));
      shapes.set(shape, (found = checked('compiledWithList', build(db, placeholders<V>(names), items).compile(), names, size)));
    }
    return (await db.executeQuery<R>({ ...found.query, parameters: filled(found.slots, values, list) })).rows;
  };
}

function placeholders<V>(names: string[]): V {
  return Object.fromEntries(names.map((k) => [k, new Placeholder(k)])) as V;
}

/** The compiled query, refused if a named value or list item did not end up as a parameter. */
function checked(helper: string, query: CompiledQuery, names: string[], listSize = 0): Compiled {
  const bound = new Set(query.parameters.flatMap((p) => (p instanceof Placeholder ? [p.key] : [])));
  const listed = query.parameters.filter((p) => p instanceof ListItem).length;
  const lost = names.filter((n) => !bound.has(n));
  if (lost.length > 0 || listed !== listSize) throw new Error(`${helper}: ${lost.join(', ') || 'list'} not bound as parameters in ${query.sql}`);
  return { query, slots: [...query.parameters] };
}

/** The parameters for these values (and list, padded with its last item). */
function filled(slots: unknown[], values: object, list: readonly unknown[] = []): unknown[] {
  const last = list.length - 1;
  return slots.map((p) =>
    p instanceof Placeholder ? (values as Record<string, unknown>)[p.key] : p instanceof ListItem ? list[p.index > last ? last : p.index] : p,
  );
}
