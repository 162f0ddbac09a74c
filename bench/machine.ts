import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  redis: string;
  /** 1-minute load average before the run: anything well above 0 means something else is competing. */
  loadBefore: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** What the figures were measured on. */
export async function describeMachine(postgresUrl: string, redisUrl: string): Promise<Machine> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const postgres = await client.query<{ server_version: string }>('SHOW server_version').finally(() => client.end());
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const info = await redis.info('server').finally(() => redis.disconnect());
  return {
    cores: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres: postgres.rows[0]?.server_version.split(' ')[0] ?? 'unknown',
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    loadBefore: os.loadavg()[0] ?? 0,
  };
}

/** Linux's USER_HZ, the unit of the CPU times in /proc/<pid>/stat; 100 on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds per process whose command is `postgres` (the server's backends and helpers). */
function postgresCpuSeconds(): Map<number, number> {
  const seconds = new Map<number, number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') seconds.set(Number(entry), processCpuSeconds(Number(entry)));
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    // not Linux
  }
  return seconds;
}

/** Machine-wide CPU seconds from /proc/stat: busy outside interrupts, in interrupts, idle. */
function machineCpuSeconds(): { busy: number; interrupts: number; idle: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return {
      busy: (user + nice + system) / CLOCK_TICKS_PER_SECOND,
      interrupts: (irq + softirq) / CLOCK_TICKS_PER_SECOND,
      idle: (idle + iowait + steal) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return { busy: 0, interrupts: 0, idle: 0 };
  }
}

/** Cores used during a phase (1.0 = one core busy for the whole phase). */
export interface CpuUse {
  /** By the benchmark's own processes and the two stores. */
  processes: Record<string, number>;
  /** By every other process on the machine: a clean measurement keeps this near 0. */
  others: number;
  /** In interrupt handlers, mostly the loopback network stack carrying the load. */
  interrupts: number;
  idle: number;
}

interface CpuSample {
  at: number;
  processes: Record<string, number>;
  postgres: Map<number, number>;
  machine: { busy: number; interrupts: number; idle: number };
}

/**
 * Where the CPU went during a phase. On a two-core machine this tells whether the API saturated
 * its core, was starved by the load generator, or lost time to something else running meanwhile.
 */
export class CpuMeter {
  private readonly redis: Redis;

  constructor(
    redisUrl: string,
    private readonly pids: () => Record<string, number | undefined>,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  }

  private async sample(): Promise<CpuSample> {
    const processes: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) if (pid !== undefined) processes[name] = processCpuSeconds(pid);
    const usage = process.cpuUsage();
    processes['load generator'] = (usage.user + usage.system) / 1e6;
    const info = await this.redis.info('cpu');
    processes.redis = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
    return { at: performance.now(), processes, postgres: postgresCpuSeconds(), machine: machineCpuSeconds() };
  }

  /** Runs `work` and returns its value with the cores each process used meanwhile. */
  async measure<T>(work: () => Promise<T>): Promise<{ value: T; cpu: CpuUse }> {
    const before = await this.sample();
    const value = await work();
    const after = await this.sample();
    const elapsed = (after.at - before.at) / 1_000;
    const processes: Record<string, number> = {};
    for (const [name, seconds] of Object.entries(after.processes)) processes[name] = (seconds - (before.processes[name] ?? 0)) / elapsed;
    // Backends that started or ended during the phase are left out rather than counted whole.
    let postgres = 0;
    for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? seconds);
    processes.postgres = postgres / elapsed;
    const ours = Object.values(processes).reduce((sum, cores) => sum + cores, 0);
    const busy = (after.machine.busy - before.machine.busy) / elapsed;
    return {
      value,
      cpu: {
        processes,
        others: Math.max(0, busy - ours),
        interrupts: (after.machine.interrupts - before.machine.interrupts) / elapsed,
        idle: (after.machine.idle - before.machine.idle) / elapsed,
      },
    };
  }

  close(): void {
    this.redis.disconnect();
  }
}
