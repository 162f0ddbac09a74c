import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createDb, type Db, transactionsOf } from './db/database.js';
import { clientAddressOf } from './http/client-address.js';
import { JobQueues } from './jobs/job-queues.js';
import { QUEUE_NAMES } from './jobs/registry.js';
import type { Logger } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import { orderPageUrl } from './lib/shop-pages.js';
import { AuthService } from './modules/auth/auth.service.js';
import { UsersRepository } from './modules/auth/users.repository.js';
import { AbandonedCarts } from './modules/carts/abandoned-carts.js';
import { CartCatalogSync } from './modules/carts/cart-catalog-sync.js';
import { CartPersister } from './modules/carts/cart-persister.js';
import { CartReconciler } from './modules/carts/cart-reconciler.js';
import { CartRemindersRepository } from './modules/carts/cart-reminders.repository.js';
import { CartsRepository } from './modules/carts/carts.repository.js';
import { MAX_CART_LINE_QUANTITY, MAX_CART_LINES } from './modules/carts/carts.schemas.js';
import { CartService } from './modules/carts/carts.service.js';
import { CatalogRepository } from './modules/catalog/catalog.repository.js';
import { CatalogService } from './modules/catalog/catalog.service.js';
import { ProductCache } from './modules/catalog/product-cache.js';
import { DeadLetterRecorder } from './modules/failed-jobs/dead-letter-recorder.js';
import { FailedJobsRepository } from './modules/failed-jobs/failed-jobs.repository.js';
import { FailedJobsService } from './modules/failed-jobs/failed-jobs.service.js';
import { FeedPublisher } from './modules/feed/feed-publisher.js';
import { feedTopology } from './modules/feed/feed-topology.js';
import { OutboxFeedSource } from './modules/feed/outbox-feed-source.js';
import { InventoryRepository } from './modules/inventory/inventory.repository.js';
import { InventoryService } from './modules/inventory/inventory.service.js';
import { LowStockAlertsRepository } from './modules/inventory/low-stock-alerts.repository.js';
import { CartReminderSettings } from './modules/notifications/cart-reminder-settings.js';
import { EmailDeliveriesRepository } from './modules/notifications/email-deliveries.repository.js';
import { EmailSender } from './modules/notifications/email-sender.js';
import { MailPreferencesRepository } from './modules/notifications/mail-preferences.repository.js';
import { Mailbox } from './modules/notifications/mailbox.js';
import { Mailer, mailTransportUrl } from './modules/notifications/mailer.js';
import { NotificationsRepository } from './modules/notifications/notifications.repository.js';
import { Notifier } from './modules/notifications/notifier.js';
import { OpsService } from './modules/ops/ops.service.js';
import { ExpirySweeper } from './modules/orders/lifecycle/expiry-sweeper.js';
import { OrderLifecycle } from './modules/orders/lifecycle/order-lifecycle.js';
import { OrderTransitions } from './modules/orders/lifecycle/order-transitions.js';
import { OrderOwners } from './modules/orders/order-owners.js';
import { OrderQueries } from './modules/orders/order-queries.js';
import { OrdersRepository } from './modules/orders/orders.repository.js';
import { OrderPersister } from './modules/orders/persistence/order-persister.js';
import { OrderWritesRepository } from './modules/orders/persistence/order-writes.repository.js';
import { PersistConsumer } from './modules/orders/persistence/persist-consumer.js';
import { OrderPlacement } from './modules/orders/placement/order-placement.js';
import { OutboxRepository } from './modules/outbox/outbox.repository.js';
import { OutboxRelay } from './modules/outbox/outbox-relay.js';
import { QueueOutboxPublisher } from './modules/outbox/queue-publisher.js';
import type { PaymentProvider } from './modules/payments/payment-provider.js';
import { PaymentWebhooks } from './modules/payments/payment-webhooks.js';
import { PaymentsRepository } from './modules/payments/payments.repository.js';
import { PaymentsService } from './modules/payments/payments.service.js';
import { PspSimPaymentProvider } from './modules/payments/psp-sim.provider.js';
import { Refunds } from './modules/payments/refunds.js';
import type { Realtime } from './modules/realtime/realtime.js';
import { RedisEmitterRealtime } from './modules/realtime/redis-emitter-realtime.js';
import { SocketGateway } from './modules/realtime/socket-gateway.js';
import { Fulfilment } from './modules/vendors/fulfilment.js';
import { FulfilmentRepository } from './modules/vendors/fulfilment.repository.js';
import { StockRecount } from './modules/vendors/stock-recount.js';
import { VendorClients } from './modules/vendors/vendor-clients.js';
import { VendorSchedules } from './modules/vendors/vendor-schedules.js';
import { VendorSync } from './modules/vendors/vendor-sync.js';
import { VendorsRepository } from './modules/vendors/vendors.repository.js';
import { VendorsService } from './modules/vendors/vendors.service.js';
import { CartStore } from './redis/cart-store.js';
import { RedisKeys } from './redis/keys.js';
import { LineLeases } from './redis/line-leases.js';
import { PersistStream } from './redis/persist-stream.js';
import { LuaScripts } from './redis/scripts.js';
import { readGates, StockStore } from './redis/stock-store.js';

/**
 * Longest a precheck batch, or a batch of cart gate reads or changes, may wait for Redis before its
 * requests fail (503, to be retried): the requests that arrive meanwhile wait behind it.
 */
const BATCH_TIMEOUT_MS = 5_000;
/** The payment provider's name in payments and payment_events. */
const PAYMENT_PROVIDER = 'psp-sim';

/** How long an untouched cart stays in Redis; its snapshot stays in Postgres and is loaded on the next use. */
const CART_REDIS_TTL_SECONDS = 30 * 86_400;

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
   * does not come fails its batch after BATCH_TIMEOUT_MS rather than holding every precheck.
   */
  readonly precheckRedis: Redis;
  /**
   * Carts' own connection, not auto-pipelined: cart changes and the gate reads before them come in
   * batches already (CartService, CartStore), and ioredis keeps one auto-pipeline in flight per
   * connection, so on the shared one every batch waited for the round trip of the one before it
   * (and of the orders' commands) while the API had nothing else to do. As with the prechecks, the
   * batches out at once are bounded, and a reply that does not come fails its batch after
   * BATCH_TIMEOUT_MS.
   */
  readonly cartRedis: Redis;
  /** BullMQ's connection: it must retry forever rather than fail a blocking call. */
  readonly bullRedis: Redis;
  readonly keys: RedisKeys;
  readonly metrics: Metrics;
  readonly scripts: LuaScripts;
  readonly stock: StockStore;
  /** The persist stream on the shared connection, for what does not block: its backlog. */
  readonly persistStream: PersistStream;
  readonly queues: JobQueues;

  readonly users: UsersRepository;
  readonly catalogRepository: CatalogRepository;
  readonly inventoryRepository: InventoryRepository;
  readonly ordersRepository: OrdersRepository;
  readonly orderWrites: OrderWritesRepository;
  readonly outboxRepository: OutboxRepository;
  readonly paymentsRepository: PaymentsRepository;
  readonly failedJobsRepository: FailedJobsRepository;
  readonly vendorsRepository: VendorsRepository;
  readonly fulfilmentRepository: FulfilmentRepository;

  readonly auth: AuthService;
  readonly inventory: InventoryService;
  readonly products: ProductCache;
  readonly catalog: CatalogService;
  readonly persister: OrderPersister;
  readonly transitions: OrderTransitions;
  readonly sweeper: ExpirySweeper;
  readonly placement: OrderPlacement;
  readonly orderQueries: OrderQueries;
  readonly orderOwners: OrderOwners;
  readonly lifecycle: OrderLifecycle;
  readonly ops: OpsService;
  readonly payments: PaymentsService;
  /** The payment provider adapter (the simulator over HTTP), closed with the container. */
  private readonly paymentProvider: PaymentProvider;
  readonly paymentWebhooks: PaymentWebhooks;
  /** The one way a refund becomes owed (payments.refund_status), for webhooks and fulfilment alike. */
  readonly refunds: Refunds;
  /** What the built-in SMTP sink received, readable from any instance. */
  readonly mailbox: Mailbox;
  /** Whether accounts take cart reminders, set through the reminders' unsubscribe links. */
  readonly mailPreferences: MailPreferencesRepository;
  readonly cartReminderSettings: CartReminderSettings;
  /** SMTP_URL, or the built-in sink; connects on the first send. */
  readonly mailer: Mailer;
  readonly notifier: Notifier;
  readonly emailSender: EmailSender;
  readonly outboxRelay: OutboxRelay;
  readonly deadLetters: DeadLetterRecorder;
  readonly failedJobs: FailedJobsService;
  /** The vendor clients of this process: their circuit breakers see every call it makes to a vendor. */
  readonly vendorClients: VendorClients;
  readonly recount: StockRecount;
  readonly vendorSync: VendorSync;
  readonly vendorSchedules: VendorSchedules;
  readonly vendors: VendorsService;
  readonly fulfilment: Fulfilment;

  readonly cartStore: CartStore;
  readonly cartsRepository: CartsRepository;
  /** Pushes to clients' sockets on every API instance, from this process. */
  readonly realtime: Realtime;
  readonly carts: CartService;
  readonly cartPersister: CartPersister;
  readonly cartReconciler: CartReconciler;
  readonly cartSync: CartCatalogSync;
  readonly abandonedCarts: AbandonedCarts;

  /** Connections opened for the persist consumer's lanes and the socket gateway, closed with the container. */
  private readonly laneConnections: Redis[] = [];
  /** The shop's address for links back to it; unknown until the API listens when it was derived from PORT=0. */
  private shopUrl: string | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    this.db = createDb(config.databaseUrl, config.databasePoolSize, logger);
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true, connectionName: 'flashcart' });
    this.precheckRedis = new Redis(config.redisUrl, {
      maxRetriesPerRequest: 2,
      commandTimeout: BATCH_TIMEOUT_MS,
      connectionName: 'flashcart-precheck',
    });
    this.cartRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, commandTimeout: BATCH_TIMEOUT_MS, connectionName: 'flashcart-carts' });
    this.bullRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, connectionName: 'flashcart-bull' });
    for (const client of [this.redis, this.precheckRedis, this.cartRedis, this.bullRedis]) {
      client.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
    }
    this.keys = new RedisKeys(config.redisKeyPrefix);
    this.metrics = new Metrics();
    this.scripts = new LuaScripts(this.redis);
    this.stock = new StockStore(this.redis, this.keys, this.scripts, new LuaScripts(this.precheckRedis));
    this.persistStream = new PersistStream(this.redis, this.keys, this.scripts);
    this.queues = new JobQueues(this.bullRedis, this.keys.bullPrefix(), logger);

    this.users = new UsersRepository(this.db);
    this.catalogRepository = new CatalogRepository(this.db);
    this.inventoryRepository = new InventoryRepository(this.db);
    this.ordersRepository = new OrdersRepository(this.db);
    this.orderWrites = new OrderWritesRepository();
    this.outboxRepository = new OutboxRepository(this.db);
    this.paymentsRepository = new PaymentsRepository(this.db);
    this.failedJobsRepository = new FailedJobsRepository(this.db);
    const inTransaction = transactionsOf(this.db);
    this.vendorsRepository = new VendorsRepository(this.db);
    this.fulfilmentRepository = new FulfilmentRepository(this.db);

    // Carts are built further down; logins and catalog changes reach them only once the container is complete.
    this.auth = new AuthService(this.users, config.jwtSecret, config.jwtTtlSeconds, {
      mergeGuestCart: (guestId, userId) => this.carts.mergeGuestCart(guestId, userId),
      adoptGuestOrders: (guestId, userId) => this.orderOwners.adopt(guestId, userId),
      openEmptyCart: (userId) =>
        this.carts
          .openEmptyCart(userId)
          .catch((error: unknown) =>
            logger.warn({ err: error, userId }, 'a new guest’s empty cart was not opened; its first change will look for it'),
          ),
    });
    this.inventory = new InventoryService({
      db: this.db,
      repository: this.inventoryRepository,
      stock: this.stock,
      outbox: this.outboxRepository,
      logger,
    });
    this.products = new ProductCache({ repository: this.catalogRepository, publisher: this.redis, channel: this.keys.catalogChannel(), logger });
    this.catalog = new CatalogService({
      db: this.db,
      repository: this.catalogRepository,
      cache: this.products,
      stock: this.stock,
      inventory: this.inventory,
      onProductChange: (sku, change) => this.cartSync.productChanged(sku, change),
      vendorStock: this.vendorsRepository,
      vendorStaleAfterMs: config.vendorStaleAfterSeconds * 1_000,
    });
    const metrics = this.metrics;

    const cartScripts = new LuaScripts(this.cartRedis);
    this.cartStore = new CartStore(this.cartRedis, this.keys, cartScripts, {
      maxLines: MAX_CART_LINES,
      maxLineQuantity: MAX_CART_LINE_QUANTITY,
      ttlSeconds: CART_REDIS_TTL_SECONDS,
      takenMarkerTtlSeconds: config.idempotencyTtlSeconds,
    });
    this.cartsRepository = new CartsRepository(this.db);
    this.realtime = new RedisEmitterRealtime(this.redis, this.keys.socketIo(), logger);
    this.carts = new CartService({
      store: this.cartStore,
      repository: this.cartsRepository,
      products: this.products,
      // Read on the carts' connection, with the change that follows.
      stock: { gates: (skus) => readGates(this.cartRedis, this.keys, skus) },
      inventory: this.inventory,
      realtime: this.realtime,
      metrics,
      stockCacheMs: config.cartStockCacheMs,
    });
    this.cartPersister = new CartPersister({
      store: this.cartStore,
      repository: this.cartsRepository,
      metrics,
      logger: logger.child({ component: 'cart-persister' }),
      batchSize: config.cartPersistBatchSize,
    });
    this.cartReconciler = new CartReconciler({
      store: this.cartStore,
      repository: this.cartsRepository,
      metrics,
      logger: logger.child({ component: 'cart-reconciler' }),
    });
    this.cartSync = new CartCatalogSync({
      carts: this.carts,
      store: this.cartStore,
      stock: this.stock,
      products: this.products,
      queues: this.queues,
      realtime: this.realtime,
      logger: logger.child({ component: 'cart-sync' }),
    });
    this.persister = new OrderPersister({
      inTransaction: transactionsOf(this.db),
      writes: this.orderWrites,
      orders: this.ordersRepository,
      stock: this.stock,
      deadLetter: (letter) => this.deadLetters.capture(letter),
      metrics,
      logger,
      realtime: this.realtime,
      presence: this.cartStore,
    });
    this.transitions = new OrderTransitions({
      inTransaction,
      orders: this.ordersRepository,
      inventory: this.inventoryRepository,
      outbox: this.outboxRepository,
      stock: this.stock,
      metrics,
      logger,
      realtime: this.realtime,
      presence: this.cartStore,
    });
    this.sweeper = new ExpirySweeper({
      orders: this.ordersRepository,
      transitions: this.transitions,
      stock: this.stock,
      metrics,
      logger,
      orphanGraceMs: config.orphanGraceSeconds * 1_000,
    });
    this.placement = new OrderPlacement({
      stock: this.stock,
      carts: this.carts,
      products: this.products,
      inventory: this.inventory,
      metrics,
      options: { reservationTtlSeconds: config.reservationTtlSeconds, idempotencyTtlSeconds: config.idempotencyTtlSeconds },
    });
    this.orderOwners = new OrderOwners({ db: this.db, presence: this.cartStore });
    this.orderQueries = new OrderQueries({ repository: this.ordersRepository, stock: this.stock, owners: this.orderOwners });
    this.refunds = new Refunds({ repository: this.paymentsRepository, outbox: this.outboxRepository });
    this.lifecycle = new OrderLifecycle({
      repository: this.ordersRepository,
      stock: this.stock,
      persister: this.persister,
      transitions: this.transitions,
      refunds: this.refunds,
      payments: this.paymentsRepository,
      fulfilment: this.fulfilmentRepository,
      queries: this.orderQueries,
    });
    this.ops = new OpsService(this.db, [this.redis, this.precheckRedis, this.cartRedis], logger);

    this.shopUrl = new URL(config.publicUrl).port === '0' ? undefined : config.publicUrl;
    this.paymentProvider = new PspSimPaymentProvider({ baseUrl: config.pspSimPublicUrl });
    this.payments = new PaymentsService({
      provider: this.paymentProvider,
      providerName: PAYMENT_PROVIDER,
      repository: this.paymentsRepository,
      persister: this.persister,
      owners: this.orderOwners,
      stock: this.stock,
      holdExtensionSeconds: config.paymentHoldExtensionSeconds,
      orderPageUrl: (orderId) => this.shopUrl && orderPageUrl(this.shopUrl, orderId),
      logger,
    });
    this.paymentWebhooks = new PaymentWebhooks({
      transitions: this.transitions,
      repository: this.paymentsRepository,
      refunds: this.refunds,
      outbox: this.outboxRepository,
      provider: PAYMENT_PROVIDER,
      metrics,
      logger: logger.child({ component: 'payments' }),
    });

    this.mailbox = new Mailbox({ redis: this.redis, keys: this.keys });
    this.mailPreferences = new MailPreferencesRepository(this.db);
    this.cartReminderSettings = new CartReminderSettings(this.mailPreferences);
    this.mailer = new Mailer({ smtpUrl: mailTransportUrl(config), from: config.mailFrom });
    this.notifier = new Notifier({
      orders: this.ordersRepository,
      repository: new NotificationsRepository(this.db),
      lowStock: new LowStockAlertsRepository(this.db),
      mailPreferences: this.mailPreferences,
      carts: this.cartStore,
      cartSnapshots: this.cartsRepository,
      queues: this.queues,
      // Known once the API listens when PUBLIC_URL was derived from PORT=0 (tests); a worker alone uses PUBLIC_URL.
      shopUrl: () => this.shopUrl ?? config.publicUrl,
    });
    this.emailSender = new EmailSender({
      deliveries: new EmailDeliveriesRepository(this.db),
      preferences: this.mailPreferences,
      mailer: this.mailer,
      metrics,
      logger,
    });
    this.outboxRelay = new OutboxRelay({
      inTransaction,
      repository: this.outboxRepository,
      publisher: new QueueOutboxPublisher(this.queues),
      metrics,
      logger: logger.child({ component: 'outbox' }),
      keepUnfed: config.amqpUrl !== undefined,
    });
    this.abandonedCarts = new AbandonedCarts({
      inTransaction,
      repository: new CartRemindersRepository(this.db),
      store: this.cartStore,
      outbox: this.outboxRepository,
      metrics,
      logger: logger.child({ component: 'abandoned-carts' }),
      abandonedAfterMs: config.abandonedCartAfterHours * 3_600_000,
    });
    this.deadLetters = new DeadLetterRecorder({
      redis: this.redis,
      keys: this.keys,
      inTransaction,
      repository: this.failedJobsRepository,
      outbox: this.outboxRepository,
      metrics,
      logger: logger.child({ component: 'dead-letters' }),
    });
    this.failedJobs = new FailedJobsService({ repository: this.failedJobsRepository, queues: this.queues });
    const vendorsRepository = this.vendorsRepository;
    this.vendorClients = new VendorClients({
      logger,
      options: { timeoutMs: config.vendorTimeoutMs, breakDurationMs: config.vendorBreakSeconds * 1_000 },
      onCircuitChange: (vendorId, to) => vendorsRepository.setCircuit(vendorId, to),
    });
    const staleAfterMs = config.vendorStaleAfterSeconds * 1_000;
    this.recount = new StockRecount({
      inventory: this.inventory,
      stock: this.stock,
      ledger: this.inventoryRepository,
      vendors: vendorsRepository,
      staleAfterMs,
      logger: logger.child({ component: 'vendors' }),
    });
    this.vendorSync = new VendorSync({
      db: this.db,
      vendors: vendorsRepository,
      clients: this.vendorClients,
      recount: this.recount,
      staleAfterMs,
      logger: logger.child({ component: 'vendors' }),
    });
    this.vendorSchedules = new VendorSchedules(this.queues, config.vendorSyncIntervalSeconds * 1_000);
    this.vendors = new VendorsService({ repository: vendorsRepository, schedules: this.vendorSchedules, recount: this.recount, logger });
    this.fulfilment = new Fulfilment({
      repository: this.fulfilmentRepository,
      vendors: vendorsRepository,
      clients: this.vendorClients,
      leases: new LineLeases(this.redis, this.keys, this.scripts),
      transitions: this.transitions,
      refunds: this.refunds,
      logger: logger.child({ component: 'fulfilment' }),
    });
    this.registerScrapeTimeMetrics();
  }

  /** The address this process's API listens on: links back to the shop use it when PUBLIC_URL was derived from PORT=0. */
  apiListening(url: string): void {
    this.shopUrl ??= url;
  }

  /** The persist worker of a worker process: one Redis connection per lane, since its reads block. */
  createPersistConsumer(): PersistConsumer {
    const { config } = this;
    const streams = Array.from({ length: config.persistConcurrency }, (_, lane) => {
      const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectionName: `flashcart-persist-${lane}` });
      connection.on('error', (error) => this.logger.warn({ err: error }, 'Redis connection error (persist stream)'));
      this.laneConnections.push(connection);
      return new PersistStream(connection, this.keys, new LuaScripts(connection));
    });
    return new PersistConsumer({
      streams,
      persister: this.persister,
      metrics: this.metrics,
      logger: this.logger.child({ component: 'persist' }),
      options: {
        batchSize: config.persistBatchSize,
        lanes: config.persistConcurrency,
        claimIdleMs: config.jobLockMs,
        blockMs: 1_000,
        retryBaseMs: 250,
        retryMaxMs: 15_000,
      },
    });
  }

  /**
   * The RabbitMQ feed of a worker process, when AMQP_URL is set: it publishes the outbox's order and
   * stock events. Undefined otherwise: nothing connects to a broker.
   */
  createFeedPublisher(): FeedPublisher | undefined {
    const { config } = this;
    if (config.amqpUrl === undefined) return undefined;
    return new FeedPublisher({
      db: this.db,
      source: new OutboxFeedSource(this.outboxRepository),
      amqpUrl: config.amqpUrl,
      topology: feedTopology(config.amqpPrefix),
      logger: this.logger.child({ component: 'feed' }),
    });
  }

  /** The Socket.IO gateway of an API process, with the two Redis connections its adapter needs. */
  createSocketGateway(): SocketGateway {
    const { config, logger } = this;
    // The subscriber retries its commands however long Redis is away: a subscription that gave up
    // would leave this instance deaf to every other's events.
    const [pub, sub] = ['flashcart-socket-pub', 'flashcart-socket-sub'].map((connectionName) => {
      const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: connectionName.endsWith('sub') ? null : 2, connectionName });
      connection.on('error', (error) => logger.warn({ err: error }, 'Redis connection error (sockets)'));
      this.laneConnections.push(connection);
      return connection;
    });
    return new SocketGateway({
      auth: this.auth,
      carts: this.carts,
      products: this.products,
      stock: this.stock,
      inventory: this.inventory,
      presence: this.cartStore,
      instanceId: `${hostname()}:${process.pid}`,
      redis: { pub: pub!, sub: sub! },
      channelPrefix: this.keys.socketIo(),
      stockUpdateIntervalMs: config.stockUpdateIntervalMs,
      visitorSocketsPerAddress: config.visitorSocketsPerAddress,
      clientAddress: clientAddressOf(config.trustProxy),
      logger: logger.child({ component: 'sockets' }),
    });
  }

  /** Queue depths, the persist backlog and stock drift, read when /metrics is scraped. */
  private registerScrapeTimeMetrics(): void {
    this.metrics.gauge('flashcart_queue_jobs', 'Jobs per queue and state', ['queue', 'state'], async (gauge) => {
      for (const name of QUEUE_NAMES) {
        const counts = await this.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        for (const [state, count] of Object.entries(counts)) gauge.set({ queue: name, state }, count);
      }
    });
    this.metrics.gauge('flashcart_outbox_backlog', 'Committed side effects (outbox events) not yet handed to the queues', [], async (gauge) => {
      gauge.set(await this.outboxRepository.backlog());
    });
    if (this.config.amqpUrl !== undefined) {
      this.metrics.gauge('flashcart_feed_backlog', 'Outbox events the RabbitMQ feed has not published yet', [], async (gauge) => {
        gauge.set(await this.outboxRepository.feedBacklog());
      });
    }
    this.metrics.gauge('flashcart_orders_persist_backlog', 'Accepted orders not yet stored in Postgres (the persist stream)', [], async (gauge) => {
      gauge.set(await this.persistStream.backlog());
    });
    this.metrics.gauge('flashcart_carts_dirty', 'Carts changed in Redis and not yet written to Postgres', [], async (gauge) => {
      gauge.set(await this.cartStore.dirtyCount());
    });
    this.metrics.gauge(
      'flashcart_stock_drift',
      'Redis gates against the Postgres ledger: |gate - (on_hand + vendor_on_hand - reserved)| summed over SKUs (units), and SKUs that differ (skus)',
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
    await this.paymentProvider.close().catch(() => undefined);
    this.mailer.close();
    await this.queues.close();
    await Promise.allSettled(
      [this.redis, this.precheckRedis, this.cartRedis, this.bullRedis, ...this.laneConnections].map((client) => client.quit()),
    );
    await this.db.destroy();
  }
}
