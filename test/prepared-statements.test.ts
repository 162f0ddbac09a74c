import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, ensureDatabaseExists, prepareOnce } from '../src/db/database.js';
import { createLogger } from '../src/lib/logger.js';
import { databaseUrl, dropDatabase, POSTGRES_URL, uniqueName } from './support/stores.js';

describe('statements marked prepareOnce', () => {
  const name = uniqueName('fc_test_prepared');
  let db: Db | undefined;

  beforeAll(async () => {
    await ensureDatabaseExists(databaseUrl(POSTGRES_URL, name));
    db = createDb(databaseUrl(POSTGRES_URL, name), 2, createLogger('silent'));
  });
  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(POSTGRES_URL, name);
  });

  it('are prepared once per connection, each text under a name of its own, and run with their values; others are not prepared', async () => {
    const prepared = await db!.connection().execute(async (connection) => {
      for (const value of [1, 2, 3]) {
        expect((await sql<{ n: number }>`${prepareOnce}SELECT ${value}::int AS n`.execute(connection)).rows).toEqual([{ n: value }]);
      }
      expect((await sql<{ other: string }>`${prepareOnce}SELECT ${'a'}::text AS other`.execute(connection)).rows).toEqual([{ other: 'a' }]);
      await sql`SELECT ${1}::int AS unmarked`.execute(connection);
      return (
        await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY statement`.execute(connection)
      ).rows;
    });
    expect(prepared).toEqual([
      { name: expect.stringMatching(/^fc_[0-9a-f]{24}$/), statement: '/* prepared */ SELECT $1::int AS n' },
      { name: expect.stringMatching(/^fc_[0-9a-f]{24}$/), statement: '/* prepared */ SELECT $1::text AS other' },
    ]);
    expect(prepared[0]!.name).not.toBe(prepared[1]!.name);
  });
});
