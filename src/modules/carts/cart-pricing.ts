import type { StoredCart } from '../../redis/cart-store.js';
import type { ProductPricing } from '../catalog/catalog.repository.js';
import type { Cart, CartNotice } from './carts.schemas.js';

/** The currency an empty cart shows: the catalog's default. */
export const DEFAULT_CART_CURRENCY = 'EUR';

/** One stored line with what the catalog and the stock gate say of it now. */
export interface PricedLine {
  sku: string;
  quantity: number;
  product: ProductPricing;
  /** Units the SKU's gate admits now. */
  available: number;
}

/** The Cart a client sees: the stored cart priced now, line totals and the total in integer minor units. */
export function priceCart(stored: StoredCart, lines: PricedLine[]): Cart {
  let totalCents = 0;
  const items = lines.map(({ sku, quantity, product, available }) => {
    const lineTotalCents = quantity * product.priceCents;
    totalCents += lineTotalCents;
    return {
      sku,
      title: product.title,
      unitPriceCents: product.priceCents,
      quantity,
      lineTotalCents,
      available,
      soldOut: available <= 0,
    };
  });
  return {
    items,
    totalCents,
    currency: stored.currency ?? lines[0]?.product.currency ?? DEFAULT_CART_CURRENCY,
    version: stored.version,
    updatedAt: new Date(stored.updatedAtMs).toISOString(),
    notices: stored.notices,
  };
}

/** What a cart says of a line it lost because its product left the catalog. */
export const deletedNotice = (sku: string, title: string): CartNotice => ({
  sku,
  reason: 'deleted',
  title,
  message: `${title} is no longer sold and was removed from your cart`,
});

/** What a cart says of a line it lost because its product is now sold in another currency than the cart's. */
export const currencyNotice = (sku: string, title: string, currency: string): CartNotice => ({
  sku,
  reason: 'currency',
  title,
  message: `${title} is now sold in ${currency}, unlike the rest of your cart, and was removed from it`,
});

/** An empty cart at version 0, for a user who never had one. */
export const emptyStoredCart = (userId: string, nowMs: number): StoredCart => ({
  userId,
  version: 0,
  updatedAtMs: nowMs,
  touchedAtMs: nowMs,
  currency: null,
  lines: [],
  notices: [],
});
