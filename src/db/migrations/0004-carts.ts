import { type Kysely, sql } from 'kysely';

/**
 * Cart snapshots, written behind Redis (the live copy) by the cart persister. One row per user,
 * guests included; `version` only grows, which is what lets an older snapshot never overwrite a
 * newer one. No foreign key to users: a snapshot must never wait on, or be refused for, a user row
 * (a restored database), and an orphan snapshot harms nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE carts (
      user_id uuid PRIMARY KEY,
      version integer NOT NULL CHECK (version >= 0),
      currency char(3) CHECK (currency ~ '^[A-Z]{3}$'),
      lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
      notices jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(notices) = 'array'),
      updated_at timestamptz NOT NULL,
      persisted_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX carts_by_updated_at ON carts (updated_at) WHERE lines <> '[]'::jsonb;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE carts`.execute(db);
}
