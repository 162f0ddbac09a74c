import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/lib/hashing.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { eventually, guests } from './support/http.js';
import { useSystem } from './support/system.js';

describe('idempotent order placement', () => {
  const sut = useSystem({ api: true, worker: true });

  it('gives one order and identical answers to the same key and body sent 10 times at once', async () => {
    const sku = await createProduct(sut.admin, { onHand: 50 });
    const [buyer] = await guests(sut.system.url!, 1);
    const answers = await Promise.all(Array.from({ length: 10 }, () => buyer!.order([{ sku, quantity: 3 }], 'same-key')));

    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    const view = await eventually(async () => {
      const current = await inventoryOf(sut.admin, sku);
      return current.reserved > 0 ? current : undefined;
    }, 'the order to be persisted');
    expect(view).toMatchObject({ reserved: 3, gateAvailable: 47, drift: 0 });
    const mine = await buyer!.get('/api/orders');
    expect(mine.body.total).toBe(1);
    expect(mine.body.items[0].id).toBe(answers[0]!.body.id);
  });

  it('answers a later retry of the same request with the original answer', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const first = await buyer!.order([{ sku, quantity: 1 }], 'retry-later');
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).reserved === 1 ? true : undefined), 'persistence');
    const again = await buyer!.order([{ sku, quantity: 1 }], 'retry-later');
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect((await inventoryOf(sut.admin, sku)).gateAvailable).toBe(4);
  });

  it('answers a retry with its order even once the product has sold out', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [buyer, other] = await guests(sut.system.url!, 2);
    const first = await buyer!.order([{ sku, quantity: 1 }], 'last-unit');
    expect(first.status).toBe(202);
    expect((await other!.order([{ sku, quantity: 1 }], 'too-late')).status).toBe(409);
    const retry = await buyer!.order([{ sku, quantity: 1 }], 'last-unit');
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect((await buyer!.order([{ sku, quantity: 2 }], 'last-unit')).status).toBe(422);
  });

  it('refuses the same key with another body with 422 and holds nothing more', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    expect((await buyer!.order([{ sku, quantity: 1 }], 'reused')).status).toBe(202);
    const reused = await buyer!.order([{ sku, quantity: 2 }], 'reused');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const view = await eventually(async () => {
      const current = await inventoryOf(sut.admin, sku);
      return current.reserved === 1 ? current : undefined;
    }, 'the first order to be persisted');
    expect(view).toMatchObject({ reserved: 1, gateAvailable: 9, drift: 0 });
  });

  it('keeps the keys of different users apart', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [alice, bob] = await guests(sut.system.url!, 2);
    const [forAlice, forBob] = await Promise.all([
      alice!.order([{ sku, quantity: 1 }], 'shared-key'),
      bob!.order([{ sku, quantity: 2 }], 'shared-key'),
    ]);
    expect(forAlice.status).toBe(202);
    expect(forBob.status).toBe(202);
    expect(forAlice.body.id).not.toBe(forBob.body.id);
    expect((await bob!.get(`/api/orders/${forAlice.body.id}`)).status).toBe(404);
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).reserved === 3 ? true : undefined), 'both orders persisted');
  });

  it('does not remember a refusal: the same key succeeds once stock is back', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [buyer] = await guests(sut.system.url!, 1);
    const refused = await buyer!.order([{ sku, quantity: 1 }], 'after-restock');
    expect(refused.status).toBe(409);
    expect((await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 1 })).status).toBe(200);
    expect((await buyer!.order([{ sku, quantity: 1 }], 'after-restock')).status).toBe(202);
  });
});

describe('the idempotency record of an order whose buyer started paying', () => {
  // A short hold with a long payment extension, and the shortest key memory the settings allow.
  const sut = useSystem(
    { api: true, worker: true, pspSim: true },
    { RESERVATION_TTL_SECONDS: '60', PAYMENT_HOLD_EXTENSION_SECONDS: '86400', IDEMPOTENCY_TTL_SECONDS: '60' },
  );

  it('outlives the hold, so a retry of the key can never reserve the same order a second time while it is held', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'long-hold');
    expect(placed.status).toBe(202);
    expect((await buyer!.post(`/api/orders/${placed.body.id}/payment`)).status).toBe(201);
    const heldUntilMs = Date.parse((await buyer!.get(`/api/orders/${placed.body.id}`)).body.expiresAt);

    const me = await buyer!.get('/api/me');
    const remembersForMs = await container.redis.pttl(container.keys.idempotency(me.body.id, sha256Hex('long-hold')));
    expect(Date.now() + remembersForMs).toBeGreaterThan(heldUntilMs);
  });
});
