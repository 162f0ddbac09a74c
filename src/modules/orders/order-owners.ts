import type { Db } from '../../db/database.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { AuthUser } from '../auth/auth.types.js';

export interface OrderOwnersDeps {
  db: Db;
  /** Where the order pushes find an adoption (Redis keeps it too). */
  presence: Pick<CartStore, 'recordAdoption'>;
}

/**
 * Whose orders a caller may read and act on: their own, and for an account those of the guest
 * sessions it adopted (migration 0012), orders placed as a guest before signing in in that browser.
 */
export class OrderOwners {
  constructor(private readonly deps: OrderOwnersDeps) {}

  /**
   * The account `userId` takes over the guest session `guestId`'s orders, past and to come; a guest
   * another account adopted first stays that account's.
   */
  async adopt(guestId: string, userId: string): Promise<void> {
    const { db, presence } = this.deps;
    await db
      .insertInto('guestAdoptions')
      .values({ guestId, userId })
      .onConflict((conflict) => conflict.column('guestId').doNothing())
      .execute();
    const adopted = await db.selectFrom('guestAdoptions').select('userId').where('guestId', '=', guestId).executeTakeFirst();
    // Also when the row was there already: a login again writes again what Redis may have lost.
    if (adopted?.userId === userId) await presence.recordAdoption(guestId, userId);
  }

  /** Whether `user` may see and act on an order `ownerId` placed. Asks Postgres only for an order not the caller's own. */
  async owns(user: AuthUser, ownerId: string): Promise<boolean> {
    if (ownerId === user.id) return true;
    if (user.role !== 'customer') return false;
    const adopted = await this.deps.db
      .selectFrom('guestAdoptions')
      .select('guestId')
      .where('guestId', '=', ownerId)
      .where('userId', '=', user.id)
      .executeTakeFirst();
    return adopted !== undefined;
  }
}
