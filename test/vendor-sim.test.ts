import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { defaultSimulatedVendors } from '../src/simulators/vendor-sim/default-vendors.js';
import { type RunningVendor, startVendorSimulator, type VendorSimulator } from '../src/simulators/vendor-sim/vendor-simulator.js';
import { Api, eventually } from './support/http.js';

const logger = createLogger('silent');

describe('the vendor simulator', () => {
  let simulator: VendorSimulator;
  let acme: RunningVendor;
  let globex: RunningVendor;
  let api: Api;

  beforeAll(async () => {
    simulator = await startVendorSimulator({ vendors: defaultSimulatedVendors(0), logger });
    [acme, globex] = simulator.vendors as [RunningVendor, RunningVendor];
    api = Api.unchecked(acme.url);
  });

  afterAll(async () => {
    await simulator?.close();
  });

  beforeEach(async () => {
    for (const vendor of simulator.vendors) expect((await Api.unchecked(vendor.url).post('/simulate/reset')).status).toBe(200);
  });

  const stockOf = async (sku: string, vendor: Api = api) =>
    ((await vendor.get('/stock')).body.items as { sku: string; available: number }[]).find((item) => item.sku === sku)?.available;

  describe('each vendor', () => {
    it('answers on its own port with its own stock, health and info', async () => {
      expect(acme.port).not.toBe(globex.port);
      const stock = await api.get('/stock');
      expect(stock.status).toBe(200);
      expect(stock.body).toMatchObject({ vendor: 'acme', asOf: expect.any(String) });
      expect(Number.isNaN(Date.parse(stock.body.asOf))).toBe(false);
      expect(stock.body.items).toContainEqual({ sku: 'ELEC-003', available: 10 });
      const other = await Api.unchecked(globex.url).get('/stock');
      expect(other.body.vendor).toBe('globex');
      expect(other.body.items.map((item: { sku: string }) => item.sku)).not.toContain('ELEC-003');

      expect(await api.get('/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
      const info = await api.get('/info');
      expect(info.body).toEqual({
        name: 'acme',
        skuCount: stock.body.items.length,
        faults: { outage: null, latencyMs: 0, errorRate: 0, garbage: null, fluctuation: null },
      });
    });
  });

  describe('POST /orders', () => {
    it('places an order once per line id and answers a repeat with the same order', async () => {
      await api.post('/simulate/stock', { items: [{ sku: 'TOY-005', available: 8 }] });
      const line = { lineId: 'order-1:TOY-005', sku: 'TOY-005', quantity: 3 };
      const first = await api.post('/orders', line);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ vendorOrderId: expect.any(String), ...line });
      const repeat = await api.post('/orders', line);
      expect(repeat).toMatchObject({ status: 200, body: first.body });
      expect(await stockOf('TOY-005')).toBe(5);
    });

    it('takes stock once for 20 concurrent repeats of one line', async () => {
      await api.post('/simulate/stock', { items: [{ sku: 'HOME-003', available: 12 }] });
      const line = { lineId: 'order-2:HOME-003', sku: 'HOME-003', quantity: 4 };
      const answers = await Promise.all(Array.from({ length: 20 }, () => api.post('/orders', line)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([...Array(19).fill(200), 201]);
      expect(new Set(answers.map((answer) => answer.body.vendorOrderId)).size).toBe(1);
      expect(await stockOf('HOME-003')).toBe(8);
    });

    it('refuses a short line with the stock it has, and takes nothing', async () => {
      await api.post('/simulate/stock', { items: [{ sku: 'ELEC-005', available: 2 }] });
      const short = await api.post('/orders', { lineId: 'order-3:ELEC-005', sku: 'ELEC-005', quantity: 3 });
      expect(short).toMatchObject({
        status: 409,
        body: { error: { code: 'INSUFFICIENT_STOCK', details: { sku: 'ELEC-005', requested: 3, available: 2 } } },
      });
      expect(await stockOf('ELEC-005')).toBe(2);
    });

    it('refuses a SKU it does not carry, a reused line id and bad input, changing nothing', async () => {
      const before = (await api.get('/stock')).body.items;
      expect(await api.post('/orders', { lineId: 'order-4:X', sku: 'BOOK-002', quantity: 1 })).toMatchObject({
        status: 404,
        body: { error: { code: 'UNKNOWN_SKU' } },
      });
      await api.post('/orders', { lineId: 'order-5:A', sku: 'ACME-9000', quantity: 1 });
      const afterFirst = (await api.get('/stock')).body.items;
      expect(await api.post('/orders', { lineId: 'order-5:A', sku: 'ACME-9000', quantity: 2 })).toMatchObject({
        status: 422,
        body: { error: { code: 'LINE_ID_REUSED' } },
      });
      for (const body of [
        {},
        { lineId: '', sku: 'ELEC-001', quantity: 1 },
        { lineId: 'x', sku: 'ELEC-001', quantity: 0 },
        { lineId: 'x', sku: 'ELEC-001', quantity: 1.5 },
        { lineId: 'x', sku: 'ELEC-001', quantity: '1' },
        { lineId: 'x', sku: 'ELEC-001', quantity: 1, extra: true },
      ]) {
        expect(await api.post('/orders', body)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      }
      expect(await api.request('POST', '/orders', { rawBody: '{"lineId":' })).toMatchObject({ status: 400 });
      expect((await api.get('/stock')).body.items).toEqual(afterFirst);
      expect(afterFirst.find((item: { sku: string }) => item.sku === 'ACME-9000').available).toBe(
        before.find((item: { sku: string }) => item.sku === 'ACME-9000').available - 1,
      );
    });
  });

  describe('fault switches', () => {
    it('answers 503 on every endpoint during an outage, and recovers when it ends', async () => {
      const outage = await api.post('/simulate/outage', { seconds: 1 });
      expect(outage.body.faults.outage).toMatchObject({ mode: 'unavailable', until: expect.any(String) });
      for (const path of ['/stock', '/health', '/info']) expect((await api.get(path)).status).toBe(503);
      expect((await api.post('/orders', { lineId: 'l', sku: 'ELEC-001', quantity: 1 })).status).toBe(503);
      expect((await Api.unchecked(globex.url).get('/health')).status).toBe(200);
      await eventually(async () => ((await api.get('/health')).status === 200 ? true : undefined), 'the outage to end', 30_000);
      expect((await api.get('/info')).body.faults.outage).toBeNull();
    });

    it('drops connections during an outage in drop mode, and a zero outage ends it', async () => {
      await api.post('/simulate/outage', { seconds: 600, mode: 'drop' });
      await expect(fetch(`${acme.url}/health`)).rejects.toThrow();
      await expect(fetch(`${acme.url}/stock`)).rejects.toThrow();
      expect((await api.post('/simulate/outage', { seconds: 0 })).body.faults.outage).toBeNull();
      expect((await api.get('/health')).status).toBe(200);
    });

    it('delays every answer by the latency set', async () => {
      await api.post('/simulate/latency', { ms: 60_000 });
      await expect(fetch(`${acme.url}/health`, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
      await api.post('/simulate/latency', { ms: 0 });
      expect((await fetch(`${acme.url}/health`, { signal: AbortSignal.timeout(30_000) })).status).toBe(200);
    });

    it('fails the given fraction of answers with a 500', async () => {
      await api.post('/simulate/errors', { rate: 1 });
      for (const path of ['/stock', '/health', '/info']) {
        expect(await api.get(path)).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL' } } });
      }
      const half = await api.post('/simulate/errors', { rate: 0.5 });
      expect(half.body.faults.errorRate).toBe(0.5);
      const statuses = await Promise.all(Array.from({ length: 100 }, async () => (await api.get('/health')).status));
      expect(statuses).toContain(500);
      expect(statuses).toContain(200);
      await api.post('/simulate/errors', { rate: 0 });
      expect((await api.get('/health')).status).toBe(200);
    });

    it('answers GET /stock with malformed data while garbage is on', async () => {
      await api.post('/simulate/garbage', { enabled: true, kind: 'not-json' });
      const cut = await fetch(`${acme.url}/stock`);
      expect(cut.headers.get('content-type')).toMatch(/application\/json/);
      await expect(cut.json()).rejects.toThrow();
      await api.post('/simulate/garbage', { enabled: true, kind: 'negative-count' });
      expect((await api.get('/stock')).body.items.some((item: { available: number }) => item.available < 0)).toBe(true);
      await api.post('/simulate/garbage', { enabled: true, kind: 'string-count' });
      expect((await api.get('/stock')).body.items.some((item: { available: unknown }) => typeof item.available === 'string')).toBe(true);
      expect((await api.get('/health')).status).toBe(200);
      await api.post('/simulate/garbage', { enabled: false });
      expect((await api.get('/stock')).body.items.every((item: { available: unknown }) => Number.isInteger(item.available))).toBe(true);
    });

    it('moves stock up and down by steps on demand or on a timer, never below zero', async () => {
      await api.post('/simulate/stock', { items: [{ sku: 'OUT-002', available: 1 }] });
      const stepped = await api.post('/simulate/fluctuation', { mode: 'step', steps: 50, maxStep: 4 });
      expect(stepped.status).toBe(200);
      expect(stepped.body.items.every((item: { available: number }) => Number.isInteger(item.available) && item.available >= 0)).toBe(true);
      expect(stepped.body.items).toEqual((await api.get('/stock')).body.items);

      const before = JSON.stringify((await api.get('/stock')).body.items);
      const timer = await api.post('/simulate/fluctuation', { mode: 'timer', intervalMs: 20, maxStep: 5 });
      expect(timer.body.faults.fluctuation).toEqual({ intervalMs: 20, maxStep: 5 });
      await eventually(async () => (JSON.stringify((await api.get('/stock')).body.items) !== before ? true : undefined), 'the stock to move', 30_000);
      expect((await api.post('/simulate/fluctuation', { mode: 'off' })).body.faults.fluctuation).toBeNull();
    });

    it('keeps answering the switches during every fault, and reset turns every fault off', async () => {
      await api.post('/simulate/outage', { seconds: 600, mode: 'drop' });
      await api.post('/simulate/latency', { ms: 60_000 });
      await api.post('/simulate/errors', { rate: 1 });
      await api.post('/simulate/garbage', { enabled: true });
      const all = await api.post('/simulate/fluctuation', { mode: 'timer', intervalMs: 60_000 });
      expect(all.body.faults).toMatchObject({ latencyMs: 60_000, errorRate: 1, garbage: { kind: 'mixed' }, outage: { mode: 'drop' } });
      const reset = await api.post('/simulate/reset');
      expect(reset.body.faults).toEqual({ outage: null, latencyMs: 0, errorRate: 0, garbage: null, fluctuation: null });
      expect((await api.get('/stock')).status).toBe(200);
    });

    it('refuses malformed switch settings with a 400 and keeps the faults as they were', async () => {
      for (const [path, body] of [
        ['/simulate/outage', { seconds: -1 }],
        ['/simulate/outage', { seconds: 5, mode: 'explode' }],
        ['/simulate/latency', { ms: 'slow' }],
        ['/simulate/errors', { rate: 1.5 }],
        ['/simulate/garbage', { enabled: 'yes' }],
        ['/simulate/fluctuation', { mode: 'step', steps: 0 }],
        ['/simulate/stock', { items: [{ sku: 'A', available: -1 }] }],
      ] as const) {
        expect(await api.post(path, body)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      }
      expect((await api.get('/info')).body.faults).toEqual({ outage: null, latencyMs: 0, errorRate: 0, garbage: null, fluctuation: null });
    });
  });

  it('refuses two vendors of one name', async () => {
    await expect(
      startVendorSimulator({
        vendors: [
          { name: 'twin', port: 0, seed: {} },
          { name: 'twin', port: 0, seed: {} },
        ],
        logger,
      }),
    ).rejects.toThrow(/twin/);
  });
});
