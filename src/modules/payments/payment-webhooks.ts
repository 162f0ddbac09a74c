import type { Logger } from 'pino';
import type { Tx } from '../../db/database.js';
import type { OrderStatus } from '../../db/schema.js';
import { Coalescer } from '../../lib/coalescer.js';
import type { Metrics } from '../../lib/metrics.js';
import type { OrderTransitions, StageTransitions, TransitionRequest } from '../orders/lifecycle/order-transitions.js';
import type { OutboxRepository } from '../outbox/outbox.repository.js';
import type { NewOutboxEvent, OutboxPayloads } from '../outbox/outbox-events.js';
import type { PaymentsRepository } from './payments.repository.js';
import type { WebhookEvent, WebhookOutcome } from './payments.schemas.js';
import type { RefundClaim, Refunds } from './refunds.js';

export interface PaymentWebhooksDeps {
  transitions: Pick<OrderTransitions, 'inTransaction'>;
  repository: Pick<PaymentsRepository, 'recordEvents' | 'recordingOutcomes'>;
  refunds: Pick<Refunds, 'owe'>;
  /** Where a success flashcart cannot match is written for the admins, in the batch's transaction. */
  outbox: Pick<OutboxRepository, 'append'>;
  /** The provider whose webhooks these are. */
  provider: string;
  metrics: Metrics;
  logger: Logger;
}

/** Most events one transaction takes. */
const MAX_BATCH = 500;
/**
 * Batches in flight at once: while one holds a hot SKU's ledger row (only from its ledger lock to
 * its commit), the other records its events and changes its orders. Two rather than four: the
 * webhooks that wait meanwhile make the next batch larger, and a batch's statements cost about the
 * same whatever its size (bench/webhooks.ts: about 15 % more confirmations per second and a third
 * less Postgres CPU per confirmation than with four; one alone was no faster than two).
 */
const MAX_IN_FLIGHT = 2;

/** A payment that arrives for an order in one of these is kept, and owed back. */
const REFUNDABLE = new Set<OrderStatus>(['EXPIRED', 'CANCELLED', 'FAILED']);

/** Outcomes that deserve an operator's look. */
const SUSPICIOUS = new Set<WebhookOutcome>(['amount-mismatch', 'order-mismatch', 'unknown-payment', 'unknown-type', 'refund-due']);

type Anomaly = OutboxPayloads['payment.anomaly']['outcome'];
const ANOMALIES = new Set<WebhookOutcome>(['amount-mismatch', 'order-mismatch', 'unknown-payment'] satisfies Anomaly[]);
/** An outcome that, for a success, may be money taken with no order to show for it. */
const isAnomaly = (outcome: WebhookOutcome): outcome is Anomaly => ANOMALIES.has(outcome);

/**
 * Applies authentic payment webhooks (their signature was checked by the route). Each event is
 * recorded once by its id, whatever became of it, and a redelivered one has no second effect. A
 * success confirms its PENDING order (reserved → sold); a failure cancels it and gives its stock
 * back; a success for an order that had already ended is kept and marked for refund, and the
 * customer is told. An event whose amount or currency differs from the payment's, or that names
 * a payment (or an order) flashcart does not know, is recorded and changes nothing.
 *
 * The events that arrive together are applied in one transaction through the order transitions
 * (one ledger update per SKU for the lot), so a burst of confirmations of one hot product costs a
 * handful of transactions rather than one each; each webhook still gets its own answer.
 */
export class PaymentWebhooks {
  private readonly batches: Coalescer<WebhookEvent, WebhookOutcome>;

  constructor(private readonly deps: PaymentWebhooksDeps) {
    this.batches = new Coalescer((events) => this.applyBatch(events), { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT });
  }

  /** Applies one event; rejects only when a store is unreachable (the provider then retries). */
  async receive(event: WebhookEvent): Promise<WebhookOutcome> {
    const outcome = await this.batches.submit(event);
    this.deps.metrics.paymentWebhooks.inc({ outcome });
    if (SUSPICIOUS.has(outcome)) {
      this.deps.logger.warn({ eventId: event.id, type: event.type, ...event.data, outcome }, 'payment webhook recorded without the usual effect');
    }
    return outcome;
  }

  private applyBatch(events: WebhookEvent[]): Promise<WebhookOutcome[]> {
    this.deps.metrics.paymentWebhookBatchSize.observe(events.length);
    return this.deps.transitions.inTransaction((tx, stage) => this.apply(tx, stage, events), { consumeAfterAnswer: true });
  }

  private async apply(tx: Tx, stage: StageTransitions, events: readonly WebhookEvent[]): Promise<WebhookOutcome[]> {
    const { repository, provider } = this.deps;
    const { fresh, payments } = await repository.recordEvents(tx, provider, events);
    const outcomes: WebhookOutcome[] = events.map(() => 'duplicate');
    const firsts: number[] = [];
    const seen = new Set<string>();
    events.forEach((event, i) => {
      if (fresh.has(event.id) && !seen.has(event.id)) firsts.push(i);
      seen.add(event.id);
    });

    const requests: TransitionRequest[] = [];
    const requestOf = new Map<number, number>();
    for (const i of firsts) {
      const { type, data } = events[i]!;
      const payment = payments.get(data.paymentId);
      if (type !== 'payment.succeeded' && type !== 'payment.failed') outcomes[i] = 'unknown-type';
      else if (!payment) outcomes[i] = 'unknown-payment';
      else if (payment.orderId !== data.orderId) outcomes[i] = 'order-mismatch';
      // ISO 4217 codes in any case: some providers write them in lower case ("eur").
      else if (payment.amountCents !== data.amountCents || payment.currency !== data.currency.toUpperCase()) outcomes[i] = 'amount-mismatch';
      else {
        requestOf.set(i, requests.length);
        requests.push(
          type === 'payment.succeeded'
            ? { orderId: payment.orderId, to: 'CONFIRMED', from: 'PENDING', actor: 'payment', reason: `paid (payment ${data.paymentId})` }
            : { orderId: payment.orderId, to: 'CANCELLED', from: 'PENDING', actor: 'payment', reason: 'payment failed' },
        );
      }
    }

    // What each change came to decides the events' outcomes and the payments' verdicts, which are
    // written in the statement that changes the orders.
    const refundable = new Map<string, RefundClaim>();
    await stage(requests, (results) => {
      const verdicts: { orderId: string; status: 'succeeded' | 'failed' }[] = [];
      for (const [i, r] of requestOf) {
        const event = events[i]!;
        const { orderId } = requests[r]!;
        // The payment's order exists (a foreign key), so every request has a result.
        const result = results[r]!;
        if (event.type === 'payment.failed') {
          outcomes[i] = result.changed ? 'released' : 'ignored';
          verdicts.push({ orderId, status: 'failed' });
          continue;
        }
        verdicts.push({ orderId, status: 'succeeded' });
        if (result.changed) outcomes[i] = 'confirmed';
        else if (REFUNDABLE.has(result.status)) {
          outcomes[i] = 'refund-due';
          refundable.set(orderId, { orderId, orderStatus: result.status as RefundClaim['orderStatus'], cause: 'late-payment' });
        } else outcomes[i] = 'already-confirmed';
      }
      return repository.recordingOutcomes(
        provider,
        verdicts,
        firsts.map((i) => ({ eventId: events[i]!.id, outcome: outcomes[i]! })),
      );
    });
    // A refund is owed once per payment, however many success events it gets; its verdict was
    // recorded with the batch's.
    await this.deps.refunds.owe(tx, [...refundable.values()], { paidOnly: false });
    // A success flashcart cannot match may be money taken for nothing: the admins are told, once per event.
    const anomalies = firsts.flatMap((i): NewOutboxEvent[] => {
      const { id, type, data } = events[i]!;
      const outcome = outcomes[i]!;
      if (type !== 'payment.succeeded' || !isAnomaly(outcome)) return [];
      const { paymentId, orderId: orderRef, amountCents, currency } = data;
      return [{ type: 'payment.anomaly', orderId: null, payload: { eventId: id, outcome, paymentId, orderRef, amountCents, currency } }];
    });
    await this.deps.outbox.append(tx, anomalies);
    return outcomes;
  }
}
