import { type Kysely, sql } from 'kysely';

/**
 * The guest sessions whose orders an account took over: a buyer who checked out as a guest and then
 * signed in or registered in the same browser (sending the guest token, as for the cart's merge)
 * finds those orders in the account, on any device. The orders keep their owner, the guest: an
 * adoption is only read, so no order accepted but not yet stored can miss it. A guest is adopted
 * once, by the first account that signs in with its token.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE guest_adoptions (
      guest_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      adopted_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX guest_adoptions_by_user ON guest_adoptions (user_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE guest_adoptions;`.execute(db);
}
