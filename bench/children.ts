import type { ChildProcess } from 'node:child_process';
import { deleteRedisPrefix, dropDatabase } from '../test/support/stores.js';

/** The processes a benchmark started and that still run. */
const running = new Set<ChildProcess>();
/** The teardowns of what a benchmark has set up and not yet torn down. */
const pending = new Set<() => Promise<void>>();
/** Longest the teardowns may take once the benchmark is stopped before it exits anyway. */
const STOP_GRACE_MS = 20_000;

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    // Stopped midway, a benchmark still stops its servers (their CPU profiles written) and drops
    // its database and Redis keys: left running, its API and worker kept their timers and keys
    // going under a prefix nobody deletes, beside the next benchmark's processes.
    console.error(`${signal}: tearing down`);
    const timeout = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.allSettled([...pending].map((tearDown) => tearDown())), timeout]);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/**
 * Makes `tearDown` run once, whichever comes first: the benchmark calling what this returns (in its
 * `finally`), or the benchmark being stopped (Ctrl-C, SIGTERM) before it gets there.
 */
export function tearDownOnStop(tearDown: () => Promise<void>): () => Promise<void> {
  let torn: Promise<void> | undefined;
  const once = () => (torn ??= tearDown());
  pending.add(once);
  return () => once().finally(() => pending.delete(once));
}

/** Ties a child process to the benchmark: a process still running when the benchmark exits is killed. */
export function endsWithBenchmark<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** What a benchmark set up and its teardown undoes (see `tearDownBenchmark`). */
export interface BenchmarkSetup {
  /** The CPU meter, once started. */
  meter(): { close(): void } | undefined;
  /** The flashcart processes (and others) it started, stopped together. */
  processes: readonly { stop(): Promise<void> }[];
  /** Run once they have stopped: what they call until then (the payment simulator, the mail sink). */
  afterStop?: () => Promise<void>;
  /** Once they have stopped (their CPU profiles written): how to summarise the profiles, if any. */
  profileSummary?: () => string | undefined;
  /** The database and Redis key prefix it created for itself. */
  stores: { postgresUrl: string; databaseName: string; redisUrl: string; prefix: string };
  log(message: string): void;
}

/**
 * A benchmark's teardown, run once (see `tearDownOnStop`): the meter closed, the processes
 * stopped, `afterStop`, the profiles' summary logged, then its database and Redis keys dropped. A
 * drop that fails is logged, and the rest still runs.
 */
export function tearDownBenchmark(setup: BenchmarkSetup): () => Promise<void> {
  return tearDownOnStop(async () => {
    const { stores, log } = setup;
    setup.meter()?.close();
    await Promise.all(setup.processes.map((child) => child.stop()));
    await setup.afterStop?.();
    const summary = setup.profileSummary?.();
    if (summary) log(summary);
    await dropDatabase(stores.postgresUrl, stores.databaseName).catch((error: unknown) =>
      log(`could not drop ${stores.databaseName}: ${String(error)}`),
    );
    await deleteRedisPrefix(stores.redisUrl, stores.prefix).catch((error: unknown) => log(`could not delete ${stores.prefix}:*: ${String(error)}`));
  });
}
