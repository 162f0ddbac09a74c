import { z } from 'zod';

/** Vendor names are lowercase slugs: they label Product.sources and prefix log lines. */
const vendorName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a lowercase name: letters, digits, "_" or "-", at most 64');

const baseUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .max(500)
  .refine((value) => !value.includes('\u0000') && value.isWellFormed(), 'must not contain NUL characters or unpaired surrogates')
  // The vendor's paths are appended to it (`${baseUrl}/stock`): after a query or a fragment they
  // would not be paths, and credentials in it are never sent.
  .refine((value) => {
    const url = URL.canParse(value.trim()) ? new URL(value.trim()) : undefined;
    return !/[?#]/.test(value) && !url?.username && !url?.password;
  }, 'a base URL without a query, a fragment or credentials')
  // The scheme in lowercase (`HTTP://` is a valid URL, and the column's check wants `http://`), without trailing slashes.
  .transform((url) => url.replace(/^[a-z]+:/i, (scheme) => scheme.toLowerCase()).replace(/\/+$/, ''));

const priority = z.number().int().min(0).max(1_000_000);

export const vendor = z
  .object({
    id: z.uuid(),
    name: z.string(),
    baseUrl: z.string(),
    priority: z.number().int().meta({ description: 'Fulfilment asks vendors in ascending priority' }),
    enabled: z.boolean(),
    status: z
      .enum(['ok', 'failed', 'never', 'disabled'])
      .meta({ description: 'Outcome of the last sync; disabled vendors are not synced and do not count' }),
    circuit: z
      .enum(['closed', 'open', 'half-open'])
      .meta({ description: 'The circuit breaker of the vendor, as the worker that last called it saw it' }),
    lastSyncAt: z.iso.datetime().nullable().meta({ description: 'The last sync attempt, whatever its outcome' }),
    lastSuccessAt: z.iso.datetime().nullable().meta({ description: 'The last sync that succeeded: how old the counts in use are' }),
    skuCount: z.number().int().meta({ description: 'Catalog SKUs the vendor listed at its last successful sync' }),
    lastError: z.string().optional(),
  })
  .meta({ id: 'Vendor' });
export type VendorView = z.infer<typeof vendor>;

export const vendorList = z.array(vendor);

export const vendorParams = z.object({ id: z.uuid() }).strict();

export const createVendorBody = z.object({ name: vendorName, baseUrl, priority: priority.default(100), enabled: z.boolean().default(true) }).strict();
export type CreateVendorInput = z.infer<typeof createVendorBody>;

export const updateVendorBody = z
  .object({ name: vendorName, baseUrl, priority, enabled: z.boolean() })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');
export type UpdateVendorInput = z.infer<typeof updateVendorBody>;

export const syncAccepted = z.object({ vendorId: z.uuid(), queued: z.literal(true) });

export const FAULTS = ['fluctuation', 'outage', 'latency', 'errors', 'garbage', 'stock', 'reset'] as const;

export const simulateParams = z.object({ id: z.uuid(), fault: z.enum(FAULTS) }).strict();

/** Passed to the vendor's own fault switch as it is: the vendor validates it (see src/simulators/vendor-sim/README.md). */
export const simulateBody = z.record(z.string(), z.unknown()).nullish();

export const simulateAnswer = z.record(z.string(), z.unknown());
