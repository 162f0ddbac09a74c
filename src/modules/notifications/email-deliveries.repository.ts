import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { EmailJob } from './email-job.js';

/** Longest error text kept per delivery. */
const MAX_ERROR_CHARS = 2_000;

/** The record of every mail: one row per delivery key, with its status and attempts. */
export class EmailDeliveriesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Counts an attempt at a delivery, recording it the first time; false when it was sent already,
   * and must not be sent again.
   */
  async begin(job: Pick<EmailJob, 'key' | 'to' | 'template'>): Promise<boolean> {
    const row = await this.db
      .insertInto('emailDeliveries')
      .values({ key: job.key, recipient: job.to, template: job.template, status: 'pending', attempts: 1 })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ attempts: sql`email_deliveries.attempts + 1`, updatedAt: sql`now()` })
          .where('emailDeliveries.status', '<>', 'sent'),
      )
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async sent(key: string, messageId: string): Promise<void> {
    await this.db
      .updateTable('emailDeliveries')
      .set({ status: 'sent', messageId, lastError: null, sentAt: sql`now()`, updatedAt: sql`now()` })
      .where('key', '=', key)
      .execute();
  }

  /** Records a delivery not sent because its recipient turned that mail off meanwhile (unless it was sent already). */
  async withheld(job: Pick<EmailJob, 'key' | 'to' | 'template'>): Promise<void> {
    await this.db
      .insertInto('emailDeliveries')
      .values({ key: job.key, recipient: job.to, template: job.template, status: 'withheld' })
      .onConflict((oc) => oc.column('key').doUpdateSet({ status: 'withheld', updatedAt: sql`now()` }).where('emailDeliveries.status', '<>', 'sent'))
      .execute();
  }

  async failed(key: string, error: string): Promise<void> {
    await this.db
      .updateTable('emailDeliveries')
      .set({ status: 'failed', lastError: error.slice(0, MAX_ERROR_CHARS), updatedAt: sql`now()` })
      .where('key', '=', key)
      .where('status', '<>', 'sent')
      .execute();
  }
}
