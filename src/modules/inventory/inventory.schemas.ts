import { z } from 'zod';
import { text } from '../../lib/http-schemas.js';

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
      .min(-10_000_000)
      .max(10_000_000)
      .refine((delta) => delta !== 0, 'delta must not be 0')
      .meta({ not: { enum: [0] } }),
    reason: text(1, 500).optional(),
  })
  .strict()
  .meta({ id: 'AdjustInventory' });

export const setOnHandBody = z
  .object({ onHand: z.number().int().min(0).max(10_000_000) })
  .strict()
  .meta({ id: 'SetOnHand' });
