import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './stores.js';

const run = promisify(execFile);

export type StopMode = 'fast' | 'immediate';

/** The newest installed PostgreSQL's bin directory. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}`);
  return join(root, versions[0]!, 'bin');
}

const isRoot = () => process.getuid?.() === 0;

/** The command line that runs `command` as the `postgres` user (as is, when not root). */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * A PostgreSQL cluster of a test's own: its own data directory under the temp dir, its own port on
 * 127.0.0.1, trust auth. A test may stop it (as an outage or a crash) and start it again on the same
 * port and data, which the machine's shared server must never be put through.
 *
 * initdb refuses to run as root, so as root every server command runs as the `postgres` user, and
 * the directory belongs to it.
 */
export class ThrowawayPostgres {
  private running = false;
  private readonly onExit = () => this.stopSync();

  private constructor(
    /** Temp directory holding the data directory, the socket and the server log. */
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  /**
   * Creates a fresh cluster on a free port and starts it. `settings` are postgresql.conf lines
   * written after the cluster's own, so they override them (a benchmark that wants fsync back, or
   * an extension preloaded).
   */
  static async create(settings: string[] = []): Promise<ThrowawayPostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'flashcart-pg-'));
    try {
      if (isRoot()) {
        const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
        await chown(dir, uid!, gid!);
      }
      const cluster = new ThrowawayPostgres(dir, await freePort(), postgresBinDir());
      await cluster.init(settings);
      await cluster.start();
      return cluster;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  /** The server URL (database `postgres`), as `createTestStores({ postgresUrl })` takes it. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the server (again) on the same port and data directory; waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile, '-o', `-p ${this.port}`]);
    this.running = true;
    process.once('exit', this.onExit);
  }

  /** Stops the server: `fast` disconnects clients cleanly, `immediate` is as abrupt as a crash. */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.pgCtl(['stop', '-w', '-t', '60', '-m', mode]);
    this.running = false;
    process.removeListener('exit', this.onExit);
  }

  async restart(mode: StopMode = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Stops the server and deletes everything it had. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      this.stopSync();
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The server's log, for a failure message. */
  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  private async init(extra: string[]): Promise<void> {
    await this.asPostgres(join(this.bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Throwaway data: skipping fsync keeps a loaded two-core machine fast, and a stop, even an
    // immediate one, loses nothing while the operating system stays up.
    const settings = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${this.dir}'`,
      'fsync = off',
      'full_page_writes = off',
      'shared_buffers = 32MB',
      'max_connections = 100',
      ...extra,
    ];
    // Appending keeps the file's owner, so the server can still read it.
    await appendFile(join(this.dataDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
  }

  private pgCtl(args: string[]): Promise<void> {
    return this.asPostgres(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, ...args]);
  }

  private async asPostgres(command: string, args: string[]): Promise<void> {
    const [file, argv] = asPostgresUser(command, args);
    try {
      await run(file, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const detail = error as { stderr?: string | Buffer; stdout?: string | Buffer };
      throw new Error(`${command} ${args.join(' ')} failed: ${String(detail.stderr ?? '')}${String(detail.stdout ?? '')}\n${await this.log()}`, {
        cause: error,
      });
    }
  }

  /** Last resort when the test process exits without destroying the cluster. */
  private stopSync(): void {
    if (!this.running) return;
    const [file, argv] = asPostgresUser(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, 'stop', '-m', 'immediate']);
    try {
      execFileSync(file, argv, { cwd: this.dir, stdio: 'ignore' });
    } catch {
      // Nothing more can be done while exiting.
    }
    this.running = false;
  }
}

/** Creates a throwaway cluster and returns it running. */
export const startThrowawayPostgres = (settings?: string[]): Promise<ThrowawayPostgres> => ThrowawayPostgres.create(settings);
