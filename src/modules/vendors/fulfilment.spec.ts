import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Tx } from '../../db/database.js';
import type { CircuitState, FulfilmentLineStatus, OrderStatus, VendorRow } from '../../db/schema.js';
import { Fulfilment, LineBeingPlaced, VendorsUnreachable } from './fulfilment.js';
import type { FulfilmentLine, VendorOrderLine } from './fulfilment.repository.js';
import type { PlaceOrderResult, VendorOrderLine as VendorRequest } from './vendor-client.js';
import { VendorTimeout, VendorUnavailable } from './vendors.errors.js';

const ORDER = 'order-1';

/** A line's part at one vendor: the fake's key, as the table's (order, SKU, vendor). */
const partKey = (sku: string, vendorId: string) => `${sku}|${vendorId}`;

/** A vendor in memory: its stock, the lines it took (idempotent on the line id), its circuit. */
class FakeVendor {
  readonly taken = new Map<string, string>();
  circuit: CircuitState = 'closed';
  /** Answers too late: takes the line, then throws a timeout. */
  slow = false;

  constructor(
    readonly row: VendorRow,
    public stock: number,
  ) {}

  async placeOrder(request: VendorRequest): Promise<PlaceOrderResult> {
    if (this.circuit === 'open') throw new VendorUnavailable(this.row.name, 'circuit open: call not attempted');
    const earlier = this.taken.get(request.lineId);
    if (earlier) return { outcome: 'placed', vendorOrderId: earlier };
    if (this.stock < request.quantity) return { outcome: 'refused', reason: 'insufficient-stock', available: this.stock };
    this.stock -= request.quantity;
    const id = `${this.row.name}-${this.taken.size + 1}`;
    this.taken.set(request.lineId, id);
    if (this.slow) throw new VendorTimeout(this.row.name, 'no answer within 1000 ms');
    return { outcome: 'placed', vendorOrderId: id };
  }

  acceptsCalls(): boolean {
    return this.circuit !== 'open';
  }

  callBudgetMs(): number {
    return 1_000;
  }
}

/** Line leases in memory: one holder at a time (the Redis ones are tested through test/fulfilment.test.ts). */
class MemoryLeases {
  readonly held = new Set<string>();

  async holding<T>(lineId: string, _ttlMs: number, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    if (this.held.has(lineId)) return { held: false };
    this.held.add(lineId);
    try {
      return { held: true, value: await work() };
    } finally {
      this.held.delete(lineId);
    }
  }
}

const vendorRow = (name: string, priority: number): VendorRow => ({
  id: `id-${name}`,
  name,
  baseUrl: `http://${name}`,
  priority,
  enabled: true,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  lastSyncAt: null,
  lastSuccessAt: null,
  lastSyncStatus: null,
  lastSyncError: null,
  circuit: 'closed',
  skuCount: 0,
});

describe('Fulfilment.fulfil', () => {
  let status: OrderStatus;
  let lines: FulfilmentLine[];
  let vendorOrders: Map<string, VendorOrderLine>;
  let refunds: string[];
  let vendors: FakeVendor[];
  let fulfilment: Fulfilment;
  /** The next read of the vendor orders misses what another run recorded since (it read first). */
  let staleRead: boolean;
  /** The lines the next read of the order's progress returns, when another run changed them since. */
  let progressRead: FulfilmentLine[] | undefined;

  beforeEach(() => {
    status = 'CONFIRMED';
    lines = [{ sku: 'SKU', localQuantity: 1, vendorQuantity: 2, status: 'pending' }];
    vendorOrders = new Map();
    staleRead = false;
    progressRead = undefined;
    refunds = [];
    vendors = [new FakeVendor(vendorRow('first', 10), 5), new FakeVendor(vendorRow('second', 20), 5)];
    const transition = (to: OrderStatus, from: OrderStatus | undefined) => {
      if (from && from !== status) return { changed: false, status } as const;
      status = to;
      return { changed: true, status: to } as const;
    };
    const setStatus = async (_order: string, sku: string, to: FulfilmentLineStatus) => {
      for (const line of lines) if (line.sku === sku && line.status === 'pending') line.status = to;
    };
    fulfilment = new Fulfilment({
      repository: {
        progress: async (orderIds) => {
          const read = progressRead ?? lines;
          progressRead = undefined;
          return new Map(orderIds.map((orderId) => [orderId, { status, lines: read.map((line) => ({ ...line })) }]));
        },
        vendorOrders: async () => {
          if (!staleRead) return [...vendorOrders.values()].map((line) => ({ ...line }));
          staleRead = false;
          return [];
        },
        recordIntent: async (_order, sku, vendorId, quantity) => {
          if (!vendorOrders.has(partKey(sku, vendorId))) vendorOrders.set(partKey(sku, vendorId), { sku, vendorId, vendorOrderId: null, quantity });
        },
        dropIntent: async (_order, sku, vendorId) => {
          if (vendorOrders.get(partKey(sku, vendorId))?.vendorOrderId === null) vendorOrders.delete(partKey(sku, vendorId));
        },
        recordPlaced: async (_order, sku, vendorId, vendorOrderId) => {
          const part = vendorOrders.get(partKey(sku, vendorId));
          if (!part) throw new Error(`${sku} recorded as placed with ${vendorId}, whose intent it is not`);
          part.vendorOrderId = vendorOrderId;
          const placed = [...vendorOrders.values()].filter((other) => other.sku === sku && other.vendorOrderId !== null);
          const units = placed.reduce((sum, other) => sum + other.quantity, 0);
          if (units >= lines.find((line) => line.sku === sku)!.vendorQuantity) await setStatus(ORDER, sku, 'placed');
        },
        setStatus,
        placing: async (_order, sku) => ({
          order: status,
          line: lines.find((line) => line.sku === sku)?.status ?? null,
          parts: [...vendorOrders.values()].filter((part) => part.sku === sku).map((part) => ({ ...part })),
        }),
        settlePending: async () => {
          for (const line of lines) if (line.status === 'pending') line.status = 'failed';
        },
      },
      vendors: {
        enabledByPriority: async () => vendors.map((vendor) => vendor.row),
        find: async (id) => vendors.find((vendor) => vendor.row.id === id)?.row,
      },
      clients: { for: (row) => vendors.find((vendor) => vendor.row.id === row.id)! },
      leases: new MemoryLeases(),
      transitions: {
        applyMany: async (requests) => requests.map((request) => transition(request.to, request.from)),
        inTransaction: (work) => work({} as Tx, async (requests) => requests.map((request) => transition(request.to, request.from))),
      },
      refunds: {
        owe: async (_tx, claims) => {
          const owed = claims.map((claim) => claim.orderId).filter((orderId) => !refunds.includes(orderId));
          refunds.push(...owed);
          return new Set(owed);
        },
      },
      logger: pino({ level: 'silent' }),
    });
  });

  it('asks the vendor it was placing a line with again, and no other, until that vendor answers', async () => {
    vendors[0]!.slow = true;
    await expect(fulfilment.fulfil(ORDER)).rejects.toThrow(VendorTimeout);
    vendors[0]!.slow = false;
    vendors[0]!.circuit = 'open';
    await expect(fulfilment.fulfil(ORDER)).rejects.toThrow(VendorUnavailable);
    expect(vendors[1]!.taken.size).toBe(0);
    vendors[0]!.circuit = 'closed';
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'fulfilled' });
    expect(vendorOrders.get(partKey('SKU', 'id-first'))).toMatchObject({ vendorId: 'id-first', vendorOrderId: 'first-1' });
    expect([vendors[0]!.stock, vendors[1]!.stock]).toEqual([3, 5]);
    expect(status).toBe('FULFILLED');
  });

  it('never orders a line from a second vendor while another run holds its intent with the first', async () => {
    // Another run recorded its intent with the first vendor and is calling it; this run read before that, and finds the first's circuit open.
    vendorOrders.set(partKey('SKU', 'id-first'), { sku: 'SKU', vendorId: 'id-first', vendorOrderId: null, quantity: 2 });
    staleRead = true;
    vendors[0]!.circuit = 'open';
    await expect(fulfilment.fulfil(ORDER)).rejects.toThrow(LineBeingPlaced);
    expect(vendors[1]!.taken.size).toBe(0);
    expect(vendorOrders.get(partKey('SKU', 'id-first'))).toMatchObject({ vendorId: 'id-first', vendorOrderId: null });
    // Retried, the run asks the first vendor, once its circuit closes.
    vendors[0]!.circuit = 'closed';
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'fulfilled' });
    expect(vendorOrders.get(partKey('SKU', 'id-first'))).toMatchObject({ vendorId: 'id-first', vendorOrderId: 'first-1' });
  });

  it('waits for a vendor whose circuit is open rather than failing a line the others refused', async () => {
    vendors[0]!.stock = 0;
    vendors[1]!.circuit = 'open';
    await expect(fulfilment.fulfil(ORDER)).rejects.toThrow(VendorsUnreachable);
    expect(status).toBe('CONFIRMED');
    expect(lines[0]!.status).toBe('pending');
    expect(vendorOrders.size).toBe(0);
  });

  it('orders a line from several vendors when none holds it all, each for what it has', async () => {
    for (const vendor of vendors) vendor.stock = 1;
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'fulfilled' });
    expect([...vendorOrders.values()]).toEqual([
      { sku: 'SKU', vendorId: 'id-first', vendorOrderId: 'first-1', quantity: 1 },
      { sku: 'SKU', vendorId: 'id-second', vendorOrderId: 'second-1', quantity: 1 },
    ]);
    expect([vendors[0]!.stock, vendors[1]!.stock]).toEqual([0, 0]);
    expect(lines[0]!.status).toBe('placed');
    // Run again (a retried job): nothing more is ordered.
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'skipped', status: 'FULFILLED' });
    expect(vendors.map((vendor) => vendor.taken.size)).toEqual([1, 1]);
  });

  it('asks a vendor whose earlier part it refused for what it has, when the line is split', async () => {
    // An earlier attempt asked the first vendor for the whole line and timed out; it had only 1 then.
    lines = [{ sku: 'SKU', localQuantity: 0, vendorQuantity: 3, status: 'pending' }];
    vendorOrders.set(partKey('SKU', 'id-first'), { sku: 'SKU', vendorId: 'id-first', vendorOrderId: null, quantity: 3 });
    vendors[0]!.stock = 1;
    vendors[1]!.stock = 2;
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'fulfilled' });
    expect([...vendorOrders.values()].map((part) => [part.vendorId, part.quantity]).sort()).toEqual([
      ['id-first', 1],
      ['id-second', 2],
    ]);
  });

  it('leaves a line to another run that placed it meanwhile, and goes on with the next', async () => {
    // This run reads both lines pending; another run has placed the first whole since.
    const read: FulfilmentLine[] = [
      { sku: 'SKU', localQuantity: 0, vendorQuantity: 2, status: 'pending' },
      { sku: 'TWO', localQuantity: 0, vendorQuantity: 1, status: 'pending' },
    ];
    lines = [{ ...read[0]!, status: 'placed' }, { ...read[1]! }];
    vendorOrders.set(partKey('SKU', 'id-first'), { sku: 'SKU', vendorId: 'id-first', vendorOrderId: 'elsewhere-1', quantity: 2 });
    staleRead = true;
    progressRead = read;
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'fulfilled' });
    expect(vendors[0]!.taken.size + vendors[1]!.taken.size).toBe(1);
    expect(lines.map((line) => line.status)).toEqual(['placed', 'placed']);
  });

  it('orders no more of a line than it holds when another run placed a part meanwhile', async () => {
    // Another run placed the whole line with the first vendor after this run read the parts, and
    // this run finds the first vendor's circuit open: the second must not be asked for it too.
    vendorOrders.set(partKey('SKU', 'id-first'), { sku: 'SKU', vendorId: 'id-first', vendorOrderId: 'first-1', quantity: 2 });
    staleRead = true;
    vendors[0]!.circuit = 'open';
    await expect(fulfilment.fulfil(ORDER)).rejects.toThrow(LineBeingPlaced);
    expect(vendors[1]!.taken.size).toBe(0);
    expect([...vendorOrders.keys()]).toEqual([partKey('SKU', 'id-first')]);
  });

  it('fails the order and marks its payment refund-due once when every vendor refuses, however often it runs', async () => {
    vendors[0]!.stock = 0;
    vendors[1]!.stock = 1;
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'failed', unfillable: ['SKU'] });
    // The one unit the second vendor had was not ordered for a line that could not be filled.
    expect(vendors.map((vendor) => vendor.taken.size)).toEqual([0, 0]);
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'failed', unfillable: ['SKU'] });
    expect(status).toBe('FAILED');
    expect(refunds).toEqual([ORDER]);
    expect(lines[0]!.status).toBe('failed');
  });

  it('fulfils at once an order whose lines were all local, and leaves an order that is not CONFIRMED alone', async () => {
    lines = [{ sku: 'SKU', localQuantity: 3, vendorQuantity: 0, status: 'local' }];
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'fulfilled' });
    expect(await fulfilment.fulfil(ORDER)).toEqual({ outcome: 'skipped', status: 'FULFILLED' });
    expect(vendors.every((vendor) => vendor.taken.size === 0)).toBe(true);
  });
});
