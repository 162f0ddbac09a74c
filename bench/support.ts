import type { LoadResult } from './load.js';
import type { CpuUse } from './machine.js';

/** One measured phase of load: what the load generator saw and the CPU each process used meanwhile. */
export interface Phase {
  load: LoadResult;
  cpu: CpuUse;
}

/** What one request costs the server that answered it (its process's name in the CPU meter), however much CPU it was given. */
export const microsPerRequest = (phase: Phase, server: 'api' | 'bare route' = 'api') =>
  ((phase.cpu.processes[server] ?? 0) * 1e6) / phase.load.requestsPerSecond;

/** A figure for the report: grouped thousands, `digits` decimals. */
export const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Where the cores went during a phase, busiest process first. */
export const cpuLine = (cpu: CpuUse, options: { interrupts?: boolean } = {}) =>
  [
    ...Object.entries(cpu.processes)
      .sort(([, a], [, b]) => b - a)
      .map(([name, cores]) => `${name} ${n(cores, 2)}`),
    ...(options.interrupts ? [`interrupts ${n(cpu.interrupts, 2)}`] : []),
    `other processes ${n(cpu.others, 2)}`,
    `idle ${n(cpu.idle, 2)}`,
  ].join(', ');

/** Polls `check` every 250 ms until it holds (true) or `timeoutMs` has passed (false). */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
