import { Coalescer, coalescedLookups } from '../../lib/coalescer.js';
import type { Metrics } from '../../lib/metrics.js';
import type { CartStore, MergeLine, StoredCart } from '../../redis/cart-store.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { ProductPricing } from '../catalog/catalog.repository.js';
import type { ProductCache } from '../catalog/product-cache.js';
import type { StockLine } from '../inventory/inventory.schemas.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { Realtime } from '../realtime/realtime.js';
import {
  type CartAnswer,
  currencyNotice,
  deletedNotice,
  emptyStoredCart,
  type PricedLine,
  priceCart,
  renderCart,
  SerializedCart,
} from './cart-pricing.js';
import { cartFull, checkoutUnderWay, currencyMismatch, insufficientStock, lineTooLarge, productNotFound } from './carts.errors.js';
import type { CartsRepository } from './carts.repository.js';
import { type Cart, type CartMerge, MAX_CART_LINE_QUANTITY } from './carts.schemas.js';

export interface CartServiceDeps {
  store: CartStore;
  repository: Pick<CartsRepository, 'findMany' | 'productTitle'>;
  products: Pick<ProductCache, 'get' | 'peek' | 'peekOne'>;
  stock: Pick<StockStore, 'gates'>;
  inventory: Pick<InventoryService, 'ensureGate'>;
  realtime: Realtime;
  metrics: Metrics;
  /** How long a plentiful stock level read here answers changes without a new read (see `recentPlenty`); 0: never. */
  stockCacheMs: number;
  /** The clock, in ms since the epoch; tests pass their own. */
  now?: () => number;
}

/** Who changed a cart, for the changes metric. */
type ChangeSource = 'owner' | 'merge' | 'order' | 'catalog';

/**
 * A script finds a cart missing only when Redis lost it between our load and the script (an
 * eviction, a flush): a few loads settle it, more would mean a bug.
 */
const MAX_LOADS = 3;

/**
 * How long an order's claim on its cart's version lasts at most (see `contents`): an order from the
 * cart takes milliseconds; a claim whose request died lapses after this.
 */
const CHECKOUT_CLAIM_MS = 10_000;

/** Most gate reads one MGET carries. */
const MAX_GATE_BATCH = 256;

/** Most snapshots one Postgres read carries. */
const MAX_SNAPSHOT_BATCH = 256;

/** Carts whose SKUs this instance remembers, to read their gates with the one it checks (see changeItem). */
const MAX_REMEMBERED_CARTS = 50_000;

/**
 * A stock level at least this high is plentiful: no cart line can hold more (a line holds at most
 * 1,000 units), so no change can be refused for it, and "1,000 left" or "1,060 left" tell a buyer
 * the same. Below it a change always reads the gate afresh.
 */
const PLENTY = MAX_CART_LINE_QUANTITY;

/** Most SKUs whose last gate value is remembered; past it the memory starts again. */
const MAX_REMEMBERED_GATES = 10_000;

/** Gate values read for one answer, by SKU. */
type Gates = Map<string, number>;

/**
 * Live carts: every change is one Lua script on the cart's Redis hash that bumps its version, marks
 * it for the write-behind persister and returns the whole cart, which is then priced from the
 * in-memory catalog and the stock gates, pushed to the owner's sockets and answered. A cart Redis
 * does not hold is rebuilt from its Postgres snapshot first.
 */
export class CartService {
  private readonly now: () => number;
  /**
   * Every cart answer reads the gates of its lines. The reads of one event-loop turn go to Redis as
   * one MGET: under load a client command costs the API more than the values it fetches. One MGET is
   * out at a time, and the reads that arrive meanwhile make up the next, as the order prechecks do.
   */
  private readonly gateReads: Coalescer<string[], (number | null)[]>;
  /**
   * Carts Redis does not hold are looked up in Postgres, those of one turn in one query: in a flash
   * sale every new buyer's first add finds no cart, and a round trip each costs the API more than
   * the rows.
   */
  private readonly snapshotReads: Coalescer<string, StoredCart | undefined>;
  /** The SKUs of each cart as last answered here: a hint, never trusted for anything but which gates to read. */
  private readonly lastSkus = new Map<string, string[]>();
  /** The last value read of each SKU's gate, and when: see `recentPlenty`. */
  private readonly lastGates = new Map<string, { value: number; atMs: number }>();
  /** The changes counter per source, labelled once rather than on every change. */
  private readonly changeCounts: Record<ChangeSource, { inc(value?: number): void }>;

  /** A SKU's catalog entry when this instance has it at hand (see ProductCache.peekOne). */
  private readonly productOf: (sku: string) => ProductPricing | null | undefined;

  constructor(private readonly deps: CartServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.productOf = (sku) => deps.products.peekOne(sku);
    const counter = (source: ChangeSource) => deps.metrics.cartChanges.labels({ source });
    this.changeCounts = { owner: counter('owner'), merge: counter('merge'), order: counter('order'), catalog: counter('catalog') };
    this.gateReads = new Coalescer(
      async (batch: string[][]) => {
        const skus = [...new Set(batch.flat())];
        const values = await deps.stock.gates(skus);
        const bySku = new Map(skus.map((sku, i) => [sku, values[i] ?? null]));
        return batch.map((wanted) => wanted.map((sku) => bySku.get(sku) ?? null));
      },
      { maxBatch: MAX_GATE_BATCH, maxInFlight: 1 },
    );
    this.snapshotReads = coalescedLookups((userIds) => deps.repository.findMany(userIds), { maxBatch: MAX_SNAPSHOT_BATCH, maxInFlight: 2 });
  }

  /**
   * Puts an empty cart (version 0) into Redis for a user who cannot have a cart anywhere yet, unless
   * Redis holds one. Without it, the user's first change finds no cart and looks for its snapshot.
   */
  async openEmptyCart(userId: string): Promise<void> {
    await this.deps.store.load(emptyStoredCart(userId, this.now()), 'missing');
  }

  async read(userId: string): Promise<Cart> {
    return this.price(await this.loaded(userId));
  }

  /** Adds units to a line (creating it); the line may not go past what the stock admits. */
  add(userId: string, sku: string, quantity: number): Promise<CartAnswer> {
    return this.changeItem(userId, sku, 'add', quantity);
  }

  /** Sets a line's quantity; 0 removes it. Lowering a line is always allowed, raising it only within the stock. */
  set(userId: string, sku: string, quantity: number): Promise<CartAnswer> {
    return this.changeItem(userId, sku, 'set', quantity);
  }

  /** Removes a line; a line the cart does not hold changes nothing. */
  remove(userId: string, sku: string): Promise<CartAnswer> {
    return this.changeItem(userId, sku, 'set', 0);
  }

  async clear(userId: string): Promise<Cart> {
    for (let loads = 0; loads < MAX_LOADS; loads++) {
      const cleared = await this.deps.store.clear(userId, this.now());
      if (cleared) return cleared.changed ? this.changed(cleared.cart, 'owner', undefined, cleared.ownerOnline) : this.price(cleared.cart);
      await this.loadFromSnapshot(userId);
    }
    throw lostCart(userId);
  }

  /**
   * Merges a guest's cart into a user's at login: quantities summed, capped by the stock and the
   * cart's limits; the guest cart is emptied. Safe to repeat: a merged guest cart is empty.
   */
  async mergeGuestCart(guestId: string, userId: string): Promise<CartMerge> {
    const { store, products } = this.deps;
    if (guestId === userId) return { lines: [], cart: await this.read(userId) };
    for (let attempt = 0; attempt < MAX_LOADS * 2; attempt++) {
      const guest = await this.loaded(guestId);
      if (guest.lines.length === 0) return { lines: [], cart: await this.read(userId) };
      const skus = guest.lines.map((line) => line.sku);
      const [pricing, available] = await Promise.all([products.get(skus), this.availableOf(skus)]);
      const lines: MergeLine[] = skus.map((sku, i) => ({ sku, available: pricing[i] ? available[i]! : -1, currency: pricing[i]?.currency ?? '' }));
      const merged = await store.merge(userId, guestId, guest.version, lines, this.now());
      if (merged.kind === 'missing') {
        await this.loadFromSnapshot(merged.which === 'user' ? userId : guestId);
        continue;
      }
      if (merged.kind === 'guestChanged') continue;
      this.changeCounts.merge.inc(merged.userChanged ? 2 : 1);
      await this.publish(merged.guest);
      const cart = merged.userChanged ? await this.publish(merged.user) : await this.price(merged.user);
      return {
        lines: merged.outcomes.map(({ sku, requested, quantity, capped }) => ({ sku, requested, quantity, ...(capped ? { capped } : {}) })),
        cart,
      };
    }
    throw new Error(`the guest cart ${guestId} kept changing while it was merged`);
  }

  /**
   * The cart as stored, at one version: what an order from the cart reserves, that version claimed
   * for the order's Idempotency-Key (`keyHash`). Another key's checkout of the same version (another
   * tab) is refused 409 INVALID_STATE until this one ends: both used to reserve the cart's lines. A
   * line that can never be ordered (its product left the catalog, or is now sold in another currency
   * than the cart's), found before the catalog's job reached this cart, is dealt with first, as a
   * read of the cart deals with it, and the cart's new version claimed: otherwise every order of the
   * cart was refused (400) until its owner read it.
   */
  async contents(userId: string, keyHash: string): Promise<StoredCart> {
    for (let attempt = 0; attempt < MAX_LOADS * 2; attempt++) {
      const read = await this.deps.store.claimForCheckout(userId, keyHash, CHECKOUT_CLAIM_MS);
      if (read.kind === 'claimed') throw checkoutUnderWay();
      if (read.kind === 'missing') {
        await this.loadFromSnapshot(userId);
        continue;
      }
      const skus = read.cart.lines.map((line) => line.sku);
      const pricing = this.deps.products.peek(skus) ?? (await this.deps.products.get(skus));
      if (!(await this.healStale(read.cart, pricing))) return read.cart;
    }
    throw lostCart(userId);
  }

  /** Gives up an order's claim on the cart's `version` (see `contents`) when the order was not accepted. */
  releaseCheckout(userId: string, version: number, keyHash: string): Promise<void> {
    return this.deps.store.releaseCheckout(userId, version, keyHash);
  }

  /**
   * Takes an accepted order's lines out of the cart, once per order however often it is called
   * (a replay of the order's Idempotency-Key calls it again). Whether this call took them: false
   * when an earlier one had.
   */
  async takeOrdered(userId: string, orderId: string, lines: StockLine[]): Promise<boolean> {
    for (let loads = 0; loads < MAX_LOADS; loads++) {
      const taken = await this.deps.store.takeOrdered(userId, orderId, lines, this.now());
      if (taken.kind === 'taken') {
        // Pushed to the owner's other devices only when one is connected (the script looked).
        await this.changed(taken.cart, 'order', undefined, taken.ownerOnline);
        return true;
      }
      if (taken.kind === 'already') return false;
      await this.loadFromSnapshot(userId);
    }
    throw lostCart(userId);
  }

  /**
   * Applies a catalog change of the SKU to one cart that holds it, as the catalog stands now, and
   * pushes the result: a product still sold (its price, title or currency changed) gives the cart a
   * new version, one no longer sold leaves with a notice. A product now sold in another currency
   * than the cart's moves the cart to it when it is the only line, and otherwise leaves the cart
   * with a notice: a cart holds one currency. False when the cart does not hold the SKU.
   *
   * The catalog now, not the change the job was queued for: a product deleted and brought back
   * before the job ran is sold again (its lines stay), one changed and then deleted is gone.
   */
  async applyCatalogChange(userId: string, sku: string, title?: string): Promise<boolean> {
    const product = (await this.deps.products.get([sku]))[0] ?? null;
    const cart = await this.catalogChange(userId, sku, product, title);
    if (!cart) return false;
    await this.changed(cart, 'catalog');
    return true;
  }

  /** Prices a cart and pushes it to its owner's sockets; returns what was pushed. */
  async publish(stored: StoredCart, gates?: Gates): Promise<Cart> {
    const cart = await this.price(stored, gates);
    this.deps.realtime.emitToUser(stored.userId, 'cart:update', cart);
    return cart;
  }

  private async changeItem(userId: string, sku: string, mode: 'add' | 'set', quantity: number): Promise<CartAnswer> {
    const peeked = this.productOf(sku);
    const product = peeked !== undefined ? peeked : (await this.deps.products.get([sku]))[0];
    const removing = mode === 'set' && quantity === 0;
    // A line whose product left the catalog can still be removed.
    if (!product && !removing) throw productNotFound(sku);
    // The gate of the SKU checked, read together with those of the cart's other lines as last
    // answered here, so that pricing the new cart usually needs no second read.
    // (A removal checks no stock, and must not load a gate for a SKU the catalog does not know.)
    const skus: string[] = removing ? [] : [sku];
    for (const other of this.lastSkus.get(userId) ?? []) if (other !== sku) skus.push(other);
    const read = this.recentPlenty(skus) ?? (await this.availableOf(skus));
    const gates: Gates = new Map();
    for (let i = 0; i < skus.length; i++) gates.set(skus[i]!, read[i]!);
    const available = removing ? 0 : read[0]!;
    for (let loads = 0; loads < MAX_LOADS; loads++) {
      const result = await this.deps.store.changeItem({
        userId,
        sku,
        mode,
        quantity,
        available,
        currency: product?.currency ?? '',
        nowMs: this.now(),
      });
      switch (result.kind) {
        case 'done': {
          // Nobody to push to (no socket of the owner connected anywhere): usually the answer can be
          // written straight from the stored cart, without building the Cart first.
          const rendered = result.ownerOnline ? null : renderCart(result.cart, this.productOf, gates);
          if (rendered !== null) {
            if (result.changed) this.changeCounts.owner.inc();
            this.rememberLines(userId, result.cart.lines);
            return new SerializedCart(rendered);
          }
          return result.changed ? this.changed(result.cart, 'owner', gates, result.ownerOnline) : this.price(result.cart, gates);
        }
        case 'missing': {
          const snapshot = await this.snapshotReads.submit(userId);
          // No cart anywhere (a new buyer): the line would hold just `quantity`, so a refusal needs no
          // cart in Redis. In a flash sale that is most buyers' first click, once the stock is gone.
          if (!snapshot && mode === 'add' && quantity > available) {
            throw insufficientStock(sku, quantity, available);
          }
          await this.loadFromSnapshot(userId, snapshot);
          break;
        }
        case 'insufficient':
          throw insufficientStock(sku, mode === 'add' ? result.current + quantity : quantity, available);
        case 'cartFull':
          throw cartFull(sku);
        case 'lineTooLarge':
          throw lineTooLarge(sku, mode === 'add' ? result.current + quantity : quantity);
        case 'currencyMismatch':
          throw currencyMismatch(sku, result.currency, product!.currency);
      }
    }
    throw lostCart(userId);
  }

  /**
   * Counts a change and pushes the new cart to its owner. `ownerOnline` false (the script found no
   * socket of the owner connected anywhere) skips the push: nobody would receive it, and a socket
   * that connects later gets the cart on connecting.
   */
  private changed(stored: StoredCart, source: ChangeSource, gates?: Gates, ownerOnline = true): Promise<Cart> {
    this.changeCounts[source].inc();
    return ownerOnline ? this.publish(stored, gates) : this.price(stored, gates);
  }

  /** The cart in Redis, rebuilt from its snapshot when Redis does not hold it. */
  private async loaded(userId: string): Promise<StoredCart> {
    return (await this.deps.store.read(userId)) ?? this.loadFromSnapshot(userId);
  }

  /**
   * Puts the cart's Postgres snapshot into Redis (an empty cart at version 0 when there is none),
   * unless another caller has loaded it meanwhile: then that one is kept.
   */
  private async loadFromSnapshot(userId: string, read?: StoredCart): Promise<StoredCart> {
    const snapshot = read ?? (await this.snapshotReads.submit(userId)) ?? emptyStoredCart(userId, this.now());
    return (await this.deps.store.load(snapshot, 'missing')).cart;
  }

  /** What each SKU's gate admits now, loading gates not loaded yet. */
  private async availableOf(skus: string[]): Promise<number[]> {
    if (skus.length === 0) return [];
    const gates = await this.gateReads.submit(skus);
    const values = gates.includes(null)
      ? await Promise.all(gates.map((gate, i) => (gate === null ? this.deps.inventory.ensureGate(skus[i]!) : gate)))
      : (gates as number[]);
    this.rememberGates(skus, values);
    return values;
  }

  /**
   * The gates of `skus` as read here within the last `stockCacheMs`, when every one of them was
   * plentiful; otherwise null, and the caller reads them. Under load most changes then skip the
   * gate read, a round trip to Redis before the change's own. What it costs: for at most
   * `stockCacheMs`, a plentiful SKU's `available` may be behind what another request sold or an
   * admin changed, and a change checked against it may pass where a fresh read would refuse it.
   * Neither can oversell: a cart holds no stock, and an order reserves against the gate itself.
   */
  private recentPlenty(skus: string[]): number[] | null {
    if (this.deps.stockCacheMs === 0 || skus.length === 0) return null;
    const since = this.now() - this.deps.stockCacheMs;
    const values: number[] = [];
    for (const sku of skus) {
      const last = this.lastGates.get(sku);
      if (!last || last.atMs < since || last.value < PLENTY) return null;
      values.push(last.value);
    }
    return values;
  }

  private rememberGates(skus: string[], values: number[]): void {
    if (this.deps.stockCacheMs === 0) return;
    if (this.lastGates.size + skus.length > MAX_REMEMBERED_GATES) this.lastGates.clear();
    const atMs = this.now();
    for (let i = 0; i < skus.length; i++) this.lastGates.set(skus[i]!, { value: values[i]!, atMs });
  }

  /**
   * The cart as clients see it. A line whose product has left the catalog, or is now sold in
   * another currency than the cart's, found before the catalog's job reached this cart, is dealt
   * with here as the job would (removed with its notice, or the cart moved to the new currency),
   * and the cart priced again.
   */
  private async price(stored: StoredCart, gates?: Gates): Promise<Cart> {
    const skus = stored.lines.map((line) => line.sku);
    this.rememberSkus(stored.userId, skus);
    const unread = gates ? skus.filter((sku) => !gates.has(sku)) : skus;
    // Usually everything is at hand (the catalog in memory, the gates read with the change): then
    // nothing is awaited, which under load costs more than the pricing itself.
    const known = this.deps.products.peek(skus);
    const [pricing, read] =
      known && unread.length === 0 ? [known, []] : await Promise.all([known ?? this.deps.products.get(skus), this.availableOf(unread)]);
    const fresh = new Map(unread.map((sku, i) => [sku, read[i]!]));
    const available = skus.map((sku) => fresh.get(sku) ?? gates!.get(sku)!);
    const healed = await this.healStale(stored, pricing);
    if (healed) return healed;
    const lines: PricedLine[] = [];
    stored.lines.forEach((line, i) => {
      const product = pricing[i];
      if (product) lines.push({ sku: line.sku, quantity: line.quantity, product, available: available[i]! });
    });
    return priceCart(stored, lines);
  }

  /**
   * Removes, as the catalog's job would, the lines of a stored cart whose product (`pricing`, in line
   * order) has left the catalog or is now sold in another currency than the cart's, and pushes the
   * cart; what was pushed, or null when no line was stale (or the cart no longer held them).
   */
  private async healStale(stored: StoredCart, pricing: readonly (ProductPricing | null)[]): Promise<Cart | null> {
    const skus = stored.lines.map((line) => line.sku);
    const stale = skus.filter((_, i) => pricing[i] === null || (stored.currency !== null && pricing[i]!.currency !== stored.currency));
    if (stale.length === 0) return null;
    let healed: StoredCart | null = null;
    for (const sku of stale) healed = (await this.catalogChange(stored.userId, sku, pricing[skus.indexOf(sku)] ?? null)) ?? healed;
    if (!healed) return null;
    this.changeCounts.catalog.inc(stale.length);
    return this.publish(healed);
  }

  /**
   * One catalog change to one cart, through its script: the line of a product no longer sold
   * (`product` null) removed with its notice; otherwise a new version, the line checked against the
   * cart's currency (the notice is what it leaves if the product's currency takes it out).
   */
  private async catalogChange(userId: string, sku: string, product: ProductPricing | null, title?: string): Promise<StoredCart | null> {
    const { store, repository } = this.deps;
    if (!product) {
      const notice = deletedNotice(sku, title ?? (await repository.productTitle(sku)) ?? sku);
      return store.applyCatalogChange(userId, sku, 'deleted', notice, this.now());
    }
    return store.applyCatalogChange(userId, sku, 'changed', currencyNotice(sku, product.title, product.currency), this.now(), product.currency);
  }

  /** rememberSkus for a cart's lines, when they are not the SKUs already remembered (most changes keep them). */
  private rememberLines(userId: string, lines: readonly StockLine[]): void {
    const known = this.lastSkus.get(userId);
    if (known?.length === lines.length && lines.every((line, i) => line.sku === known[i])) return;
    this.rememberSkus(
      userId,
      lines.map((line) => line.sku),
    );
  }

  private rememberSkus(userId: string, skus: string[]): void {
    this.lastSkus.delete(userId);
    if (this.lastSkus.size >= MAX_REMEMBERED_CARTS) this.lastSkus.delete(this.lastSkus.keys().next().value!);
    this.lastSkus.set(userId, skus);
  }
}

const lostCart = (userId: string) => new Error(`the cart of ${userId} kept disappearing from Redis while it was changed`);
