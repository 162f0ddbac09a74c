import { type Kysely, sql } from 'kysely';

/**
 * A delivery can end `withheld`: a cart reminder still waiting in the mail queue when its owner
 * turned reminders off is not sent (EmailSender), and its record says so rather than staying
 * `pending`, or `failed` from an earlier attempt.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE email_deliveries
      DROP CONSTRAINT email_deliveries_status_check,
      ADD CONSTRAINT email_deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed', 'withheld'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE email_deliveries SET status = 'failed', last_error = 'withheld: the recipient had turned this mail off' WHERE status = 'withheld';
    ALTER TABLE email_deliveries
      DROP CONSTRAINT email_deliveries_status_check,
      ADD CONSTRAINT email_deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed'));
  `.execute(db);
}
