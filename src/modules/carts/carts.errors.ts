import { notFound, refusal, validationFailed } from '../../lib/errors.js';
import { MAX_CART_LINE_QUANTITY, MAX_CART_LINES } from './carts.schemas.js';

/** A cart names products by SKU; one that is not (or no longer) in the catalog is 404. */
export const productNotFound = (sku: string) => notFound('product', { sku });

/** The same refusal and details as an order's: `requested` is the quantity the line would have held. */
export const insufficientStock = (sku: string, requested: number, available: number) =>
  refusal('INSUFFICIENT_STOCK', `only ${available} unit(s) of ${sku} available`, { sku, requested, available });

export const cartFull = (sku: string) => validationFailed(`a cart holds at most ${MAX_CART_LINES} lines`, { sku, maxLines: MAX_CART_LINES });

export const lineTooLarge = (sku: string, requested: number) =>
  validationFailed(`a cart line holds at most ${MAX_CART_LINE_QUANTITY} units`, { sku, requested, maxQuantity: MAX_CART_LINE_QUANTITY });

export const currencyMismatch = (sku: string, cartCurrency: string, productCurrency: string) =>
  validationFailed(`${sku} is priced in ${productCurrency} and this cart in ${cartCurrency}: a cart cannot mix currencies`, {
    sku,
    cartCurrency,
    productCurrency,
  });

/** Another checkout of this cart (another Idempotency-Key: another tab) is ordering it now. */
export const checkoutUnderWay = () =>
  refusal('INVALID_STATE', 'this cart is being ordered by another request (another tab?): see your orders', { fromCart: true });
