import { AppError, validationFailed } from '../../../lib/errors.js';
import { canonicalJson, sha256Hex, uuidFromName } from '../../../lib/hashing.js';
import type { Metrics } from '../../../lib/metrics.js';
import type { StockStore } from '../../../redis/stock-store.js';
import type { AuthUser } from '../../auth/auth.types.js';
import type { ProductCache } from '../../catalog/product-cache.js';
import type { StockLine } from '../../inventory/inventory.schemas.js';
import type { InventoryService } from '../../inventory/inventory.service.js';
import { addressShown, type OrderSnapshot, orderFromSnapshot, parseSnapshot } from '../order-snapshot.js';
import type { CreateOrderInput, Order, OrderItem } from '../orders.schemas.js';

/** The expected outcomes of placing an order; only faults are thrown. */
export type PlaceOrderResult = { kind: 'accepted'; order: Order } | { kind: 'insufficient'; sku: string; requested: number; available: number };

/** The caller's cart, as ordering it needs it (the carts module provides it). */
export interface CartCheckout {
  /**
   * The cart's lines at one version, one per SKU, sorted by SKU, that version claimed for the order's
   * Idempotency-Key: another key's order of it is refused while the claim holds.
   */
  contents(userId: string, keyHash: string): Promise<{ version: number; lines: StockLine[] }>;
  /** Gives up the claim (on the `version` read) of an order that was not accepted, so another key may order the cart at once. */
  releaseCheckout(userId: string, version: number, keyHash: string): Promise<void>;
  /** Takes an accepted order's lines out of the cart; once per order however often it is called. */
  takeOrdered(userId: string, orderId: string, lines: StockLine[]): Promise<boolean>;
}

export interface OrderPlacementDeps {
  stock: Pick<StockStore, 'precheck' | 'reserve'>;
  carts: CartCheckout;
  products: Pick<ProductCache, 'get' | 'peek'>;
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
    // Redis keys hold the key's hash, never the key: any 1-255 printable characters are a valid key.
    const idempotencyKeyHash = sha256Hex(idempotencyKey);
    if (!('items' in input)) return this.placeFromCart(user, idempotencyKeyHash, input);
    return this.placeLines(user, idempotencyKeyHash, input, mergeLines(input.items));
  }

  /**
   * Orders the caller's cart: exactly its lines at the version read, reserved like any order, and
   * the cart emptied of them only once the order is accepted. The request's fingerprint is its
   * body (`fromCart: true` and the rest), not the cart, so a replay of the key answers the same
   * order however the cart changed since; a replay also finishes emptying the cart if the first
   * attempt died before it (the take is once per order, so it never takes twice).
   */
  private async placeFromCart(user: AuthUser, idempotencyKeyHash: string, input: CreateOrderInput): Promise<PlaceOrderResult> {
    const { carts, stock } = this.deps;
    const { version, lines } = await carts.contents(user.id, idempotencyKeyHash);
    let result: PlaceOrderResult | undefined;
    try {
      if (lines.length > 0) {
        // No precheck: a cart's order is most often accepted (its lines were checked as they were
        // added), and the reservation script answers a replay or a refusal itself. Three Redis
        // round trips in sequence instead of four, which a burst of checkouts waits on.
        result = await this.placeLines(user, idempotencyKeyHash, input, lines, { precheck: false });
      } else {
        // An empty cart may be the one an earlier attempt with this key emptied.
        const known = await stock.precheck(user.id, idempotencyKeyHash, []);
        if (known.kind !== 'seen') throw validationFailed('the cart is empty', { fromCart: true });
        result = this.replay(input, known.fingerprint, known.snapshot);
      }
    } finally {
      // A refused or failed order gives its claim up (an accepted one's goes stale: taking its lines moves the version).
      if (result?.kind !== 'accepted') await carts.releaseCheckout(user.id, version, idempotencyKeyHash).catch(() => undefined);
    }
    if (result.kind === 'accepted') {
      const took = await carts.takeOrdered(
        user.id,
        result.order.id,
        result.order.items.map(({ sku, quantity }) => ({ sku, quantity })),
      );
      // A replay whose lines an earlier attempt took claimed the cart as it is now, which no take
      // moves on: kept, it refused every other checkout of the cart until it lapsed.
      if (!took) await carts.releaseCheckout(user.id, version, idempotencyKeyHash).catch(() => undefined);
    }
    return result;
  }

  /**
   * Places an order for merged lines (one per SKU, sorted): the path every order takes. The
   * precheck answers a refusal or a replay before the order is built (in a flash sale, most
   * requests); without it, the reservation script does, and a replay whose lines no longer price
   * (a product gone since) is still found by the precheck.
   */
  private async placeLines(
    user: AuthUser,
    idempotencyKeyHash: string,
    input: CreateOrderInput,
    lines: StockLine[],
    { precheck }: { precheck: boolean } = { precheck: true },
  ): Promise<PlaceOrderResult> {
    const { stock, options } = this.deps;
    if (precheck) {
      const known = await stock.precheck(user.id, idempotencyKeyHash, lines);
      if (known.kind === 'short') {
        // A deleted product keeps its gate, most often at 0: it is unknown (400), not sold out. On
        // this hot path (a sold-out sale) the catalog in memory usually prices every line at once.
        if (!this.pricesAtHand(lines)) await this.price(lines);
        return this.refused(known.line, known.available);
      }
      if (known.kind === 'seen') return this.replay(input, known.fingerprint, known.snapshot);
    }

    let priced: { items: OrderItem[]; currency: string };
    try {
      priced = await this.price(lines);
    } catch (error) {
      // Only lines that no longer price (bad input now) may be a replay's; a fault stays a fault.
      if (precheck || !(error instanceof AppError)) throw error;
      return this.placeLines(user, idempotencyKeyHash, input, lines, { precheck: true });
    }
    const { items, currency } = priced;
    const now = this.now();
    const expiresAtMs = now + options.reservationTtlSeconds * 1_000;
    const snapshot: OrderSnapshot = {
      id: uuidFromName(`${user.id}:${idempotencyKeyHash}`),
      userId: user.id,
      items,
      totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      currency,
      customerEmail: input.customerEmail ?? user.email ?? null,
      shippingAddress: input.shippingAddress ? addressShown(input.shippingAddress) : null,
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

  /** Whether the catalog in memory prices every line in one currency (`price` would accept them), with nothing to wait for. */
  private pricesAtHand(lines: StockLine[]): boolean {
    const pricing = this.deps.products.peek(lines.map((line) => line.sku));
    return pricing?.every((product) => product !== null && product.currency === pricing[0]!.currency) === true;
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
