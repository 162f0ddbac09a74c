import { z } from 'zod';
import { skuSchema } from '../catalog/sku.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES } from '../orders/orders.schemas.js';

/** A cart holds what one order may: the same limits, so ordering a cart never breaks them. */
export const MAX_CART_LINES = MAX_ORDER_LINES;
export const MAX_CART_LINE_QUANTITY = MAX_LINE_QUANTITY;

export const addCartItemBody = z
  .object({
    sku: skuSchema,
    quantity: z.number().int().min(1).max(MAX_CART_LINE_QUANTITY),
  })
  .strict();
export type AddCartItemInput = z.infer<typeof addCartItemBody>;

export const setCartItemBody = z.object({ quantity: z.number().int().min(0).max(MAX_CART_LINE_QUANTITY).describe('0 removes the line') }).strict();

export const cartItemParams = z.object({ sku: skuSchema }).strict();

/** Why a cart lost a line without its owner asking. */
export const cartNotice = z
  .object({
    sku: z.string(),
    reason: z
      .enum(['deleted', 'currency'])
      .describe('deleted: the product left the catalog; currency: it is now sold in another currency than the cart’s'),
    title: z.string(),
    message: z.string(),
  })
  .meta({ id: 'CartNotice' });
export type CartNotice = z.infer<typeof cartNotice>;

export const cartItem = z.object({
  sku: z.string(),
  title: z.string(),
  unitPriceCents: z.number().int(),
  quantity: z.number().int(),
  lineTotalCents: z.number().int(),
  available: z.number().int().describe('Units a buyer can reserve now'),
  soldOut: z.boolean().describe('No unit can be reserved now: ordering this cart would be refused'),
});
export type CartItem = z.infer<typeof cartItem>;

export const cart = z
  .object({
    items: z.array(cartItem),
    totalCents: z.number().int(),
    currency: z.string(),
    version: z.number().int().describe('Grows by one with every change of the cart'),
    updatedAt: z.string(),
    notices: z.array(cartNotice).describe('Lines the cart lost since its owner last changed it, and why'),
  })
  .meta({ id: 'Cart' });
export type Cart = z.infer<typeof cart>;

/** How a guest cart merged into the user's cart at login, line by line. */
export const cartMerge = z
  .object({
    skipped: z.string().optional().describe('Why nothing was merged: the guestToken is not a valid guest token (expired, or of another role)'),
    lines: z.array(
      z.object({
        sku: z.string(),
        requested: z.number().int().describe("The guest cart's quantity"),
        quantity: z.number().int().describe("The user's line after the merge"),
        capped: z
          .enum(['stock', 'lineLimit', 'cartFull', 'currency', 'unavailable'])
          .optional()
          .describe('Why less than the sum was kept: what the stock admits, the line or cart limit, another currency, no longer sold'),
      }),
    ),
    cart: cart.optional().describe("The user's cart after the merge"),
  })
  .meta({ id: 'CartMerge' });
export type CartMerge = z.infer<typeof cartMerge>;
