import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { defaultSimulatedVendors } from '../../simulators/vendor-sim/default-vendors.js';

/**
 * Adds the simulated vendors (`vendor-sim` role) as vendor rows when there are none and the demo
 * catalog they overlap is there, so `npm start` shows vendor stock from the first sync. Their
 * priorities follow their order (acme first). True when it did.
 */
export async function seedSimulatedVendors(db: Db, basePort: number): Promise<boolean> {
  // Any free ports (0) cannot be known before the simulator starts.
  if (basePort === 0) return false;
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('flashcart:seed-simulated-vendors'))`.execute(tx);
    if (await tx.selectFrom('vendors').select('id').limit(1).executeTakeFirst()) return false;
    if (!(await tx.selectFrom('products').select('sku').where('sku', '=', 'FLASH-001').executeTakeFirst())) return false;
    await tx
      .insertInto('vendors')
      .values(
        defaultSimulatedVendors(basePort).map((vendor, index) => ({
          name: vendor.name,
          baseUrl: `http://127.0.0.1:${vendor.port}`,
          priority: (index + 1) * 10,
        })),
      )
      .execute();
    return true;
  });
}
