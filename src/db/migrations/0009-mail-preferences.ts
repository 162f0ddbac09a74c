import { type Kysely, sql } from 'kysely';

/**
 * What an account's owner chose of the mail that is not about an order: for now, whether they get
 * abandoned-cart reminders (`cart_reminders_off_at`, when they turned them off; null while on).
 *
 * `token` is what the reminder's unsubscribe links carry: it names the row without the address
 * or the user id, needs no sign-in (a link in a mail, or a mail client's one-click), and a link
 * keeps working however often the signing secret is rotated. A row is made when the first reminder
 * is sent, so accounts that never get one cost nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE mail_preferences (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      token uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      cart_reminders_off_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE mail_preferences;`.execute(db);
}
