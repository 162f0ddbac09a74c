import { mkdirSync, writeFileSync } from 'node:fs';
import type { PhaseWindow } from './profile-summary.js';

/** Microseconds of the monotonic clock, the clock V8 stamps CPU-profile samples with. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1_000n);

/**
 * A benchmark's `--cpu-prof <dir>`: the node arguments that make a server write a V8 CPU profile
 * there, the windows of the measured phases, and at the end the phases file and the
 * bench/profile-summary.ts commands that summarise a phase in each profile. Without a directory it
 * records the windows and writes nothing.
 */
export class PhaseProfile {
  private readonly windows: PhaseWindow[] = [];

  constructor(readonly dir: string | undefined) {}

  /** For a process to profile; none without a directory. */
  get nodeArgs(): string[] {
    return this.dir ? ['--cpu-prof', `--cpu-prof-dir=${this.dir}`] : [];
  }

  /** Runs one measured phase and records its window under `name`. */
  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    const startUs = monotonicMicros();
    try {
      return await work();
    } finally {
      this.windows.push({ name, startUs, endUs: monotonicMicros() });
    }
  }

  /**
   * Writes the phases file beside the profiles (named after the first process) and answers how to
   * summarise the phases named `phase…` in the profile of each of `profiled` (the processes started
   * with `nodeArgs`); undefined without a directory. Call it once they have stopped: they write
   * their profiles as they exit.
   */
  finish(processes: readonly { role: string; pid: number | undefined }[], phase: string): string | undefined {
    const profiled = processes.filter((process): process is { role: string; pid: number } => process.pid !== undefined);
    if (!this.dir || profiled.length === 0) return undefined;
    mkdirSync(this.dir, { recursive: true });
    const phasesFile = `${this.dir}/bench-phases.${profiled[0]!.pid}.json`;
    writeFileSync(phasesFile, JSON.stringify(this.windows, null, 2));
    return (
      `CPU profiles of the ${profiled.map((process) => process.role).join(' and the ')} written to ${this.dir}; summarise the ${phase} phases with\n` +
      profiled
        .map(
          ({ pid }) => `  node --import tsx bench/profile-summary.ts ${this.dir}/CPU.*.${pid}.0.*.cpuprofile --phases ${phasesFile} --phase ${phase}`,
        )
        .join('\n')
    );
  }
}
