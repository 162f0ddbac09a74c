import type { ChildProcess } from 'node:child_process';

/** The processes a benchmark started and that still run. */
const running = new Set<ChildProcess>();
/** What a benchmark stopped midway must still remove: its database, its Redis keys. */
const leftovers: (() => Promise<unknown>)[] = [];
/** Longest the removal may take before a stopped benchmark exits anyway. */
const CLEANUP_MS = 10_000;

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    // Left running, a stopped benchmark's API and worker kept their timers and Redis keys going
    // under a prefix nobody deletes, beside the next benchmark's processes.
    for (const child of running) child.kill('SIGKILL');
    const timeout = new Promise((resolve) => setTimeout(resolve, CLEANUP_MS).unref());
    await Promise.race([Promise.allSettled(leftovers.map((remove) => remove())), timeout]);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/**
 * Removes what the benchmark made in the shared stores if it is stopped (Ctrl-C, SIGTERM) before
 * its own teardown; a benchmark that ends by itself tears down as before.
 */
export function removeIfStopped(remove: () => Promise<unknown>): void {
  leftovers.push(remove);
}

/** Ties a child process to the benchmark: stopped (or ending), the benchmark takes it with it. */
export function endsWithBenchmark<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
