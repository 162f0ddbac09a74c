import { expect } from 'vitest';
import { inventoryOf } from './fixtures.js';
import { type Api, eventually } from './http.js';

/** How many orders Postgres holds, of any status, as the admin API reports it. */
export async function persistedOrderCount(admin: Api): Promise<number> {
  const answer = await admin.get('/api/admin/orders?limit=1');
  if (answer.status !== 200) throw new Error(`admin orders: ${answer.status}`);
  return answer.body.total;
}

/** The id of every order Postgres holds, read page by page through the admin API. */
export async function persistedOrderIds(admin: Api): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let page = 1; ; page++) {
    const answer = await admin.get(`/api/admin/orders?limit=100&page=${page}`);
    if (answer.status !== 200) throw new Error(`admin orders: ${answer.status}`);
    for (const order of answer.body.items as { id: string }[]) ids.add(order.id);
    if (answer.body.items.length < 100) return ids;
  }
}

/**
 * No lost acceptance: waits until every accepted order is in Postgres, then checks that nothing
 * else is and that all are still PENDING.
 */
export async function expectEveryAcceptedOrderPersisted(admin: Api, acceptedIds: string[]): Promise<void> {
  await eventually(
    async () => {
      const persisted = await persistedOrderIds(admin);
      return acceptedIds.every((id) => persisted.has(id)) ? true : undefined;
    },
    `all ${acceptedIds.length} accepted orders to reach Postgres`,
    120_000,
  );
  expect((await persistedOrderIds(admin)).size).toBe(acceptedIds.length);
  const pending = await admin.get('/api/admin/orders?status=PENDING&limit=1');
  expect(pending.body.total).toBe(acceptedIds.length);
}

/** The ledger counts every accepted unit exactly once, and the gate admits exactly the rest. */
export async function expectLedgerBalanced(admin: Api, sku: string, onHand: number, acceptedUnits: number): Promise<void> {
  expect(await inventoryOf(admin, sku)).toMatchObject({
    onHand,
    reserved: acceptedUnits,
    sold: 0,
    gateAvailable: onHand - acceptedUnits,
    drift: 0,
  });
}
