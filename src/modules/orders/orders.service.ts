import type { OrderStatus } from '../../db/schema.js';
import type { JobQueues } from '../../jobs/job-queues.js';
import { AppError, invalidState, notFound, validationFailed } from '../../lib/errors.js';
import { canonicalJson, sha256Hex, uuidFromName } from '../../lib/hashing.js';
import type { Page } from '../../lib/http-schemas.js';
import { isDependencyUnavailable } from '../../lib/infrastructure-errors.js';
import type { Metrics } from '../../lib/metrics.js';
import type { ReservationLine, StockStore } from '../../redis/stock-store.js';
import { type AuthUser, isAdmin } from '../auth/auth.types.js';
import type { ProductCache } from '../catalog/product-cache.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { OrderPersister } from './order-persister.js';
import type { OrderTransitions } from './order-transitions.js';
import type { OrderSearch, OrdersRepository } from './orders.repository.js';
import type { CreateOrderInput, OrderListQuery } from './orders.schemas.js';
import { type Order, type OrderItem, type OrderSnapshot, orderFromSnapshot, parseSnapshot } from './orders.types.js';

/** The expected outcomes of placing an order; only faults are thrown. */
export type PlaceOrderResult = { kind: 'accepted'; order: Order } | { kind: 'insufficient'; sku: string; requested: number; available: number };

/** Gate loads a single placement may need (one per line at most, then a safety margin). */
const MAX_GATE_LOADS = 64;

export interface OrdersServiceOptions {
  reservationTtlSeconds: number;
  idempotencyTtlSeconds: number;
}

export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly products: ProductCache,
    private readonly stock: StockStore,
    private readonly inventory: InventoryService,
    private readonly queues: JobQueues,
    private readonly persister: OrderPersister,
    private readonly transitions: OrderTransitions,
    private readonly metrics: Metrics,
    private readonly options: OrdersServiceOptions,
  ) {}

  /**
   * The hot path. A read-only precheck first answers a retry of a known key from its record and
   * refuses a request a line of which is short (what almost every buyer of a flash sale gets).
   * Otherwise the lines are priced from the catalog cache, reserved in one Lua script, the persist
   * job is enqueued and the order returned. Postgres is not touched unless a gate must be loaded.
   */
  async place(user: AuthUser, idempotencyKey: string, input: CreateOrderInput): Promise<PlaceOrderResult> {
    if (!('items' in input)) throw validationFailed('the cart is empty', { fromCart: true });
    const lines = mergeLines(input.items);

    const idempotencyKeyHash = sha256Hex(idempotencyKey);
    const known = await this.stock.precheck(user.id, idempotencyKeyHash, lines);
    if (known.kind === 'short') return this.refused(known.line, known.available);
    if (known.kind === 'seen') return this.replay(input, known.fingerprint, known.snapshot);

    const { items, currency } = await this.price(lines);
    const now = Date.now();
    const expiresAtMs = now + this.options.reservationTtlSeconds * 1_000;
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
      idempotencyTtlSeconds: this.options.idempotencyTtlSeconds,
      snapshot: JSON.stringify(snapshot),
      lines,
    };

    for (let loads = 0; loads < MAX_GATE_LOADS; loads++) {
      const result = await this.stock.reserve(reserve);
      switch (result.kind) {
        case 'reserved':
          await this.queues.add('persist-order', snapshot, snapshot.id);
          this.metrics.countReservation('accepted');
          return { kind: 'accepted', order: orderFromSnapshot(snapshot) };
        case 'replayed':
          return this.replayed(parseSnapshot(result.snapshot)!, result.reservationAlive);
        case 'keyReused':
          throw keyReused();
        case 'insufficient':
          return this.refused(result.line, result.available);
        case 'gateMissing':
          await this.inventory.ensureGate(result.line.sku);
          break;
      }
    }
    throw new Error(`stock gates for order ${snapshot.id} could not be loaded`);
  }

  /** A retry of a key seen before: the original answer, or 422 when the request differs. */
  private async replay(input: CreateOrderInput, fingerprint: string, snapshot: string): Promise<PlaceOrderResult> {
    if (sha256Hex(canonicalJson(input)) !== fingerprint) throw keyReused();
    const original = parseSnapshot(snapshot)!;
    return this.replayed(original, await this.stock.reservationExists(original.id));
  }

  private async replayed(original: OrderSnapshot, reservationAlive: boolean): Promise<PlaceOrderResult> {
    // A retry after a crash between reserving and enqueueing enqueues the job it never got.
    if (reservationAlive) await this.queues.add('persist-order', original, original.id);
    this.metrics.countReservation('replayed');
    return { kind: 'accepted', order: orderFromSnapshot(original) };
  }

  private refused(line: ReservationLine, available: number): PlaceOrderResult {
    this.metrics.countReservation('refused');
    return { kind: 'insufficient', sku: line.sku, requested: line.quantity, available };
  }

  /** An order as its owner (or an admin) sees it; readable from Redis until the persist job has run. */
  async get(user: AuthUser, orderId: string): Promise<Order> {
    let databaseError: unknown;
    try {
      const order = await this.repository.find(orderId);
      if (order) {
        if (order.userId !== user.id && !isAdmin(user)) throw notFound('order', { orderId });
        const { userId: _owner, ...visible } = order;
        return visible;
      }
    } catch (error) {
      if (!isDependencyUnavailable(error)) throw error;
      databaseError = error;
    }
    const snapshot = parseSnapshot(await this.stock.readReservation(orderId));
    if (snapshot && (snapshot.userId === user.id || isAdmin(user))) return orderFromSnapshot(snapshot);
    if (databaseError) throw databaseError;
    throw notFound('order', { orderId });
  }

  async list(query: OrderListQuery, user?: AuthUser): Promise<Page<Order>> {
    const search: OrderSearch = {
      userId: user?.id,
      status: query.status,
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
    };
    const { items, total } = await this.repository.search(search);
    return { items, page: query.page, limit: query.limit, total };
  }

  async cancel(user: AuthUser, orderId: string, reason?: string): Promise<Order> {
    await this.get(user, orderId);
    await this.transition(orderId, 'CANCELLED', { from: 'PENDING', reason: reason ?? 'cancelled by the customer' });
    return this.get(user, orderId);
  }

  /** An admin moves an order along the state machine. */
  async setStatus(admin: AuthUser, orderId: string, status: OrderStatus, reason?: string): Promise<Order> {
    await this.transition(orderId, status, { reason: reason ?? 'changed by an administrator' });
    return this.get(admin, orderId);
  }

  private async transition(orderId: string, to: OrderStatus, options: { from?: OrderStatus; reason: string }) {
    await this.ensurePersisted(orderId);
    const result = await this.transitions.apply(orderId, to, options);
    if (!result.changed) {
      throw invalidState(`order ${orderId} is ${result.status}; it cannot become ${to}`, { status: result.status });
    }
  }

  /** Writes an order the persist job has not written yet, so a transition has a row to guard. */
  private async ensurePersisted(orderId: string): Promise<void> {
    if (await this.repository.findState(orderId)) return;
    const snapshot = parseSnapshot(await this.stock.readReservation(orderId));
    if (!snapshot) throw notFound('order', { orderId });
    await this.persister.persist(snapshot);
  }

  /** Prices merged lines from the catalog; unknown products and mixed currencies are bad input. */
  private async price(lines: ReservationLine[]): Promise<{ items: OrderItem[]; currency: string }> {
    const pricing = await this.products.get(lines.map((line) => line.sku));
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
function mergeLines(requested: { sku: string; quantity: number }[]): ReservationLine[] {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of requested) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return [...quantities.keys()].sort().map((sku) => ({ sku, quantity: quantities.get(sku)! }));
}
