import { z } from 'zod';

/**
 * Text a payment provider sent: bounded, and storable in Postgres (no NUL characters, no unpaired
 * surrogates), so recording an authentic event can never fail on its content.
 */
const providerText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000') && value.isWellFormed(), 'must not contain NUL characters or unpaired surrogates');

/** The event types flashcart acts on; others are recorded and answered 200, as providers expect. */
export const WEBHOOK_EVENT_TYPES = ['payment.succeeded', 'payment.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A payment webhook's body (API.md, Payments). Fields a provider adds are ignored. */
export const webhookEvent = z
  .object({
    id: providerText(255).meta({ description: 'The event id: a redelivery carries the same one' }),
    type: providerText(100).meta({ description: `${WEBHOOK_EVENT_TYPES.join(' or ')}; any other type is recorded and ignored` }),
    data: z.object({
      paymentId: providerText(255),
      orderId: providerText(255),
      amountCents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      currency: providerText(10),
    }),
  })
  .meta({ id: 'PaymentWebhookEvent' });
export type WebhookEvent = z.infer<typeof webhookEvent>;

export const webhookHeaders = z
  .object({
    'payment-signature': z
      .string()
      .max(2_000)
      .regex(/^[\x20-\x7e]*$/, 'printable ASCII')
      .meta({ description: 't=<unix seconds>,v1=<hex HMAC-SHA256(PAYMENT_WEBHOOK_SECRET, "<t>.<raw body>")>' }),
  })
  .loose();

export const WEBHOOK_OUTCOMES = [
  'confirmed',
  'released',
  'already-confirmed',
  'ignored',
  'refund-due',
  'duplicate',
  'amount-mismatch',
  'order-mismatch',
  'unknown-payment',
  'unknown-type',
] as const;
/** What an authentic event did, as recorded in payment_events. */
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export const webhookReceived = z.object({
  received: z.literal(true),
  outcome: z.enum(WEBHOOK_OUTCOMES).meta({
    description:
      'confirmed / released: the order changed; already-confirmed, ignored (a failure for an order already ended), duplicate: no effect; ' +
      'refund-due: paid after the order ended; amount-mismatch, order-mismatch, unknown-payment, unknown-type: recorded, no effect',
  }),
});

export const startedPayment = z
  .object({
    paymentId: z.string().meta({ description: "The provider's payment id, as its webhooks carry it" }),
    checkoutUrl: z.string().meta({ description: 'Where the buyer pays' }),
  })
  .meta({ id: 'StartedPayment' });
export type StartedPayment = z.infer<typeof startedPayment>;
