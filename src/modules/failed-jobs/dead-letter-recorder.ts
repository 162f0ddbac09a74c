import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { InTransaction } from '../../db/database.js';
import { isDependencyUnavailable } from '../../lib/infrastructure-errors.js';
import type { Metrics } from '../../lib/metrics.js';
import type { RedisKeys } from '../../redis/keys.js';
import type { OutboxRepository } from '../outbox/outbox.repository.js';
import type { NewOutboxEvent } from '../outbox/outbox-events.js';
import type { DeadLetter } from './dead-letter.js';
import type { FailedJobsRepository } from './failed-jobs.repository.js';

export interface DeadLetterRecorderDeps {
  redis: Redis;
  keys: RedisKeys;
  inTransaction: InTransaction;
  repository: Pick<FailedJobsRepository, 'insert'>;
  outbox: Pick<OutboxRepository, 'append'>;
  metrics: Metrics;
  logger: Logger;
}

/** Dead letters recorded per transaction. */
const BATCH = 100;

/**
 * The mail about a dead letter is itself a job: when that job dies, alerting about it would queue
 * another alert of the same kind, and so on while mail is down. Those dead letters are recorded
 * (and logged) without an alert.
 */
function raisesAlert(letter: DeadLetter): boolean {
  const payload = letter.payload as { template?: unknown; type?: unknown } | null;
  if (letter.name === 'send-email' && payload?.template === 'dead-letter') return false;
  if (letter.name === 'notify' && payload?.type === 'job.dead-lettered') return false;
  return true;
}

/** Text Postgres stores: no NUL (text and jsonb refuse it), no lone surrogate (jsonb refuses it). */
const storableText = (text: string) => text.replaceAll('\u0000', '\uFFFD').toWellFormed();

/**
 * A dead letter as Postgres takes it. A failure's message, stack or job data may hold what text
 * columns refuse (a template cut in the middle of an emoji, a NUL from a vendor's answer); refused,
 * that one letter would stay first in the parked list and stop every later one being recorded.
 */
function storable(letter: DeadLetter): DeadLetter {
  return {
    ...letter,
    reason: storableText(letter.reason),
    stack: letter.stack === null ? null : storableText(letter.stack),
    payload: JSON.parse(JSON.stringify(letter.payload ?? null, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value))),
  };
}

/**
 * Turns jobs that used up their attempts into failed_jobs rows with an alert for the admins (an
 * outbox event in the same transaction). A dead letter is parked in a Redis list first, where the
 * worker that saw it die can always put it, and recorded from there: at once when Postgres answers,
 * otherwise by the `record-dead-letters` job once it does. Each is recorded once, by its dedupe key,
 * however many workers report or drain it.
 */
export class DeadLetterRecorder {
  constructor(private readonly deps: DeadLetterRecorderDeps) {}

  /** From a worker's `failed` event after the last attempt. */
  async capture(letter: DeadLetter): Promise<void> {
    const { redis, keys, metrics, logger } = this.deps;
    metrics.deadLetters.inc({ queue: letter.queue, job: letter.name });
    logger.error({ queue: letter.queue, job: letter.name, jobId: letter.jobId, attempts: letter.attempts, reason: letter.reason }, 'dead letter');
    await redis.lpush(keys.deadLetters(), JSON.stringify(letter));
    try {
      await this.drain();
    } catch (error) {
      if (!isDependencyUnavailable(error)) throw error;
      logger.warn({ err: error }, 'dead letter parked in Redis until Postgres answers');
    }
  }

  /** Records every parked dead letter, oldest first; returns how many rows it added. */
  async drain(): Promise<number> {
    const { redis, keys } = this.deps;
    const list = keys.deadLetters();
    let recorded = 0;
    for (;;) {
      // LPUSH puts the newest at the head: the tail holds the oldest.
      const parked = await redis.lrange(list, -BATCH, -1);
      if (parked.length === 0) return recorded;
      const letters = parked.map((raw) => storable(JSON.parse(raw) as DeadLetter)).reverse();
      recorded += await this.record(letters);
      const removal = redis.multi();
      for (const raw of parked) removal.lrem(list, -1, raw);
      await removal.exec();
      if (parked.length < BATCH) return recorded;
    }
  }

  private record(letters: readonly DeadLetter[]): Promise<number> {
    const { inTransaction, repository, outbox } = this.deps;
    return inTransaction(async (tx) => {
      const added = await repository.insert(tx, letters);
      const byKey = new Map(letters.map((letter) => [letter.dedupeKey, letter]));
      const alerts = added.flatMap(({ id, dedupeKey }): NewOutboxEvent[] => {
        const letter = byKey.get(dedupeKey)!;
        if (!raisesAlert(letter)) return [];
        const { queue, name, jobId, reason, attempts, failedAt } = letter;
        return [{ type: 'job.dead-lettered', orderId: null, payload: { failedJobId: id, queue, name, jobId, reason, attempts, failedAt } }];
      });
      await outbox.append(tx, alerts);
      return added.length;
    });
  }
}
