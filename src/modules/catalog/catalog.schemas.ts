import { z } from 'zod';
import { pageOf, paginationQuery, text } from '../../lib/http-schemas.js';
import { ON_HAND_LIMIT, onHandCount } from '../inventory/inventory.schemas.js';
import { skuSchema } from './sku.js';

/** The ISO 4217 codes in use, as the runtime's ICU knows them (three capitals alone let `ABC` through). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const currencySchema = z
  .string()
  // A code of another shape is refused for its shape alone, not also as "not in use".
  .regex(/^[A-Z]{3}$/, { error: 'an ISO 4217 code such as EUR', abort: true })
  .refine((code) => CURRENCIES.has(code), 'an ISO 4217 code in use, such as EUR');
const categorySlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a category slug');

export const category = z.object({ slug: z.string(), name: z.string() }).meta({ id: 'Category' });
export const categoryList = z.object({ items: z.array(category) }).meta({ id: 'CategoryList' });

export const createCategoryBody = z
  .object({ slug: categorySlug, name: text(1, 100) })
  .strict()
  .meta({ id: 'CreateCategory' });
export type CreateCategoryInput = z.infer<typeof createCategoryBody>;

export const stockSource = z
  .object({
    source: z.string().meta({ description: '"local" (the warehouse) or a vendor name' }),
    available: z.number().int().meta({ description: "The warehouse's units on hand, or the vendor's last count" }),
    stale: z.boolean().meta({ description: 'The count is too old to count towards available' }),
  })
  .meta({ id: 'StockSource' });

export const product = z
  .object({
    sku: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    priceCents: z.number().int(),
    currency: z.string(),
    available: z.number().int(),
    sources: z.array(stockSource),
    /** The admin inventory list calls the SKU low when its available units are at or under this. */
    lowStockThreshold: z.number().int(),
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof product>;

export const productList = pageOf(product).meta({ id: 'ProductPage' });

export const productListQuery = paginationQuery
  .extend({
    category: categorySlug.optional(),
    q: text(1, 100).optional(),
  })
  .strict();
export type ProductListQuery = z.infer<typeof productListQuery>;

export const skuParams = z.object({ sku: skuSchema }).strict();

const productFields = {
  title: text(1, 200),
  priceCents: z.number().int().min(0).max(100_000_000),
  currency: currencySchema,
  category: categorySlug,
  description: text(0, 5_000),
  lowStockThreshold: z.number().int().min(0).max(ON_HAND_LIMIT),
};

/** What a product gets when it names no low-stock threshold (the column's default too). */
export const DEFAULT_LOW_STOCK_THRESHOLD = 5;

export const createProductBody = z
  .object({
    sku: skuSchema,
    ...productFields,
    currency: productFields.currency.default('EUR'),
    description: productFields.description.default(''),
    lowStockThreshold: productFields.lowStockThreshold.default(DEFAULT_LOW_STOCK_THRESHOLD),
    /** Units on hand; a new product defaults to 0, a deleted one brought back keeps what it had. */
    onHand: onHandCount.optional(),
  })
  .strict()
  .meta({ id: 'CreateProduct' });
export type CreateProductInput = z.infer<typeof createProductBody>;

/** Only the fields given change; no defaults, so a PATCH never resets what it does not name. */
export const updateProductBody = z
  .object(productFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')
  // The refinement, in the document's terms.
  .meta({ id: 'UpdateProduct', minProperties: 1 });
export type UpdateProductInput = z.infer<typeof updateProductBody>;
