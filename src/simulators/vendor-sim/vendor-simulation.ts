import { setTimeout as sleep } from 'node:timers/promises';
import { type Random, seededRandom, seedFromName } from './seeded-random.js';

/**
 * One simulated vendor's state, in memory only: its stock per SKU, the orders placed with it and
 * its fault switches. Nothing survives a restart; this is a stand-in for an outside system in
 * development and tests, not a store.
 *
 * Every method that reads and changes stock is synchronous, so one call runs in one event-loop turn
 * and concurrent HTTP requests cannot interleave inside it.
 */

export interface StockItem {
  sku: string;
  available: number;
}

export interface OrderRequest {
  lineId: string;
  sku: string;
  quantity: number;
}

export interface VendorOrder extends OrderRequest {
  vendorOrderId: string;
}

export type PlaceOrderOutcome =
  | { kind: 'placed'; order: VendorOrder; replayed: boolean }
  | { kind: 'unknown-sku' }
  | { kind: 'insufficient-stock'; available: number }
  /** The line id names an earlier order for another SKU or quantity. */
  | { kind: 'line-id-reused'; order: VendorOrder };

export const GARBAGE_KINDS = ['not-json', 'negative-count', 'string-count'] as const;
export type GarbageKind = (typeof GARBAGE_KINDS)[number];
/** `mixed` answers each kind in turn. */
export type GarbageMode = GarbageKind | 'mixed';

export type OutageMode = 'unavailable' | 'drop';

/** The fault switches as GET /info and every switch answer show them. */
export interface FaultView {
  outage: { until: string; mode: OutageMode } | null;
  latencyMs: number;
  errorRate: number;
  garbage: { kind: GarbageMode } | null;
  fluctuation: { intervalMs: number; maxStep: number } | null;
}

export type StockAnswer = { kind: 'stock'; asOf: string; items: StockItem[] } | { kind: 'garbage'; text: string };

export class VendorSimulation {
  private readonly stock = new Map<string, number>();
  private readonly orders = new Map<string, VendorOrder>();
  private readonly random: Random;
  private readonly closing = new AbortController();
  private outage: { until: number; mode: OutageMode } | undefined;
  private latencyMs = 0;
  private errorRate = 0;
  private garbage: GarbageMode | undefined;
  private garbageTurn = 0;
  private fluctuation: { intervalMs: number; maxStep: number; timer: NodeJS.Timeout } | undefined;
  private placedCount = 0;
  private served = 0;

  constructor(
    readonly name: string,
    seed: Readonly<Record<string, number>>,
    randomSeed: number = seedFromName(name),
    private readonly now: () => number = Date.now,
  ) {
    for (const [sku, available] of Object.entries(seed)) this.stock.set(sku, available);
    this.random = seededRandom(randomSeed);
  }

  /** Requests the vendor API has received, switches excluded: lets a test see that a call never left its client. */
  get requestCount(): number {
    return this.served;
  }

  get skuCount(): number {
    return this.stock.size;
  }

  countRequest(): void {
    this.served++;
  }

  items(): StockItem[] {
    return [...this.stock.entries()].map(([sku, available]) => ({ sku, available })).sort((a, b) => a.sku.localeCompare(b.sku));
  }

  /** What GET /stock answers: the stock, or malformed data while the garbage switch is on. */
  stockAnswer(): StockAnswer {
    const asOf = new Date(this.now()).toISOString();
    const items = this.items();
    if (!this.garbage) return { kind: 'stock', asOf, items };
    const kind = this.garbage === 'mixed' ? (GARBAGE_KINDS[this.garbageTurn++ % GARBAGE_KINDS.length] as GarbageKind) : this.garbage;
    return { kind: 'garbage', text: garbageFor(kind, this.name, asOf, items) };
  }

  /** Places an order idempotently on its line id: a repeat returns the first order and takes nothing. */
  place(request: OrderRequest): PlaceOrderOutcome {
    const earlier = this.orders.get(request.lineId);
    if (earlier) {
      const same = earlier.sku === request.sku && earlier.quantity === request.quantity;
      return same ? { kind: 'placed', order: earlier, replayed: true } : { kind: 'line-id-reused', order: earlier };
    }
    const available = this.stock.get(request.sku);
    if (available === undefined) return { kind: 'unknown-sku' };
    // A refusal is not remembered: a retry after a restock may succeed.
    if (available < request.quantity) return { kind: 'insufficient-stock', available };
    this.stock.set(request.sku, available - request.quantity);
    this.placedCount++;
    const order = { vendorOrderId: `${this.name}-${String(this.placedCount).padStart(6, '0')}`, ...request };
    this.orders.set(request.lineId, order);
    return { kind: 'placed', order, replayed: false };
  }

  /** Sets the given SKUs' stock, adding SKUs the vendor did not hold. */
  setStock(items: readonly StockItem[]): void {
    for (const { sku, available } of items) this.stock.set(sku, available);
  }

  /** Moves every SKU's stock by a random step in [-maxStep, maxStep], never below zero. */
  fluctuate(maxStep: number): void {
    for (const [sku, available] of this.stock) {
      const step = Math.floor(this.random() * (2 * maxStep + 1)) - maxStep;
      this.stock.set(sku, Math.max(0, available + step));
    }
  }

  /** The outage in force, if any; an expired one is forgotten. */
  activeOutage(): OutageMode | undefined {
    if (this.outage && this.outage.until <= this.now()) this.outage = undefined;
    return this.outage?.mode;
  }

  /** Whether this answer is to be a simulated 500. */
  drawError(): boolean {
    return this.errorRate > 0 && this.random() < this.errorRate;
  }

  /** Waits the configured latency; returns at once when the simulator closes. */
  async delay(): Promise<void> {
    if (this.latencyMs === 0) return;
    await sleep(this.latencyMs, undefined, { signal: this.closing.signal, ref: false }).catch(() => undefined);
  }

  startOutage(seconds: number, mode: OutageMode): void {
    this.outage = seconds > 0 ? { until: this.now() + seconds * 1_000, mode } : undefined;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  setErrorRate(rate: number): void {
    this.errorRate = rate;
  }

  setGarbage(mode: GarbageMode | undefined): void {
    this.garbage = mode;
    this.garbageTurn = 0;
  }

  /** Fluctuates stock every `intervalMs` until stopped; replaces a running fluctuation. */
  startFluctuation(intervalMs: number, maxStep: number): void {
    this.stopFluctuation();
    const timer = setInterval(() => this.fluctuate(maxStep), intervalMs);
    timer.unref();
    this.fluctuation = { intervalMs, maxStep, timer };
  }

  stopFluctuation(): void {
    if (this.fluctuation) clearInterval(this.fluctuation.timer);
    this.fluctuation = undefined;
  }

  /** Turns every fault off; stock and orders stay as they are. */
  resetFaults(): void {
    this.outage = undefined;
    this.latencyMs = 0;
    this.errorRate = 0;
    this.setGarbage(undefined);
    this.stopFluctuation();
  }

  faults(): FaultView {
    const outage = this.activeOutage() && this.outage;
    return {
      outage: outage ? { until: new Date(outage.until).toISOString(), mode: outage.mode } : null,
      latencyMs: this.latencyMs,
      errorRate: this.errorRate,
      garbage: this.garbage ? { kind: this.garbage } : null,
      fluctuation: this.fluctuation ? { intervalMs: this.fluctuation.intervalMs, maxStep: this.fluctuation.maxStep } : null,
    };
  }

  /** Stops the fluctuation timer and releases every answer waiting out a latency. */
  close(): void {
    this.stopFluctuation();
    this.closing.abort();
  }
}

function garbageFor(kind: GarbageKind, vendor: string, asOf: string, items: StockItem[]): string {
  const [first = { sku: 'PHANTOM-1', available: 1 }, ...rest] = items;
  switch (kind) {
    case 'not-json':
      // A body cut off mid-way, still labelled JSON, as a proxy that gave up might send.
      return JSON.stringify({ vendor, asOf, items }).slice(0, 40);
    case 'negative-count':
      return JSON.stringify({ vendor, asOf, items: [{ sku: first.sku, available: -(first.available + 5) }, ...rest] });
    case 'string-count':
      return JSON.stringify({ vendor, asOf, items: [{ sku: first.sku, available: String(first.available) }, ...rest] });
  }
}
