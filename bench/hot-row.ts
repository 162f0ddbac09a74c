import pg from 'pg';
import { ensureDatabaseExists } from '../src/db/database.js';
import { databaseUrl, dropDatabase, uniqueName } from '../test/support/stores.js';

/**
 * The reference every Postgres-bound figure is judged against: how many times per second one hot
 * row takes `UPDATE … SET available = available - 1 WHERE sku = … AND available >= 1`, from
 * `clients` concurrent connections for `seconds`, in a database of its own on `postgresUrl`.
 * What a reservation service that writes its row inside each request could do at best.
 */
export async function hotRowUpdateRate(postgresUrl: string, options: { clients: number; seconds: number }): Promise<number> {
  const database = uniqueName('fc_bench_row');
  await ensureDatabaseExists(databaseUrl(postgresUrl, database));
  const pool = new pg.Pool({ connectionString: databaseUrl(postgresUrl, database), max: options.clients });
  pool.on('error', () => undefined);
  try {
    await pool.query('CREATE TABLE inventory (sku text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0))');
    await pool.query(`INSERT INTO inventory VALUES ('HOT', 1000000000)`);
    return await drive(options, () => pool.query(`UPDATE inventory SET available = available - $1 WHERE sku = 'HOT' AND available >= $1`, [1]));
  } finally {
    await pool.end();
    await dropDatabase(postgresUrl, database);
  }
}

/** Runs `operation` from `clients` concurrent loops for `seconds`; returns operations per second. */
export async function drive(options: { clients: number; seconds: number }, operation: () => Promise<unknown>): Promise<number> {
  const until = Date.now() + options.seconds * 1_000;
  let done = 0;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (Date.now() < until) {
        await operation();
        done += 1;
      }
    }),
  );
  return done / options.seconds;
}
