import { randomBytes } from 'node:crypto';
import type { CreatePaymentBody, PaymentOutcome, PaymentStatus, PaymentView, WebhookEvent } from './psp-sim.schemas.js';
import type { WebhookDeliveryHandle } from './webhook-sender.js';

/**
 * The simulator's payments, in memory: it is a dev/test stand-in for a provider, so its state lives
 * as long as its process (a restarted simulator has forgotten every payment, and a second payment
 * for an order it forgot is a new one).
 */

export interface SimulatedPayment {
  readonly id: string;
  readonly orderId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly description: string | null;
  /** Where the buyer goes back to once decided; the first creation's, as the payment is. */
  readonly returnUrl: string | null;
  readonly createdAt: Date;
  status: PaymentStatus;
  completedAt: Date | null;
  webhook: WebhookDeliveryHandle | null;
}

export type CreateResult =
  | { kind: 'created'; payment: SimulatedPayment }
  | { kind: 'existing'; payment: SimulatedPayment }
  /** The order already has a payment for another amount or currency. */
  | { kind: 'mismatch'; payment: SimulatedPayment };

export type CompleteResult =
  | { kind: 'completed'; payment: SimulatedPayment; event: WebhookEvent }
  /** Completed before with the same outcome: nothing happens again. */
  | { kind: 'unchanged'; payment: SimulatedPayment }
  /** Completed before with the other outcome. */
  | { kind: 'conflict'; payment: SimulatedPayment }
  | { kind: 'not-found' };

const randomId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export class SimulatedPayments {
  private readonly byId = new Map<string, SimulatedPayment>();
  private readonly idByOrder = new Map<string, string>();

  /** One payment per order: a second call returns the first payment, as long as the amount agrees. */
  create(input: CreatePaymentBody): CreateResult {
    const existingId = this.idByOrder.get(input.orderId);
    const existing = existingId ? this.byId.get(existingId) : undefined;
    if (existing) {
      const same = existing.amountCents === input.amountCents && existing.currency === input.currency;
      return { kind: same ? 'existing' : 'mismatch', payment: existing };
    }
    const payment: SimulatedPayment = {
      id: randomId('pay'),
      orderId: input.orderId,
      amountCents: input.amountCents,
      currency: input.currency,
      description: input.description ?? null,
      returnUrl: input.returnUrl ?? null,
      createdAt: new Date(),
      status: 'pending',
      completedAt: null,
      webhook: null,
    };
    this.byId.set(payment.id, payment);
    this.idByOrder.set(payment.orderId, payment.id);
    return { kind: 'created', payment };
  }

  get(id: string): SimulatedPayment | undefined {
    return this.byId.get(id);
  }

  /** Marks the buyer's decision once; the caller sends the returned event. */
  complete(id: string, outcome: PaymentOutcome): CompleteResult {
    const payment = this.byId.get(id);
    if (!payment) return { kind: 'not-found' };
    if (payment.status !== 'pending') return { kind: payment.status === outcome ? 'unchanged' : 'conflict', payment };
    payment.status = outcome;
    payment.completedAt = new Date();
    const event: WebhookEvent = {
      id: randomId('evt'),
      type: outcome === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
      data: { paymentId: payment.id, orderId: payment.orderId, amountCents: payment.amountCents, currency: payment.currency },
    };
    return { kind: 'completed', payment, event };
  }
}

export function viewOf(payment: SimulatedPayment, checkoutUrl: string): PaymentView {
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    description: payment.description,
    returnUrl: payment.returnUrl,
    status: payment.status,
    checkoutUrl,
    createdAt: payment.createdAt.toISOString(),
    completedAt: payment.completedAt?.toISOString() ?? null,
    webhook: payment.webhook?.view() ?? null,
  };
}
