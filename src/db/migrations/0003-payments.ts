import { type Kysely, sql } from 'kysely';

/**
 * Payments and their webhooks, the outbox that carries side effects out of a transaction, the
 * record of every mail sent, dead letters, and who made each change of an order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE order_history ADD COLUMN actor text
      CONSTRAINT order_history_actor_known CHECK (actor IN ('customer', 'admin', 'payment', 'expiry', 'system'));
    -- Before this migration only the buyer created orders, and every later change was the system's or an admin's.
    UPDATE order_history SET actor = CASE WHEN status = 'PENDING' THEN 'customer' ELSE 'system' END;
    ALTER TABLE order_history ALTER COLUMN actor SET NOT NULL;

    CREATE TABLE payments (
      order_id uuid PRIMARY KEY REFERENCES orders (id),
      provider text NOT NULL,
      provider_payment_id text NOT NULL,
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      currency char(3) NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      checkout_url text NOT NULL,
      -- 'due': the money arrived for an order that had already ended; someone must give it back.
      refund_status text CHECK (refund_status IN ('due', 'refunded')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz,
      refund_due_at timestamptz,
      CONSTRAINT payments_one_per_provider_id UNIQUE (provider, provider_payment_id)
    );
    CREATE INDEX payments_refund_due ON payments (refund_due_at) WHERE refund_status = 'due';

    -- Every authentic webhook, whatever became of it; the key is what makes a redelivery a no-op.
    CREATE TABLE payment_events (
      provider text NOT NULL,
      event_id text NOT NULL,
      type text NOT NULL,
      provider_payment_id text NOT NULL,
      -- As the provider sent it: an order flashcart does not know is recorded too.
      order_ref text NOT NULL,
      amount_cents bigint NOT NULL,
      currency text NOT NULL,
      payload jsonb NOT NULL,
      outcome text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider, event_id)
    );
    CREATE INDEX payment_events_by_payment ON payment_events (provider, provider_payment_id);

    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      order_id uuid,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    );
    CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
    CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

    CREATE TABLE email_deliveries (
      key text PRIMARY KEY,
      recipient text NOT NULL,
      template text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      message_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz
    );

    CREATE TABLE failed_jobs (
      id bigserial PRIMARY KEY,
      -- queue, job id and the moment it failed: one failure, however often it is reported.
      dedupe_key text NOT NULL UNIQUE,
      queue text NOT NULL,
      name text NOT NULL,
      job_id text,
      payload jsonb NOT NULL,
      reason text NOT NULL,
      stack text,
      attempts integer NOT NULL,
      failed_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'failed' CHECK (status IN ('failed', 'retried', 'discarded')),
      retried_at timestamptz,
      discarded_at timestamptz
    );
    CREATE INDEX failed_jobs_by_status ON failed_jobs (status, id DESC);

    -- A SKU with a row here has had its low-stock alert; the row goes when it is above its threshold again.
    CREATE TABLE low_stock_alerts (
      sku text PRIMARY KEY REFERENCES inventory (sku),
      available integer NOT NULL,
      -- The outbox event (a confirmation) that raised the alert: a re-run of its job finds it its own.
      event_id bigint NOT NULL,
      alerted_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE low_stock_alerts, failed_jobs, email_deliveries, outbox, payment_events, payments;
    ALTER TABLE order_history DROP COLUMN actor;
  `.execute(db);
}
