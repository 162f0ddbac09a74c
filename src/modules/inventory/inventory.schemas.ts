import { z } from 'zod';
import { text } from '../../lib/http-schemas.js';
import { skuSchema } from '../catalog/catalog.schemas.js';

/** Units of one SKU: an order line as the stock gates, the reservations and the ledger see it. */
export const stockLine = z.object({ sku: skuSchema, quantity: z.number().int().min(1) });
export type StockLine = z.infer<typeof stockLine>;

export const inventory = z
  .object({
    sku: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
    available: z.number().int().describe('What the ledger can still promise: onHand - reserved'),
    gateAvailable: z.number().int().describe('What the Redis stock gate admits now'),
    drift: z.number().int().describe('gateAvailable - available: 0 when they agree; briefly negative while accepted orders await persistence'),
  })
  .meta({ id: 'Inventory' });
export type InventoryView = z.infer<typeof inventory>;

export const adjustBody = z
  .object({
    delta: z
      .number()
      .int()
      .min(-10_000_000)
      .max(10_000_000)
      .refine((delta) => delta !== 0, 'delta must not be 0'),
    reason: text(1, 500).optional(),
  })
  .strict();

export const setOnHandBody = z.object({ onHand: z.number().int().min(0).max(10_000_000) }).strict();
