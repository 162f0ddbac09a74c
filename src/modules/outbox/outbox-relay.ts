import type { Logger } from 'pino';
import type { InTransaction } from '../../db/database.js';
import type { Metrics } from '../../lib/metrics.js';
import type { OutboxRepository } from './outbox.repository.js';
import type { OutboxRecord } from './outbox-events.js';

/**
 * Where the relay hands events. It receives them in id order (so in order per order id) and must
 * be idempotent per event id: when the relay cannot mark a batch as handed on (its transaction
 * failed after `publish` succeeded) it hands the same events over again.
 */
export interface OutboxPublisher {
  publish(events: readonly OutboxRecord[]): Promise<void>;
}

export interface OutboxRelayDeps {
  inTransaction: InTransaction;
  repository: Pick<OutboxRepository, 'tryLockRelay' | 'unpublished' | 'markPublished' | 'prunePublished'>;
  publisher: OutboxPublisher;
  metrics: Metrics;
  logger: Logger;
  /** Events per batch (one publish, one commit). */
  batchSize?: number;
  /** Handed-on events are deleted once this old. */
  retentionMs?: number;
  /** A RabbitMQ feed runs (AMQP_URL is set): events it has not published are never deleted. */
  keepUnfed?: boolean;
}

const DEFAULT_BATCH_SIZE = 500;
/** Batches one run moves at most, so one run of a scheduled tick stays short. */
const MAX_BATCHES_PER_RUN = 20;
const DEFAULT_RETENTION_MS = 7 * 86_400_000;
const PRUNE_LIMIT = 1_000;

/**
 * Moves outbox events to their publisher, oldest first, a batch per transaction: the events are
 * read and marked as handed on in the transaction that holds the relay lock, and `publish` runs
 * inside it. A failed publish (Redis down) rolls the batch back, so the events wait in Postgres
 * and go at the next run; a failed commit after a publish repeats that publish, which the publisher
 * absorbs. So side effects are delayed by an outage, never lost and never doubled.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly retentionMs: number;

  constructor(private readonly deps: OutboxRelayDeps) {
    this.batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
    this.retentionMs = deps.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  /** One run: returns how many events it handed on. */
  async relay(): Promise<number> {
    let relayed = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const moved = await this.relayBatch();
      relayed += Math.max(moved, 0);
      if (moved < this.batchSize) break;
    }
    if (relayed > 0) {
      this.deps.metrics.outboxRelayed.inc(relayed);
      this.deps.logger.debug({ relayed }, 'outbox relayed');
    }
    await this.deps.repository.prunePublished(new Date(Date.now() - this.retentionMs), PRUNE_LIMIT, { keepUnfed: this.deps.keepUnfed ?? false });
    return relayed;
  }

  /** Moves one batch; -1 when another relay holds the lock. */
  private relayBatch(): Promise<number> {
    const { repository, publisher } = this.deps;
    return this.deps.inTransaction(async (tx) => {
      if (!(await repository.tryLockRelay(tx))) return -1;
      const events = await repository.unpublished(tx, this.batchSize);
      if (events.length === 0) return 0;
      await publisher.publish(events);
      await repository.markPublished(
        tx,
        events.map((event) => event.id),
      );
      return events.length;
    });
  }
}
