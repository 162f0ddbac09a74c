/**
 * Where the API allocates, per request: `GET /health` against `POST /api/cart/items` (one unit added
 * to a cart of up to eight lines, as bench/add-to-cart.ts adds). Not a benchmark (no aim, no ratio):
 * a diagnostic for the garbage collector's share of an add (docs/BENCHMARKS.md, _Add to cart_).
 *
 *   node --import tsx bench/allocations.ts [--seconds 5] [--connections 32]
 *
 * The API runs compiled (build/, built here when stale) inside this process, under V8's sampling
 * heap profiler with the objects the collector has already freed counted too, so what it reports
 * is every allocation, garbage included. The load comes from a child process (autocannon, as the
 * benchmarks' load), so none of its allocations are counted. It prints, per phase, bytes allocated
 * per request by package or file and by function; two phases of each, alternating, after a warm-up.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILD_DIR, buildServer, serverIsStale } from '../scripts/build-server.js';
import { createProduct } from '../test/support/fixtures.js';
import { adminApi, guests } from '../test/support/http.js';
import { createTestStores } from '../test/support/system.js';
import { endsWithBenchmark } from './children.js';
import { addToCartLoad, runLoad } from './load.js';
import { areaOf, type CallFrame, labelOf } from './profile-labels.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Phase = 'health' | 'add';

interface Setup {
  baseUrl: string;
  authorizations: string[];
  skus: string[];
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    // Internal: the child process that sends one phase's load.
    load: { type: 'string' },
    setup: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);

/** The child: one phase's load; prints the requests answered. */
async function sendLoad(phase: Phase, setupFile: string): Promise<void> {
  const { baseUrl, authorizations, skus } = JSON.parse(readFileSync(setupFile, 'utf8')) as Setup;
  const result = await runLoad(
    phase === 'health'
      ? { baseUrl, method: 'GET', path: '/health', connections, durationSeconds: seconds }
      : addToCartLoad(baseUrl, authorizations, skus, connections, seconds),
  );
  const answered = [...result.statuses].reduce((sum, [status, { count }]) => (status === 200 ? sum + count : sum), 0);
  process.stdout.write(`${answered}\n`);
}

function loadFromChild(phase: Phase, setupFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--load',
      phase,
      '--setup',
      setupFile,
      '--seconds',
      String(seconds),
      '--connections',
      String(connections),
    ];
    // From the repository, where `tsx` resolves, wherever this was started from.
    const child = endsWithBenchmark(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(Number(output.trim())) : reject(new Error(`the ${phase} load exited with ${code}`))));
  });
}

function report(phase: Phase, requests: number, head: HeapNode): string {
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    if (node.selfSize > 0) {
      total += node.selfSize;
      const area = areaOf(node.callFrame.url, node.callFrame.functionName);
      byArea.set(area, (byArea.get(area) ?? 0) + node.selfSize);
      const label = labelOf(node.callFrame);
      byFunction.set(label, (byFunction.get(label) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child);
  };
  visit(head);
  const lines = (counts: Map<string, number>, limit: number) =>
    [...counts]
      .sort(([, a], [, b]) => b - a)
      .slice(0, limit)
      .map(
        ([name, bytes]) =>
          `${Math.round(bytes / requests)
            .toLocaleString('en-US')
            .padStart(8)} B  ${name}`,
      );
  return [
    `${phase === 'health' ? 'GET /health' : 'POST /api/cart/items'}: ${requests.toLocaleString('en-US')} requests, ${Math.round(total / requests).toLocaleString('en-US')} bytes allocated per request`,
    '  by package or file:',
    ...lines(byArea, 12),
    '  by function:',
    ...lines(byFunction, 20),
  ].join('\n');
}

async function main(): Promise<void> {
  if (await serverIsStale()) await buildServer();
  const { loadConfig } = (await import(join(BUILD_DIR, 'config.js'))) as typeof import('../src/config.js');
  const { createLogger } = (await import(join(BUILD_DIR, 'lib/logger.js'))) as typeof import('../src/lib/logger.js');
  const { prepare, startSystem } = (await import(join(BUILD_DIR, 'system.js'))) as typeof import('../src/system.js');
  const { rolesNamed } = (await import(join(BUILD_DIR, 'roles.js'))) as typeof import('../src/roles.js');

  const stores = await createTestStores();
  const config = loadConfig({ ...stores.env, LOG_LEVEL: 'error' });
  const logger = createLogger(config.logLevel);
  await prepare(config, logger);
  const system = await startSystem(config, logger, rolesNamed('api')!);
  const setupFile = join(tmpdir(), `flashcart-allocations-${process.pid}.json`);
  try {
    const admin = await adminApi(system.url!);
    const skus: string[] = [];
    for (let i = 0; i < 8; i++) skus.push(await createProduct(admin, { onHand: 1_000_000, priceCents: 100 + i }));
    const buyers = await guests(system.url!, 500);
    const setup: Setup = { baseUrl: system.url!, authorizations: buyers.map((buyer) => `Bearer ${buyer.token}`), skus };
    writeFileSync(setupFile, JSON.stringify(setup));

    console.error(`[allocations] warming up, then ${seconds} s per phase at ${connections} connections`);
    await loadFromChild('health', setupFile);
    await loadFromChild('add', setupFile);
    const session = new Session();
    session.connect();
    for (const phase of ['health', 'add', 'health', 'add'] as const) {
      // Every allocation, the ones already collected included, sampled about once per KiB.
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 1_024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as { samplingInterval: number });
      const requests = await loadFromChild(phase, setupFile);
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
      console.log(`\n${report(phase, requests, profile.head)}`);
    }
    session.disconnect();
    console.log(`\nreproduce: node --import tsx bench/allocations.ts --seconds ${seconds} --connections ${connections}`);
  } finally {
    await system.close();
    await stores.cleanup();
  }
}

if (values.load) await sendLoad(values.load as Phase, values.setup!);
else await main();
