import { describe, expect, it } from 'vitest';
import { ON_HAND_LIMIT } from '../src/modules/inventory/inventory.schemas.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { useSystem } from './support/system.js';

describe('inventory administration', () => {
  const sut = useSystem({ api: true, worker: false });

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
});
