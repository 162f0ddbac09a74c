import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CatalogRepository, ProductPricing } from './catalog.repository.js';

interface Entry {
  pricing: ProductPricing | null;
  loadedAt: number;
}

export interface ProductCacheDeps {
  repository: Pick<CatalogRepository, 'pricing'>;
  /** Announces changes on the channel; every instance's subscriber (see start) hears them. */
  publisher: Pick<Redis, 'publish'>;
  channel: string;
  logger: Logger;
  /** How long an entry is served without a refresh; default 30 s. */
  freshForMs?: number;
  /** The clock, in ms; tests pass their own. */
  now?: () => number;
}

/** SKUs remembered as unknown, at most: anyone can ask for made-up SKUs, memory must not follow. */
const MAX_REMEMBERED_MISSES = 10_000;

/**
 * Product pricing in process memory, so pricing an order never waits on Postgres and keeps
 * working while Postgres is down. Every instance drops an entry when any instance announces a
 * change on the catalog channel; a stale entry is served while it is refreshed in the background.
 */
export class ProductCache {
  private readonly entries = new Map<string, Entry>();
  private misses = 0;
  private readonly loading = new Map<string, Promise<void>>();
  /** Bumped by every invalidation, so a load that started before it cannot store what it read. */
  private generation = 0;
  /** Per SKU, the generation its last invalidation made: a load begun before it read what may have changed. */
  private readonly forgottenAt = new Map<string, number>();
  /** The generation at which every SKU was last invalidated at once (the subscriber came back). */
  private allForgottenAt = 0;
  private subscriber: Redis | undefined;

  private readonly repository: Pick<CatalogRepository, 'pricing'>;
  private readonly publisher: Pick<Redis, 'publish'>;
  private readonly channel: string;
  private readonly logger: Logger;
  private readonly freshForMs: number;
  private readonly now: () => number;

  constructor(deps: ProductCacheDeps) {
    this.repository = deps.repository;
    this.publisher = deps.publisher;
    this.channel = deps.channel;
    this.logger = deps.logger;
    this.freshForMs = deps.freshForMs ?? 30_000;
    this.now = deps.now ?? Date.now;
  }

  /** Loads every live product and starts listening for changes made by any instance. */
  async start(subscriber: Redis): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, sku: string) => {
      if (channel === this.channel) this.forget(sku);
    });
    subscriber.on('error', (error) => this.logger.warn({ err: error }, 'product cache subscriber connection error'));
    await subscriber.subscribe(this.channel);
    // Pub/sub keeps nothing: changes announced while the subscriber was reconnecting are lost, so
    // every entry is re-read (served stale meanwhile) once it is back.
    subscriber.on('ready', () => {
      this.generation += 1;
      this.allForgottenAt = this.generation;
      for (const entry of this.entries.values()) entry.loadedAt = 0;
    });
    const now = this.now();
    const generation = this.generation;
    for (const pricing of await this.repository.pricing()) {
      // A change announced while the catalog was read is left to be read on demand.
      if (!this.changedSince(pricing.sku, generation)) this.store(pricing.sku, pricing, now);
    }
  }

  async stop(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  /** Pricing for each SKU, in order; null for a SKU that is not (or no longer) in the catalog. */
  async get(skus: string[]): Promise<(ProductPricing | null)[]> {
    const known = this.peek(skus);
    if (known) return known;
    await this.load(skus.filter((sku) => !this.entries.has(sku)));
    return skus.map((sku) => this.entries.get(sku)?.pricing ?? null);
  }

  /**
   * What `get` answers, without waiting, when this instance knows every SKU (stale entries are
   * served and refreshed in the background, as `get` does); undefined when one must be loaded first.
   * For hot paths, where awaiting an answer already in memory costs more than the look-up.
   */
  peek(skus: readonly string[]): (ProductPricing | null)[] | undefined {
    const pricing: (ProductPricing | null)[] = new Array(skus.length);
    let complete = true;
    for (let i = 0; i < skus.length; i++) {
      const one = this.peekOne(skus[i]!);
      if (one === undefined) complete = false;
      else pricing[i] = one;
    }
    return complete ? pricing : undefined;
  }

  /** `peek` of one SKU: its pricing, null when it is not in the catalog, undefined when it must be loaded first. */
  peekOne(sku: string): ProductPricing | null | undefined {
    const entry = this.entries.get(sku);
    if (!entry) return undefined;
    if (this.now() - entry.loadedAt > this.freshForMs) void this.load([sku]).catch(() => undefined);
    return entry.pricing;
  }

  /**
   * Tells every instance (this one included) to forget what it knows of the SKU. The change has
   * already committed; if the announcement fails, other instances catch up within `freshForMs`.
   */
  async invalidate(sku: string): Promise<void> {
    this.forget(sku);
    await this.publisher.publish(this.channel, sku).catch((error: unknown) => {
      this.logger.warn({ err: error, sku }, 'catalog change not announced; other instances catch up on their next refresh');
    });
  }

  /** Whether the SKU was invalidated after `generation`: what a load begun then read may predate the change. */
  private changedSince(sku: string, generation: number): boolean {
    return Math.max(this.allForgottenAt, this.forgottenAt.get(sku) ?? 0) > generation;
  }

  private forget(sku: string): void {
    this.generation += 1;
    this.forgottenAt.set(sku, this.generation);
    if (this.entries.get(sku)?.pricing === null) this.misses -= 1;
    this.entries.delete(sku);
    this.loading.delete(sku);
  }

  private store(sku: string, pricing: ProductPricing | null, loadedAt: number): void {
    if (this.entries.get(sku)?.pricing === null) this.misses -= 1;
    if (pricing === null) {
      if (this.misses >= MAX_REMEMBERED_MISSES) this.dropMisses();
      this.misses += 1;
    }
    this.entries.set(sku, { pricing, loadedAt });
  }

  private dropMisses(): void {
    for (const [sku, entry] of this.entries) if (entry.pricing === null) this.entries.delete(sku);
    this.misses = 0;
  }

  private load(skus: string[]): Promise<void> {
    const pending = skus.map((sku) => this.loading.get(sku)).filter((p): p is Promise<void> => p !== undefined);
    const toLoad = skus.filter((sku) => !this.loading.has(sku));
    if (toLoad.length > 0) {
      const loadedAt = this.now();
      const generation = this.generation;
      const promise: Promise<void> = this.repository
        .pricing(toLoad)
        .then((rows) => {
          const found = new Map(rows.map((row) => [row.sku, row]));
          const changed: string[] = [];
          for (const sku of toLoad) {
            // A change announced meanwhile may not be in what was read, and a newer read may be stored
            // already: what was read is dropped, and read again.
            if (this.changedSince(sku, generation)) changed.push(sku);
            else this.store(sku, found.get(sku) ?? null, loadedAt);
          }
          if (changed.length === 0) return;
          for (const sku of changed) if (this.loading.get(sku) === promise) this.loading.delete(sku);
          return this.load(changed);
        })
        .catch((error: unknown) => {
          this.logger.warn({ err: error, skus: toLoad }, 'product cache refresh failed; serving what it has');
          if (toLoad.some((sku) => !this.entries.has(sku))) throw error;
        })
        .finally(() => {
          for (const sku of toLoad) if (this.loading.get(sku) === promise) this.loading.delete(sku);
        });
      for (const sku of toLoad) this.loading.set(sku, promise);
      pending.push(promise);
    }
    return Promise.all(pending).then(() => undefined);
  }
}
