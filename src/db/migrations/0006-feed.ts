import { type Kysely, sql } from 'kysely';

/**
 * The RabbitMQ feed's mark on each outbox event, and one record of a refund owed.
 *
 * `outbox.fed_at`: when the feed had the broker confirm the event. A mark per event rather than a
 * cursor over ids, because ids are taken at insert and rows commit in another order: a cursor could
 * pass an id whose row commits a moment later and never publish it. The partial index keeps
 * "the oldest events not yet fed" one index range however long the outbox is.
 *
 * `refunds` goes: a refund owed is `payments.refund_status = 'due'`, whichever way it arose (a
 * payment after its order ended, or an order fulfilment could not complete), so one column and one
 * outbox event type (`payment.refund-due`) say what money must go back. Rows that named a payment
 * move to it; the others were orders an admin confirmed without a payment through the provider,
 * which have nothing the provider could refund (their FAILED history entry keeps the reason).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE outbox ADD COLUMN fed_at timestamptz;
    CREATE INDEX outbox_unfed ON outbox (id) WHERE fed_at IS NULL;

    UPDATE payments AS p
    SET refund_status = 'due', refund_due_at = r.created_at, updated_at = now()
    FROM refunds AS r
    WHERE p.order_id = r.order_id AND p.status = 'succeeded' AND p.refund_status IS NULL AND r.status = 'due';
    DROP TABLE refunds;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE refunds (
      order_id uuid PRIMARY KEY REFERENCES orders (id),
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      currency char(3) NOT NULL,
      reason text NOT NULL,
      status text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'refunded')),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    DROP INDEX outbox_unfed;
    ALTER TABLE outbox DROP COLUMN fed_at;
  `.execute(db);
}
