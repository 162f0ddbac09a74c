import pg from 'pg';
import { ensureDatabaseExists } from '../src/db/database.js';
import { databaseUrl, dropDatabase, uniqueName } from '../test/support/stores.js';

/** Runs `operation` from `clients` concurrent loops for `seconds`; returns operations per second. */
export async function drive(operation: () => Promise<unknown>, seconds: number, clients: number): Promise<number> {
  const until = Date.now() + seconds * 1_000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        await operation();
        done += 1;
      }
    }),
  );
  return done / seconds;
}

/**
 * The plain hot-row rate: `UPDATE inventory SET available = available - 1 WHERE sku = 'HOT' AND
 * available >= 1` on one row, from `clients` concurrent connections for `seconds`, in a database of
 * its own on `postgresUrl` (created and dropped here). Every design that writes one row per request
 * for a hot product is bounded by this.
 */
export async function hotRowUpdateRate(postgresUrl: string, seconds: number, clients: number): Promise<number> {
  const database = uniqueName('fc_bench_row');
  await ensureDatabaseExists(databaseUrl(postgresUrl, database));
  const pool = new pg.Pool({ connectionString: databaseUrl(postgresUrl, database), max: clients });
  pool.on('error', () => undefined);
  try {
    await pool.query('CREATE TABLE inventory (sku text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0))');
    await pool.query(`INSERT INTO inventory VALUES ('HOT', 1000000000)`);
    return await drive(
      () => pool.query(`UPDATE inventory SET available = available - $1 WHERE sku = 'HOT' AND available >= $1`, [1]),
      seconds,
      clients,
    );
  } finally {
    await pool.end();
    await dropDatabase(postgresUrl, database);
  }
}
