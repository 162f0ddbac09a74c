import { type Kysely, sql } from 'kysely';

/**
 * Users, catalog, the inventory ledger and orders. The ledger's CHECK constraints are the last line
 * against overselling: whatever Redis admits, Postgres refuses `reserved > on_hand`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text UNIQUE CHECK (email = lower(email)),
      password_hash text,
      name text,
      role text NOT NULL CHECK (role IN ('guest', 'customer', 'admin')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (role = 'guest' OR (email IS NOT NULL AND password_hash IS NOT NULL))
    );

    CREATE TABLE categories (
      slug text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE products (
      sku text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      description text NOT NULL DEFAULT '',
      category_slug text NOT NULL REFERENCES categories (slug),
      price_cents integer NOT NULL CHECK (price_cents >= 0),
      currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz
    );
    CREATE INDEX products_live_by_category ON products (category_slug, sku) WHERE deleted_at IS NULL;

    CREATE TABLE inventory (
      sku text PRIMARY KEY REFERENCES products (sku),
      on_hand integer NOT NULL DEFAULT 0,
      reserved integer NOT NULL DEFAULT 0,
      sold integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT inventory_on_hand_non_negative CHECK (on_hand >= 0),
      CONSTRAINT inventory_reserved_non_negative CHECK (reserved >= 0),
      CONSTRAINT inventory_reserved_within_on_hand CHECK (reserved <= on_hand),
      CONSTRAINT inventory_sold_non_negative CHECK (sold >= 0)
    );

    CREATE TABLE inventory_movements (
      id bigserial PRIMARY KEY,
      sku text NOT NULL REFERENCES inventory (sku),
      on_hand_delta integer NOT NULL,
      reason text NOT NULL,
      actor_id uuid REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX inventory_movements_by_sku ON inventory_movements (sku, created_at);

    CREATE TABLE orders (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id),
      status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'FULFILLED', 'CANCELLED', 'EXPIRED', 'FAILED')),
      total_cents bigint NOT NULL CHECK (total_cents >= 0),
      currency char(3) NOT NULL,
      customer_email text,
      shipping_address jsonb,
      idempotency_key_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      confirmed_at timestamptz,
      CONSTRAINT orders_one_per_idempotency_key UNIQUE (user_id, idempotency_key_hash)
    );
    CREATE INDEX orders_by_user ON orders (user_id, created_at DESC);
    CREATE INDEX orders_by_status ON orders (status, created_at DESC);
    CREATE INDEX orders_pending_by_expiry ON orders (expires_at) WHERE status = 'PENDING';

    CREATE TABLE order_lines (
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      sku text NOT NULL,
      title text NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
      PRIMARY KEY (order_id, sku)
    );

    CREATE TABLE order_history (
      id bigserial PRIMARY KEY,
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      status text NOT NULL,
      reason text,
      at timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX order_history_by_order ON order_history (order_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE order_history, order_lines, orders, inventory_movements, inventory, products, categories, users;
  `.execute(db);
}
