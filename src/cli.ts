/**
 * The command line: `node build/cli.js <role>` (cli-main.ts has the roles and commands). This module
 * first tunes V8's heap, and only then loads the rest of the program.
 *
 * The order matters. Loading the program takes V8 through a full collection about 1.2 s after start,
 * and that collection sets the heap's next limit with whatever growth factor is set at that moment.
 * With the factor set after the imports, that collection came first in some starts and not in
 * others. In those starts the API's old generation then grew from about 37 MB to over 120 MB before
 * V8 collected it again. In the checkout benchmark that was the difference between an API that peaked
 * at 229–256 MB and one that peaked at 184–198 MB (docs/BENCHMARKS.md).
 */
import { setFlagsFromString } from 'node:v8';
import { rolesNamed } from './roles.js';

/**
 * How far V8 lets the old generation grow past what survived its last full collection before it
 * collects again, in a process that serves the API: 50 % (a factor of 1.5). Left to itself V8 picks
 * a factor of up to 4; with a live heap of about 50 MB and the garbage of a flash sale, the API
 * then gained about 8 MB of resident memory per sale until a full collection. A worker alone keeps
 * V8's choice: there the more frequent collections cost 10–30 % more CPU per stored order
 * (bench/sustained-sale.ts with `--worker-node-args=--heap-growing-percent=50`).
 * `node --heap-growing-percent=N` on the command line wins.
 */
const HEAP_GROWING_PERCENT = 50;

function tuneHeap(role: string): void {
  const given = process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg));
  // A heuristic V8 reads each time it sets the next collection's limit, so it applies from here on.
  if (rolesNamed(role)?.api && !given) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

tuneHeap(process.argv[2] ?? 'all');
await import('./cli-main.js');
