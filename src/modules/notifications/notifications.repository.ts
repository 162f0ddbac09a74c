import type { Db } from '../../db/database.js';

/** What mail needs to know beyond the event itself: who to write to, and the names of things. */
export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  /** Every admin account's address, sorted. */
  async adminEmails(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('users')
      .select('email')
      .where('role', '=', 'admin')
      .where('email', 'is not', null)
      .orderBy('email')
      .execute();
    return rows.map((row) => row.email!);
  }

  /**
   * Where an order's mail goes: the address given with the order, or the buyer's account's;
   * undefined for a guest who gave none (or an order that does not exist).
   */
  async addressOf(orderId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('orders')
      .innerJoin('users', 'users.id', 'orders.userId')
      .select(['orders.customerEmail', 'users.email'])
      .where('orders.id', '=', orderId)
      .executeTakeFirst();
    return (row?.customerEmail ?? row?.email ?? undefined)?.toLowerCase();
  }

  /** An account's address; undefined for a guest (who has none) or a user that does not exist. */
  async accountEmail(userId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
    return row?.email?.toLowerCase() ?? undefined;
  }

  /** Title and price of the products still sold among these SKUs, as the catalog holds them now. */
  async productsOnSale(skus: readonly string[]): Promise<Map<string, { title: string; priceCents: number; currency: string }>> {
    if (skus.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('products')
      .select(['sku', 'title', 'priceCents', 'currency'])
      .where('sku', 'in', skus)
      .where('deletedAt', 'is', null)
      .execute();
    return new Map(rows.map(({ sku, ...product }) => [sku, product]));
  }

  async productTitle(sku: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('products').select('title').where('sku', '=', sku).executeTakeFirst();
    return row?.title;
  }

  /** The provider's id of an order's payment; undefined when it was never paid through one (an admin confirmed it). */
  async paymentIdOf(orderId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('payments').select('providerPaymentId').where('orderId', '=', orderId).executeTakeFirst();
    return row?.providerPaymentId;
  }
}
