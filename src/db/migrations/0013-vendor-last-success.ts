import { type Kysely, sql } from 'kysely';

/**
 * When each vendor last answered a sync in full: `last_sync_at` dates the last attempt whatever its
 * outcome, so after a failure nothing said how old the counts still in use were. A vendor whose last
 * sync succeeded had its last success then.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE vendors ADD COLUMN last_success_at timestamptz;
    UPDATE vendors SET last_success_at = last_sync_at WHERE last_sync_status = 'ok';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE vendors DROP COLUMN last_success_at;`.execute(db);
}
