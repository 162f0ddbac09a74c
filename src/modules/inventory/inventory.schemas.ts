import { z } from 'zod';
import { pageOf, paginationQuery, text } from '../../lib/http-schemas.js';
import { skuSchema } from '../catalog/sku.js';

/** Units of one SKU: an order line as the stock gates, the reservations and the ledger see it. */
export const stockLine = z.object({ sku: skuSchema, quantity: z.number().int().min(1) });
export type StockLine = z.infer<typeof stockLine>;

/**
 * Most units one SKU may have on hand, wherever on-hand stock is set or moved. It keeps every sum
 * of stock far inside Postgres's `integer` and the gate's Lua arithmetic.
 */
export const ON_HAND_LIMIT = 10_000_000;

/** A count of units on hand: 0 up to ON_HAND_LIMIT. */
export const onHandCount = z.number().int().min(0).max(ON_HAND_LIMIT);

export const inventory = z
  .object({
    sku: z.string(),
    onHand: z.number().int(),
    vendorOnHand: z.number().int().meta({
      description: 'Vendor units the ledger counts: fresh vendor stock, less what was sold from vendors and not yet reflected in their counts',
    }),
    reserved: z.number().int(),
    sold: z.number().int(),
    available: z.number().int().meta({ description: 'What the ledger can still promise: onHand + vendorOnHand - reserved' }),
    gateAvailable: z.number().int().meta({ description: 'What the Redis gate admits now' }),
    drift: z
      .number()
      .int()
      .meta({ description: 'gateAvailable - available: 0 when they agree; briefly negative while accepted orders await persistence' }),
  })
  .meta({ id: 'Inventory' });
/** Both sides of a SKU's stock: the Postgres ledger and the Redis gate, and how far apart they are. */
export type InventoryView = z.infer<typeof inventory>;

/** One SKU of the admin inventory list: its Inventory, with what tells an admin which product it is and when it runs low. */
export const inventoryListItem = inventory.extend({ title: z.string(), lowStockThreshold: z.number().int() }).meta({ id: 'InventoryListItem' });
export type InventoryListItem = z.infer<typeof inventoryListItem>;

export const inventoryList = pageOf(inventoryListItem);

export const inventoryListQuery = paginationQuery
  .extend({
    low: z
      .enum(['true', 'false'])
      .transform((low) => low === 'true')
      .optional()
      .meta({
        description: "true: only the SKUs whose available units (onHand + vendorOnHand - reserved) are at or under their product's lowStockThreshold",
      }),
    q: text(1, 100).optional().meta({ description: 'only the SKUs whose SKU or title contains this, case-insensitive' }),
  })
  .strict();
export type InventoryListQuery = z.infer<typeof inventoryListQuery>;

export const adjustBody = z
  .object({
    delta: z
      .number()
      .int()
      .min(-ON_HAND_LIMIT)
      .max(ON_HAND_LIMIT)
      .refine((delta) => delta !== 0, 'delta must not be 0')
      .meta({ not: { enum: [0] } }),
    reason: text(1, 500).optional(),
  })
  .strict()
  .meta({ id: 'AdjustInventory' });

export const setOnHandBody = z.object({ onHand: onHandCount }).strict().meta({ id: 'SetOnHand' });
