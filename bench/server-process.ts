import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BUILT_CLI, buildServer, serverIsStale } from '../scripts/build-server.js';
import { endsWithBenchmark } from './children.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Output kept per process, for the report and for a start-up failure. */
const KEPT_OUTPUT_CHARS = 64 * 1024;
const STOP_GRACE_MS = 15_000;

/** pino's numeric levels. */
const ERROR_LEVEL = 50;

/** What the benchmark runs: a flashcart role, or the bare-route reference (bench/bare-route-server.ts). */
export type ServerRole = 'api' | 'worker' | 'all' | 'bare route';

/**
 * flashcart runs as `npm start` runs it: compiled to build/ (scripts/build-server.ts), built here
 * when older than its sources, before any benchmark starts a role. `BENCH_FROM_SOURCES=1` runs the
 * sources through the tsx loader instead, to compare the two.
 */
export const FROM_SOURCES = process.env.BENCH_FROM_SOURCES === '1';
if (!FROM_SOURCES && (await serverIsStale())) await buildServer();

/**
 * A server the benchmark drives, in a process of its own so the load generator never shares its
 * event loop: a flashcart role started as production starts it (`node build/cli.js <role>`), or
 * the bare-route reference (`node --import tsx bench/bare-route-server.ts`).
 */
export class ServerProcess {
  private output = '';
  private readonly exit: Promise<number | null>;

  private constructor(
    readonly role: ServerRole,
    /** The path that answers 200 once the server can take load. */
    readonly readyPath: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `nodeArgs` go before the script, e.g. `--cpu-prof`. */
  private static launch(args: string[], env: Record<string, string>, nodeArgs: string[]): ChildProcess {
    return endsWithBenchmark(
      spawn(process.execPath, [...nodeArgs, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** A flashcart role. */
  static flashcart(role: 'api' | 'worker' | 'all', env: Record<string, string>, nodeArgs: string[] = []): ServerProcess {
    const cli = FROM_SOURCES ? ['--import', 'tsx', 'src/cli.ts'] : [BUILT_CLI];
    return new ServerProcess(role, '/ready', ServerProcess.launch([...cli, role], env, nodeArgs));
  }

  /** The bare-route reference on `port`, its Redis keys under `prefix`. */
  static bareRoute(port: number, redisUrl: string, prefix: string, nodeArgs: string[] = []): ServerProcess {
    const env = { PORT: String(port), BARE_PREFIX: prefix, BARE_REDIS_URL: redisUrl };
    return new ServerProcess('bare route', '/health', ServerProcess.launch(['--import', 'tsx', 'bench/bare-route-server.ts'], env, nodeArgs));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the exit code when the process ends, however it ends. */
  exited(): Promise<number | null> {
    return this.exit;
  }

  /** The last lines the process wrote. */
  recentOutput(): string {
    return this.output;
  }

  /** Log lines at error level or above (the API logs an unexpected 5xx at this level). */
  errorLines(): string[] {
    return this.output.split('\n').filter((line) => {
      const level = /"level":(\d+)/.exec(line)?.[1];
      return level !== undefined && Number(level) >= ERROR_LEVEL;
    });
  }

  /** Asks for a graceful stop (so a CPU profile gets written), then kills after a grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exit;
    clearTimeout(killer);
  }
}

/** Polls the server's ready path until it answers 200; fails early if the process exits meanwhile. */
export async function waitUntilReady(baseUrl: string, server: ServerProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void server.exited().then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`the ${server.role} process exited with ${exitCode} before it was ready:\n${server.recentOutput()}`);
    }
    try {
      const response = await fetch(baseUrl + server.readyPath, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the ${server.role} was not ready within ${timeoutMs} ms:\n${server.recentOutput()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The admin account every benchmark run creates for itself. */
export const BENCH_ADMIN = { email: 'bench-admin@flashcart.local', password: randomBytes(12).toString('hex') };

/**
 * The environment a benchmark starts flashcart with: its own database and key prefix, no rate
 * limits (one machine sends all the load), warnings only in the log, no demo catalog, and secrets of
 * the run's own.
 */
export function flashcartEnvironment(target: { databaseUrl: string; redisUrl: string; prefix: string; port: number }): Record<string, string> {
  return {
    DATABASE_URL: target.databaseUrl,
    REDIS_URL: target.redisUrl,
    REDIS_KEY_PREFIX: target.prefix,
    PORT: String(target.port),
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    SEED_DEMO_CATALOG: 'false',
    VENDOR_SIM_BASE_PORT: '0',
    ADMIN_EMAIL: BENCH_ADMIN.email,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PAYMENT_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  };
}
