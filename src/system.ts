import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { Container } from './container.js';
import { ensureDatabaseExists, migrateToLatest } from './db/database.js';
import { seedDemoCatalog } from './db/seed.js';
import { buildApp, buildOpsApp } from './http/app.js';
import { WorkerHost } from './jobs/worker-host.js';
import { isDependencyUnavailable } from './lib/infrastructure-errors.js';
import type { Logger } from './lib/logger.js';
import type { PersistConsumer } from './modules/orders/persistence/persist-consumer.js';
import { seedSimulatedVendors } from './modules/vendors/vendor-seed.js';
import { defaultSimulatedVendors } from './simulators/vendor-sim/default-vendors.js';
import { startVendorSimulator, type VendorSimulator } from './simulators/vendor-sim/vendor-simulator.js';

export interface Roles {
  api: boolean;
  worker: boolean;
  /** The simulated vendors (dev/test). */
  vendorSim?: boolean;
}

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

/** Checks both stores answer, creates the database if missing, migrates, and seeds what is missing. */
export async function prepare(config: Config, logger: Logger): Promise<void> {
  try {
    if (await ensureDatabaseExists(config.databaseUrl)) logger.info('created the database');
  } catch (error) {
    if (!isDependencyUnavailable(error)) throw error;
    throw new StartupError(
      `Postgres is not reachable at ${where(config.databaseUrl)} (${(error as Error).message}).\n` +
        `Start it, for example with:\n  ${PG_START}\nor point DATABASE_URL at a running server.`,
    );
  }
  const probe = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
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
  workers: WorkerHost | undefined;
  /** The simulated vendors, when this process runs them. */
  vendorSim: VendorSimulator | undefined;
  /** Stops in order: HTTP, the persist consumer, workers, queues, Redis, the Postgres pool. */
  close(): Promise<void>;
}

/** Starts the given roles in this process against stores that `prepare` has readied. */
export async function startSystem(config: Config, logger: Logger, roles: Roles): Promise<RunningSystem> {
  const container = new Container(config, logger);
  let app: FastifyInstance | undefined;
  let workers: WorkerHost | undefined;
  let persistConsumer: PersistConsumer | undefined;
  let vendorSim: VendorSimulator | undefined;
  try {
    await migrateToLatest(container.db, logger);
    await container.auth.ensureAdmin(config.adminEmail, config.adminPassword);
    if (config.seedDemoCatalog && (await seedDemoCatalog(container.db))) logger.info('seeded the demo catalog');
    if (config.seedDemoCatalog && (await seedSimulatedVendors(container.db, config.vendorSimBasePort))) logger.info('seeded the simulated vendors');

    if (roles.vendorSim) {
      vendorSim = await startVendorSimulator({
        vendors: defaultSimulatedVendors(config.vendorSimBasePort),
        logger: logger.child({ component: 'vendor-sim' }),
      });
    }

    if (roles.worker) {
      const { sweeper, vendorsRepository, vendorSync, fulfilment } = container;
      workers = new WorkerHost(
        container.queues,
        {
          'expire-reservations': () => sweeper.sweep(),
          'vendor-sync': async ({ vendorId }) => {
            const vendor = await vendorsRepository.find(vendorId);
            return vendor ? vendorSync.sync(vendor) : { vendorId, outcome: 'unknown vendor' };
          },
          'fulfil-order': ({ orderId }) => fulfilment.fulfil(orderId),
        },
        {
          connection: container.bullRedis,
          prefix: container.keys.bullPrefix(),
          concurrency: { maintenance: 1, vendors: 4 },
          lockDurationMs: config.jobLockMs,
          schedules: [{ job: 'expire-reservations', everyMs: config.expirySweepIntervalMs }],
        },
        logger.child({ component: 'worker' }),
      );
      await workers.start();
      await container.vendorSchedules.applyAll(await vendorsRepository.list());
      persistConsumer = container.createPersistConsumer();
      await persistConsumer.start();
    }

    let url: string | undefined;
    if (roles.api) {
      await container.products.start(container.redis.duplicate());
      app = await buildApp(container);
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://127.0.0.1:${port}`;
      logger.info({ url }, 'API listening');
    } else if (config.metricsPort !== undefined) {
      app = await buildOpsApp(container);
      await app.listen({ port: config.metricsPort, host: config.host });
      logger.info({ port: config.metricsPort }, 'metrics listening');
    }

    return {
      container,
      app,
      url,
      workers,
      vendorSim,
      async close() {
        await app?.close();
        await persistConsumer?.close();
        await workers?.close();
        await vendorSim?.close();
        await container.close();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await persistConsumer?.close().catch(() => undefined);
    await workers?.close().catch(() => undefined);
    await vendorSim?.close().catch(() => undefined);
    await container.close().catch(() => undefined);
    throw error;
  }
}
