import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createDb, type Db } from './db/database.js';
import { JobQueues } from './jobs/job-queues.js';
import { QUEUE_NAMES } from './jobs/registry.js';
import type { Logger } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import { AuthService } from './modules/auth/auth.service.js';
import { UsersRepository } from './modules/auth/users.repository.js';
import { CatalogRepository } from './modules/catalog/catalog.repository.js';
import { CatalogService } from './modules/catalog/catalog.service.js';
import { ProductCache } from './modules/catalog/product-cache.js';
import { InventoryRepository } from './modules/inventory/inventory.repository.js';
import { InventoryService } from './modules/inventory/inventory.service.js';
import { OpsService } from './modules/ops/ops.service.js';
import { ExpirySweeper } from './modules/orders/expiry-sweeper.js';
import { OrderPersister } from './modules/orders/order-persister.js';
import { OrderTransitions } from './modules/orders/order-transitions.js';
import { OrdersRepository } from './modules/orders/orders.repository.js';
import { OrdersService } from './modules/orders/orders.service.js';
import { RedisKeys } from './redis/keys.js';
import { LuaScripts } from './redis/scripts.js';
import { StockStore } from './redis/stock-store.js';

/** Longest a precheck batch may wait for Redis before its requests fail (503, to be retried). */
const PRECHECK_TIMEOUT_MS = 5_000;

/**
 * Every long-lived object of one process, wired once. Nothing here connects eagerly except the
 * Redis clients; `close` releases everything in dependency order.
 */
export class Container {
  readonly db: Db;
  /** Commands and Lua scripts; auto-pipelined, so concurrent requests share round trips. */
  readonly redis: Redis;
  /**
   * The prechecks' own connection, not auto-pipelined: a precheck batch is written as soon as the
   * one before it has come back (see StockStore), never queued behind other commands. A reply that
   * does not come fails its batch after PRECHECK_TIMEOUT_MS rather than holding every precheck.
   */
  readonly precheckRedis: Redis;
  /** BullMQ's connection: it must retry forever rather than fail a blocking call. */
  readonly bullRedis: Redis;
  readonly keys: RedisKeys;
  readonly metrics: Metrics;
  readonly stock: StockStore;
  readonly queues: JobQueues;

  readonly users: UsersRepository;
  readonly catalogRepository: CatalogRepository;
  readonly inventoryRepository: InventoryRepository;
  readonly ordersRepository: OrdersRepository;

  readonly auth: AuthService;
  readonly inventory: InventoryService;
  readonly products: ProductCache;
  readonly catalog: CatalogService;
  readonly persister: OrderPersister;
  readonly transitions: OrderTransitions;
  readonly sweeper: ExpirySweeper;
  readonly orders: OrdersService;
  readonly ops: OpsService;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    this.db = createDb(config.databaseUrl, config.databasePoolSize, logger);
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true, connectionName: 'flashcart' });
    this.precheckRedis = new Redis(config.redisUrl, {
      maxRetriesPerRequest: 2,
      commandTimeout: PRECHECK_TIMEOUT_MS,
      connectionName: 'flashcart-precheck',
    });
    this.bullRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, connectionName: 'flashcart-bull' });
    for (const client of [this.redis, this.precheckRedis, this.bullRedis]) {
      client.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
    }
    this.keys = new RedisKeys(config.redisKeyPrefix);
    this.metrics = new Metrics();
    this.stock = new StockStore(this.redis, this.keys, new LuaScripts(this.redis), new LuaScripts(this.precheckRedis));
    this.queues = new JobQueues(this.bullRedis, this.keys.bullPrefix(), logger);

    this.users = new UsersRepository(this.db);
    this.catalogRepository = new CatalogRepository(this.db);
    this.inventoryRepository = new InventoryRepository(this.db);
    this.ordersRepository = new OrdersRepository(this.db);

    this.auth = new AuthService(this.users, config.jwtSecret, config.jwtTtlSeconds);
    this.inventory = new InventoryService(this.db, this.inventoryRepository, this.stock, logger);
    this.products = new ProductCache(this.catalogRepository, this.redis, this.keys.catalogChannel(), logger);
    this.catalog = new CatalogService(this.db, this.catalogRepository, this.products, this.stock, this.inventory);
    this.persister = new OrderPersister(this.db, this.ordersRepository, this.stock, this.metrics, logger);
    this.transitions = new OrderTransitions(this.db, this.ordersRepository, this.inventoryRepository, this.stock, this.metrics, logger);
    this.sweeper = new ExpirySweeper(
      this.ordersRepository,
      this.transitions,
      this.persister,
      this.stock,
      this.queues,
      this.metrics,
      logger,
      config.orphanGraceSeconds * 1_000,
    );
    this.orders = new OrdersService(
      this.ordersRepository,
      this.products,
      this.stock,
      this.inventory,
      this.queues,
      this.persister,
      this.transitions,
      this.metrics,
      { reservationTtlSeconds: config.reservationTtlSeconds, idempotencyTtlSeconds: config.idempotencyTtlSeconds },
    );
    this.ops = new OpsService(this.db, [this.redis, this.precheckRedis], logger);
    this.registerScrapeTimeMetrics();
  }

  /** Queue depths and stock drift, read when /metrics is scraped. */
  private registerScrapeTimeMetrics(): void {
    this.metrics.gauge('flashcart_queue_jobs', 'Jobs per queue and state', ['queue', 'state'], async (gauge) => {
      for (const name of QUEUE_NAMES) {
        const counts = await this.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        for (const [state, count] of Object.entries(counts)) gauge.set({ queue: name, state }, count);
      }
    });
    this.metrics.gauge(
      'flashcart_stock_drift',
      'Redis gates against the Postgres ledger: |gate - (on_hand - reserved)| summed over SKUs (units), and SKUs that differ (skus)',
      ['measure'],
      async (gauge) => {
        const drift = await this.inventory.driftSummary();
        gauge.set({ measure: 'units' }, drift.absoluteDrift);
        gauge.set({ measure: 'skus' }, drift.drifting);
      },
    );
  }

  async close(): Promise<void> {
    await this.products.stop().catch(() => undefined);
    await this.queues.close();
    await Promise.allSettled([this.redis.quit(), this.precheckRedis.quit(), this.bullRedis.quit()]);
    await this.db.destroy();
  }
}
