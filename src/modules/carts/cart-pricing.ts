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

/**
 * A cart answer already encoded as JSON: the hot path of a cart change writes it straight from the
 * stored cart (see renderCart), without building the Cart object first. The carts routes'
 * serializer sends its `json` as it is.
 */
export class SerializedCart {
  constructor(readonly json: string) {}
}

/** What a route answers with: the Cart, or the same Cart already encoded. */
export type CartAnswer = Cart | SerializedCart;

/** Each product's opening of a cart item, encoded once per catalog entry (a changed product is a new entry). */
const itemOpenings = new WeakMap<ProductPricing, string>();

function itemOpening(product: ProductPricing): string {
  let opening = itemOpenings.get(product);
  if (opening === undefined) {
    opening = `{"sku":${JSON.stringify(product.sku)},"title":${JSON.stringify(product.title)},"unitPriceCents":${product.priceCents},"quantity":`;
    itemOpenings.set(product, opening);
  }
  return opening;
}

/**
 * The JSON that `JSON.stringify(priceCart(…))` gives, written directly: under load, building the
 * priced lines and the Cart, then encoding it, cost the API more than the change itself.
 * `productOf` gives a SKU's catalog entry (undefined when not at hand), `available` each SKU's gate
 * as read with the change.
 *
 * Null whenever the usual path has more to do than price the lines: a line whose product is not at
 * hand, is no longer sold or is now sold in another currency than the cart's (it is healed first),
 * a line whose gate was not read, or a notice to show. The caller then prices the cart as usual.
 */
export function renderCart(
  stored: StoredCart,
  productOf: (sku: string) => ProductPricing | null | undefined,
  available: ReadonlyMap<string, number>,
): string | null {
  if (stored.notices.length > 0) return null;
  let items = '';
  let totalCents = 0;
  for (let i = 0; i < stored.lines.length; i++) {
    const { sku, quantity } = stored.lines[i]!;
    const product = productOf(sku);
    const units = available.get(sku);
    if (!product || units === undefined || (stored.currency !== null && product.currency !== stored.currency)) return null;
    const lineTotalCents = quantity * product.priceCents;
    totalCents += lineTotalCents;
    items += `${i === 0 ? '' : ','}${itemOpening(product)}${quantity},"lineTotalCents":${lineTotalCents},"available":${units},"soldOut":${units <= 0}}`;
  }
  const first = stored.lines[0];
  const currency = stored.currency ?? (first ? productOf(first.sku)!.currency : DEFAULT_CART_CURRENCY);
  return (
    `{"items":[${items}],"totalCents":${totalCents},"currency":${JSON.stringify(currency)},"version":${stored.version},` +
    `"updatedAt":"${new Date(stored.updatedAtMs).toISOString()}","notices":[]}`
  );
}
