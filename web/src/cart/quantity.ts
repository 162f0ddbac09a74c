/** The most units one line of a cart or an order holds: the API's MAX_LINE_QUANTITY, which refuses more. */
export const MAX_LINE_QUANTITY = 1_000;

/** What a line's quantity may be, in the shopper's words. */
export const QUANTITY_RULE = `Quantities are whole numbers from 1 to ${MAX_LINE_QUANTITY.toLocaleString('en')}`;

/** Whether `quantity` is one a line can hold. */
export function isLineQuantity(quantity: number): boolean {
  return Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_LINE_QUANTITY;
}

/** The quantity a line can hold nearest to `quantity` (1 for what is no number at all). */
export function nearestLineQuantity(quantity: number): number {
  return Math.min(MAX_LINE_QUANTITY, Math.max(1, Math.trunc(quantity) || 1));
}
