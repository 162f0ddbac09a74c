import { createServer } from 'node:http';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger, type Logger } from '../src/lib/logger.js';
import { type CircuitChange, VendorClient, type VendorClientOptions } from '../src/modules/vendors/vendor-client.js';
import {
  VendorBadResponse,
  VendorConnectionFailed,
  VendorRequestRejected,
  VendorServerError,
  VendorTimeout,
  VendorUnavailable,
} from '../src/modules/vendors/vendors.errors.js';
import { type RunningVendor, startVendorSimulator } from '../src/simulators/vendor-sim/vendor-simulator.js';
import { Api, eventually } from './support/http.js';
import { freePort } from './support/stores.js';

const silent = createLogger('silent');

/** Small values so faults resolve quickly; no assertion depends on them being met in time. */
const FAST: Partial<VendorClientOptions> = {
  timeoutMs: 2_000,
  attempts: 2,
  backoffInitialMs: 10,
  backoffMaxMs: 50,
  breakerThreshold: 3,
  breakDurationMs: 300,
};

let vendorNumber = 0;

/** A simulated vendor of its own on a free port, stopped when the test ends, and a client for it. */
async function vendorWithClient(
  seed: Record<string, number>,
  options: Partial<VendorClientOptions> = {},
  logger: Logger = silent,
): Promise<{ vendor: RunningVendor; switches: Api; client: VendorClient; changes: CircuitChange[] }> {
  const name = `vendor-${++vendorNumber}`;
  const simulator = await startVendorSimulator({ vendors: [{ name, port: 0, seed }], logger: silent });
  onTestFinished(() => simulator.close());
  const vendor = simulator.vendors[0]!;
  const changes: CircuitChange[] = [];
  const client = new VendorClient({
    name,
    baseUrl: vendor.url,
    logger,
    options: { ...FAST, ...options },
    onCircuitChange: (change) => changes.push(change),
  });
  return { vendor, switches: Api.unchecked(vendor.url), client, changes };
}

/** A logger whose lines the test can read. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => written.push(line) });
  return { logger, lines: () => written.map((line) => JSON.parse(line)) };
}

const availableOf = (vendor: RunningVendor, sku: string) => vendor.simulation.items().find((item) => item.sku === sku)?.available;

describe('VendorClient.fetchStock', () => {
  it('returns the vendor stock, validated', async () => {
    const { client } = await vendorWithClient({ 'SKU-A': 7, 'SKU-B': 0 });
    const stock = await client.fetchStock();
    expect(stock.items).toEqual([
      { sku: 'SKU-A', available: 7 },
      { sku: 'SKU-B', available: 0 },
    ]);
    expect(stock.asOf).toBeInstanceOf(Date);
    expect(Number.isNaN(stock.asOf.getTime())).toBe(false);
    expect(client.circuitState()).toBe('closed');
  });

  it.each(['not-json', 'negative-count', 'string-count'] as const)('refuses a %s answer whole, logs it and does not retry it', async (kind) => {
    const { logger, lines } = capturingLogger();
    const { vendor, switches, client } = await vendorWithClient({ 'SKU-A': 7, 'SKU-B': 3 }, {}, logger);
    await switches.post('/simulate/garbage', { enabled: true, kind });
    const before = vendor.simulation.requestCount;
    const refused = await client.fetchStock().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VendorBadResponse);
    expect(vendor.simulation.requestCount - before).toBe(1);
    expect(lines()).toContainEqual(expect.objectContaining({ level: 40, vendor: vendor.name, issues: expect.any(Array) }));
  });

  it('opens the circuit on repeated garbage', async () => {
    const { vendor, switches, client, changes } = await vendorWithClient({ 'SKU-A': 1 }, { breakerThreshold: 2, breakDurationMs: 60_000 });
    await switches.post('/simulate/garbage', { enabled: true });
    await expect(client.fetchStock()).rejects.toBeInstanceOf(VendorBadResponse);
    await expect(client.fetchStock()).rejects.toBeInstanceOf(VendorBadResponse);
    expect(client.circuitState()).toBe('open');
    expect(changes).toEqual([{ vendor: vendor.name, from: 'closed', to: 'open', cause: expect.any(VendorBadResponse) }]);
  });
});

describe('VendorClient circuit breaker', () => {
  it('opens during an outage, fails fast without calling the vendor, reopens on a failed probe and closes on a good one', async () => {
    const { vendor, switches, client, changes } = await vendorWithClient({ 'SKU-A': 4 });
    await switches.post('/simulate/outage', { seconds: 600 });

    const faults: unknown[] = [];
    for (let call = 0; call < 10 && client.circuitState() !== 'open'; call++) faults.push(await client.fetchStock().catch((error) => error));
    expect(client.circuitState()).toBe('open');
    expect(faults[0]).toBeInstanceOf(VendorServerError);
    expect(faults.at(-1)).toBeInstanceOf(VendorUnavailable);
    expect(changes[0]).toEqual({ vendor: vendor.name, from: 'closed', to: 'open', cause: expect.any(VendorServerError) });

    const before = vendor.simulation.requestCount;
    const fast = await client.placeOrder({ lineId: 'l-1', sku: 'SKU-A', quantity: 1 }).catch((error) => error);
    expect(fast).toBeInstanceOf(VendorUnavailable);
    expect((fast as VendorUnavailable).vendor).toBe(vendor.name);
    expect(vendor.simulation.requestCount).toBe(before);

    const transitions = () => changes.map(({ from, to }) => `${from}>${to}`);
    await eventually(
      async () => {
        await client.fetchStock().catch(() => undefined);
        return transitions().includes('half-open>open') ? true : undefined;
      },
      'a probe during the outage to open the circuit again',
      60_000,
    );
    expect(transitions().slice(0, 3)).toEqual(['closed>open', 'open>half-open', 'half-open>open']);

    await switches.post('/simulate/outage', { seconds: 0 });
    const stock = await eventually(async () => client.fetchStock(), 'the circuit to let a probe through', 60_000);
    expect(stock.items).toEqual([{ sku: 'SKU-A', available: 4 }]);
    expect(client.circuitState()).toBe('closed');
    expect(transitions().slice(-2)).toEqual(['open>half-open', 'half-open>closed']);
  });

  it('reports a dropped connection and a refused one as connection failures', async () => {
    const { switches, client } = await vendorWithClient({ 'SKU-A': 1 }, { breakerThreshold: 100 });
    await switches.post('/simulate/outage', { seconds: 600, mode: 'drop' });
    await expect(client.fetchStock()).rejects.toBeInstanceOf(VendorConnectionFailed);

    const nowhere = new VendorClient({ name: 'nowhere', baseUrl: `http://127.0.0.1:${await freePort()}`, logger: silent, options: FAST });
    await expect(nowhere.fetchStock()).rejects.toBeInstanceOf(VendorConnectionFailed);
  });

  it('retries a 5xx up to its attempts and then throws it', async () => {
    const { vendor, switches, client } = await vendorWithClient({ 'SKU-A': 1 }, { attempts: 3, breakerThreshold: 100 });
    await switches.post('/simulate/errors', { rate: 1 });
    const before = vendor.simulation.requestCount;
    const error = await client.fetchStock().catch((caught) => caught);
    expect(error).toBeInstanceOf(VendorServerError);
    expect((error as VendorServerError).status).toBe(500);
    expect(vendor.simulation.requestCount - before).toBe(3);
    await switches.post('/simulate/errors', { rate: 0 });
    expect((await client.fetchStock()).items).toEqual([{ sku: 'SKU-A', available: 1 }]);
  });

  it('turns latency beyond the timeout into a timeout, retried like any transient fault', async () => {
    const { vendor, switches, client } = await vendorWithClient({ 'SKU-A': 1 }, { timeoutMs: 1_000, breakerThreshold: 100 });
    await switches.post('/simulate/latency', { ms: 60_000 });
    const before = vendor.simulation.requestCount;
    await expect(client.fetchStock()).rejects.toBeInstanceOf(VendorTimeout);
    await expect(client.placeOrder({ lineId: 'slow', sku: 'SKU-A', quantity: 1 })).rejects.toBeInstanceOf(VendorTimeout);
    await eventually(async () => (vendor.simulation.requestCount - before === 4 ? true : undefined), 'both attempts of both calls to arrive', 30_000);
  });
});

describe('VendorClient.placeOrder', () => {
  it('places a line once: a repeat returns the same vendor order and takes no stock', async () => {
    const { vendor, client } = await vendorWithClient({ 'SKU-A': 10 });
    const line = { lineId: 'order-1:SKU-A', sku: 'SKU-A', quantity: 3 };
    const first = await client.placeOrder(line);
    const again = await client.placeOrder(line);
    expect(first).toEqual({ outcome: 'placed', vendorOrderId: expect.any(String) });
    expect(again).toEqual(first);
    expect(availableOf(vendor, 'SKU-A')).toBe(7);
  });

  it('takes stock once for 20 concurrent repeats of one line', async () => {
    const { vendor, client } = await vendorWithClient({ 'SKU-A': 10 });
    const line = { lineId: 'order-2:SKU-A', sku: 'SKU-A', quantity: 4 };
    const results = await Promise.all(Array.from({ length: 20 }, () => client.placeOrder(line)));
    const ids = new Set(results.map((result) => (result.outcome === 'placed' ? result.vendorOrderId : result.outcome)));
    expect(results.every((result) => result.outcome === 'placed')).toBe(true);
    expect(ids.size).toBe(1);
    expect(availableOf(vendor, 'SKU-A')).toBe(6);
  });

  it('returns a refusal when the vendor is short or lacks the SKU, without retrying or counting it against the vendor', async () => {
    const { vendor, client, changes } = await vendorWithClient({ 'SKU-A': 2 }, { breakerThreshold: 1 });
    const before = vendor.simulation.requestCount;
    for (let call = 0; call < 3; call++) {
      expect(await client.placeOrder({ lineId: `short-${call}`, sku: 'SKU-A', quantity: 3 })).toEqual({
        outcome: 'refused',
        reason: 'insufficient-stock',
        available: 2,
      });
      expect(await client.placeOrder({ lineId: `unknown-${call}`, sku: 'SKU-Z', quantity: 1 })).toEqual({
        outcome: 'refused',
        reason: 'unknown-sku',
      });
    }
    expect(vendor.simulation.requestCount - before).toBe(6);
    expect(client.circuitState()).toBe('closed');
    expect(changes).toEqual([]);
    expect(availableOf(vendor, 'SKU-A')).toBe(2);
    expect(await client.placeOrder({ lineId: 'fits', sku: 'SKU-A', quantity: 2 })).toMatchObject({ outcome: 'placed' });
  });

  it('throws a line id reused for another SKU as a rejected request, not counted against the vendor', async () => {
    const { client } = await vendorWithClient({ 'SKU-A': 5, 'SKU-B': 5 }, { breakerThreshold: 1 });
    await client.placeOrder({ lineId: 'line', sku: 'SKU-A', quantity: 1 });
    const error = await client.placeOrder({ lineId: 'line', sku: 'SKU-B', quantity: 1 }).catch((caught) => caught);
    expect(error).toBeInstanceOf(VendorRequestRejected);
    expect(error).toMatchObject({ status: 422, code: 'LINE_ID_REUSED' });
    expect(client.circuitState()).toBe('closed');
  });

  it('refuses to send a malformed line', async () => {
    const { vendor, client } = await vendorWithClient({ 'SKU-A': 5 });
    const before = vendor.simulation.requestCount;
    await expect(client.placeOrder({ lineId: '', sku: 'SKU-A', quantity: 1 })).rejects.toThrow();
    await expect(client.placeOrder({ lineId: 'l', sku: 'SKU-A', quantity: 0 })).rejects.toThrow();
    expect(vendor.simulation.requestCount).toBe(before);
  });
});

/** A vendor that answers every request with the given status and body, for answers the simulator never gives. */
async function scriptedVendor(status: number, body: string): Promise<VendorClient> {
  const server = createServer((_request, response) => response.writeHead(status, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return new VendorClient({ name: 'scripted', baseUrl: `http://127.0.0.1:${port}/`, logger: silent, options: FAST });
}

describe('VendorClient against answers off the contract', () => {
  const asOf = new Date().toISOString();

  it.each([
    ['a fractional count', { asOf, items: [{ sku: 'A', available: 1.5 }] }],
    [
      'a SKU listed twice',
      {
        asOf,
        items: [
          { sku: 'A', available: 1 },
          { sku: 'A', available: 2 },
        ],
      },
    ],
    ['no asOf', { items: [{ sku: 'A', available: 1 }] }],
    ['a count of null', { asOf, items: [{ sku: 'A', available: null }] }],
    ['an empty SKU', { asOf, items: [{ sku: '', available: 1 }] }],
    ['a count beyond what a warehouse holds', { asOf, items: [{ sku: 'A', available: 3_000_000_000 }] }],
  ])('refuses a stock answer with %s', async (_what, body) => {
    const client = await scriptedVendor(200, JSON.stringify(body));
    await expect(client.fetchStock()).rejects.toBeInstanceOf(VendorBadResponse);
  });

  it('refuses an answer larger than any stock answer can be, without keeping it', async () => {
    const padding = 'x'.repeat(33 * 1024 * 1024);
    const client = await scriptedVendor(200, JSON.stringify({ asOf, items: [{ sku: 'A', available: 2 }], padding }));
    await expect(client.fetchStock()).rejects.toThrow(/more than \d+ bytes/);
  });

  it('accepts fields it does not know in a stock answer', async () => {
    const client = await scriptedVendor(
      200,
      JSON.stringify({ vendor: 'x', currency: 'EUR', asOf, items: [{ sku: 'A', available: 2, warehouse: 'north' }] }),
    );
    expect((await client.fetchStock()).items).toEqual([{ sku: 'A', available: 2 }]);
  });

  it('refuses an order answer for another line, and an empty one', async () => {
    const other = await scriptedVendor(201, JSON.stringify({ vendorOrderId: 'v-1', lineId: 'other', sku: 'A', quantity: 1 }));
    await expect(other.placeOrder({ lineId: 'mine', sku: 'A', quantity: 1 })).rejects.toBeInstanceOf(VendorBadResponse);
    const empty = await scriptedVendor(201, '');
    await expect(empty.placeOrder({ lineId: 'mine', sku: 'A', quantity: 1 })).rejects.toBeInstanceOf(VendorBadResponse);
  });

  it('treats a 404 that is not about the SKU as a rejected request, not a refusal', async () => {
    const client = await scriptedVendor(404, JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no route' } }));
    await expect(client.placeOrder({ lineId: 'mine', sku: 'A', quantity: 1 })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(client.fetchStock()).rejects.toBeInstanceOf(VendorRequestRejected);
  });
});
