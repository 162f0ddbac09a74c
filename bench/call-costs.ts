/**
 * What one outgoing call costs the process that makes it, measured alone: the figures behind
 * choices in docs/DESIGN.md. (1) An HTTP POST with `fetch`, with undici's `request` and with
 * `node:http` on kept-alive connections, to a local server in a process of its own; (2) a BullMQ
 * job that does nothing, from `addBulk` to completion, with the worker's and Redis's CPU; (3) a
 * refusal thrown from under 15 awaited async frames (as deep as a request's handler), as an
 * AppError with its stack trace and as one without (`refusal`). Each figure is CPU time per call,
 * warmed up first, the median of `--repeats` rounds.
 *
 *   node --import tsx bench/call-costs.ts [--calls 3000] [--repeats 3]
 */
import { spawn } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { AppError, refusal } from '../src/lib/errors.js';
import { deleteRedisPrefix, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { endsWithBenchmark } from './children.js';
import { CpuMeter, describeMachine } from './machine.js';
import { n } from './support.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, repeats: { type: 'string', default: '3' } } });
const CALLS = Number(values.calls);
const REPEATS = Number(values.repeats);
/** Calls in flight at once, as a busy API has several. */
const IN_FLIGHT = 10;
const BODY = JSON.stringify({ orderId: '00000000-0000-4000-8000-000000000001', amountCents: 2_500, currency: 'EUR', description: 'flashcart order' });
const ANSWER = JSON.stringify({ paymentId: 'pay_1', checkoutUrl: 'http://127.0.0.1:3100/checkout/pay_1' });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Client CPU µs per call of `call`, `CALLS` calls `IN_FLIGHT` at a time, after a warm-up. */
async function clientMicrosPerCall(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 300; i++) await call();
  const rounds: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < CALLS; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, call));
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / CALLS);
  }
  return median(rounds);
}

async function httpClients(): Promise<string[]> {
  const server = endsWithBenchmark(
    spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.writeHead(201, { 'content-type': 'application/json' }).end(${JSON.stringify(ANSWER)})); })` +
          `.listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  try {
    const port = await new Promise<number>((resolve) => server.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))));
    const url = `http://127.0.0.1:${port}/v1/payments`;
    const headers = { 'content-type': 'application/json' };
    const undiciAgent = new Agent({ connections: IN_FLIGHT });
    const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const viaFetch = async () => (await fetch(url, { method: 'POST', headers, body: BODY, signal: AbortSignal.timeout(5_000) })).json();
    const viaUndici = async () =>
      (await request(url, { method: 'POST', headers, body: BODY, dispatcher: undiciAgent, signal: AbortSignal.timeout(5_000) })).body.json();
    const viaHttp = () =>
      new Promise((resolve, reject) => {
        const outgoing = httpRequest(url, { method: 'POST', headers, agent: httpAgent, timeout: 5_000 }, (answer) => {
          let text = '';
          answer.setEncoding('utf8');
          answer.on('data', (chunk: string) => {
            text += chunk;
          });
          answer.on('end', () => resolve(JSON.parse(text)));
        });
        outgoing.on('error', reject);
        outgoing.end(BODY);
      });
    const lines = [];
    for (const [name, call] of [
      ['fetch', viaFetch],
      ['undici request', viaUndici],
      ['node:http', viaHttp],
    ] as const) {
      lines.push(`  ${name.padEnd(16)} ${n(await clientMicrosPerCall(call))} µs of client CPU per POST`);
    }
    await undiciAgent.close();
    httpAgent.destroy();
    return lines;
  } finally {
    server.kill();
  }
}

/** Async frames above a refusal: a request's handler sits about this deep (Fastify's hooks, route, service). */
const ERROR_DEPTH = 15;

async function refusals(): Promise<string[]> {
  const details = { sku: 'X', requested: 1, available: 0 };
  const kinds: [string, () => AppError][] = [
    ['with its stack', () => new AppError('INSUFFICIENT_STOCK', 'only 0 unit(s) of X available', details)],
    ['refusal()', () => refusal('INSUFFICIENT_STOCK', 'only 0 unit(s) of X available', details)],
  ];
  const lines: string[] = [];
  for (const [name, make] of kinds) {
    const deep = async (depth: number): Promise<never> => {
      if (depth === 0) throw make();
      return await deep(depth - 1);
    };
    const micros = await clientMicrosPerCall(() => deep(ERROR_DEPTH).catch((error: AppError) => error.code));
    lines.push(`  ${name.padEnd(16)} ${n(micros, 1)} µs of CPU per refusal`);
  }
  return lines;
}

async function bullmqJob(): Promise<string[]> {
  const prefix = uniqueName('fcb_jobs');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('costs', { connection, prefix });
  const meter = new CpuMeter(REDIS_URL, () => ({}));
  try {
    const rounds: { client: number; redis: number }[] = [];
    for (let r = 0; r <= REPEATS; r++) {
      let done = 0;
      let finished = () => {};
      const allDone = new Promise<void>((resolve) => {
        finished = resolve;
      });
      const { value: elapsedMs, cpu } = await meter.measure(async () => {
        const started = performance.now();
        await queue.addBulk(
          Array.from({ length: CALLS }, (_, i) => ({
            name: 'noop',
            data: { orderId: `order-${r}-${i}` },
            opts: { jobId: `job-${r}-${i}`, priority: 10, attempts: 3, removeOnComplete: { age: 3_600, count: 10_000 } },
          })),
        );
        const worker = new Worker(
          'costs',
          async () => {
            if (++done === CALLS) finished();
          },
          { connection: connection.duplicate(), prefix, concurrency: 16 },
        );
        await allDone;
        await worker.close();
        return performance.now() - started;
      });
      // The first round warms up; the meter gives cores, so CPU seconds are cores × the round's time.
      const seconds = elapsedMs / 1_000;
      if (r > 0) rounds.push({ client: (cpu.processes['load generator']! * seconds) / CALLS, redis: (cpu.processes.redis! * seconds) / CALLS });
    }
    return [
      `  a job that does nothing, added in bulk and run at concurrency 16: ${n(median(rounds.map((round) => round.client)) * 1e6)} µs of this process's CPU, ` +
        `${n(median(rounds.map((round) => round.redis)) * 1e6)} µs of Redis's`,
    ];
  } finally {
    meter.close();
    await queue.close();
    connection.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  }
}

const machine = await describeMachine(POSTGRES_URL, REDIS_URL);
console.log(
  `call costs, ${new Date().toISOString()}\nmachine: ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}, Redis ${machine.redis}; ` +
    `1-min load average before ${machine.loadBefore}`,
);
console.log(`HTTP POST to a local server, ${n(CALLS)} calls ${IN_FLIGHT} at a time, median of ${REPEATS} rounds:`);
for (const line of await httpClients()) console.log(line);
console.log(`BullMQ, ${n(CALLS)} jobs, median of ${REPEATS} rounds:`);
for (const line of await bullmqJob()) console.log(line);
console.log(`A refusal thrown from under ${ERROR_DEPTH} async frames and caught, ${n(CALLS)} times, median of ${REPEATS} rounds:`);
for (const line of await refusals()) console.log(line);
console.log(`reproduce: node --import tsx bench/call-costs.ts --calls ${CALLS} --repeats ${REPEATS}`);
process.exit(0);
