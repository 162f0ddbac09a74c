import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from './errors.js';

/** Schemas shared by every module's routes. */

export const paginationQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type Pagination = z.infer<typeof paginationQuery>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: z.number().int(), limit: z.number().int(), total: z.number().int() });

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

export const errorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

/**
 * Free text a person typed: trimmed, bounded, and storable in Postgres, which refuses NUL characters
 * and unpaired UTF-16 surrogates (in text and in jsonb alike).
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((value) => !value.includes('\u0000') && value.isWellFormed(), 'must not contain NUL characters or unpaired surrogates');

/** An email address, kept in lower case: accounts are found by it, and one inbox has one spelling. */
export const emailAddress = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());
