import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Output kept per process, for the report and for a start-up failure. */
const KEPT_OUTPUT_CHARS = 64 * 1024;
const STOP_GRACE_MS = 15_000;

/** pino's numeric levels. */
const ERROR_LEVEL = 50;

/**
 * One flashcart role (`api` or `worker`) in a process of its own, started as production starts it
 * (`node --import tsx src/cli.ts <role>`), so the load generator never shares its event loop.
 */
export class FlashcartProcess {
  private output = '';
  private readonly exit: Promise<number | null>;

  private constructor(
    readonly role: 'api' | 'worker',
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `nodeArgs` go before `--import tsx`, e.g. `--cpu-prof`. */
  static start(role: 'api' | 'worker', env: Record<string, string>, nodeArgs: string[] = []): FlashcartProcess {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli.ts', role], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new FlashcartProcess(role, child);
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

/** Polls GET /ready until it answers 200; fails early if the process exits meanwhile. */
export async function waitUntilReady(baseUrl: string, api: FlashcartProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void api.exited().then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`the ${api.role} process exited with ${exitCode} before it was ready:\n${api.recentOutput()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API was not ready within ${timeoutMs} ms:\n${api.recentOutput()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
