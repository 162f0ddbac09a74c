import type { NotNull } from 'kysely';
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
   * Where each order's mail goes: the address given with the order, or the buyer's account's; no
   * entry for a guest who gave none (or an order that does not exist). One query for the lot.
   */
  async addressesOf(orderIds: readonly string[]): Promise<Map<string, string>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('orders')
      .innerJoin('users', 'users.id', 'orders.userId')
      .select(['orders.id', 'orders.customerEmail', 'users.email'])
      .where('orders.id', 'in', [...orderIds])
      .execute();
    const addresses = new Map<string, string>();
    for (const row of rows) {
      const address = row.customerEmail ?? row.email;
      if (address) addresses.set(row.id, address.toLowerCase());
    }
    return addresses;
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

  /** The refund owed (or made) on an order's payment; undefined when none is. */
  async refundOf(orderId: string): Promise<{ paymentId: string; amountCents: number } | undefined> {
    const row = await this.db
      .selectFrom('payments')
      .select(['providerPaymentId', 'amountCents'])
      .where('orderId', '=', orderId)
      .where('refundStatus', 'is not', null)
      .executeTakeFirst();
    return row && { paymentId: row.providerPaymentId, amountCents: row.amountCents };
  }

  /** The lines of an order vendors have taken, with the vendor's name and order id. */
  placedVendorLines(orderId: string): Promise<{ sku: string; vendor: string; vendorOrderId: string; quantity: number }[]> {
    return this.db
      .selectFrom('vendorOrders as vo')
      .innerJoin('vendors as v', 'v.id', 'vo.vendorId')
      .select(['vo.sku', 'v.name as vendor', 'vo.quantity', 'vo.vendorOrderId'])
      .where('vo.orderId', '=', orderId)
      .where('vo.vendorOrderId', 'is not', null)
      .$narrowType<{ vendorOrderId: NotNull }>()
      .orderBy('vo.sku')
      .execute();
  }

  /** The provider's id of an order's payment; undefined when it was never paid through one (an admin confirmed it). */
  async paymentIdOf(orderId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('payments')
      .select('providerPaymentId')
      .where('orderId', '=', orderId)
      .where('status', '=', 'succeeded')
      .executeTakeFirst();
    return row?.providerPaymentId;
  }
}
