/**
 * The payment simulator and SMTP sink of the payment benchmarks, as a process of its own (see
 * PaymentStack in bench/payment-stack.ts, which starts it): the benchmark's own process then only
 * drives the load and times it, rather than also answering flashcart's payment calls between two
 * of its buyers' answers. Prints one JSON line, the environment that points flashcart at both,
 * once both listen; stops on SIGTERM.
 *
 *   BENCH_STACK_REDIS_URL=… BENCH_STACK_PREFIX=… node --import tsx bench/payment-stack-server.ts
 */
import { createLogger } from '../src/lib/logger.js';
import { InProcessPaymentStack } from './payment-stack.js';

const redisUrl = process.env.BENCH_STACK_REDIS_URL;
const prefix = process.env.BENCH_STACK_PREFIX;
if (!redisUrl || !prefix) throw new Error('BENCH_STACK_REDIS_URL and BENCH_STACK_PREFIX are required');

const stack = new InProcessPaymentStack(redisUrl, prefix, createLogger('warn'));
const env = await stack.listen();
process.stdout.write(`${JSON.stringify(env)}\n`);
process.once('SIGTERM', () => {
  void stack.close().finally(() => process.exit(0));
});
