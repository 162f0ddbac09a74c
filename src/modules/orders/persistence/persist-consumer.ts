import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { isDependencyUnavailable } from '../../../lib/infrastructure-errors.js';
import type { Metrics } from '../../../lib/metrics.js';
import type { PersistEntry, PersistStream } from '../../../redis/persist-stream.js';
import { type OrderSnapshot, parseSnapshot } from '../order-snapshot.js';
import type { OrderPersister } from './order-persister.js';

export interface PersistConsumerOptions {
  /** Most orders one read (and so one statement) takes. */
  batchSize: number;
  /** Batches one process writes at once, each read and written by a lane of its own. */
  lanes: number;
  /** How long an entry read by a consumer may go unacknowledged before another takes it over. */
  claimIdleMs: number;
  /** How long a read waits for new entries before looking for idle ones again. */
  blockMs: number;
  /** First retry delay of a batch Postgres could not take; it doubles up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface PersistConsumerDeps {
  /** One stream adapter per lane, each on a connection of its own: reads block. */
  streams: PersistStream[];
  persister: Pick<OrderPersister, 'persistBatch'>;
  metrics: Metrics;
  logger: Logger;
  options: PersistConsumerOptions;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The persist worker: reads accepted orders from the persist stream in batches, writes each batch in
 * one statement (OrderPersister), and acknowledges the entries only after the commit. A batch that
 * Postgres cannot take right now is retried with exponential backoff for as long as it takes; an
 * order waits in Redis, never lost, for the whole of a database outage. Entries a dead worker had read
 * are taken over by any live one once they have been idle for `claimIdleMs`, and its write, rolled
 * back with its connection, runs again: writes are idempotent on the order id.
 */
export class PersistConsumer {
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private running = false;
  private lanes: Promise<void>[] = [];
  private lastClaimAt = 0;

  constructor(private readonly deps: PersistConsumerDeps) {
    if (deps.streams.length < deps.options.lanes) throw new Error(`PersistConsumer needs ${deps.options.lanes} streams`);
  }

  async start(): Promise<void> {
    await this.deps.streams[0]!.ensureGroup();
    // Consumers of processes gone for a day hold nothing (their entries were taken over): forget them.
    await this.deps.streams[0]!.forgetIdleConsumers(86_400_000).catch(() => undefined);
    this.running = true;
    this.lanes = this.deps.streams.slice(0, this.deps.options.lanes).map((stream, lane) => this.run(stream, lane));
  }

  /** Stops reading; a batch being written finishes (or, mid-retry, is left pending for another worker). */
  async close(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes);
  }

  private async run(stream: PersistStream, lane: number): Promise<void> {
    const { batchSize, blockMs, claimIdleMs } = this.deps.options;
    let failures = 0;
    while (this.running) {
      try {
        let entries: PersistEntry[] = [];
        // One lane looks for entries dead consumers left behind, a few times per idle period.
        if (lane === 0 && Date.now() - this.lastClaimAt >= claimIdleMs / 4) {
          this.lastClaimAt = Date.now();
          entries = await stream.claimIdle(this.consumer, claimIdleMs, batchSize);
          if (entries.length > 0) this.deps.logger.warn({ entries: entries.length }, 'took over orders a stopped persist worker had read');
        }
        if (entries.length === 0) entries = await stream.readNew(this.consumer, batchSize, blockMs);
        failures = 0;
        if (entries.length > 0) await this.store(stream, entries);
      } catch (error) {
        // Redis unreachable: the read (or the acknowledgement) is tried again; nothing is lost.
        failures += 1;
        this.deps.logger.warn({ err: error, lane }, 'persist stream read failed; retrying');
        await sleep(this.backoff(failures));
      }
    }
  }

  /** Writes and acknowledges one batch, retrying for as long as Postgres refuses to take it. */
  private async store(stream: PersistStream, entries: PersistEntry[]): Promise<void> {
    const snapshots = entries.map((entry) => parseSnapshot(entry.snapshot)!);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.persister.persistBatch(snapshots);
        break;
      } catch (error) {
        const level = isDependencyUnavailable(error) ? 'warn' : 'error';
        this.deps.logger[level]({ err: error, orders: snapshots.length, attempt }, 'persisting a batch of orders failed; it will be retried');
        if (!this.running) return;
        await sleep(this.backoff(attempt));
        // Still ours: keep other workers from taking the entries over while we retry.
        await stream
          .touch(
            this.consumer,
            entries.map((entry) => entry.id),
          )
          .catch(() => undefined);
      }
    }
    await stream.ack(entries.map((entry, i) => ({ id: entry.id, orderId: (snapshots[i] as OrderSnapshot).id })));
    this.deps.metrics.persistBatchSize.observe(entries.length);
  }

  private backoff(attempt: number): number {
    const { retryBaseMs, retryMaxMs } = this.deps.options;
    return Math.min(retryBaseMs * 2 ** Math.max(0, attempt - 1), retryMaxMs);
  }
}
