/**
 * Summarises a V8 CPU profile (`--cpu-prof`) of the API as text: where the samples fall by function
 * and by package or source file, self and inclusive. With the phases file `npm run bench -- --cpu-prof
 * <dir>` writes beside the profile, it can keep only the samples of one phase (e.g. the order load).
 *
 *   node --import tsx bench/profile-summary.ts <profile.cpuprofile> [--phases <file.json>] [--phase orders] [--top 25] [--requests N] [--callers writev]
 *
 * With `--requests` (the requests the phase answered, from the benchmark's report), each line of
 * self time by package or file also gives its µs of the main thread per request, the figure to
 * compare between two phases of one run (an endpoint against `GET /health`).
 *
 * With `--callers <function>`, it also shows where that function's own samples were called from,
 * the nearest frames first: which writes a `writev` or a `writeUtf8String` stands for (the answers
 * to clients, a Redis client's commands, a Postgres client's statements).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { areaOf, type CallFrame, labelOf } from './profile-labels.js';

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A measured phase, in microseconds of the monotonic clock V8 stamps its samples with. */
export interface PhaseWindow {
  name: string;
  startUs: number;
  endUs: number;
}

/** `perRequestUs`: µs of the main thread one sample stands for, per request; when given, each line also shows it. */
function top(counts: Map<string, number>, total: number, limit: number, perRequestUs?: number): string[] {
  return [...counts]
    .sort(([, a], [, b]) => b - a)
    .slice(0, limit)
    .map(
      ([name, count]) =>
        `${((100 * count) / total).toFixed(1).padStart(6)} %  ${perRequestUs === undefined ? '' : `${(count * perRequestUs).toFixed(1).padStart(6)} µs/req  `}${name}`,
    );
}

/** Caller frames shown per chain by `--callers`: enough to reach the client library that wrote. */
const CALLER_DEPTH = 10;

export function summarise(profile: Profile, window: PhaseWindow | undefined, limit: number, requests?: number, callersOf?: string): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const totalByFunction = new Map<string, number>();
  const totalByArea = new Map<string, number>();
  const callerChains = new Map<string, number>();
  let callerSamples = 0;
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  let at = profile.startTime;
  let kept = 0;
  let idle = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) return;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += 1;
      return;
    }
    kept += 1;
    // A sample stands for the time until the next one.
    busyUs += profile.timeDeltas[i + 1] ?? 0;
    bump(selfByFunction, labelOf(leaf.callFrame));
    bump(selfByArea, areaOf(leaf.callFrame.url, leaf.callFrame.functionName));
    if (callersOf !== undefined && leaf.callFrame.functionName === callersOf) {
      callerSamples += 1;
      const chain: string[] = [];
      for (let node = byId.get(parent.get(leaf.id) ?? -1); node && chain.length < CALLER_DEPTH; node = byId.get(parent.get(node.id) ?? -1)) {
        if (node.callFrame.functionName === '(root)') break;
        chain.push(labelOf(node.callFrame));
      }
      bump(callerChains, chain.join(' < ') || '(no caller)');
    }
    const functions = new Set<string>();
    const areas = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      if (node.callFrame.functionName === '(root)') break;
      functions.add(labelOf(node.callFrame));
      areas.add(areaOf(node.callFrame.url, node.callFrame.functionName));
    }
    for (const name of functions) bump(totalByFunction, name);
    for (const name of areas) bump(totalByArea, name);
  });

  const busyShare = kept + idle > 0 ? (100 * kept) / (kept + idle) : 0;
  const perRequestUs = requests && kept > 0 ? busyUs / kept / requests : undefined;
  return [
    `${window ? `phase ${window.name}: ` : ''}${kept} busy samples, ${idle} idle (busy ${busyShare.toFixed(0)} % of the main thread)` +
      (perRequestUs === undefined ? '' : `; ${(busyUs / requests!).toFixed(1)} µs of the main thread per request`),
    '',
    'self time by package or file',
    ...top(selfByArea, kept, limit, perRequestUs),
    '',
    'inclusive time by package or file (a sample counts once per package on its stack)',
    ...top(totalByArea, kept, limit),
    '',
    'self time by function',
    ...top(selfByFunction, kept, limit),
    '',
    'inclusive time by function',
    ...top(totalByFunction, kept, limit),
    ...(callersOf === undefined
      ? []
      : [
          '',
          `${callersOf}: ${callerSamples} samples, by its callers (nearest first; share of its samples)`,
          ...top(callerChains, callerSamples, limit),
        ]),
  ].join('\n');
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      phases: { type: 'string' },
      phase: { type: 'string' },
      top: { type: 'string' },
      requests: { type: 'string' },
      callers: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    console.error(
      'usage: node --import tsx bench/profile-summary.ts <profile.cpuprofile> [--phases <file.json>] [--phase <name>] [--top 25] [--requests N] [--callers <function>]',
    );
    process.exitCode = 2;
    return;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const limit = Number(values.top ?? 25);
  const requests = values.requests === undefined ? undefined : Number(values.requests);
  if (requests !== undefined && !(Number.isInteger(requests) && requests > 0))
    throw new Error(`--requests must be a positive integer, got ${values.requests}`);
  if (!values.phases) {
    console.log(summarise(profile, undefined, limit, requests, values.callers));
    return;
  }
  const phases = JSON.parse(readFileSync(values.phases, 'utf8')) as PhaseWindow[];
  const chosen = phases.filter((phase) => !values.phase || phase.name.startsWith(values.phase));
  if (chosen.length === 0) throw new Error(`no phase named ${values.phase}* in ${values.phases}`);
  if (requests !== undefined && chosen.length > 1)
    throw new Error(`--requests counts one phase's requests; --phase ${values.phase ?? ''} matches ${chosen.length}`);
  console.log(chosen.map((phase) => summarise(profile, phase, limit, requests, values.callers)).join('\n\n'));
}

main(process.argv.slice(2));
