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
   */
  async upsert(carts: StoredCart[]): Promise<Set<string>> {
    if (carts.length === 0) return new Set();
    const rows = await this.db
      .insertInto('carts')
      .values(
        carts.map((cart) => ({
          userId: cart.userId,
          version: cart.version,
          currency: cart.currency,
          lines: JSON.stringify(cart.lines),
          notices: JSON.stringify(cart.notices),
          updatedAt: new Date(cart.updatedAtMs),
          ownerTouchedAt: new Date(cart.touchedAtMs),
        })),
      )
      .onConflict((oc) =>
        oc
          .column('userId')
          .doUpdateSet({
            version: (eb) => eb.ref('excluded.version'),
            currency: (eb) => eb.ref('excluded.currency'),
            lines: (eb) => eb.ref('excluded.lines'),
            notices: (eb) => eb.ref('excluded.notices'),
            updatedAt: (eb) => eb.ref('excluded.updatedAt'),
            ownerTouchedAt: (eb) => eb.ref('excluded.ownerTouchedAt'),
            persistedAt: sql`now()`,
          })
          .where('carts.version', '<', (eb) => eb.ref('excluded.version')),
      )
      .returning('userId')
      .execute();
    return new Set(rows.map((row) => row.userId));
  }

  /** A product's title, deleted or not, for the notice a deleted line leaves. */
  async productTitle(sku: string): Promise<string | undefined> {
    return (await this.db.selectFrom('products').select('title').where('sku', '=', sku).executeTakeFirst())?.title;
  }
}
