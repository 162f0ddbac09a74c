import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { CartRow } from '../../db/schema.js';
import type { StoredCart } from '../../redis/cart-store.js';

const toStored = (row: CartRow): StoredCart => ({
  userId: row.userId,
  version: row.version,
  updatedAtMs: row.updatedAt.getTime(),
  touchedAtMs: row.ownerTouchedAt.getTime(),
  currency: row.currency,
  lines: row.lines,
  notices: row.notices,
});

/** Cart snapshots in Postgres: what Redis rebuilds a cart from, written behind it by the persister. */
export class CartsRepository {
  constructor(private readonly db: Db) {}

  async find(userId: string): Promise<StoredCart | undefined> {
    const row = await this.db.selectFrom('carts').selectAll().where('userId', '=', userId).executeTakeFirst();
    return row && toStored(row);
  }

  async findMany(userIds: string[]): Promise<Map<string, StoredCart>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('carts').selectAll().where('userId', 'in', userIds).execute();
    return new Map(rows.map((row) => [row.userId, toStored(row)]));
  }

  /** Stored versions of these carts (absent: no snapshot). */
  async versions(userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('carts').select(['userId', 'version']).where('userId', 'in', userIds).execute();
    return new Map(rows.map((row) => [row.userId, row.version]));
  }

  /**
   * Upserts full snapshots in one statement; a stored snapshot of the same or a newer version is
   * kept (so a slow writer never puts an older cart back). Returns the carts whose row was written.
   * The batch travels as one JSON parameter rather than a parameter per column and cart: hundreds of
   * carts a tick, every tick, cost the worker and Postgres far less to bind and parse that way.
   */
  async upsert(carts: StoredCart[]): Promise<Set<string>> {
    if (carts.length === 0) return new Set();
    const batch = JSON.stringify(
      carts.map((cart) => ({
        userId: cart.userId,
        version: cart.version,
        currency: cart.currency,
        lines: cart.lines,
        notices: cart.notices,
        updatedAt: new Date(cart.updatedAtMs),
        touchedAt: new Date(cart.touchedAtMs),
      })),
    );
    const { rows } = await sql<{ userId: string }>`
      INSERT INTO carts (user_id, version, currency, lines, notices, updated_at, owner_touched_at)
      SELECT "userId", version, currency, lines, notices, "updatedAt", "touchedAt"
      FROM jsonb_to_recordset(${batch}::jsonb) AS c(
        "userId" uuid, version integer, currency char(3), lines jsonb, notices jsonb, "updatedAt" timestamptz, "touchedAt" timestamptz)
      ORDER BY "userId"
      ON CONFLICT (user_id) DO UPDATE SET
        version = excluded.version, currency = excluded.currency, lines = excluded.lines, notices = excluded.notices,
        updated_at = excluded.updated_at, owner_touched_at = excluded.owner_touched_at, persisted_at = now()
      WHERE carts.version < excluded.version
      RETURNING user_id AS "userId"
    `.execute(this.db);
    return new Set(rows.map((row) => row.userId));
  }

  /** A product's title, deleted or not, for the notice a deleted line leaves. */
  async productTitle(sku: string): Promise<string | undefined> {
    return (await this.db.selectFrom('products').select('title').where('sku', '=', sku).executeTakeFirst())?.title;
  }
}
