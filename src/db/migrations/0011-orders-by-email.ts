import { type Kysely, sql } from 'kysely';

/** The console's order search by a customer's email (`GET /api/admin/orders?q=`), newest first. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX orders_by_customer_email ON orders (customer_email, created_at DESC) WHERE customer_email IS NOT NULL;`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX orders_by_customer_email;`.execute(db);
}
