import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from './errors.js';

/** Schemas shared by every module's routes. */

const DECIMAL_DIGITS = /^\d{1,16}$/;

/**
 * A whole number written in a query string or a path, in decimal digits and nothing else. Coerced
 * with Number(), "0x1", "1e3", "1.0", "+5" and " 5" were numbers too: `?page=1e3` read page 1000,
 * and `/api/admin/failed-jobs/0x1/retry` retried dead letter 1 (config.ts refuses the same in the
 * environment, for the same reason). The document still says `integer`, with its bounds.
 */
export function decimalInteger(min: number, max: number): z.ZodType<number, unknown>;
export function decimalInteger(min: number, max: number, fallback: number): z.ZodType<number, unknown>;
export function decimalInteger(min: number, max: number, fallback?: number) {
  const count = z.number({ error: 'a whole number, in decimal digits' }).int().min(min).max(max);
  return z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value),
    fallback === undefined ? count : count.default(fallback),
  );
}

export const paginationQuery = z.object({
  page: decimalInteger(1, 1_000_000, 1),
  limit: decimalInteger(1, 100, 20),
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

/**
 * Free text a caller may leave out or leave blank (a form's empty box sends ""): blank, or spaces
 * only, counts as not given.
 */
export const optionalText = (max: number) =>
  text(0, max)
    .optional()
    .transform((value) => value || undefined);

/** An email address, kept in lower case: accounts are found by it, and one inbox has one spelling. */
export const emailAddress = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());
