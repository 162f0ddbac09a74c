import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';
import { prepare, type Roles, StartupError, startSystem } from './system.js';

const ROLES: Record<string, Roles> = {
  api: { api: true, worker: false },
  worker: { api: false, worker: true },
  all: { api: true, worker: true },
};

const USAGE = `usage: flashcart <role>

roles:
  api      HTTP API (and OpenAPI at /docs)
  worker   queue workers and schedulers (persistence, expiry)
  all      every role in one process (what npm start runs)`;

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
  await prepare(config, logger);
  const system = await startSystem(config, logger, roles);
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await system.close();
  });
  if (system.url) {
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
