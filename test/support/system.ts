import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { prepare, type Roles, type RunningSystem, startSystem } from '../../src/system.js';
import { type Api, adminApi } from './http.js';
import { databaseUrl, deleteRedisPrefix, dropDatabase, POSTGRES_URL, REDIS_URL, uniqueName } from './stores.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A database and a Redis key prefix of a test's own, and the environment that points flashcart at them. */
export interface TestStores {
  env: Record<string, string>;
  databaseName: string;
  prefix: string;
  cleanup(): Promise<void>;
}

export const ADMIN = { email: 'admin@flashcart.test', password: 'test-admin-password' };
/** PAYMENT_WEBHOOK_SECRET of every test system, for tests that sign webhooks themselves. */
export const WEBHOOK_SECRET = 'test-webhook-secret';

export async function createTestStores(options: { postgresUrl?: string; redisUrl?: string } = {}): Promise<TestStores> {
  const serverUrl = options.postgresUrl ?? POSTGRES_URL;
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const databaseName = uniqueName('fc_test');
  const prefix = uniqueName('fct');
  const env = {
    DATABASE_URL: databaseUrl(serverUrl, databaseName),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    SEED_DEMO_CATALOG: 'false',
    // The `all` role starts the simulated vendors: on fixed ports, two runs at once would collide.
    VENDOR_SIM_BASE_PORT: '0',
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-for-hs256',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PSP_SIM_PORT: '0',
    SMTP_SINK_PORT: '0',
    OUTBOX_RELAY_INTERVAL_MS: '200',
    JOB_LOCK_MS: '4000',
    EXPIRY_SWEEP_INTERVAL_MS: '300',
    ORPHAN_GRACE_SECONDS: '1',
  };
  return {
    env,
    databaseName,
    prefix,
    async cleanup() {
      await dropDatabase(serverUrl, databaseName).catch(() => undefined);
      await deleteRedisPrefix(redisUrl, prefix).catch(() => undefined);
    },
  };
}

/**
 * What flashcart logs inside the test process: kept rather than printed, so a passing run prints
 * nothing (tests provoke the errors it logs); useSystem shows a failed test the lines of its time.
 */
const inProcessLogs: string[] = [];
const logSink = { write: (line: string) => void inProcessLogs.push(line) };

/** Runs flashcart roles inside the test process. */
export async function startInProcess(stores: TestStores, roles: Roles, overrides: Record<string, string> = {}): Promise<RunningSystem> {
  const config = loadConfig({ ...stores.env, ...overrides });
  const logger = createLogger(config.logLevel, { test: true }, { destination: logSink });
  await prepare(config, logger);
  return startSystem(config, logger, roles);
}

/** What useSystem starts for a describe block; its fields are set once beforeAll has run. */
export interface SystemUnderTest {
  stores: TestStores;
  system: RunningSystem;
  /** Logged in as the admin account of the test's environment. */
  admin: Api;
}

/**
 * Gives a describe block a database, a Redis prefix and flashcart's roles running in the test
 * process, logged in as admin; stops and removes them all after the block. `overrides` may be
 * computed when the block starts (a port a test server got). Hooks a block registers
 * after this one run after its start and, for afterAll, before its stop.
 */
export function useSystem(roles: Roles, overrides: Record<string, string> | (() => Promise<Record<string, string>>) = {}): SystemUnderTest {
  const sut = {} as SystemUnderTest;
  beforeAll(async () => {
    sut.stores = await createTestStores();
    sut.system = await startInProcess(sut.stores, roles, typeof overrides === 'function' ? await overrides() : overrides);
    sut.admin = await adminApi(sut.system.url!);
  });
  afterAll(async () => {
    await sut.system?.close();
    await sut.stores?.cleanup();
  });
  beforeEach(({ onTestFailed }) => {
    const from = inProcessLogs.length;
    onTestFailed(() => {
      const lines = inProcessLogs.slice(from);
      if (lines.length > 0) console.error(`flashcart logged during this test:\n${lines.join('')}`);
    });
  });
  return sut;
}

/** A flashcart role in a process of its own, as production runs it, so a test can kill -9 it. */
export interface ChildRole {
  child: ChildProcess;
  /** The API's base URL, for the api and all roles; the simulator's for psp-sim. */
  url: string | undefined;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnRole(
  stores: TestStores,
  role: 'api' | 'worker' | 'psp-sim' | 'smtp-sink' | 'all',
  overrides: Record<string, string> = {},
): Promise<ChildRole> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', role], {
    cwd: ROOT,
    env: { ...process.env, ...stores.env, LOG_LEVEL: 'info', ...overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /"url":"(http:\/\/[^"]+)","msg":"API listening"/.exec(output);
      const simulating = /"url":"(http:\/\/[^"]+)","webhookUrl":"[^"]*","msg":"payment simulator listening"/.exec(output);
      if (role === 'worker' && output.includes('"msg":"workers started"')) resolve(undefined);
      else if (role === 'smtp-sink' && output.includes('"msg":"SMTP sink listening"')) resolve(undefined);
      else if (role === 'psp-sim' && simulating) resolve(simulating[1]);
      else if (listening) resolve(listening[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`flashcart ${role} exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    child,
    url,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Tears down a test whose Redis may have been killed: the flashcart processes gracefully while Redis
 * runs (they close their connections) and hard otherwise, then Redis is started again so the test's
 * keys can be removed with its database. Without a Redis, the database is dropped on its own.
 */
export async function tearDownAfterRedisFaults(
  redis: { isRunning: boolean; start(): Promise<void>; destroy(): Promise<void> } | undefined,
  stores: TestStores | undefined,
  roles: (ChildRole | undefined)[],
): Promise<void> {
  const signal = redis?.isRunning ? 'SIGTERM' : 'SIGKILL';
  for (const role of roles) await role?.kill(signal);
  if (redis) await redis.start().catch(() => undefined);
  if (stores) {
    if (redis?.isRunning) await stores.cleanup();
    else await dropDatabase(POSTGRES_URL, stores.databaseName).catch(() => undefined);
  }
  await redis?.destroy();
}
