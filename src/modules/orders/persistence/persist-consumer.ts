import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
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

/** Redis's answer to a read of a group that does not exist, or of a stream that does not. */
const isMissingGroup = (error: unknown) => error instanceof Error && error.message.startsWith('NOGROUP');

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
  /** Aborted by `close`, which so ends a backoff wait at once (it reaches 15 s through a long outage). */
  private readonly closing = new AbortController();

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
    this.closing.abort();
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
        failures += 1;
        if (isMissingGroup(error)) await this.recreateGroup(stream, lane);
        // Redis unreachable: the read (or the acknowledgement) is tried again; nothing is lost.
        else this.deps.logger.warn({ err: error, lane }, 'persist stream read failed; retrying');
        await this.pause(this.backoff(failures));
      }
    }
  }

  /**
   * The consumer group is gone when Redis came back empty (one without persistence restarted, a
   * failover to an empty replica): the orders it held are lost with it, but those accepted since
   * are in a new stream that no group reads, so the group is made again (from the stream's start).
   * Redis unreachable meanwhile: the next read fails again and comes back here.
   */
  private async recreateGroup(stream: PersistStream, lane: number): Promise<void> {
    this.deps.logger.warn({ lane }, 'the persist stream has no consumer group (Redis lost its data?): creating it again');
    await stream.ensureGroup().catch(() => undefined);
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
        await this.pause(this.backoff(attempt));
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

  /** Waits `ms`, or until `close`. */
  private pause(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.closing.signal, ref: false }).catch(() => undefined);
  }

  private backoff(attempt: number): number {
    const { retryBaseMs, retryMaxMs } = this.deps.options;
    return Math.min(retryBaseMs * 2 ** Math.max(0, attempt - 1), retryMaxMs);
  }
}
