import { parseArgs } from 'node:util';
import { POSTGRES_URL, REDIS_URL } from '../test/support/stores.js';

export interface BenchOptions {
  /** Seconds of each measured phase. */
  durationSeconds: number;
  connections: number;
  /** Units of the flash-sale product in each round: exactly this many orders must be accepted. */
  stock: number;
  /** Distinct guest buyers the order requests cycle through. */
  buyers: number;
  /** Rounds of (health, orders) and (sold-out orders, bare route), each on a fresh product, to show the spread. */
  rounds: number;
  /** Seconds of warm-up per endpoint before the first round. */
  warmupSeconds: number;
  /** Where the API process writes a V8 CPU profile, or undefined for none. */
  cpuProfileDir: string | undefined;
  /** Where to write the figures as JSON as well, or undefined. */
  jsonFile: string | undefined;
  /** Extra Node flags for the API process and the bare-route reference, e.g. `--max-semi-space-size=64`. */
  apiNodeArgs: string[];
  /** Extra Node flags for the worker process only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/worker`. */
  workerNodeArgs: string[];
  postgresUrl: string;
  redisUrl: string;
}

const DEFAULTS = {
  duration: '10',
  connections: '64',
  stock: '1000',
  buyers: '2000',
  rounds: '4',
  warmup: '3',
  'postgres-url': POSTGRES_URL,
  'redis-url': REDIS_URL,
};

export const USAGE = `usage: npm run bench -- [options]      (each option also reads BENCH_<NAME>, e.g. BENCH_DURATION)

  --duration <s>        seconds of each measured phase            (${DEFAULTS.duration})
  --connections <n>     concurrent connections                    (${DEFAULTS.connections})
  --stock <n>           units of the flash-sale product per round (${DEFAULTS.stock})
  --buyers <n>          distinct guest buyers                     (${DEFAULTS.buyers})
  --rounds <n>          rounds of health + orders and sold-out orders + bare route,
                        alternating which of each pair goes first (${DEFAULTS.rounds})
  --warmup <s>          seconds of warm-up per endpoint           (${DEFAULTS.warmup})
  --cpu-prof <dir>      write a CPU profile of the API process to <dir>
  --json <file>         also write the figures to <file> as JSON
  --api-node-args=<a>   extra Node flags for the API process (and the bare route), e.g. --api-node-args=--max-semi-space-size=64
  --worker-node-args=<a>  the same for the worker process, e.g. '--worker-node-args=--cpu-prof --cpu-prof-dir=/tmp/w'
  --postgres-url <url>  a Postgres server the benchmark may create and drop a database on
  --redis-url <url>     a Redis the benchmark may write keys under a prefix of its own to`;

const envName = (option: string) => `BENCH_${option.toUpperCase().replaceAll('-', '_')}`;

function positiveInteger(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}, got "${text}"`);
  return value;
}

/** Node flags given as one string, as `--api-node-args` takes them. */
export const nodeArgs = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean);

/**
 * The API's Node flags as the bare-route reference takes them: the same terms, without the
 * profiler's (`--cpu-prof-interval` alone stops Node, and only the API is profiled).
 */
export const referenceNodeArgs = (apiNodeArgs: string[]) => apiNodeArgs.filter((flag) => !flag.startsWith('--cpu-prof'));

/** Flags first, then BENCH_* variables, then the defaults. Returns undefined when help was asked for. */
export function parseBenchOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      stock: { type: 'string' },
      buyers: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'api-node-args': { type: 'string' },
      'worker-node-args': { type: 'string' },
      json: { type: 'string' },
      'postgres-url': { type: 'string' },
      'redis-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const pick = (name: keyof typeof DEFAULTS) => values[name] ?? env[envName(name)] ?? DEFAULTS[name];
  return {
    durationSeconds: positiveInteger('duration', pick('duration')),
    connections: positiveInteger('connections', pick('connections')),
    stock: positiveInteger('stock', pick('stock')),
    buyers: positiveInteger('buyers', pick('buyers')),
    rounds: positiveInteger('rounds', pick('rounds')),
    warmupSeconds: positiveInteger('warmup', pick('warmup'), 0),
    cpuProfileDir: values['cpu-prof'] ?? env[envName('cpu-prof')],
    jsonFile: values.json ?? env[envName('json')],
    apiNodeArgs: nodeArgs(values['api-node-args'] ?? env[envName('api-node-args')]),
    workerNodeArgs: nodeArgs(values['worker-node-args'] ?? env[envName('worker-node-args')]),
    postgresUrl: pick('postgres-url'),
    redisUrl: pick('redis-url'),
  };
}

/** The command line that repeats a run with exactly these options. */
export function reproduceCommand(options: BenchOptions): string {
  const flags = [
    `--duration ${options.durationSeconds}`,
    `--connections ${options.connections}`,
    `--stock ${options.stock}`,
    `--buyers ${options.buyers}`,
    `--rounds ${options.rounds}`,
    `--warmup ${options.warmupSeconds}`,
  ];
  if (options.cpuProfileDir) flags.push(`--cpu-prof ${options.cpuProfileDir}`);
  if (options.apiNodeArgs.length > 0) flags.push(`'--api-node-args=${options.apiNodeArgs.join(' ')}'`);
  if (options.workerNodeArgs.length > 0) flags.push(`'--worker-node-args=${options.workerNodeArgs.join(' ')}'`);
  if (options.postgresUrl !== DEFAULTS['postgres-url']) flags.push(`--postgres-url ${options.postgresUrl}`);
  if (options.redisUrl !== DEFAULTS['redis-url']) flags.push(`--redis-url ${options.redisUrl}`);
  return `npm run bench -- ${flags.join(' ')}`;
}
