import { createHash } from 'node:crypto';
import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, type RawBuilder, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { migrations } from './migrations/index.js';
import { isSqlState, SqlState, sqlState } from './postgres-errors.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** A repository method takes either the pool or a transaction, so the caller decides the boundary. */
export type Executor = Db | Tx;

/** Runs work in one Postgres transaction; services that own a transaction take this, so unit specs can pass their own. */
export type InTransaction = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

export const transactionsOf =
  (db: Db): InTransaction =>
  (work) =>
    db.transaction().execute(work);

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint and numeric as JS numbers: every amount and count here stays far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * Put first in a statement (sql`${prepareOnce}WITH …`) that runs often and whose text is always the
 * same: each connection then prepares it once, under a name taken from its text, and afterwards only
 * binds and runs it, so Postgres parses it once per connection instead of every time, and may plan
 * it once (a generic plan, after five runs, when it costs no more than the custom ones). Not for
 * a text that varies with its input (an IN list as long as its values): every distinct text is a
 * statement that each connection keeps.
 */
const PREPARED_MARK = '/* prepared */ ';
export const prepareOnce = sql.raw(PREPARED_MARK);

/** Statement names by text, for the few marked texts there are. */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `fc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** A pg client that runs statements marked with `prepareOnce` as named (prepared) statements. */
class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this passes every call through unchanged but one.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && config.startsWith(PREPARED_MARK)) {
      return super.query({ name: statementName(config), text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }
}

export function createDb(databaseUrl: string, poolSize: number, logger: Logger): Db {
  const pool = new pg.Pool({
    Client: PreparingClient,
    connectionString: databaseUrl,
    max: poolSize,
    types,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error'; without a listener the process dies.
  pool.on('error', (error) => logger.warn({ code: sqlState(error), reason: error.message }, 'idle Postgres connection lost'));
  // So does a checked-out one (a transaction in flight when Postgres restarts), and the pool listens
  // only while a client is idle. The failed query already carries the error to its caller and the
  // pool discards the broken client on release: this listener only keeps the process alive.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.debug({ code: sqlState(error), reason: error.message }, 'Postgres connection lost'));
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}

/** A DATABASE_URL without a database name (`postgres://host:5432/`): there is nothing to create or migrate. */
export class MissingDatabaseName extends Error {
  override name = 'MissingDatabaseName';
  constructor() {
    super('DATABASE_URL names no database');
  }
}

/** Creates the database named in the URL when it does not exist yet (connecting to `postgres` to do so). */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new MissingDatabaseName();
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      return true;
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if (isSqlState(error, SqlState.DUPLICATE_DATABASE)) return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

/** Brings the schema up to the latest migration. Kysely serialises concurrent migrators with a lock. */
export async function migrateToLatest(db: Db, logger: Logger): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Migrations are numbered when written; work built in parallel lands in another order, and a
    // database that applied a later number first must still take the earlier one. Each migration
    // only adds (or, like 0005, changes its own columns), so order between them does not matter.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') logger.info({ migration: result.migrationName }, 'migration applied');
    if (result.status === 'Error') logger.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error) throw error;
}

/** An `ILIKE` pattern that matches `text` anywhere, its `%`, `_` and `\` taken literally. */
export const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A write that rides in another statement's WITH list, `name AS (INSERT … | UPDATE … | DELETE …)`,
 * instead of costing a round trip of its own (on a busy two-core machine a round trip costs more
 * than the write). Postgres runs every data-modifying WITH entry once and to completion, whether or
 * not the statement reads it, and all of one statement's entries see the same snapshot: entries
 * that ride together must not change the same rows, nor read what another writes. Each producer
 * names its entries, and the names must not repeat within a statement.
 */
export type RidingWrite = RawBuilder<unknown>;

/** Runs writes that found no statement to ride in, as one statement of their own. */
export async function runWrites(executor: Executor, writes: readonly RidingWrite[]): Promise<void> {
  if (writes.length > 0) await sql`WITH ${sql.join(writes)} SELECT 1`.execute(executor);
}
