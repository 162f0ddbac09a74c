import { sql } from 'kysely';
import { prepareOnce, type Tx } from '../../../db/database.js';
import type { OrderSnapshot } from '../order-snapshot.js';

/** How accepted orders are written: holding their stock, or as FAILED with the reason and holding nothing. */
export type OrderWrite = { status: 'PENDING' } | { status: 'FAILED'; reason: string };

/** Orders name a SKU that has no ledger row: nothing was written. */
export class MissingLedgerRowError extends Error {
  constructor(orderIds: string[]) {
    super(`orders ${orderIds.join(', ')} name a SKU without a ledger row`);
    this.name = 'MissingLedgerRowError';
  }
}

/**
 * The one way accepted orders reach Postgres, inside the caller's transaction. A first statement
 * writes each user's row if it is gone (the token was signed by us, so its subject is real even
 * after a restore), each order, its lines and its history (placed by the customer; failed by the
 * system), and an outbox event: `order.placed` for PENDING orders, `order.status-changed` to
 * FAILED for the others (their buyer was told 202 and is told this too), and last locks the ledger rows
 * of the SKUs the new PENDING orders name. A second statement then adds their units to `reserved`
 * on those rows, with one `stock.changed` event per SKU (written from the updated rows, so under
 * their locks). Idempotent on the order ids: an order already there is left as it is and holds
 * nothing twice. A CHECK violation on the ledger, or any order Postgres refuses, aborts the write.
 *
 * The ledger update is a statement of its own, after the lock, so that its snapshot holds every
 * change of those rows committed while the lock was awaited (lockLedgers says why one statement
 * that locks and updates can be refused on a stale row). Locks are taken as every other
 * transaction takes them, orders first (in id order), then ledger rows (in SKU order), so none can
 * deadlock with it. Postgres runs the parts of one statement in no promised order; the first holds
 * because the ledger rows to lock are computed from what the order insert returned, so every order
 * is inserted before the first ledger row is locked: the hot rows are held for the second statement
 * and the commit only, and concurrent batches insert their orders side by side.
 */
export class OrderWritesRepository {
  /** Returns the ids it inserted; the others were there already. */
  async insert(tx: Tx, snapshots: OrderSnapshot[], write: OrderWrite): Promise<Set<string>> {
    const orders = JSON.stringify(snapshots);
    const held = write.status === 'PENDING';
    const reason = write.status === 'FAILED' ? write.reason : null;
    const written = await sql<{ inserted: string[]; added: { sku: string; quantity: number }[]; locked: number }>`${prepareOnce}
      WITH incoming AS (
        SELECT * FROM jsonb_to_recordset(${orders}::jsonb) AS o(
          id uuid, "userId" uuid, "totalCents" bigint, currency text, "customerEmail" text, "shippingAddress" jsonb,
          "idempotencyKeyHash" text, "createdAt" timestamptz, "expiresAt" timestamptz, items jsonb)
      ), owner AS (
        INSERT INTO users (id, role) SELECT DISTINCT "userId", 'guest' FROM incoming ORDER BY "userId"
        ON CONFLICT (id) DO NOTHING
      ), new_order AS (
        INSERT INTO orders (id, user_id, status, total_cents, currency, customer_email, shipping_address,
                            idempotency_key_hash, created_at, expires_at)
        SELECT id, "userId", ${write.status}, "totalCents", currency, "customerEmail", "shippingAddress",
               "idempotencyKeyHash", "createdAt", "expiresAt"
        FROM incoming ORDER BY id
        ON CONFLICT (id) DO NOTHING
        RETURNING id, created_at
      ), new_line AS (
        SELECT new_order.id AS order_id, l.*
        FROM new_order JOIN incoming USING (id),
             jsonb_to_recordset(incoming.items) AS l(sku text, title text, quantity int, "unitPriceCents" int)
      ), lines AS (
        INSERT INTO order_lines (order_id, sku, title, quantity, unit_price_cents)
        SELECT order_id, sku, title, quantity, "unitPriceCents" FROM new_line
      ), entries AS (
        INSERT INTO order_history (order_id, status, reason, actor, at)
        SELECT id, step.status, step.reason, step.actor, coalesce(step.at, created_at)
        FROM new_order,
             (VALUES (1, 'PENDING', NULL::text, 'customer', NULL::timestamptz),
                     (2, 'FAILED', ${reason}::text, 'system', statement_timestamp())) AS step(n, status, reason, actor, at)
        WHERE step.n = 1 OR ${!held}
        ORDER BY id, step.n
      ), failed AS (
        INSERT INTO outbox (order_id, event_type, payload)
        SELECT id, 'order.status-changed', jsonb_build_object(
                 'from', 'PENDING', 'to', 'FAILED', 'reason', ${reason}::text, 'actor', 'system',
                 'at', to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        FROM new_order WHERE ${!held} ORDER BY id
      ), placed AS (
        INSERT INTO outbox (order_id, event_type, payload)
        SELECT id, 'order.placed', '{}'::jsonb FROM new_order WHERE ${held} ORDER BY id
      ), added AS (
        SELECT sku, sum(quantity)::int AS quantity FROM new_line WHERE ${held} GROUP BY sku
      ), ledger AS (
        SELECT sku FROM inventory WHERE sku IN (SELECT sku FROM added) ORDER BY sku FOR UPDATE
      )
      SELECT ARRAY(SELECT id::text FROM new_order) AS inserted,
             coalesce((SELECT jsonb_agg(added) FROM added), '[]'::jsonb) AS added,
             (SELECT count(*)::int FROM ledger) AS locked
    `.execute(tx);
    const { inserted, added, locked } = written.rows[0]!;
    // Every product has its ledger row from its creation on, and products are only soft-deleted.
    if (locked !== added.length) throw new MissingLedgerRowError(inserted);
    if (added.length > 0) {
      await sql`${prepareOnce}
        WITH added AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(added)}::jsonb) AS a(sku text, quantity int)
        ), reserve AS (
          UPDATE inventory SET reserved = inventory.reserved + added.quantity, updated_at = now()
          FROM added
          WHERE inventory.sku = added.sku
          RETURNING inventory.sku, inventory.on_hand + inventory.vendor_on_hand - inventory.reserved AS available
        )
        INSERT INTO outbox (order_id, event_type, payload)
        SELECT NULL, 'stock.changed', jsonb_build_object('sku', sku, 'available', available) FROM reserve ORDER BY sku
      `.execute(tx);
    }
    return new Set(inserted);
  }
}
