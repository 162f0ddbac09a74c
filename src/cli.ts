import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';
import type { PspSim } from './simulators/psp-sim/psp-sim.js';
import { prepare, type Roles, type RunningSystem, StartupError, startPaymentSimulator, startSystem } from './system.js';

const ROLES: Record<string, Roles> = {
  api: { api: true, worker: false },
  worker: { api: false, worker: true },
  'psp-sim': { api: false, worker: false, pspSim: true },
  all: { api: true, worker: true, pspSim: true, mailSink: true },
};

const USAGE = `usage: flashcart <role>

roles:
  api      HTTP API (and OpenAPI at /docs, the queue board at /admin/queues)
  worker   queue workers and schedulers (persistence, expiry, outbox, mail, dead letters)
  psp-sim  the payment simulator (dev/test): checkout pages and signed webhooks
  all      every role in one process, and the SMTP sink when SMTP_URL is unset (what npm start runs)`;

async function main(argv: string[]): Promise<void> {
  const role = argv[0] ?? 'all';
  const roles = ROLES[role];
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
  let simulator: PspSim | undefined;
  if (roles.api || roles.worker) {
    await prepare(config, logger);
    system = await startSystem(config, logger, roles);
  } else {
    // The simulator alone needs no store.
    simulator = (await startPaymentSimulator(config, logger)).sim;
  }
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await system?.close();
    await simulator?.close();
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
