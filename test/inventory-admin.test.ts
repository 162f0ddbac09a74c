import { describe, expect, it } from 'vitest';
import { type InventoryListItem, ON_HAND_LIMIT } from '../src/modules/inventory/inventory.schemas.js';
import { LowStockAlertsRepository } from '../src/modules/inventory/low-stock-alerts.repository.js';
import { createProduct, inventoryOf, uniqueSku } from './support/fixtures.js';
import { Api, eventually, guests } from './support/http.js';
import { useSystem } from './support/system.js';

describe('inventory administration', () => {
  const sut = useSystem({ api: true, worker: true });

  /** Every item of the list, walking it `limit` at a time. */
  const wholeList = async (query: string, limit: number) => {
    const items: InventoryListItem[] = [];
    for (let page = 1; ; page++) {
      const answer = await sut.admin.get(`/api/admin/inventory?${query}&limit=${limit}&page=${page}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ page, limit });
      expect(answer.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...answer.body.items);
      if (answer.body.items.length < limit) {
        expect(answer.body.total).toBe(items.length);
        return items;
      }
    }
  };

  const bySku = (items: InventoryListItem[]) => new Map(items.map((item) => [item.sku, item]));

  describe('the inventory list', () => {
    it("lists every live product's ledger and gate in SKU order, a page at a time, without loading a gate", async () => {
      const prefix = uniqueSku('LIST');
      const [sold, untouched, behind, deleted] = ['A', 'B', 'C', 'D'].map((suffix) => `${prefix}-${suffix}`) as [string, string, string, string];
      await createProduct(sut.admin, { sku: sold, onHand: 10, title: 'Sold' });
      await createProduct(sut.admin, { sku: untouched, onHand: 7, title: 'Untouched' });
      await createProduct(sut.admin, { sku: behind, onHand: 9, title: 'Behind' });
      await createProduct(sut.admin, { sku: deleted, onHand: 4 });
      expect((await sut.admin.delete(`/api/admin/products/${deleted}`)).status).toBe(204);
      const [buyer] = await guests(sut.system.url!, 1);
      expect((await buyer!.order([{ sku: sold, quantity: 3 }], 'list-order')).status).toBe(202);
      await eventually(async () => ((await inventoryOf(sut.admin, sold)).reserved === 3 ? true : undefined), 'persistence');
      // As while accepted orders wait for the worker: the gate below the ledger.
      await inventoryOf(sut.admin, behind);
      await sut.system.container.stock.adjustGate(behind, -2, 'list-test-gate-behind');
      const { redis, keys } = sut.system.container;

      const items = await wholeList('', 2);
      expect(items.map((item) => item.sku)).toEqual(items.map((item) => item.sku).sort());
      const listed = bySku(items);
      expect(listed.get(sold)).toEqual({
        sku: sold,
        title: 'Sold',
        lowStockThreshold: 5,
        onHand: 10,
        vendorOnHand: 0,
        reserved: 3,
        sold: 0,
        available: 7,
        gateAvailable: 7,
        drift: 0,
      });
      expect(listed.get(behind)).toMatchObject({ onHand: 9, available: 9, gateAvailable: 7, drift: -2 });
      expect(listed.get(untouched)).toMatchObject({ onHand: 7, available: 7, gateAvailable: 7, drift: 0 });
      expect(await redis.exists(keys.gate(untouched))).toBe(0);
      expect(listed.has(deleted)).toBe(false);
      expect(await wholeList('', 100)).toEqual(items);
    });

    it("keeps with low=true exactly the SKUs whose ledger availability is at or under their product's threshold", async () => {
      const prefix = uniqueSku('LOW');
      const sku = (suffix: string) => `${prefix}-${suffix}`;
      await createProduct(sut.admin, { sku: sku('AT-DEFAULT'), onHand: 5 });
      await createProduct(sut.admin, { sku: sku('ABOVE-DEFAULT'), onHand: 6 });
      await createProduct(sut.admin, { sku: sku('RESERVED-DOWN'), onHand: 8 });
      await createProduct(sut.admin, { sku: sku('RAISED'), onHand: 20 });
      await createProduct(sut.admin, { sku: sku('ZERO'), onHand: 0 });
      await createProduct(sut.admin, { sku: sku('ZERO-THRESHOLD'), onHand: 1 });
      expect((await sut.admin.patch(`/api/admin/products/${sku('RAISED')}`, { lowStockThreshold: 20 })).status).toBe(200);
      expect((await sut.admin.patch(`/api/admin/products/${sku('ZERO-THRESHOLD')}`, { lowStockThreshold: 0 })).status).toBe(200);
      const [buyer] = await guests(sut.system.url!, 1);
      expect((await buyer!.order([{ sku: sku('RESERVED-DOWN'), quantity: 3 }], 'low-order')).status).toBe(202);
      await eventually(async () => ((await inventoryOf(sut.admin, sku('RESERVED-DOWN'))).reserved === 3 ? true : undefined), 'persistence');

      const low = await wholeList('low=true', 3);
      expect(low.every((item) => item.available <= item.lowStockThreshold)).toBe(true);
      expect(low.map((item) => item.sku).filter((listed) => listed.startsWith(prefix))).toEqual(
        [sku('AT-DEFAULT'), sku('RAISED'), sku('RESERVED-DOWN'), sku('ZERO')].sort(),
      );
      const all = await wholeList('low=false', 100);
      expect(all.filter((item) => item.sku.startsWith(prefix))).toHaveLength(6);
      expect(all.filter((item) => item.available <= item.lowStockThreshold)).toEqual(low);
    });

    it("calls a SKU low by what the ledger can sell, vendor units included, in the list and in the admins' alert alike", async () => {
      const { container } = sut.system;
      const sku = await createProduct(sut.admin, { onHand: 0 });
      await container.db.transaction().execute((tx) => container.inventoryRepository.setVendorOnHand(tx, sku, 10, 10));
      const [buyer] = await guests(sut.system.url!, 1);
      const placed = await buyer!.order([{ sku, quantity: 1 }], 'vendor-units-low');
      expect(placed.status).toBe(202);
      expect((await sut.admin.patch(`/api/admin/orders/${placed.body.id}`, { status: 'CONFIRMED' })).status).toBe(200);
      // Sold from the vendor units: 9 left to sell, above the default threshold of 5.
      expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 0, vendorOnHand: 9, available: 9 });
      expect((await wholeList('low=true', 100)).some((item) => item.sku === sku)).toBe(false);

      // The check the confirmation's event runs (the worker may run it too; neither may raise an alert).
      const alerts = await new LowStockAlertsRepository(container.db).alertsFor([{ eventId: 0, orderId: placed.body.id }]);
      expect(alerts.get(0)).toEqual([]);
      expect(await container.db.selectFrom('lowStockAlerts').selectAll().where('sku', '=', sku).execute()).toEqual([]);
    });

    it('finds with q the SKUs whose SKU or title contains it, case aside, wildcards taken literally, with low=true too', async () => {
      const tag = uniqueSku('Q').slice(2).toLowerCase();
      const byTitle = await createProduct(sut.admin, { title: `Brass Sextant ${tag}`, onHand: 50 });
      const bySkuOnly = await createProduct(sut.admin, { sku: `SEXT-${tag.toUpperCase()}`, onHand: 2 });
      const lowByTitle = await createProduct(sut.admin, { title: `Brass Compass ${tag}`, onHand: 2 });
      const skus = async (query: string) => (await wholeList(query, 2)).map((item) => item.sku);

      expect(await skus(`q=${encodeURIComponent(`SEXTANT ${tag.toUpperCase()}`)}`)).toEqual([byTitle]);
      expect(await skus(`q=sext-${tag}`)).toEqual([bySkuOnly]);
      // The list is by SKU.
      expect(await skus(`q=${tag}`)).toEqual([byTitle, lowByTitle, bySkuOnly].sort());
      expect(await skus(`q=${tag}&low=true`)).toEqual([lowByTitle, bySkuOnly].sort());
      // % and _ are characters to find, not patterns: nothing of ours holds them.
      expect(await skus(`q=${encodeURIComponent(`%${tag}`)}`)).toEqual([]);
      expect(await skus(`q=${encodeURIComponent(`_${tag}`)}`)).toEqual([]);
    });

    it('answers admins only, and refuses a query it does not understand', async () => {
      const [buyer] = await guests(sut.system.url!, 1);
      expect((await buyer!.get('/api/admin/inventory')).status).toBe(403);
      expect((await new Api(sut.system.url!).get('/api/admin/inventory')).status).toBe(401);
      for (const query of ['low=maybe', 'limit=101', 'page=0', 'sort=sku', 'q=%20', `q=${'x'.repeat(101)}`]) {
        const refused = await sut.admin.get(`/api/admin/inventory?${query}`);
        expect(refused.status, query).toBe(400);
        expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('the low-stock threshold', () => {
    it('is 5 unless given, shown on the product, and changed by a PATCH', async () => {
      const sku = await createProduct(sut.admin, { onHand: 1 });
      const catalog = new Api(sut.system.url!);
      expect((await catalog.get(`/api/products/${sku}`)).body.lowStockThreshold).toBe(5);
      const patched = await sut.admin.patch(`/api/admin/products/${sku}`, { lowStockThreshold: 12 });
      expect(patched.body).toMatchObject({ sku, lowStockThreshold: 12 });
      expect((await catalog.get(`/api/products/${sku}`)).body.lowStockThreshold).toBe(12);

      const other = uniqueSku();
      const created = await sut.admin.post('/api/admin/products', {
        sku: other,
        title: 'Set',
        priceCents: 100,
        category: 'test',
        lowStockThreshold: 0,
      });
      expect(created.status).toBe(201);
      expect(created.body.lowStockThreshold).toBe(0);
    });

    it('refuses a threshold that is not a whole number of units, and keeps the one it had', async () => {
      const sku = await createProduct(sut.admin, { onHand: 1 });
      for (const lowStockThreshold of [-1, 2.5, '3', ON_HAND_LIMIT + 1]) {
        const refused = await sut.admin.patch(`/api/admin/products/${sku}`, { lowStockThreshold });
        expect(refused.status, String(lowStockThreshold)).toBe(400);
      }
      expect((await new Api(sut.system.url!).get(`/api/products/${sku}`)).body.lowStockThreshold).toBe(5);
    });
  });

  const movementsOf = async (sku: string) =>
    sut.system.container.db.selectFrom('inventoryMovements').select(['onHandDelta', 'reason']).where('sku', '=', sku).orderBy('id').execute();

  describe('the on-hand limit', () => {
    it('adjusts stock up to the limit and refuses one unit more with a 400 that changes nothing', async () => {
      const sku = await createProduct(sut.admin, { onHand: 0 });
      const steps = [ON_HAND_LIMIT - 1, 1];
      for (const delta of steps) {
        expect((await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta })).status).toBe(200);
      }
      const atLimit = await inventoryOf(sut.admin, sku);
      expect(atLimit).toMatchObject({ onHand: ON_HAND_LIMIT, available: ON_HAND_LIMIT, gateAvailable: ON_HAND_LIMIT, drift: 0 });
      const movements = await movementsOf(sku);
      expect(movements.map((movement) => movement.onHandDelta)).toEqual(steps);

      const refused = await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 1 });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { sku, limit: ON_HAND_LIMIT, onHand: ON_HAND_LIMIT, delta: 1 },
      });
      expect(await inventoryOf(sut.admin, sku)).toEqual(atLimit);
      expect(await movementsOf(sku)).toEqual(movements);
    });

    it('refuses, before anything changes, the repeated large adjustments that used to overflow the column', async () => {
      const sku = await createProduct(sut.admin, { onHand: 5 });
      const adjust = (delta: number) => sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta });
      expect((await adjust(ON_HAND_LIMIT - 5)).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const refused = await adjust(ON_HAND_LIMIT);
        expect(refused.status).toBe(400);
        expect(refused.body.error.details).toMatchObject({ limit: ON_HAND_LIMIT, onHand: ON_HAND_LIMIT, delta: ON_HAND_LIMIT });
      }
      expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: ON_HAND_LIMIT, gateAvailable: ON_HAND_LIMIT, drift: 0 });
      expect(await movementsOf(sku)).toHaveLength(2);
    });

    it('holds every way of setting on-hand stock to the same limit', async () => {
      const sku = await createProduct(sut.admin, { onHand: ON_HAND_LIMIT });
      const tooMany = ON_HAND_LIMIT + 1;
      const answers = await Promise.all([
        sut.admin.put(`/api/admin/inventory/${sku}`, { onHand: tooMany }),
        sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: tooMany }),
        sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -tooMany }),
        sut.admin.post('/api/admin/products', { sku: `${sku}-NEW`, title: 'Too many', priceCents: 100, category: 'test', onHand: tooMany }),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400]);
      expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: ON_HAND_LIMIT, gateAvailable: ON_HAND_LIMIT });
      expect((await sut.admin.get(`/api/admin/inventory/${sku}-NEW`)).status).toBe(404);
    });
  });

  describe('taking local units away while vendor units are counted', () => {
    it('refuses with a 409 an adjustment that would leave fewer than 0 units on hand, and changes nothing', async () => {
      const { container } = sut.system;
      const sku = await createProduct(sut.admin, { onHand: 5 });
      // Ten vendor units counted and nothing reserved: reservations do not stop the removal, the warehouse's count does.
      await container.db.transaction().execute((tx) => container.inventoryRepository.setVendorOnHand(tx, sku, 10, 10));
      const before = await inventoryOf(sut.admin, sku);
      expect(before).toMatchObject({ onHand: 5, vendorOnHand: 10, reserved: 0, gateAvailable: 15, drift: 0 });

      const refused = await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -8 });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku, requested: 8, available: 5 } });
      expect(await inventoryOf(sut.admin, sku)).toEqual(before);
      expect(await movementsOf(sku)).toEqual([{ onHandDelta: 5, reason: 'product created' }]);

      // Down to 0 is allowed: the vendor units still cover what can be sold.
      const emptied = await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -5 });
      expect(emptied.status).toBe(200);
      expect(emptied.body).toMatchObject({ onHand: 0, vendorOnHand: 10, available: 10, gateAvailable: 10, drift: 0 });
    });
  });
});
