import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { Container } from './container.js';
import { migrateToLatest } from './db/database.js';
import { createLogger } from './lib/logger.js';
import { describeReport, runStockSync, UnknownVendor } from './modules/vendors/stock-sync.js';
import { rolesNamed } from './roles.js';
import { prepare, type RunningSystem, StartupError, startMailSink, startPaymentSimulator, startSystem, startVendorSimulators } from './system.js';

const USAGE = `usage: flashcart <role>
       flashcart stock-sync [--vendor NAME]

roles:
  api         HTTP API (and OpenAPI at /docs, the queue board at /admin/queues)
  worker      queue workers and schedulers (persistence, expiry, outbox, mail, dead letters, carts, vendor sync, fulfilment)
  psp-sim     the payment simulator (dev/test): checkout pages and signed webhooks
  vendor-sim  the simulated vendors (dev/test)
  smtp-sink   the built-in SMTP sink (dev/test): workers without SMTP_URL send their mail to it; needs Redis
  all         every role in one process, and the SMTP sink when SMTP_URL is unset (what npm start runs)

commands:
  stock-sync  sync every enabled vendor's stock now (or only --vendor NAME), print what moved`;

/** Syncs vendors inline and prints what moved; exits 1 when a vendor's sync failed. */
async function stockSync(argv: string[]): Promise<void> {
  const vendorName = argv[0] === '--vendor' && argv.length === 2 ? argv[1] : undefined;
  if (argv.length > 0 && vendorName === undefined) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = createLogger(
    config.logLevel === 'info' ? 'warn' : config.logLevel,
    { role: 'stock-sync' },
    { pretty: process.stdout.isTTY === true },
  );
  await prepare(config, logger);
  const container = new Container(config, logger);
  try {
    await migrateToLatest(container.db, logger);
    const reports = await runStockSync({ vendors: container.vendorsRepository, sync: container.vendorSync }, vendorName);
    if (reports.length === 0) console.log('no enabled vendor to sync');
    for (const report of reports) console.log(describeReport(report).join('\n'));
    if (reports.some((report) => report.outcome === 'failed')) process.exitCode = 1;
  } catch (error) {
    if (!(error instanceof UnknownVendor)) throw error;
    console.error(`stock-sync: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await container.close();
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'stock-sync') return stockSync(argv.slice(1));
  const role = argv[0] ?? 'all';
  const roles = rolesNamed(role);
  if (!roles || argv.length > 1) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { role }, { pretty: process.stdout.isTTY === true });
  for (const name of config.developmentDefaults) {
    logger.warn(`${name} is not set: using a development value. Set it before exposing flashcart to anyone.`);
  }
  let system: RunningSystem | undefined;
  const simulators: { close(): Promise<void> }[] = [];
  if (roles.api || roles.worker) {
    await prepare(config, logger);
    system = await startSystem(config, logger, roles);
  } else {
    // A simulator alone needs no store; the SMTP sink keeps its mailbox in Redis.
    if (roles.pspSim) simulators.push((await startPaymentSimulator(config, logger)).sim);
    if (roles.vendorSim) simulators.push(await startVendorSimulators(config, logger));
    if (roles.mailSink) {
      await prepare(config, logger, { postgres: false });
      simulators.push(await startMailSink(config, logger));
    }
  }
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await system?.close();
    for (const simulator of simulators) await simulator.close();
  });
  if (system?.url) {
    logger.info(`flashcart is up: ${system.url} (OpenAPI at ${system.url}/docs, admin ${config.adminEmail})`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    console.error(`flashcart cannot start: ${error.message}`);
  } else {
    console.error('flashcart cannot start:', error);
  }
  process.exit(1);
});
