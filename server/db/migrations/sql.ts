import { sql, type Kysely } from 'kysely';

/** Runs `;`-separated SQL statements (one per line end) in order. */
export const run = (statements: string) => async (db: Kysely<unknown>) => {
  for (const statement of statements.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
};
