import { type Kysely, sql } from 'kysely';

/**
 * Outside vendors and the stock they hold. The ledger gains `vendor_on_hand`: the vendor units it
 * counts for a SKU, moved only by a recount under the row lock. Its CHECK widens to
 * `reserved <= on_hand + vendor_on_hand`, so whatever Redis admits, Postgres still refuses more
 * reservations than local and counted vendor stock together.
 *
 * Confirming an order splits each line into local and vendor units (`fulfilment_lines`);
 * fulfilment then orders the vendor units (`vendor_orders`, one per order line, so a retried job
 * never orders twice), and an order nobody can fill is refunded (`refunds`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE vendors (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
      base_url text NOT NULL CHECK (base_url ~ '^https?://'),
      priority integer NOT NULL DEFAULT 100 CHECK (priority >= 0),
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_sync_at timestamptz,
      last_sync_status text CHECK (last_sync_status IN ('ok', 'failed')),
      last_sync_error text,
      circuit text NOT NULL DEFAULT 'closed' CHECK (circuit IN ('closed', 'open', 'half-open')),
      sku_count integer NOT NULL DEFAULT 0 CHECK (sku_count >= 0)
    );

    CREATE TABLE vendor_stock (
      vendor_id uuid NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
      sku text NOT NULL REFERENCES products (sku),
      available integer NOT NULL CHECK (available >= 0),
      seen_at timestamptz NOT NULL,
      PRIMARY KEY (vendor_id, sku)
    );
    CREATE INDEX vendor_stock_by_sku ON vendor_stock (sku);

    ALTER TABLE inventory
      ADD COLUMN vendor_on_hand integer NOT NULL DEFAULT 0 CONSTRAINT inventory_vendor_on_hand_non_negative CHECK (vendor_on_hand >= 0),
      DROP CONSTRAINT inventory_reserved_within_on_hand,
      ADD CONSTRAINT inventory_reserved_within_stock CHECK (reserved <= on_hand + vendor_on_hand);

    CREATE TABLE fulfilment_lines (
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      sku text NOT NULL,
      local_quantity integer NOT NULL CHECK (local_quantity >= 0),
      vendor_quantity integer NOT NULL CHECK (vendor_quantity >= 0),
      status text NOT NULL CHECK (status IN ('local', 'pending', 'placed', 'failed')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (order_id, sku),
      CHECK (local_quantity + vendor_quantity > 0)
    );
    CREATE INDEX fulfilment_lines_pending_by_sku ON fulfilment_lines (sku) WHERE status = 'pending' AND vendor_quantity > 0;

    CREATE TABLE vendor_orders (
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      sku text NOT NULL,
      vendor_id uuid NOT NULL REFERENCES vendors (id),
      vendor_order_id text,
      quantity integer NOT NULL CHECK (quantity > 0),
      placed_at timestamptz,
      CONSTRAINT vendor_orders_one_per_line UNIQUE (order_id, sku),
      -- Both unset: the line is being placed with this vendor (an intent); both set: placed.
      CONSTRAINT vendor_orders_placed_together CHECK ((vendor_order_id IS NULL) = (placed_at IS NULL))
    );
    CREATE INDEX vendor_orders_by_vendor_sku ON vendor_orders (vendor_id, sku, placed_at) WHERE placed_at IS NOT NULL;

    CREATE TABLE refunds (
      order_id uuid PRIMARY KEY REFERENCES orders (id),
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      currency char(3) NOT NULL,
      reason text NOT NULL,
      status text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'refunded')),
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE refunds, vendor_orders, fulfilment_lines, vendor_stock, vendors;
    ALTER TABLE inventory
      DROP CONSTRAINT inventory_reserved_within_stock,
      DROP COLUMN vendor_on_hand,
      ADD CONSTRAINT inventory_reserved_within_on_hand CHECK (reserved <= on_hand);
  `.execute(db);
}
