import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { Container } from './container.js';
import { ensureDatabaseExists, MissingDatabaseName, migrateToLatest } from './db/database.js';
import { postgresAwayTest, sqlState } from './db/postgres-errors.js';
import { seedDemoCatalog } from './db/seed.js';
import { buildApp, buildOpsApp } from './http/app.js';
import { runBatch } from './jobs/batch-jobs.js';
import { type JobHandlers, WorkerHost } from './jobs/worker-host.js';
import { isDependencyUnavailable } from './lib/infrastructure-errors.js';
import type { Logger } from './lib/logger.js';
import type { FeedPublisher } from './modules/feed/feed-publisher.js';
import { Mailbox } from './modules/notifications/mailbox.js';
import { SmtpSink } from './modules/notifications/smtp-sink.js';
import type { PersistConsumer } from './modules/orders/persistence/persist-consumer.js';
import { fulfilJob, notifyJob } from './modules/outbox/queue-publisher.js';
import { seedSimulatedVendors } from './modules/vendors/vendor-seed.js';
import { RedisKeys } from './redis/keys.js';
import { createPspSim, type PspSim } from './simulators/psp-sim/psp-sim.js';
import { defaultSimulatedVendors } from './simulators/vendor-sim/default-vendors.js';
import { startVendorSimulator, type VendorSimulator } from './simulators/vendor-sim/vendor-simulator.js';

export interface Roles {
  api: boolean;
  worker: boolean;
  /** The payment simulator (dev and test only). */
  pspSim?: boolean;
  /** The built-in SMTP sink, when SMTP_URL is unset (dev and test only). */
  mailSink?: boolean;
  /** The simulated vendors (dev/test). */
  vendorSim?: boolean;
}

/** How often dead letters parked in Redis (while Postgres was down) are looked for. */
const DEAD_LETTER_DRAIN_INTERVAL_MS = 5_000;
const WEBHOOK_PATH = '/api/payments/webhook';

/** A URL the configuration derived from port 0 ("any free port"): only the server it names knows its real port. */
const derivedFromPortZero = (url: string) => new URL(url).port === '0';

/** A startup problem the operator can fix; the CLI prints its message without a stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

const PG_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

const where = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)}`;
};

/**
 * Runs `listen`, turning the refusals an operator fixes in the configuration into a StartupError
 * naming the setting: a port another process holds, a port below 1024 without the right to it, a
 * HOST that is no address of this machine.
 */
async function listenAs<T>(setting: string, host: string, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const { code, port } = error as NodeJS.ErrnoException & { port?: number };
    const value = `${setting}=${port ?? '?'}`;
    if (code === 'EADDRINUSE') {
      throw new StartupError(`${value}: ${host}:${port} is already in use by another process. Stop it, or set ${setting} to a free port.`);
    }
    if (code === 'EACCES') throw new StartupError(`${value}: this user may not listen on port ${port}. Set ${setting} to a port above 1023.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new StartupError(`HOST=${host} is no address of this machine. Set HOST to one of its addresses, or 0.0.0.0 for all.`);
    }
    throw error;
  }
}

/** Checks both stores answer, creates the database if missing, migrates, and seeds what is missing. */
export async function prepare(config: Config, logger: Logger, stores: { postgres: boolean } = { postgres: true }): Promise<void> {
  if (stores.postgres) await prepareDatabase(config, logger);
  await checkRedis(config);
}

async function prepareDatabase(config: Config, logger: Logger): Promise<void> {
  try {
    if (await ensureDatabaseExists(config.databaseUrl)) logger.info('created the database');
  } catch (error) {
    if (isDependencyUnavailable(error)) {
      throw new StartupError(
        `Postgres is not reachable at ${where(config.databaseUrl)} (${(error as Error).message}).\n` +
          `Start it, for example with:\n  ${PG_START}\nor point DATABASE_URL at a running server.`,
      );
    }
    // Postgres answered and refused (an unknown role, a wrong password, no right to create the
    // database): the operator fixes DATABASE_URL or the server's users, and needs no stack for that.
    if (sqlState(error) !== undefined || error instanceof MissingDatabaseName) {
      throw new StartupError(
        `Postgres at ${where(config.databaseUrl)} refused to let flashcart in: ${(error as Error).message}.\n` +
          'Check the user, password and database in DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/flashcart).',
      );
    }
    throw error;
  }
}

async function checkRedis(config: Config): Promise<void> {
  const probe = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  // A refused AUTH comes as an 'error' event; the connect itself only says the connection closed.
  let refusal: Error | undefined;
  probe.on('error', (error: Error) => {
    if (error.name === 'ReplyError') refusal ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    // Redis answered and refused (a wrong password or user): starting it would not help.
    if (refusal || (error as Error).name === 'ReplyError') {
      throw new StartupError(
        `Redis at ${where(config.redisUrl)} refused to let flashcart in: ${(refusal ?? (error as Error)).message}\n` +
          'Check the user and password in REDIS_URL (redis://user:password@host:port).',
      );
    }
    throw new StartupError(
      `Redis is not reachable at ${where(config.redisUrl)} (${(error as Error).message}).\n` +
        `Start it, for example with:\n  ${REDIS_START}\nor point REDIS_URL at a running server ` +
        `(in production with appendonly yes: see docs/OPERATIONS.md).`,
    );
  } finally {
    probe.disconnect();
  }
}

export interface RunningSystem {
  container: Container;
  app: FastifyInstance | undefined;
  /** Base URL of the API, when this process runs it. */
  url: string | undefined;
  /** Base URL of the payment simulator, when this process runs it. */
  pspSimUrl: string | undefined;
  /** The simulated vendors, when this process runs them. */
  vendorSim: VendorSimulator | undefined;
  workers: WorkerHost | undefined;
  /**
   * Stops in order: the simulators (no more webhooks), HTTP, the persist consumer, workers, queues,
   * Redis, the Postgres pool, and last the SMTP sink (a worker may be sending until it stops).
   */
  close(): Promise<void>;
}

/** Every job's handler, from the container's services. */
export function jobHandlers(container: Container): JobHandlers {
  const retryAlone = { queues: container.queues, logger: container.logger };
  const handlers: JobHandlers = {
    'expire-reservations': () => container.sweeper.sweep(),
    'record-dead-letters': () => container.deadLetters.drain(),
    'relay-outbox': () => container.outboxRelay.relay(),
    notify: (event) => container.notifier.notify(event),
    // A batch's items run as their single jobs do, through those jobs' handlers.
    'notify-batch': ({ events }, job) => runBatch('notify', events.map(notifyJob), (event) => handlers.notify(event, job), retryAlone),
    'send-email': (mail) => container.emailSender.send(mail),
    'persist-carts': () => container.cartPersister.drain(),
    'reconcile-carts': () => container.cartReconciler.reconcile(),
    'watch-cart-stock': () => container.cartSync.watchStock(),
    'refresh-carts': ({ sku, change }) => container.cartSync.refresh(sku, change),
    'remind-abandoned-carts': () => container.abandonedCarts.remind(),
    'recount-deferred': () => container.recount.recountDeferred(),
    'vendor-sync': async ({ vendorId }) => {
      const vendor = await container.vendorsRepository.find(vendorId);
      return vendor ? container.vendorSync.sync(vendor) : { vendorId, outcome: 'unknown vendor' };
    },
    'fulfil-order': ({ orderId }) => container.fulfilment.fulfil(orderId),
    'fulfil-orders': ({ orderIds }, job) =>
      runBatch('fulfil-order', orderIds.map(fulfilJob), (order) => handlers['fulfil-order'](order, job), retryAlone),
  };
  return handlers;
}

/** Starts the BullMQ workers and job schedulers of a worker process; `handlers` lets a test replace one. */
export async function startWorkers(container: Container, handlers: JobHandlers = jobHandlers(container)): Promise<WorkerHost> {
  const { config, logger } = container;
  const workers = new WorkerHost(
    container.queues,
    handlers,
    {
      connection: container.bullRedis,
      prefix: container.keys.bullPrefix(),
      lockDurationMs: config.jobLockMs,
      schedulesMarker: container.keys.jobSchedules(),
      moreSchedules: async () => container.vendorSchedules.applyAll(await container.vendorsRepository.list()),
      schedules: [
        { job: 'expire-reservations', everyMs: config.expirySweepIntervalMs },
        { job: 'relay-outbox', everyMs: config.outboxRelayIntervalMs },
        { job: 'record-dead-letters', everyMs: DEAD_LETTER_DRAIN_INTERVAL_MS },
        { job: 'persist-carts', everyMs: config.cartPersistIntervalMs },
        { job: 'reconcile-carts', everyMs: config.cartReconcileIntervalMs },
        { job: 'watch-cart-stock', everyMs: config.cartStockWatchIntervalMs },
        { job: 'remind-abandoned-carts', everyMs: config.cartReminderIntervalMs },
        // With the expiry sweeps: the units a recount left go as soon as reservations give them back.
        { job: 'recount-deferred', everyMs: config.expirySweepIntervalMs },
      ],
      onDeadLetter: (letter) => container.deadLetters.capture(letter),
      isPostgresAway: postgresAwayTest(config.databaseUrl),
    },
    logger.child({ component: 'worker' }),
  );
  await workers.start();
  return workers;
}

/**
 * The payment simulator (the psp-sim role; it needs no store). `apiUrl` is the address of an API in
 * the same process, once it listens: the webhooks go there when PSP_SIM_WEBHOOK_URL was derived
 * from PORT=0.
 */
export async function startPaymentSimulator(
  config: Config,
  logger: Logger,
  apiUrl: () => string | undefined = () => undefined,
): Promise<{ sim: PspSim; url: string }> {
  const inProcessApi = () => {
    const base = apiUrl();
    return base ? `${base}${WEBHOOK_PATH}` : config.pspSimWebhookUrl;
  };
  const sim = createPspSim({
    webhookUrl: derivedFromPortZero(config.pspSimWebhookUrl) ? inProcessApi : config.pspSimWebhookUrl,
    webhookSecret: config.paymentWebhookSecret,
    ...(derivedFromPortZero(config.pspSimPublicUrl) ? {} : { publicBaseUrl: config.pspSimPublicUrl }),
    logger,
  });
  return { sim, url: await listenAs('PSP_SIM_PORT', '127.0.0.1', () => sim.listen({ port: config.pspSimPort })) };
}

/** The simulated vendors (the vendor-sim role; they need no store), on ports from VENDOR_SIM_BASE_PORT. */
export function startVendorSimulators(config: Config, logger: Logger): Promise<VendorSimulator> {
  return listenAs('VENDOR_SIM_BASE_PORT', '127.0.0.1', () =>
    startVendorSimulator({ vendors: defaultSimulatedVendors(config.vendorSimBasePort), logger: logger.child({ component: 'vendor-sim' }) }),
  );
}

/**
 * The built-in SMTP sink and its own Redis connection (it starts before the container), for the
 * `all` and `smtp-sink` roles: it keeps what it receives in the mailbox the admin API reads.
 */
export async function startMailSink(config: Config, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectionName: 'flashcart-smtp-sink' });
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error (SMTP sink)'));
  const sink = new SmtpSink({ mailbox: new Mailbox({ redis, keys: new RedisKeys(config.redisKeyPrefix) }), logger });
  try {
    const port = await listenAs('SMTP_SINK_PORT', '127.0.0.1', () => sink.listen(config.smtpSinkPort));
    return {
      port,
      async close() {
        await sink.close();
        redis.disconnect();
      },
    };
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

/**
 * Starts the given roles in this process against stores that `prepare` has readied: the SMTP sink
 * and the payment simulator first (what the API and workers talk to), then migrations, workers, and
 * the API last, once everything it serves is ready.
 */
/** HOSTs whose listener takes the port on 127.0.0.1 too, where the simulators and the SMTP sink listen. */
const HOSTS_ON_LOOPBACK = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::']);

/**
 * Two listeners of this process set to one port: the second would be refused as "in use by another
 * process", which sends the operator looking for a process that does not exist once this one has
 * exited. Port 0 (any free port) never clashes.
 */
function ownPortClash(config: Config, roles: Roles): string | undefined {
  const listeners: { setting: string; port: number }[] = [];
  if (roles.mailSink && !config.smtpUrl) listeners.push({ setting: `SMTP_SINK_PORT=${config.smtpSinkPort}`, port: config.smtpSinkPort });
  if (roles.pspSim) listeners.push({ setting: `PSP_SIM_PORT=${config.pspSimPort}`, port: config.pspSimPort });
  if (roles.vendorSim) {
    for (const vendor of defaultSimulatedVendors(config.vendorSimBasePort)) {
      listeners.push({ setting: `VENDOR_SIM_BASE_PORT=${config.vendorSimBasePort} (${vendor.name} on ${vendor.port})`, port: vendor.port });
    }
  }
  if (HOSTS_ON_LOOPBACK.has(config.host)) {
    if (roles.api) listeners.push({ setting: `PORT=${config.port}`, port: config.port });
    else if (roles.worker && config.metricsPort !== undefined)
      listeners.push({ setting: `METRICS_PORT=${config.metricsPort}`, port: config.metricsPort });
  }
  for (const [index, listener] of listeners.entries()) {
    const other = listeners.slice(index + 1).find((candidate) => candidate.port === listener.port && listener.port !== 0);
    if (other) return `${listener.setting} and ${other.setting}: this process would listen on port ${listener.port} twice. Give each its own port.`;
  }
  return undefined;
}

export async function startSystem(config: Config, logger: Logger, roles: Roles): Promise<RunningSystem> {
  let mailSink: { close(): Promise<void> } | undefined;
  let pspSim: PspSim | undefined;
  let pspSimUrl: string | undefined;
  let container: Container | undefined;
  let app: FastifyInstance | undefined;
  let workers: WorkerHost | undefined;
  let persistConsumer: PersistConsumer | undefined;
  let feed: FeedPublisher | undefined;
  let url: string | undefined;

  const close = async () => {
    await pspSim?.close();
    await vendorSim?.close();
    await app?.close();
    await persistConsumer?.close();
    await feed?.close();
    await workers?.close();
    await container?.close();
    await mailSink?.close();
  };

  let vendorSim: VendorSimulator | undefined;
  const clash = ownPortClash(config, roles);
  if (clash) throw new StartupError(clash);
  try {
    // What the process serves on ports chosen at start replaces what the configuration derived from port 0.
    let effective: Config = config;
    if (roles.mailSink && !config.smtpUrl) {
      const started = await startMailSink(config, logger);
      mailSink = started;
      effective = { ...effective, smtpSinkPort: started.port };
    }
    if (roles.pspSim) {
      const started = await startPaymentSimulator(config, logger, () => url);
      pspSim = started.sim;
      pspSimUrl = started.url;
      if (derivedFromPortZero(config.pspSimPublicUrl)) effective = { ...effective, pspSimPublicUrl: pspSimUrl };
    }
    if (roles.vendorSim) vendorSim = await startVendorSimulators(config, logger);
    container = new Container(Object.freeze(effective), logger);
    await migrateToLatest(container.db, logger);
    await container.auth.ensureAdmin(config.adminEmail, config.adminPassword);
    if (config.seedDemoCatalog && (await seedDemoCatalog(container.db))) logger.info('seeded the demo catalog');
    if (config.seedDemoCatalog && (await seedSimulatedVendors(container.db, config.vendorSimBasePort))) logger.info('seeded the simulated vendors');

    // Both roles price carts from the product cache, so both hear catalog changes.
    if (roles.api || roles.worker) await container.products.start(container.redis.duplicate());

    if (roles.worker) {
      if (!config.smtpUrl && !mailSink) {
        logger.warn(
          `SMTP_URL is not set: mail goes to the built-in SMTP sink at 127.0.0.1:${config.smtpSinkPort}, which this process does not run. ` +
            'Start one (node build/cli.js smtp-sink, with the same SMTP_SINK_PORT and REDIS_URL) or set SMTP_URL.',
        );
      }
      workers = await startWorkers(container);
      persistConsumer = container.createPersistConsumer();
      await persistConsumer.start();
      // Publishes in the background: a broker that is away delays the feed, never the start.
      feed = container.createFeedPublisher();
      feed?.start();
    }

    if (roles.api) {
      app = await buildApp(container);
      const api = app;
      await listenAs('PORT', config.host, () => api.listen({ port: config.port, host: config.host }));
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://127.0.0.1:${port}`;
      container.apiListening(url);
      logger.info({ url }, 'API listening');
    } else if (config.metricsPort !== undefined) {
      app = await buildOpsApp(container);
      const ops = app;
      await listenAs('METRICS_PORT', config.host, () => ops.listen({ port: config.metricsPort, host: config.host }));
      logger.info({ port: config.metricsPort }, 'metrics listening');
    }

    return { container, app, url, pspSimUrl, vendorSim, workers, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
