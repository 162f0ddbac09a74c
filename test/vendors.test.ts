import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { StockRecount } from '../src/modules/vendors/stock-recount.js';
import type { SyncReport } from '../src/modules/vendors/vendor-sync.js';
import { type RunningVendor, startVendorSimulator } from '../src/simulators/vendor-sim/vendor-simulator.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { Api, eventually, guests, settleInWaves } from './support/http.js';
import { useSystem } from './support/system.js';
import { simulatedVendors, vendorServer } from './support/vendors.js';

const STALE_AFTER_SECONDS = 3;

/**
 * Vendor stock in availability, kept in step on both sides by the recount, against simulated
 * vendors over HTTP. The scheduler's interval is long: these tests sync when they mean to.
 */
describe('vendor stock', () => {
  const sut = useSystem(
    { api: true, worker: true },
    {
      VENDOR_SYNC_INTERVAL_SECONDS: '3600',
      VENDOR_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS),
      VENDOR_TIMEOUT_MS: '1000',
      VENDOR_BREAK_SECONDS: '1',
    },
  );

  /**
   * Simulated vendors of this test's own, on free ports, added to flashcart with priorities in the
   * given order. Added as rows rather than through the API, which also schedules their syncs: the
   * tests sync when they mean to (the API's path is tested on its own).
   */
  async function vendors(seeds: Record<string, number>[]): Promise<{ name: string; id: string; sim: RunningVendor; switches: Api }[]> {
    const added = await simulatedVendors(sut.system.container, 'v', seeds, { sync: false });
    return added.map(({ row, sim }) => ({ name: sim.name, id: row.id, sim, switches: Api.unchecked(sim.url) }));
  }

  async function sync(vendorId: string): Promise<SyncReport> {
    const row = await sut.system.container.vendorsRepository.find(vendorId);
    return sut.system.container.vendorSync.sync(row!);
  }

  /**
   * The SKU's ledger once syncs of the vendor, each with `outcome`, have stopped counting its units
   * (the SKU's only vendor): its count went stale.
   */
  const syncUntilStale = (vendorId: string, sku: string, outcome: SyncReport['outcome']) =>
    eventually(async () => {
      expect(await sync(vendorId)).toMatchObject({ outcome });
      const inventory = await inventoryOf(sut.admin, sku);
      return inventory.vendorOnHand === 0 ? inventory : undefined;
    }, `the vendor's count of ${sku} to go stale`);

  /** The SKU's ledger once the scheduled recount of deferred SKUs has brought its vendor units to `vendorOnHand`. */
  const deferredRecountTakes = (sku: string, vendorOnHand: number) =>
    eventually(
      async () => {
        const view = await inventoryOf(sut.admin, sku);
        return view.vendorOnHand === vendorOnHand ? view : undefined;
      },
      'the deferred recount (a scheduled job)',
      15_000,
    );

  const product = (sku: string) => sut.admin.get(`/api/products/${sku}`).then((answer) => answer.body);
  const vendorView = async (id: string) => ((await sut.admin.get('/api/admin/vendors')).body as { id: string }[]).find((v) => v.id === id) as any;

  it('adds fresh vendor stock to availability, in the gate and the ledger, and shows each source', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [a, b] = await vendors([{ [sku]: 5, 'NOT-IN-CATALOG': 99 }, { [sku]: 3 }]);
    const first = await sync(a!.id);
    expect(first).toMatchObject({ outcome: 'ok', skus: 1 });
    await sync(b!.id);

    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 10, vendorOnHand: 8, reserved: 0, available: 18, gateAvailable: 18, drift: 0 });
    const shown = await product(sku);
    expect(shown.available).toBe(18);
    expect(shown.sources).toEqual([
      { source: 'local', available: 10, stale: false },
      { source: a!.name, available: 5, stale: false },
      { source: b!.name, available: 3, stale: false },
    ]);
    expect(await vendorView(a!.id)).toMatchObject({ name: a!.name, baseUrl: a!.sim.url, status: 'ok', circuit: 'closed', skuCount: 1 });
    const synced = await vendorView(a!.id);
    expect(synced.lastSyncAt).toEqual(expect.any(String));
    expect(synced.lastSuccessAt).toBe(synced.lastSyncAt);

    const [buyer] = await guests(sut.system.url!, 1);
    expect((await buyer!.order([{ sku, quantity: 17 }], 'beyond-local')).status).toBe(202);
    expect((await buyer!.order([{ sku, quantity: 2 }], 'beyond-all')).status).toBe(409);
  });

  it('moves nothing on a repeated sync with unchanged stock', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2 });
    const [a] = await vendors([{ [sku]: 7 }]);
    const first = await sync(a!.id);
    expect(first.outcome === 'ok' && first.moves).toEqual([{ sku, moved: 7, deferred: 0 }]);
    const before = await inventoryOf(sut.admin, sku);
    const again = await sync(a!.id);
    expect(again.outcome === 'ok' && again.moves).toEqual([{ sku, moved: 0, deferred: 0 }]);
    expect(await inventoryOf(sut.admin, sku)).toEqual(before);
    expect(before).toMatchObject({ vendorOnHand: 7, gateAvailable: 9, drift: 0 });
  });

  it('clamps a sync that would take reserved units, and takes the rest once the reservation ends', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a] = await vendors([{ [sku]: 5 }]);
    await sync(a!.id);
    const [buyer] = await guests(sut.system.url!, 1);
    const order = await buyer!.order([{ sku, quantity: 4 }], 'holds-vendor-units');
    expect(order.status).toBe(202);
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).reserved === 4 ? true : undefined), 'the order persisted');

    await a!.switches.post('/simulate/stock', { items: [{ sku, available: 1 }] });
    const clamped = await sync(a!.id);
    // The vendor now has 1: 4 units should go, but the gate admits only 1 more; reservations keep theirs.
    expect(clamped.outcome === 'ok' && clamped.moves).toEqual([{ sku, moved: -1, deferred: 3 }]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 4, reserved: 4, available: 0, gateAvailable: 0, drift: 0 });

    // The reservation ends: the scheduled recount of deferred SKUs takes the rest, without waiting for a sync.
    expect((await buyer!.post(`/api/orders/${order.body.id}/cancel`)).status).toBe(200);
    const rest = await deferredRecountTakes(sku, 1);
    expect(rest).toMatchObject({ vendorOnHand: 1, reserved: 0, available: 1, gateAvailable: 1, drift: 0 });
    const next = await sync(a!.id);
    expect(next.outcome === 'ok' && next.moves).toEqual([{ sku, moved: 0, deferred: 0 }]);
  });

  it('opens the breaker of a vendor that is down, stops counting its stale stock, keeps selling the rest, and closes on recovery', async () => {
    const sku = await createProduct(sut.admin, { onHand: 4 });
    const [a, b] = await vendors([{ [sku]: 6 }, { [sku]: 2 }]);
    await sync(a!.id);
    await sync(b!.id);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 8, gateAvailable: 12 });

    // Through the admin API's fault switch, as a demo would.
    const outage = await sut.admin.post(`/api/admin/vendors/${a!.id}/simulate/outage`, { seconds: 600 });
    expect(outage.status).toBe(200);
    expect(outage.body.faults.outage).toMatchObject({ mode: 'unavailable' });

    const opened = await eventually(async () => {
      const report = await sync(a!.id);
      expect(report.outcome).toBe('failed');
      return report.outcome === 'failed' && report.circuit === 'open' ? report : undefined;
    }, 'the breaker to open');
    expect(opened).toMatchObject({ outcome: 'failed', circuit: 'open' });
    const failing = await vendorView(a!.id);
    expect(failing).toMatchObject({ status: 'failed', circuit: 'open', lastError: expect.stringContaining(a!.name) });
    // The last success stays the last sync before the outage: the age of the counts still in use.
    expect(Date.parse(failing.lastSuccessAt)).toBeLessThan(Date.parse(failing.lastSyncAt));

    // Once its count is older than the threshold, a failed sync stops it counting.
    await eventually(async () => {
      await sync(a!.id);
      await sync(b!.id);
      return (await inventoryOf(sut.admin, sku)).vendorOnHand === 2 ? true : undefined;
    }, "the down vendor's stock to go stale");
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 4, vendorOnHand: 2, available: 6, gateAvailable: 6, drift: 0 });
    const shown = await product(sku);
    expect(shown.available).toBe(6);
    expect(shown.sources).toContainEqual({ source: a!.name, available: 6, stale: true });
    expect(shown.sources).toContainEqual({ source: b!.name, available: 2, stale: false });

    const [buyer] = await guests(sut.system.url!, 1);
    expect((await buyer!.order([{ sku, quantity: 6 }], 'while-a-is-down')).status).toBe(202);
    expect((await buyer!.order([{ sku, quantity: 1 }], 'more-than-the-rest')).status).toBe(409);

    await a!.switches.post('/simulate/reset');
    const recovered = await eventually(async () => {
      const report = await sync(a!.id);
      return report.outcome === 'ok' ? report : undefined;
    }, 'the vendor to answer again once its break is over');
    expect(recovered).toMatchObject({ outcome: 'ok' });
    await sync(b!.id);
    expect(await vendorView(a!.id)).toMatchObject({ status: 'ok', circuit: 'closed' });
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).reserved === 6 ? true : undefined), 'the order persisted');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 8, reserved: 6, available: 6, gateAvailable: 6, drift: 0 });
  });

  it('never admits more than the warehouse and two fluctuating vendors hold during a flash sale, and ends with no drift', async () => {
    const sku = await createProduct(sut.admin, { onHand: 20 });
    const [a, b] = await vendors([{ [sku]: 15 }, { [sku]: 10 }]);
    await sync(a!.id);
    await sync(b!.id);
    for (const vendor of [a!, b!]) await vendor.switches.post('/simulate/fluctuation', { mode: 'timer', intervalMs: 20, maxStep: 3 });

    let selling = true;
    const syncLoop = async (id: string) => {
      while (selling) await sync(id);
    };
    const loops = [syncLoop(a!.id), syncLoop(b!.id)];
    const buyers = await guests(sut.system.url!, 300);
    const results = await settleInWaves(
      buyers.map((buyer, i) => () => buyer.order([{ sku, quantity: 1 }], `fluctuating-${i}`)),
      30,
    );
    selling = false;
    await Promise.all(loops);
    for (const vendor of [a!, b!]) await vendor.switches.post('/simulate/fluctuation', { mode: 'off' });

    const answers = results.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    expect(answers.filter((answer) => answer.status !== 202 && answer.status !== 409)).toEqual([]);
    const accepted = answers.filter((answer) => answer.status === 202).length;
    expect(accepted).toBeGreaterThan(20);

    await sync(a!.id);
    await sync(b!.id);
    const view = await eventually(async () => {
      const current = await inventoryOf(sut.admin, sku);
      return current.reserved === accepted ? current : undefined;
    }, 'every accepted order persisted');
    // The ledger refused no order (it would have, had the gate admitted a unit it did not count).
    expect((await sut.admin.get('/api/admin/orders?status=FAILED&limit=1')).body.total).toBe(0);
    const vendorsHold = [a!, b!].reduce((sum, vendor) => sum + vendor.sim.simulation.items().find((item) => item.sku === sku)!.available, 0);
    // Counted vendor units follow the vendors, except those reservations still hold (clamped).
    expect(view.vendorOnHand).toBe(Math.max(vendorsHold, accepted - 20));
    expect(view).toMatchObject({ onHand: 20, reserved: accepted, drift: 0 });
    expect(view.gateAvailable).toBe(20 + view.vendorOnHand - accepted);
  });

  it('refuses bad vendor input with 4xx and records a vendor answering garbage as a failed sync', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await sut.admin.patch(`/api/admin/vendors/${unknown}`, { priority: 1 })).status).toBe(404);
    expect((await sut.admin.post(`/api/admin/vendors/${unknown}/sync`)).status).toBe(404);
    expect((await sut.admin.post(`/api/admin/vendors/${unknown}/simulate/reset`)).status).toBe(404);
    expect((await sut.admin.post('/api/admin/vendors', { name: 'Bad Name', baseUrl: 'http://127.0.0.1:1' })).status).toBe(400);
    // A NUL (a 500 before) or half an emoji (stored altered before) in the URL.
    for (const baseUrl of ['http://127.0.0.1:1/\u0000', 'http://127.0.0.1:1/\ud800']) {
      expect((await sut.admin.post('/api/admin/vendors', { name: `odd-${randomBytes(3).toString('hex')}`, baseUrl, enabled: false })).status).toBe(
        400,
      );
    }
    expect((await sut.admin.post('/api/admin/vendors', { name: 'no-scheme', baseUrl: 'ftp://127.0.0.1' })).status).toBe(400);
    // A scheme in capitals is a valid URL, stored in lowercase (it was a 500: the column's check wants http:// or https://).
    const shouting = await sut.admin.post('/api/admin/vendors', {
      name: `caps-${randomBytes(3).toString('hex')}`,
      baseUrl: 'HTTP://127.0.0.1:1/',
      enabled: false,
    });
    expect(shouting.status).toBe(201);
    expect(shouting.body.baseUrl).toBe('http://127.0.0.1:1');
    const patched = await sut.admin.patch(`/api/admin/vendors/${shouting.body.id}`, { baseUrl: 'Https://127.0.0.1:2' });
    expect(patched.status).toBe(200);
    expect(patched.body.baseUrl).toBe('https://127.0.0.1:2');
    const [buyer] = await guests(sut.system.url!, 1);
    expect((await buyer!.get('/api/admin/vendors')).status).toBe(403);

    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [a] = await vendors([{ [sku]: 4 }]);
    expect((await sut.admin.post('/api/admin/vendors', { name: a!.name, baseUrl: a!.sim.url })).status).toBe(409);
    expect((await sut.admin.post(`/api/admin/vendors/${a!.id}/simulate/nonsense`)).status).toBe(400);
    expect((await sut.admin.post(`/api/admin/vendors/${a!.id}/simulate/errors`, { rate: 7 })).status).toBe(400);
    await sync(a!.id);
    await a!.switches.post('/simulate/garbage', { enabled: true, kind: 'negative-count' });
    const refused = await sync(a!.id);
    expect(refused).toMatchObject({ outcome: 'failed', error: expect.stringContaining('stock answer refused') });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 4, gateAvailable: 5, drift: 0 });
    expect((await sut.admin.post(`/api/admin/vendors/${a!.id}/sync`)).status).toBe(202);
  });

  it('refuses a base URL the vendor paths cannot be appended to: a query, a fragment, or credentials', async () => {
    // `${baseUrl}/stock` of these asked GET /?x=1/stock, or GET / (the fragment is never sent), or
    // dropped the credentials: a vendor that could never sync nor take an order, stored with a 201.
    for (const baseUrl of ['http://127.0.0.1:1/?x=1', 'http://127.0.0.1:1/api#v1', 'http://user:secret@127.0.0.1:1']) {
      const name = `odd-url-${randomBytes(3).toString('hex')}`;
      const created = await sut.admin.post('/api/admin/vendors', { name, baseUrl, enabled: false });
      expect(created.status, baseUrl).toBe(400);
      expect(created.body.error.code).toBe('VALIDATION_FAILED');
    }
    const kept = await sut.admin.post('/api/admin/vendors', {
      name: `path-${randomBytes(3).toString('hex')}`,
      baseUrl: 'http://127.0.0.1:1/api/v1/',
      enabled: false,
    });
    expect(kept.status).toBe(201);
    expect(kept.body.baseUrl).toBe('http://127.0.0.1:1/api/v1');
    expect((await sut.admin.patch(`/api/admin/vendors/${kept.body.id}`, { baseUrl: 'http://127.0.0.1:1/?v=2' })).status).toBe(400);
  });

  it('stops counting a disabled vendor’s units when its disabling failed part-way and is sent again', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a] = await vendors([{ [sku]: 7 }]);
    await sync(a!.id);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 7, gateAvailable: 7 });

    // The recount of this SKU fails once (a Postgres or Redis blip) after the vendor's row was
    // changed; the worker's own recounts of other SKUs go on meanwhile.
    const { recount: counter } = sut.system.container;
    const original = counter.recount.bind(counter);
    let blipped = false;
    const recount = vi.spyOn(counter, 'recount').mockImplementation(async (target) => {
      if (target !== sku || blipped) return original(target);
      blipped = true;
      throw new Error('a blip');
    });
    try {
      const unchecked = new Api(sut.admin.baseUrl, sut.admin.token, null);
      expect((await unchecked.patch(`/api/admin/vendors/${a!.id}`, { enabled: false })).status).toBe(500);
      expect((await sut.admin.patch(`/api/admin/vendors/${a!.id}`, { enabled: false })).status).toBe(200);
    } finally {
      recount.mockRestore();
    }
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 0, gateAvailable: 0, drift: 0 });
  });

  it('takes a disabled vendor’s units that reservations held once those reservations end, though no sync of it comes again', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a] = await vendors([{ [sku]: 10 }]);
    await sync(a!.id);
    const [buyer] = await guests(sut.system.url!, 1);
    const held = await buyer!.order([{ sku, quantity: 10 }], 'holds-the-vendor-units');
    expect(held.status).toBe(202);
    // Disabled while every unit is held: the recount cannot take them now.
    expect((await sut.admin.patch(`/api/admin/vendors/${a!.id}`, { enabled: false })).status).toBe(200);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 10, gateAvailable: 0 });

    // The order is cancelled: its units must not go back on sale, as no vendor supplies them any more.
    expect((await buyer!.post(`/api/orders/${held.body.id}/cancel`)).status).toBe(200);
    const after = await deferredRecountTakes(sku, 0);
    expect(after).toMatchObject({ vendorOnHand: 0, reserved: 0, gateAvailable: 0, drift: 0 });
    const late = await buyer!.order([{ sku, quantity: 1 }], 'after-the-vendor-left');
    expect(late.status).toBe(409);
  });

  it('keeps a SKU waiting for its deferred recount when a sync clamps it again just as the scheduled recount settles it', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a] = await vendors([{ [sku]: 5 }]);
    await sync(a!.id);
    const [buyer] = await guests(sut.system.url!, 1);
    expect((await buyer!.order([{ sku, quantity: 4 }], 'holds-while-the-recount-settles')).status).toBe(202);
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).reserved === 4 ? true : undefined), 'the order persisted');
    await container.stock.markRecountDeferred(sku);

    // The scheduled recount finds the SKU settled (the vendor still has 5); just as it is done, the
    // vendor drops to 1 and its sync clamps the SKU (the order holds 4), which must leave it waiting.
    let racing = true;
    const recount = new StockRecount({
      inventory: container.inventory,
      ledger: container.inventoryRepository,
      vendors: container.vendorsRepository,
      staleAfterMs: 60_000,
      logger: createLogger('silent'),
      stock: {
        deferredRecounts: async () => [sku],
        markRecountDeferred: (marked) => container.stock.markRecountDeferred(marked),
        // The race comes with the SKU's removal from the set, whenever the recount makes it.
        clearRecountDeferred: async (cleared) => {
          if (racing) {
            racing = false;
            await a!.switches.post('/simulate/stock', { items: [{ sku, available: 1 }] });
            const clamped = await sync(a!.id);
            // (The worker's own tick may take the 1 first: what is left waiting is 3 either way.)
            expect(clamped.outcome === 'ok' && clamped.moves.map(({ deferred }) => deferred)).toEqual([3]);
          }
          await container.stock.clearRecountDeferred(cleared);
        },
      },
    });
    await recount.recountDeferred();
    expect(racing).toBe(false);
    await eventually(async () => ((await container.stock.deferredRecounts()).includes(sku) ? true : undefined), 'the SKU still waiting');
  });

  it('dates a vendor’s counts by its asOf: an answer from a cache an hour old does not count, one dated ahead counts from now', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    /** A vendor answering its stock as of `asOf`, as one behind a cache would. */
    const cachedVendor = (asOf: Date) =>
      vendorServer(
        sut.system.container,
        'cached',
        (_request, response) =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ asOf: asOf.toISOString(), items: [{ sku, available: 6 }] })),
        50,
      );
    const stale = await cachedVendor(new Date(Date.now() - 3_600_000));
    expect(await sync(stale.id)).toMatchObject({ outcome: 'ok' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 0, gateAvailable: 1 });
    const ahead = await cachedVendor(new Date(Date.now() + 3_600_000));
    expect(await sync(ahead.id)).toMatchObject({ outcome: 'ok' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 6, gateAvailable: 7, drift: 0 });
    // Dated from our request, not the vendor's future, so it goes stale like any count.
    const [seen] = await sut.system.container.db
      .selectFrom('vendorStock')
      .select('seenAt')
      .where('vendorId', '=', ahead.id)
      .where('sku', '=', sku)
      .execute();
    expect(seen!.seenAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('stops counting a vendor’s stock that goes stale while its syncs succeed, its answers from further back than what it said before', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    // First as of a moment ago (fresh a little longer), then from a lagging replica an hour behind.
    let asOf = new Date(Date.now() - 1_000);
    const lagging = await vendorServer(sut.system.container, 'lagging', (_request, response) =>
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ asOf: asOf.toISOString(), items: [{ sku, available: 9 }] })),
    );
    expect(await sync(lagging.id)).toMatchObject({ outcome: 'ok' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 9, gateAvailable: 10 });

    asOf = new Date(Date.now() - 3_600_000);
    expect(await syncUntilStale(lagging.id, sku, 'ok')).toMatchObject({ vendorOnHand: 0, gateAvailable: 1, drift: 0 });
  });

  it('dates and ages a vendor’s counts by Postgres’s clock, as vendor orders are, whatever the clock of the process', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a] = await vendors([{ [sku]: 4 }]);
    // A process whose clock runs two minutes slow dated a count before an order placed at the
    // vendor after it (the order was not subtracted); one whose clock runs ten minutes fast found
    // every count stale as soon as it was written (the vendor's units stopped counting).
    for (const skewMs of [-120_000, 600_000]) {
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      onTestFinished(() => {
        vi.useRealTimers();
      });
      vi.setSystemTime(Date.now() + skewMs);
      const before = await container.vendorsRepository.databaseNow();
      expect(await sync(a!.id)).toMatchObject({ outcome: 'ok' });
      const [row] = await container.db.selectFrom('vendorStock').select('seenAt').where('vendorId', '=', a!.id).where('sku', '=', sku).execute();
      expect(row!.seenAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 4, gateAvailable: 4, drift: 0 });
      const product = await sut.admin.get(`/api/products/${sku}`);
      expect(product.body.sources).toContainEqual({ source: a!.name, available: 4, stale: false });
      vi.useRealTimers();
    }
  });

  it('ignores SKUs a vendor lists that no catalog SKU can look like (a NUL, half an emoji), and keeps counting the rest', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    let items = [{ sku, available: 4 }];
    const row = await vendorServer(sut.system.container, 'odd-skus', (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ asOf: new Date().toISOString(), items })),
    );
    expect(await sync(row.id)).toMatchObject({ outcome: 'ok' });

    // Postgres's JSON refuses both ("\u0000 cannot be converted to text"): every sync of the vendor
    // threw before, so its row kept saying ok and its counts never went stale.
    items = [
      { sku: 'NUL-\u0000', available: 1 },
      { sku: 'HALF-\ud83d', available: 1 },
      { sku, available: 2 },
    ];
    expect(await sync(row.id)).toMatchObject({ outcome: 'ok', skus: 1 });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 2, gateAvailable: 3, drift: 0 });
  });

  it('records a sync whose vendor refuses with a NUL in its error message as failed, and stops counting its stale stock', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    let refusing = false;
    const row = await vendorServer(sut.system.container, 'nul-error', (_request, response) => {
      if (refusing) {
        response
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'no\u0000pe' } }));
      } else {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ asOf: new Date().toISOString(), items: [{ sku, available: 4 }] }));
      }
    });
    expect(await sync(row.id)).toMatchObject({ outcome: 'ok' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 4 });

    // Postgres's text refuses a NUL: recording the failure threw, so the sync job failed on every
    // tick, the row kept saying ok, and the vendor's counts never went stale.
    refusing = true;
    expect(await sync(row.id)).toMatchObject({ outcome: 'failed', error: expect.stringContaining('BAD_REQUEST') });
    expect(await vendorView(row.id)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('BAD_REQUEST') });
    expect(await syncUntilStale(row.id, sku, 'failed')).toMatchObject({ vendorOnHand: 0, gateAvailable: 1, drift: 0 });
  });

  it("runs an admin's sync request after an earlier requested sync failed for good", async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [a] = await vendors([{ [sku]: 4 }]);
    const { redis, keys, queues } = sut.system.container;
    // Our own store failing the recount (a gate that is not a number), on both attempts of the job.
    await redis.set(keys.gate(sku), 'not-a-number');
    expect((await sut.admin.post(`/api/admin/vendors/${a!.id}/sync`)).status).toBe(202);
    await eventually(async () => {
      const failed = await queues.queue('vendors').getFailed();
      return failed.some((job) => job.name === 'vendor-sync' && job.data.vendorId === a!.id) ? true : undefined;
    }, 'the requested sync to fail for good');
    await redis.del(keys.gate(sku));

    // Queued under a fixed job id, the new request was the failed job, kept: answered 202 and never run.
    expect((await sut.admin.post(`/api/admin/vendors/${a!.id}/sync`)).status).toBe(202);
    const synced = await eventually(
      async () => {
        const view = await inventoryOf(sut.admin, sku);
        return view.vendorOnHand === 4 ? view : undefined;
      },
      'the second requested sync',
      15_000,
    );
    expect(synced).toMatchObject({ vendorOnHand: 4, gateAvailable: 5, drift: 0 });
  });

  it('syncs a vendor listing 40,000 SKUs, most of them not in the catalog, in one answer', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const others = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`ELSEWHERE-${i}`, 1]));
    const [a] = await vendors([{ ...others, [sku]: 4 }]);
    // Two bound parameters per item, as the rows were written before, is past what Postgres takes.
    expect(await sync(a!.id)).toMatchObject({ outcome: 'ok' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 4, gateAvailable: 5, drift: 0 });
  });

  it('syncs a vendor added through the API on the worker, stops counting it at once when disabled, and again once enabled', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const simulator = await startVendorSimulator({ vendors: [{ name: 'api-made', port: 0, seed: { [sku]: 4 } }], logger: createLogger('silent') });
    onTestFinished(() => simulator.close());
    const name = `api-${randomBytes(3).toString('hex')}`;
    const created = await sut.admin.post('/api/admin/vendors', { name, baseUrl: `${simulator.vendors[0]!.url}/`, priority: 5 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, baseUrl: simulator.vendors[0]!.url, priority: 5, enabled: true, status: 'never', circuit: 'closed' });
    const a = created.body as { id: string };
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).vendorOnHand === 4 ? true : undefined), 'the worker to sync the new vendor');
    const schedulers = await sut.system.container.queues.queue('vendors').getJobSchedulers();
    expect(schedulers.map((scheduler) => scheduler.key)).toContain(`vendor-sync-${a.id}`);

    const disabled = await sut.admin.patch(`/api/admin/vendors/${a.id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, status: 'disabled' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 0, gateAvailable: 1, drift: 0 });
    expect((await product(sku)).sources).toEqual([{ source: 'local', available: 1, stale: false }]);
    expect((await sut.admin.post(`/api/admin/vendors/${a.id}/sync`)).status).toBe(409);
    const afterDisable = await sut.system.container.queues.queue('vendors').getJobSchedulers();
    expect(afterDisable.map((scheduler) => scheduler.key)).not.toContain(`vendor-sync-${a.id}`);

    await sut.admin.patch(`/api/admin/vendors/${a.id}`, { enabled: true });
    // Enabling queues a sync on the worker.
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).vendorOnHand === 4 ? true : undefined), 'the queued sync');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ gateAvailable: 5, drift: 0 });
  });
});
