import { z } from 'zod';
import { text } from '../../lib/http-schemas.js';

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
    reserved: z.number().int(),
    sold: z.number().int(),
    available: z.number().int(),
    gateAvailable: z.number().int(),
    drift: z.number().int(),
  })
  .meta({ id: 'Inventory' });

export const adjustBody = z
  .object({
    delta: z
      .number()
      .int()
      .min(-ON_HAND_LIMIT)
      .max(ON_HAND_LIMIT)
      .refine((delta) => delta !== 0, 'delta must not be 0'),
    reason: text(1, 500).optional(),
  })
  .strict();

export const setOnHandBody = z.object({ onHand: onHandCount }).strict();
