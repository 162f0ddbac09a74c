import { z } from 'zod';
import { ACTORS, ORDER_STATUSES, PAYMENT_STATUSES, REFUND_STATUSES } from '../../db/schema.js';
import { countryName } from '../../lib/countries.js';
import { emailAddress, optionalText, pageOf, paginationQuery, text } from '../../lib/http-schemas.js';
import { postalCodeProblem } from '../../lib/postal-codes.js';
import { skuSchema } from '../catalog/sku.js';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1_000;

export const orderStatus = z.enum(ORDER_STATUSES);

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export const idempotencyHeaders = z
  .object({
    'idempotency-key': z
      .string({ error: 'the Idempotency-Key header is required' })
      .min(1, 'the Idempotency-Key header must not be empty')
      .max(MAX_IDEMPOTENCY_KEY_LENGTH, `the Idempotency-Key header is too long: at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
      .regex(/^[\x20-\x7e]*$/, 'the Idempotency-Key header must be printable ASCII characters (spaces included)')
      .meta({
        description:
          'Names this order attempt, for the caller alone: a retry with the same key and body gets the same answer and order id; ' +
          'the same key with another body is refused (422).',
      }),
  })
  .loose();

const orderLineInput = z
  .object({
    sku: skuSchema,
    quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
  })
  .strict();

/**
 * The lines of an order. A SKU named twice is one line of their sum, and that line too holds at
 * most MAX_LINE_QUANTITY units (as a cart's does): two lines of 600 are not an order of 1,200.
 */
const orderLinesInput = z
  .array(orderLineInput)
  .min(1)
  .max(MAX_ORDER_LINES)
  .superRefine((lines, context) => {
    const units = new Map<string, number>();
    lines.forEach(({ sku, quantity }, i) => {
      const sum = (units.get(sku) ?? 0) + quantity;
      units.set(sku, sum);
      if (sum > MAX_LINE_QUANTITY && sum - quantity <= MAX_LINE_QUANTITY) {
        context.addIssue({
          code: 'custom',
          path: [i, 'quantity'],
          message: `the lines of ${sku} hold ${sum} units in all; a SKU's line holds at most ${MAX_LINE_QUANTITY}`,
        });
      }
    });
  });

/** A country the runtime's ICU names, as the shop's country list (web/src/lib/countries.ts) offers them. */
const isCountry = (code: string) => countryName(code) !== undefined;

export const shippingAddress = z
  .object({
    name: text(1, 200),
    line1: text(1, 200),
    line2: text(0, 200).optional(),
    city: text(1, 100),
    region: text(0, 100).optional().describe('State, province or county, where the country uses one (US, CA, AU, …)'),
    postalCode: text(0, 20)
      .optional()
      .describe('Required, except in a country whose post uses none (HK, AE, …); where its format is known (US, GB, DE, …), in that format'),
    country: z
      .string()
      // Aborting: the refinement then never sees what is no region code at all, which `of` throws on.
      .regex(/^[A-Z]{2}$/, { error: 'an ISO 3166-1 alpha-2 code', abort: true })
      .refine(isCountry, 'an ISO 3166-1 alpha-2 code of a country, such as DE'),
  })
  .strict()
  // Also when another field is refused, so a body's every fault is named at once.
  .superRefine(
    ({ country, postalCode }, context) => {
      const name = typeof country === 'string' ? countryName(country) : undefined;
      if (name === undefined) return;
      const problem = postalCodeProblem(country, typeof postalCode === 'string' ? postalCode : undefined, name);
      if (problem) context.addIssue({ code: 'custom', path: ['postalCode'], message: problem });
    },
    { when: ({ value }) => typeof value === 'object' && value !== null },
  )
  .meta({ id: 'ShippingAddress' });

const orderDetails = {
  customerEmail: emailAddress.optional(),
  shippingAddress: shippingAddress.optional(),
};

/**
 * Either the lines to order or `fromCart: true`, never both: two strict shapes, so the rule is in
 * the document too. The first shape is tried first, and is what nearly every order is.
 */
export const createOrderBody = z
  .union([z.object({ items: orderLinesInput, ...orderDetails }).strict(), z.object({ fromCart: z.literal(true), ...orderDetails }).strict()], {
    error: 'give either items or fromCart: true',
  })
  .meta({ id: 'PlaceOrder' });
export type CreateOrderInput = z.infer<typeof createOrderBody>;

export const orderItem = z.object({
  sku: z.string(),
  title: z.string(),
  quantity: z.number().int(),
  unitPriceCents: z.number().int(),
});

export const order = z
  .object({
    id: z.uuid(),
    status: orderStatus,
    items: z.array(orderItem),
    totalCents: z.number().int(),
    currency: z.string(),
    customerEmail: z.string().optional(),
    shippingAddress: shippingAddress.optional(),
    createdAt: z.string(),
    expiresAt: z.string(),
    history: z.array(
      z.object({
        status: orderStatus,
        at: z.string(),
        reason: z.string().optional(),
        actor: z.enum(ACTORS).meta({ description: 'Who made the change: customer, admin, payment (the provider), expiry (the sweeper) or system' }),
      }),
    ),
    payment: z
      .object({
        status: z.enum(PAYMENT_STATUSES).meta({ description: 'pending until the provider says how it ended' }),
        amountCents: z.number().int(),
        currency: z.string(),
        refund: z
          .enum(REFUND_STATUSES)
          .optional()
          .meta({ description: 'The money goes back: it arrived after the order ended, or the order failed after it was paid' }),
      })
      .optional()
      .meta({ description: 'The order’s payment through the provider, once one was started; absent for an order never paid through it' }),
  })
  .meta({ id: 'Order' });

export type Order = z.infer<typeof order>;
export type OrderItem = z.infer<typeof orderItem>;
export type ShippingAddress = z.infer<typeof shippingAddress>;

export const orderList = pageOf(order).meta({ id: 'OrderPage' });

export const orderListQuery = paginationQuery.extend({ status: orderStatus.optional() }).strict();
export type OrderListQuery = z.infer<typeof orderListQuery>;

const UUID_LAYOUT = '00000000-0000-0000-0000-000000000000';

/**
 * Whether `start` begins an order id: up to 32 hexadecimal digits without dashes, or the start of
 * a UUID as written, its dashes where a UUID has them ("ab-cd" is neither).
 */
const isOrderIdStart = (start: string) =>
  /^[0-9a-f]{1,32}$/.test(start) ||
  (start.length <= UUID_LAYOUT.length && [...start].every((char, i) => (UUID_LAYOUT[i] === '-' ? char === '-' : /[0-9a-f]/.test(char))));

/**
 * What the console's order search takes: a customer's email (exactly, in any case), or an order id
 * or its first characters (the 8 the lists show).
 */
export const orderSearchTerm = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z.union(
      [
        emailAddress.transform((email) => ({ customerEmail: email })),
        z
          .string()
          .refine(isOrderIdStart)
          .transform((start) => ({ idStart: start.replaceAll('-', '') })),
      ],
      { error: "a customer's email, or an order id or its first characters (hexadecimal digits, dashes where a UUID has them)" },
    ),
  )
  .describe("A customer's email (exactly, in any case), or an order id or its first characters, such as the 8 the lists show");

export const adminOrderListQuery = paginationQuery
  .extend({
    status: orderStatus.optional(),
    q: orderSearchTerm.optional(),
  })
  .strict();
export type AdminOrderListQuery = z.infer<typeof adminOrderListQuery>;

/**
 * A UUID's letters may come in either case; ids are stored, keyed in Redis and compared in lower
 * case, so an id in capitals found the row and then missed it (404 for the caller's own order).
 */
export const orderParams = z.object({ id: z.uuid('an order id is a UUID').toLowerCase() }).strict();

/** Optional: a POST without a body arrives as undefined (or null, from a JSON `null`). */
export const cancelOrderBody = z
  .object({ reason: optionalText(500) })
  .strict()
  .nullish()
  .meta({ id: 'CancelOrder' });

export const adminUpdateOrderBody = z
  .object({ status: orderStatus, reason: optionalText(500) })
  .strict()
  .meta({ id: 'SetOrderStatus' });
