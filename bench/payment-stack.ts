import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Mailbox } from '../src/modules/notifications/mailbox.js';
import { SmtpSink } from '../src/modules/notifications/smtp-sink.js';
import { RedisKeys } from '../src/redis/keys.js';
import { createPspSim, type PspSim } from '../src/simulators/psp-sim/psp-sim.js';
import { endsWithBenchmark } from './children.js';

/** How long the stack's process may take to listen, and to stop once asked. */
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * What the payment benchmarks run beside flashcart: the payment simulator (it only creates
 * payments: the benchmarks sign the webhooks themselves) and an SMTP sink (the admins' low-stock
 * alerts go there; guests get no mail). `listen` answers the environment that points flashcart at
 * both. This one runs them in the calling process; PaymentStack runs it in a process of its own.
 */
export class InProcessPaymentStack {
  private readonly sim: PspSim;
  private readonly mailRedis: Redis;
  private readonly sink: SmtpSink;

  constructor(redisUrl: string, prefix: string, logger: Logger) {
    this.sim = createPspSim({ webhookUrl: 'http://127.0.0.1:9/unused', webhookSecret: 'unused-by-the-bench', logger });
    this.mailRedis = new Redis(redisUrl);
    this.sink = new SmtpSink({ mailbox: new Mailbox({ redis: this.mailRedis, keys: new RedisKeys(prefix) }), logger });
  }

  async listen(): Promise<Record<string, string>> {
    const simUrl = await this.sim.listen({ port: 0 });
    const smtpPort = await this.sink.listen(0);
    return { PSP_SIM_PUBLIC_URL: simUrl, SMTP_URL: `smtp://127.0.0.1:${smtpPort}` };
  }

  async close(): Promise<void> {
    await this.sim.close();
    await this.sink.close();
    this.mailRedis.disconnect();
  }
}

/**
 * The payment stack as a process of its own (bench/payment-stack-server.ts), so that the benchmark's
 * process only drives the load and times it: in it, the simulator answered flashcart's payment
 * calls on the same event loop that timed the buyers' answers, and its work delayed them.
 */
export class PaymentStack {
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async listen(): Promise<Record<string, string>> {
    const child = endsWithBenchmark(
      spawn(process.execPath, ['--import', 'tsx', 'bench/payment-stack-server.ts'], {
        env: { ...process.env, BENCH_STACK_REDIS_URL: this.redisUrl, BENCH_STACK_PREFIX: this.prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    this.child = child;
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4_000);
    });
    const lines = createInterface({ input: child.stdout! });
    const timeout = AbortSignal.timeout(START_TIMEOUT_MS);
    try {
      const [line] = (await Promise.race([
        once(lines, 'line', { signal: timeout }),
        once(child, 'exit', { signal: timeout }).then(() => {
          throw new Error('exited');
        }),
      ])) as [string];
      return JSON.parse(line) as Record<string, string>;
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`the payment stack did not start (${String(error)}):\n${this.stderr}`);
    } finally {
      lines.close();
    }
  }

  /** Stops the simulator and the sink (they share the process). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killer);
  }
}
