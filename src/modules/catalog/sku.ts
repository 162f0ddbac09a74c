import { z } from 'zod';

/** What a SKU may look like; the products table's CHECK says the same. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const skuSchema = z.string().regex(SKU_PATTERN, 'a SKU is 1-64 letters, digits, ".", "_" or "-"');
