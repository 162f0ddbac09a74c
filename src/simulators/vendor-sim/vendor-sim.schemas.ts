import { z } from 'zod';
import { GARBAGE_KINDS } from './vendor-simulation.js';

/** Request bodies of a simulated vendor's API and of its fault switches. */

const sku = z.string().min(1).max(64);
const count = z.number().int().min(0).max(1_000_000_000);

export const orderBody = z
  .object({
    lineId: z.string().min(1).max(200),
    sku,
    quantity: z.number().int().min(1).max(1_000_000),
  })
  .strict();

export const outageBody = z
  .object({
    /** 0 ends an outage in force. */
    seconds: z.number().min(0).max(86_400),
    mode: z.enum(['unavailable', 'drop']).default('unavailable'),
  })
  .strict();

export const latencyBody = z.object({ ms: z.number().int().min(0).max(600_000) }).strict();

export const errorsBody = z.object({ rate: z.number().min(0).max(1) }).strict();

export const garbageBody = z
  .object({
    enabled: z.boolean(),
    kind: z.enum([...GARBAGE_KINDS, 'mixed']).default('mixed'),
  })
  .strict();

const maxStep = z.number().int().min(1).max(1_000).default(3);

export const fluctuationBody = z.discriminatedUnion('mode', [
  /** Every SKU moves by up to maxStep every intervalMs, until turned off. */
  z.object({ mode: z.literal('timer'), intervalMs: z.number().int().min(10).max(3_600_000).default(1_000), maxStep }).strict(),
  /** Every SKU moves by up to maxStep, `steps` times, now: deterministic for tests. */
  z.object({ mode: z.literal('step'), steps: z.number().int().min(1).max(1_000).default(1), maxStep }).strict(),
  z.object({ mode: z.literal('off') }).strict(),
]);

export const stockBody = z
  .object({
    items: z
      .array(z.object({ sku, available: count }).strict())
      .min(1)
      .max(10_000),
  })
  .strict();
