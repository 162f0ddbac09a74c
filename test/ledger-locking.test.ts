import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { InventoryRow } from '../src/db/schema.js';
import type { OrderSnapshot } from '../src/modules/orders/order-snapshot.js';
import { createProduct } from './support/fixtures.js';
import { eventually } from './support/http.js';
import { useSystem } from './support/system.js';

/**
 * A ledger write (an order's persist, a sale's settlement) that waits on a SKU's row while a stock
 * change holds it must see that change once it commits. Postgres checks a row's CHECK constraints
 * on the version the statement's snapshot saw before it notices a newer one, so a write that
 * took its snapshot before the change committed was refused on stock it no longer described: a
 * vendor recount adding units the gate had already sold failed the order that bought them.
 */
describe('ledger reads and writes that wait on a stock change', () => {
  const sut = useSystem({ api: true, worker: false });

  const snapshotOf = (sku: string, quantity: number): OrderSnapshot => ({
    id: randomUUID(),
    userId: randomUUID(),
    items: [{ sku, title: `Product ${sku}`, quantity, unitPriceCents: 1_000 }],
    totalCents: 1_000 * quantity,
    currency: 'EUR',
    customerEmail: null,
    shippingAddress: null,
    idempotencyKeyHash: randomBytes(32).toString('hex'),
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
  });

  const ledgerOf = async (sku: string): Promise<InventoryRow> => (await sut.system.container.inventoryRepository.find(sku))!;

  const waitingOnLocks = async (): Promise<number> => {
    const waiting = await sql<{ count: number }>`
      SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(
      sut.system.container.db,
    );
    return waiting.rows[0]!.count;
  };

  /**
   * Runs `work` (a ledger write, or a read) while an admin's stock change holds the SKU's row
   * (InventoryService.changeStock, as a vendor recount takes it), halfway through: the gate already
   * moved and on_hand set to `onHand`, not yet committed. The change commits once `work` waits on the
   * row (or is done without waiting). Answers what `work` answered.
   */
  async function whileStockChanges<T>(sku: string, onHand: number, work: () => Promise<T>): Promise<T> {
    const { container } = sut.system;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    let commit!: () => void;
    const mayCommit = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const change = container.inventory.changeStock(sku, {
      plan: async (row) => ({ delta: onHand - row.onHand, clamp: false }),
      write: async (tx, row, applied) => {
        await container.inventoryRepository.setOnHand(tx, sku, row.onHand + applied, applied, 'test', null);
        holding();
        await mayCommit;
        return (now) => now.onHand === row.onHand + applied;
      },
    });
    await held;
    let done = false;
    const working = work().finally(() => {
      done = true;
    });
    await eventually(async () => (done || (await waitingOnLocks()) > 0 ? true : undefined), 'the work to wait on the row');
    commit();
    expect(await change).toEqual({ changed: true, applied: expect.any(Number) });
    return working;
  }

  it('persists an order that only the stock added while it waited covers', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 1 });
    expect(await container.persister.persistBatch([snapshotOf(sku, 1)])).toEqual(['persisted']);

    const outcome = await whileStockChanges(sku, 2, () => container.persister.persistBatch([snapshotOf(sku, 1)]));

    expect(outcome).toEqual(['persisted']);
    expect(await ledgerOf(sku)).toMatchObject({ onHand: 2, reserved: 2, sold: 0 });
  });

  it('settles a sale from the local stock added while it waited', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 0 });
    // One vendor unit counted, and reserved by an order.
    await container.db.transaction().execute((tx) => container.inventoryRepository.setVendorOnHand(tx, sku, 1, 1));
    const order = snapshotOf(sku, 1);
    expect(await container.persister.persistBatch([order])).toEqual(['persisted']);

    const sale = { sold: [{ orderId: order.id, sku, quantity: 1 }], released: [] };
    await whileStockChanges(sku, 1, () => container.db.transaction().execute((tx) => container.inventoryRepository.settle(tx, sale)));

    // Local units go first: the one added while the sale waited.
    expect(await ledgerOf(sku)).toMatchObject({ onHand: 0, vendorOnHand: 1, reserved: 0, sold: 1 });
    const lines = await container.db.selectFrom('fulfilmentLines').selectAll().where('orderId', '=', order.id).execute();
    expect(lines).toMatchObject([{ sku, localQuantity: 1, vendorQuantity: 0, status: 'local' }]);
  });

  it('shows a SKU as a stock change left it, never with the gate moved and the ledger not yet', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    expect(await container.inventory.view(sku)).toMatchObject({ gateAvailable: 5, drift: 0 });

    // Asked for while a change taking 3 units has moved the gate and not yet committed the ledger.
    const viewed = await whileStockChanges(sku, 2, () => container.inventory.view(sku));

    // Read apart, this was the gate after the change and the ledger before it: a drift of -3.
    expect(viewed).toMatchObject({ onHand: 2, available: 2, gateAvailable: 2, drift: 0 });
  });
});
