import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './stores.js';

/**
 * A redis-server of a test's own: its own port on 127.0.0.1 and its own directory, with the
 * append-only file fsynced on every write (`appendfsync always`) and no RDB snapshots. A test may
 * kill it (SIGKILL, as a crash) and start it again on the same port and directory, where it replays
 * its AOF; the machine's shared Redis must never be put through that.
 */
export class ThrowawayRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private readonly onExit = () => this.child?.kill('SIGKILL');

  private constructor(
    /** Temp directory holding the AOF. */
    readonly dir: string,
    readonly port: number,
  ) {}

  /** A fresh, empty server on a free port, started. */
  static async create(): Promise<ThrowawayRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'flashcart-redis-'));
    try {
      const server = new ThrowawayRedis(dir, await freePort());
      await server.start();
      return server;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The URL flashcart and `createTestStores({ redisUrl })` take. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the server printed (its log), across every start. */
  log(): string {
    return this.output;
  }

  /**
   * Starts the server (again) on the same port and directory, and waits until it answers PING,
   * which a restarted server does only once it has replayed its AOF.
   */
  async start(): Promise<void> {
    if (this.isRunning) return;
    const settings = {
      port: String(this.port),
      bind: '127.0.0.1',
      dir: this.dir,
      appendonly: 'yes',
      appendfsync: 'always',
      save: '',
      daemonize: 'no',
    };
    const args = Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]);
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    process.once('exit', this.onExit);

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.isRunning) throw new Error(`redis-server on port ${this.port} exited at start:\n${this.output}`);
      if (await this.answers()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`redis-server on port ${this.port} did not answer within 60 s:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kills the server, by default as a crash would (SIGKILL: no shutdown, no final flush), and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.isRunning) this.child!.kill(signal);
    await this.exited;
    process.removeListener('exit', this.onExit);
  }

  /**
   * Kills the server (SIGKILL) and deletes what it had written, so that it starts again empty: a
   * Redis that lost its data (one without persistence restarted, or a failover to an empty replica).
   */
  async wipe(): Promise<void> {
    await this.kill();
    for (const entry of await readdir(this.dir)) await rm(join(this.dir, entry), { recursive: true, force: true });
  }

  /** Kills the server and deletes its directory. */
  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A client of its own that does not retry: for a test's direct look at the data. */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    client.on('error', () => undefined);
    return client;
  }

  private async answers(): Promise<boolean> {
    const client = this.client();
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      // Not listening yet, or still loading the AOF (LOADING error).
      return false;
    } finally {
      client.disconnect();
    }
  }
}

/** Creates a throwaway Redis and returns it running. */
export const startThrowawayRedis = (): Promise<ThrowawayRedis> => ThrowawayRedis.create();
