import { type Kysely, sql } from 'kysely';

/**
 * What the abandoned-cart reminder needs of a snapshot:
 *
 * - `owner_touched_at`, the owner's last change. `updated_at` moves on catalog changes too (a price
 *   change gives every cart holding the SKU a new version), and those must not make an abandoned
 *   cart look fresh, nor earn it a second reminder. Existing rows take their `updated_at`.
 * - `reminded_for`, the `owner_touched_at` a reminder was sent (or, for an owner with no address,
 *   decided against) for, and `reminded_version`, the version it showed. A cart waits for a reminder
 *   while the two times differ, so there is one per owner's change, hence at most one per version.
 *
 * The partial index holds only carts with lines still waiting, so the scheduled look-up reads the
 * abandoned ones and not every cart ever reminded. It replaces `carts_by_updated_at`, which nothing
 * read: the persister rewrites rows all day, and each index costs every write.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE carts
      ADD COLUMN owner_touched_at timestamptz,
      ADD COLUMN reminded_for timestamptz,
      ADD COLUMN reminded_version integer;
    UPDATE carts SET owner_touched_at = updated_at;
    ALTER TABLE carts ALTER COLUMN owner_touched_at SET NOT NULL;
    CREATE INDEX carts_awaiting_reminder ON carts (owner_touched_at, user_id)
      WHERE lines <> '[]'::jsonb AND reminded_for IS DISTINCT FROM owner_touched_at;
    DROP INDEX carts_by_updated_at;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX carts_awaiting_reminder;
    CREATE INDEX carts_by_updated_at ON carts (updated_at) WHERE lines <> '[]'::jsonb;
    ALTER TABLE carts DROP COLUMN owner_touched_at, DROP COLUMN reminded_for, DROP COLUMN reminded_version;
  `.execute(db);
}
