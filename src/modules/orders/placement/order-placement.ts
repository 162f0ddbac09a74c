import { AppError, validationFailed } from '../../../lib/errors.js';
import { canonicalJson, sha256Hex, uuidFromName } from '../../../lib/hashing.js';
import type { Metrics } from '../../../lib/metrics.js';
import type { StockStore } from '../../../redis/stock-store.js';
import type { AuthUser } from '../../auth/auth.types.js';
import type { ProductCache } from '../../catalog/product-cache.js';
import type { StockLine } from '../../inventory/inventory.schemas.js';
import type { InventoryService } from '../../inventory/inventory.service.js';
import { type OrderSnapshot, orderFromSnapshot, parseSnapshot } from '../order-snapshot.js';
import type { CreateOrderInput, Order, OrderItem } from '../orders.schemas.js';

/** The expected outcomes of placing an order; only faults are thrown. */
export type PlaceOrderResult = { kind: 'accepted'; order: Order } | { kind: 'insufficient'; sku: string; requested: number; available: number };

export interface OrderPlacementDeps {
  stock: Pick<StockStore, 'precheck' | 'reserve'>;
  products: Pick<ProductCache, 'get'>;
  inventory: Pick<InventoryService, 'ensureGate'>;
  metrics: Metrics;
  options: { reservationTtlSeconds: number; idempotencyTtlSeconds: number };
  /** The clock, in ms since the epoch; tests pass their own. */
  now?: () => number;
}

/** Gate loads a single placement may need (one per line at most, then a safety margin). */
const MAX_GATE_LOADS = 64;

/**
 * The hot path: places an order. A read-only precheck first answers a retry of a known key from its
 * record and refuses a request a line of which is short (what almost every buyer of a flash sale
 * gets). Otherwise the lines are priced from the catalog cache and reserved, and the order handed to
 * persistence, in one Lua script. Postgres is not touched unless a gate must be loaded.
 */
export class OrderPlacement {
  private readonly now: () => number;

  constructor(private readonly deps: OrderPlacementDeps) {
    this.now = deps.now ?? Date.now;
  }

  async place(user: AuthUser, idempotencyKey: string, input: CreateOrderInput): Promise<PlaceOrderResult> {
    if (!('items' in input)) throw validationFailed('the cart is empty', { fromCart: true });
    const { stock, options } = this.deps;
    const lines = mergeLines(input.items);

    // Redis keys hold the key's hash, never the key: any 1-255 printable characters are a valid key.
    const idempotencyKeyHash = sha256Hex(idempotencyKey);
    const known = await stock.precheck(user.id, idempotencyKeyHash, lines);
    if (known.kind === 'short') return this.refused(known.line, known.available);
    if (known.kind === 'seen') return this.replay(input, known.fingerprint, known.snapshot);

    const { items, currency } = await this.price(lines);
    const now = this.now();
    const expiresAtMs = now + options.reservationTtlSeconds * 1_000;
    const snapshot: OrderSnapshot = {
      id: uuidFromName(`${user.id}:${idempotencyKeyHash}`),
      userId: user.id,
      items,
      totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      currency,
      customerEmail: input.customerEmail ?? user.email ?? null,
      shippingAddress: input.shippingAddress ?? null,
      idempotencyKeyHash,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    const reserve = {
      userId: user.id,
      idempotencyKeyHash,
      fingerprint: sha256Hex(canonicalJson(input)),
      orderId: snapshot.id,
      expiresAtMs,
      idempotencyTtlSeconds: options.idempotencyTtlSeconds,
      snapshot: JSON.stringify(snapshot),
      lines,
    };

    for (let loads = 0; loads < MAX_GATE_LOADS; loads++) {
      const result = await stock.reserve(reserve);
      switch (result.kind) {
        case 'reserved':
          this.deps.metrics.countReservation('accepted');
          return { kind: 'accepted', order: orderFromSnapshot(snapshot) };
        case 'replayed':
          return this.replayed(result.snapshot);
        case 'keyReused':
          throw keyReused();
        case 'insufficient':
          return this.refused(result.line, result.available);
        case 'gateMissing':
          await this.deps.inventory.ensureGate(result.line.sku);
          break;
      }
    }
    throw new Error(`stock gates for order ${snapshot.id} could not be loaded`);
  }

  /** A retry of a key seen before: the original answer, or 422 when the request differs. */
  private replay(input: CreateOrderInput, fingerprint: string, snapshot: string): PlaceOrderResult {
    if (sha256Hex(canonicalJson(input)) !== fingerprint) throw keyReused();
    return this.replayed(snapshot);
  }

  private replayed(snapshot: string): PlaceOrderResult {
    this.deps.metrics.countReservation('replayed');
    return { kind: 'accepted', order: orderFromSnapshot(parseSnapshot(snapshot)!) };
  }

  private refused(line: StockLine, available: number): PlaceOrderResult {
    this.deps.metrics.countReservation('refused');
    return { kind: 'insufficient', sku: line.sku, requested: line.quantity, available };
  }

  /** Prices merged lines from the catalog; unknown products and mixed currencies are bad input. */
  private async price(lines: StockLine[]): Promise<{ items: OrderItem[]; currency: string }> {
    const pricing = await this.deps.products.get(lines.map((line) => line.sku));
    const items = lines.map(({ sku, quantity }, i): OrderItem => {
      const product = pricing[i];
      if (!product) throw validationFailed(`unknown product ${sku}`, { sku });
      return { sku, title: product.title, quantity, unitPriceCents: product.priceCents };
    });
    const currencies = [...new Set(pricing.map((product) => product!.currency))];
    if (currencies.length > 1) throw validationFailed('an order cannot mix currencies', { currencies });
    return { items, currency: currencies[0]! };
  }
}

const keyReused = () => new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');

/** One line per SKU (repeated SKUs summed), sorted by SKU: the order every script and row uses. */
function mergeLines(requested: StockLine[]): StockLine[] {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of requested) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return [...quantities.keys()].sort().map((sku) => ({ sku, quantity: quantities.get(sku)! }));
}
