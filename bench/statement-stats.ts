import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/throwaway-postgres.js';
import { n } from './support.js';

/** One statement's share of a phase, as pg_stat_statements counted it. */
export interface StatementTime {
  query: string;
  calls: number;
  /** Milliseconds spent executing it over the phase (its waits for locks included). */
  execMs: number;
}

/**
 * Where Postgres spends a phase, statement by statement: a cluster of the benchmark's own with
 * pg_stat_statements preloaded (the machine's shared server does not load it, and loading it takes a
 * restart), durable as a real server is (fsync on, unlike the tests' throwaway clusters), so a
 * `COMMIT` pays for its WAL flush.
 */
export class StatementStats {
  private constructor(
    private readonly cluster: ThrowawayPostgres,
    private readonly client: pg.Client,
  ) {}

  static async start(): Promise<StatementStats> {
    const cluster = await startThrowawayPostgres([
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track = all',
      'fsync = on',
      'full_page_writes = on',
      'shared_buffers = 128MB',
      'max_connections = 200',
    ]);
    const client = new pg.Client({ connectionString: cluster.url });
    try {
      await client.connect();
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    } catch (error) {
      await client.end().catch(() => undefined);
      await cluster.destroy();
      throw error;
    }
    return new StatementStats(cluster, client);
  }

  /** The server URL (database `postgres`) the benchmark runs against. */
  get url(): string {
    return this.cluster.url;
  }

  /** Forgets everything counted so far: the phase starts now. */
  async reset(): Promise<void> {
    await this.client.query('SELECT pg_stat_statements_reset()');
  }

  /** What `database`'s statements took since the last reset, the costliest first. */
  async read(database: string, limit = 15): Promise<StatementTime[]> {
    const { rows } = await this.client.query<{ query: string; calls: string; exec_ms: number }>(
      `SELECT s.query, s.calls, s.total_exec_time AS exec_ms
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1
        ORDER BY s.total_exec_time DESC
        LIMIT $2`,
      [database, limit],
    );
    return rows.map((row) => ({ query: row.query, calls: Number(row.calls), execMs: Number(row.exec_ms) }));
  }

  async stop(): Promise<void> {
    await this.client.end().catch(() => undefined);
    await this.cluster.destroy();
  }
}

/** Lines for a report: each statement's calls and milliseconds per `per` (a transaction, say), its text cut to one line. */
export function statementLines(statements: StatementTime[], per: number, unit: string): string[] {
  const total = statements.reduce((sum, statement) => sum + statement.execMs, 0);
  return [
    `  Postgres time per ${unit} by statement (pg_stat_statements; ${n(total / per, 2)} ms per ${unit} in the ${statements.length} costliest):`,
    ...statements.map((statement) => {
      const text = statement.query.replace(/\s+/g, ' ').trim();
      return `    ${n(statement.execMs / per, 3).padStart(7)} ms  ${n(statement.calls / per, 1).padStart(5)} calls  ${text.length > 110 ? `${text.slice(0, 109)}…` : text}`;
    }),
  ];
}
