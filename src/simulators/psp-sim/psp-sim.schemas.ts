import { z } from 'zod';

/** The simulator's HTTP contract: what a provider's API would document. */

export const createPaymentBody = z
  .object({
    orderId: z.string().min(1).max(255),
    amountCents: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code in upper case'),
    description: z.string().max(500).optional(),
    /** Where the checkout page leads the buyer once they have paid or declined: a web page, so http(s) only. */
    returnUrl: z
      .url({ protocol: /^https?$/ })
      .max(2_000)
      .optional(),
  })
  .strict();
export type CreatePaymentBody = z.infer<typeof createPaymentBody>;

export const paymentParams = z.object({ id: z.string().min(1).max(100) }).strict();

export const completePaymentBody = z.object({ outcome: z.enum(['succeeded', 'failed']) }).strict();
export type PaymentOutcome = z.infer<typeof completePaymentBody>['outcome'];

export const paymentStatus = z.enum(['pending', 'succeeded', 'failed']);
export type PaymentStatus = z.infer<typeof paymentStatus>;

export const webhookEventType = z.enum(['payment.succeeded', 'payment.failed']);
export type WebhookEventType = z.infer<typeof webhookEventType>;

/** The webhook body (API.md, Payments). */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  data: { paymentId: string; orderId: string; amountCents: number; currency: string };
}

export const webhookDeliveryView = z.object({
  eventId: z.string(),
  type: webhookEventType,
  /** Attempts made so far, the one in flight included. */
  attempts: z.number().int(),
  /** HTTP status of the last answered attempt; null before any answer or when none came (network error, timeout). */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  state: z.enum(['sending', 'retrying', 'delivered', 'gave-up', 'stopped']),
  firstAttemptAt: z.iso.datetime(),
  deliveredAt: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime().nullable(),
});
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryView>;

export const createdPayment = z.object({ paymentId: z.string(), checkoutUrl: z.string(), status: paymentStatus });

export const paymentView = z.object({
  paymentId: z.string(),
  orderId: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
  description: z.string().nullable(),
  returnUrl: z.string().nullable(),
  status: paymentStatus,
  checkoutUrl: z.string(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  webhook: webhookDeliveryView.nullable(),
});
export type PaymentView = z.infer<typeof paymentView>;
