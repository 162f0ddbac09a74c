import { sql } from 'kysely';
import { type Db, type Executor, prepareOnce, type RidingWrite, type Tx } from '../../db/database.js';
import type { OrderStatus, PaymentRow } from '../../db/schema.js';
import type { WebhookEvent, WebhookOutcome } from './payments.schemas.js';

export interface NewPayment {
  orderId: string;
  provider: string;
  providerPaymentId: string;
  amountCents: number;
  currency: string;
  checkoutUrl: string;
}

/** A stored order as a payment start reads it, with its payment when it has one. */
export interface PayableOrder {
  userId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  expiresAt: Date;
  payment: { providerPaymentId: string; checkoutUrl: string } | null;
}

/** What became of recording a new payment: the order's state under its lock, and the payment if it was recorded now. */
export interface PaymentStart {
  status: OrderStatus;
  expiresAt: Date;
  /** Recorded now; null when the order was not payable or already had a payment. */
  payment: { providerPaymentId: string; checkoutUrl: string } | null;
  /** The order's expiry, moved later because the payment was recorded now. */
  extendedTo: Date | null;
}

/** A payment as a left join reads it: none when its columns are null. */
const paymentOf = (providerPaymentId: string | null, checkoutUrl: string | null) =>
  providerPaymentId !== null && checkoutUrl !== null ? { providerPaymentId, checkoutUrl } : null;

/** What a webhook is checked against: the payment it names. */
export interface PaymentRef {
  orderId: string;
  providerPaymentId: string;
  amountCents: number;
  currency: string;
}

/** A payment just marked as owing its money back. */
export interface RefundDuePayment {
  orderId: string;
  providerPaymentId: string;
  amountCents: number;
  currency: string;
}

/** payments (one per order) and payment_events (one per authentic webhook). */
export class PaymentsRepository {
  constructor(private readonly db: Db) {}

  find(orderId: string, executor: Executor = this.db): Promise<PaymentRow | undefined> {
    return executor.selectFrom('payments').selectAll().where('orderId', '=', orderId).executeTakeFirst();
  }

  /** Stored orders with their payments, by id, in one query; an id not stored is absent. */
  async findPayable(orderIds: readonly string[]): Promise<Map<string, PayableOrder>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('orders')
      .leftJoin('payments', 'payments.orderId', 'orders.id')
      .select([
        'orders.id',
        'orders.userId',
        'orders.status',
        'orders.totalCents',
        'orders.currency',
        'orders.expiresAt',
        'payments.providerPaymentId',
        'payments.checkoutUrl',
      ])
      .where('orders.id', 'in', [...orderIds])
      .execute();
    return new Map(
      rows.map(({ id, providerPaymentId, checkoutUrl, ...order }) => [id, { ...order, payment: paymentOf(providerPaymentId, checkoutUrl) }]),
    );
  }

  /**
   * Records an order's payment and moves its expiry `holdSeconds` later, in one statement (one round
   * trip, one commit): the order's row is locked first, as every transaction that changes orders
   * takes it, and the payment is recorded only while the order is PENDING and not past its expiry
   * at `now`, and only once (the expiry moves only with the payment that is recorded). Undefined
   * when the order is not stored.
   */
  async start(payment: Omit<NewPayment, 'amountCents' | 'currency'>, holdSeconds: number, now: Date): Promise<PaymentStart | undefined> {
    const { rows } = await sql<PaymentStart & { providerPaymentId: string | null; checkoutUrl: string | null }>`${prepareOnce}
      WITH target AS (
        SELECT id, status, total_cents, currency, expires_at FROM orders WHERE id = ${payment.orderId} FOR UPDATE
      ), recorded AS (
        INSERT INTO payments (order_id, provider, provider_payment_id, amount_cents, currency, checkout_url)
        SELECT id, ${payment.provider}, ${payment.providerPaymentId}, total_cents, currency, ${payment.checkoutUrl}
        FROM target WHERE status = 'PENDING' AND expires_at > ${now}
        ON CONFLICT (order_id) DO NOTHING
        RETURNING order_id, provider_payment_id, checkout_url
      ), extended AS (
        UPDATE orders SET expires_at = orders.expires_at + make_interval(secs => ${holdSeconds}), updated_at = now()
        FROM recorded WHERE orders.id = recorded.order_id
        RETURNING orders.expires_at
      )
      SELECT target.status, target.expires_at AS "expiresAt", recorded.provider_payment_id AS "providerPaymentId",
             recorded.checkout_url AS "checkoutUrl", extended.expires_at AS "extendedTo"
      FROM target LEFT JOIN recorded ON true LEFT JOIN extended ON true
    `.execute(this.db);
    const row = rows[0];
    if (!row) return undefined;
    const { providerPaymentId, checkoutUrl, status, expiresAt, extendedTo } = row;
    return { status, expiresAt, extendedTo, payment: paymentOf(providerPaymentId, checkoutUrl) };
  }

  /**
   * Records events as received and reads the payments the new ones name, in one round trip. Returns
   * the ids it added (the others were received before) and those payments by provider id. Of events
   * sharing an id, the first is recorded (the caller applies that one). Events are
   * inserted in id order, so two transactions recording the same events wait on each other rather
   * than deadlock.
   */
  async recordEvents(tx: Tx, provider: string, events: readonly WebhookEvent[]): Promise<{ fresh: Set<string>; payments: Map<string, PaymentRef> }> {
    if (events.length === 0) return { fresh: new Set(), payments: new Map() };
    // The first event of each id is the one applied (the others are duplicates), so it is the one recorded.
    const firstOfId = new Map<string, WebhookEvent>();
    for (const event of events) if (!firstOfId.has(event.id)) firstOfId.set(event.id, event);
    const rows = [...firstOfId.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((event) => ({
        eventId: event.id,
        type: event.type,
        paymentId: event.data.paymentId,
        orderRef: event.data.orderId,
        amountCents: event.data.amountCents,
        currency: event.data.currency,
        payload: event,
      }));
    const { rows: added } = await sql<{ eventId: string } & { [K in keyof PaymentRef]: PaymentRef[K] | null }>`${prepareOnce}
      WITH incoming AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS e("eventId" text, type text, "paymentId" text, "orderRef" text, "amountCents" bigint, currency text, payload jsonb)
      ), added AS (
        INSERT INTO payment_events (provider, event_id, type, provider_payment_id, order_ref, amount_cents, currency, payload, outcome)
        SELECT ${provider}, "eventId", type, "paymentId", "orderRef", "amountCents", currency, payload, 'received'
        FROM incoming ORDER BY "eventId"
        ON CONFLICT (provider, event_id) DO NOTHING
        RETURNING event_id, provider_payment_id
      )
      SELECT added.event_id AS "eventId", p.order_id::text AS "orderId", p.provider_payment_id AS "providerPaymentId",
             p.amount_cents AS "amountCents", p.currency
      FROM added LEFT JOIN payments AS p ON p.provider = ${provider} AND p.provider_payment_id = added.provider_payment_id
    `.execute(tx);
    const payments = new Map<string, PaymentRef>();
    for (const { orderId, providerPaymentId, amountCents, currency } of added) {
      if (orderId !== null && providerPaymentId !== null)
        payments.set(providerPaymentId, { orderId, providerPaymentId, amountCents: amountCents!, currency: currency! });
    }
    return { fresh: new Set(added.map((row) => row.eventId)), payments };
  }

  /**
   * Records the provider's verdicts on payments and what became of each event, as writes that ride
   * in another statement (`payment_verdict`, `payment_completed`, `payment_event_outcome`). A
   * pending payment takes its first verdict; a failed one can still succeed (a buyer's second try,
   * or events delivered out of order), a succeeded one stays so: money taken is never recorded as
   * not taken. Of one payment's verdicts in one call, a success wins. The id lists let the planner
   * fetch each row by its key, whatever it guesses of the JSON's size.
   */
  recordingOutcomes(
    provider: string,
    verdicts: readonly { orderId: string; status: 'succeeded' | 'failed' }[],
    outcomes: readonly { eventId: string; outcome: WebhookOutcome }[],
  ): RidingWrite[] {
    const byOrder = new Map<string, { orderId: string; status: 'succeeded' | 'failed' }>();
    for (const verdict of verdicts) if (byOrder.get(verdict.orderId)?.status !== 'succeeded') byOrder.set(verdict.orderId, verdict);
    const distinct = [...byOrder.values()];
    const writes: RidingWrite[] = [];
    if (distinct.length > 0) {
      writes.push(
        sql`payment_verdict AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(distinct)}::jsonb) AS v("orderId" uuid, status text)
        )`,
        sql`payment_completed AS (
          UPDATE payments AS p SET status = payment_verdict.status, completed_at = now(), updated_at = now()
          FROM payment_verdict
          WHERE p.order_id = ANY(${distinct.map((verdict) => verdict.orderId)}::uuid[]) AND p.order_id = payment_verdict."orderId"
            AND (p.status = 'pending' OR (p.status = 'failed' AND payment_verdict.status = 'succeeded'))
        )`,
      );
    }
    if (outcomes.length > 0) {
      writes.push(sql`payment_event_outcome AS (
        UPDATE payment_events AS e SET outcome = o.outcome
        FROM jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) AS o("eventId" text, outcome text)
        WHERE e.provider = ${provider} AND e.event_id = ANY(${outcomes.map((outcome) => outcome.eventId)}::text[]) AND e.event_id = o."eventId"
      )`);
    }
    return writes;
  }

  /**
   * Marks payments as owing a refund; returns those it marked now, by order id (the others were
   * already). `paidOnly`: only payments whose success is recorded.
   */
  async markRefundDue(tx: Tx, orderIds: readonly string[], options: { paidOnly: boolean }): Promise<Map<string, RefundDuePayment>> {
    if (orderIds.length === 0) return new Map();
    let query = tx
      .updateTable('payments')
      .set({ refundStatus: 'due', refundDueAt: sql`now()`, updatedAt: sql`now()` })
      .where('orderId', 'in', [...new Set(orderIds)])
      .where('refundStatus', 'is', null);
    if (options.paidOnly) query = query.where('status', '=', 'succeeded');
    const rows = await query.returning(['orderId', 'providerPaymentId', 'amountCents', 'currency']).execute();
    return new Map(rows.map((row) => [row.orderId, row]));
  }
}
