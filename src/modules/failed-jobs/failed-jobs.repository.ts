import { sql } from 'kysely';
import type { Db, Tx } from '../../db/database.js';
import type { FailedJobRow, FailedJobStatus } from '../../db/schema.js';
import type { DeadLetter } from './dead-letter.js';

export interface FailedJobSearch {
  /** Unset: every dead letter not discarded. */
  status?: FailedJobStatus | undefined;
  offset: number;
  limit: number;
}

/** failed_jobs: one row per job that used up its attempts, newest first in lists. */
export class FailedJobsRepository {
  constructor(private readonly db: Db) {}

  /** Records dead letters, each once whatever how often it is reported; returns the rows it added. */
  async insert(tx: Tx, letters: readonly DeadLetter[]): Promise<{ id: number; dedupeKey: string }[]> {
    if (letters.length === 0) return [];
    return tx
      .insertInto('failedJobs')
      .values(
        letters.map((letter) => ({
          dedupeKey: letter.dedupeKey,
          queue: letter.queue,
          name: letter.name,
          jobId: letter.jobId,
          payload: JSON.stringify(letter.payload ?? null),
          reason: letter.reason,
          stack: letter.stack,
          attempts: letter.attempts,
          failedAt: letter.failedAt,
        })),
      )
      .onConflict((oc) => oc.column('dedupeKey').doNothing())
      .returning(['id', 'dedupeKey'])
      .execute();
  }

  find(id: number): Promise<FailedJobRow | undefined> {
    return this.db.selectFrom('failedJobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async search(search: FailedJobSearch): Promise<{ rows: FailedJobRow[]; total: number }> {
    let query = this.db.selectFrom('failedJobs');
    query = search.status ? query.where('status', '=', search.status) : query.where('status', '<>', 'discarded');
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('id', 'desc').offset(search.offset).limit(search.limit).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  /** Marks a dead letter as handed back to its queue; undefined when it is gone or discarded. */
  markRetried(id: number): Promise<FailedJobRow | undefined> {
    return this.db
      .updateTable('failedJobs')
      .set({ status: 'retried', retriedAt: sql`coalesce(retried_at, now())` })
      .where('id', '=', id)
      .where('status', '<>', 'discarded')
      .returningAll()
      .executeTakeFirst();
  }

  markDiscarded(id: number): Promise<FailedJobRow | undefined> {
    return this.db
      .updateTable('failedJobs')
      .set({ status: 'discarded', discardedAt: sql`coalesce(discarded_at, now())` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}
