import { setTimeout as sleep } from 'node:timers/promises';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import { sql } from 'kysely';
import type { Db, Tx } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { within } from '../../lib/within.js';
import { declareFeedTopology, type FeedTopology } from './feed-topology.js';

/** One event the feed carries, as its source (the outbox) holds it. */
export interface FeedEvent {
  /** Increasing in the order the events were written: the feed publishes in this order. */
  id: number;
  /** The routing key, e.g. `order.confirmed`, `stock.changed`. */
  type: string;
  /** The order id or SKU the event is about. */
  subject: string;
  payload: unknown;
  occurredAt: Date;
}

/**
 * Where the feed reads events from: those it has not published yet, in id order, and marking them
 * published. A mark rather than a cursor over ids: ids are taken when rows are inserted and rows
 * commit in another order, so a cursor could pass an id whose row commits later and never see it.
 * Events of one order commit in id order (each change locks the order's row), so reading in id
 * order keeps every order's events in order.
 */
export interface FeedSource {
  unpublished(tx: Tx, limit: number): Promise<FeedEvent[]>;
  markPublished(tx: Tx, ids: readonly number[]): Promise<void>;
}

export interface FeedPublisherDeps {
  db: Db;
  source: FeedSource;
  amqpUrl: string;
  topology: FeedTopology;
  logger: Logger;
  batchSize?: number;
  /** How long an idle publisher waits before looking for new events. */
  pollMs?: number;
  /** Longest wait between two attempts while RabbitMQ is away. */
  retryMaxMs?: number;
  /** Longest wait for the broker to confirm a batch; default 30 s. */
  confirmTimeoutMs?: number;
}

/** The advisory lock that makes publishers in several processes take turns. */
const FEED_LOCK = 'flashcart:rabbitmq-feed';
const DEFAULT_BATCH_SIZE = 500;
/** Longest wait for the broker to accept a connection: an unreachable host fails the attempt rather than hanging it. */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Longest wait for the broker to confirm a batch. A broker under a memory or disk alarm stops
 * reading from publishers without closing their connections (and without heartbeats failing), so
 * confirms may never come; the batch's Postgres transaction and the feed's lock are held meanwhile.
 */
const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
/** Longest wait for the broker to acknowledge a close before the socket is cut. */
const CLOSE_TIMEOUT_MS = 2_000;

/** Only order and stock events go out on the feed. */
const FED_TYPES = /^(order|stock)\./;

/**
 * Publishes the events of its source to a RabbitMQ topic exchange, in id order, each persistent
 * and confirmed by the broker. A batch is marked published only once the broker has confirmed every
 * message of it, in the transaction that holds the feed's lock, so:
 *
 * - RabbitMQ away (or refusing) delays the feed and loses nothing: the batch is published again;
 * - several publishers (one per worker process) never interleave: one holds the lock, the others
 *   skip their turn;
 * - delivery is at least once: a commit that fails after the broker confirmed publishes that batch
 *   again, and consumers tell repeats by `messageId` (the event id).
 */
export class FeedPublisher {
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: FeedPublisherDeps) {}

  /** Publishes in the background until closed. */
  start(): void {
    this.running ??= this.run();
  }

  /** Publishes what is pending now, up to one batch; returns how many events it published. */
  async publishPending(): Promise<number> {
    return (await this.publishBatch()).fed;
  }

  /** One batch: how many events it read (and marked) and how many of them went to the broker. */
  private async publishBatch(): Promise<{ read: number; fed: number }> {
    const { db, source, topology } = this.deps;
    const batchSize = this.deps.batchSize ?? DEFAULT_BATCH_SIZE;
    // Connected before the transaction, so a broker that is slow to answer holds no Postgres connection.
    const channel = await this.openChannel();
    return db.transaction().execute(async (tx) => {
      const lock = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${FEED_LOCK})) AS locked`.execute(tx);
      if (!lock.rows[0]!.locked) return { read: 0, fed: 0 };
      const events = await source.unpublished(tx, batchSize);
      if (events.length === 0) return { read: 0, fed: 0 };
      const fed = events.filter((event) => FED_TYPES.test(event.type));
      for (const event of fed) {
        const body = Buffer.from(
          JSON.stringify({ id: event.id, type: event.type, subject: event.subject, occurredAt: event.occurredAt, payload: event.payload }),
        );
        channel.publish(topology.exchange, event.type, body, {
          persistent: true,
          contentType: 'application/json',
          messageId: String(event.id),
          type: event.type,
          timestamp: Math.floor(event.occurredAt.getTime() / 1_000),
          headers: { subject: event.subject },
        });
      }
      try {
        await within(channel.waitForConfirms(), this.deps.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS, 'no confirmation from RabbitMQ');
      } catch (error) {
        // Nothing is marked: the batch goes again, on a new connection (at least once, as above).
        await this.dropConnection();
        throw error;
      }
      await source.markPublished(
        tx,
        events.map((event) => event.id),
      );
      return { read: events.length, fed: fed.length };
    });
  }

  private async run(): Promise<void> {
    const { logger } = this.deps;
    const pollMs = this.deps.pollMs ?? 500;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      let read = 0;
      try {
        ({ read } = await this.publishBatch());
        if (failures > 0) logger.info({ after: failures }, 'event feed publishing again');
        failures = 0;
      } catch (error) {
        failures += 1;
        await this.dropConnection();
        const level = failures === 1 ? 'warn' : 'debug';
        logger[level]({ err: error, attempt: failures }, 'event feed could not publish; it will try again (nothing is lost)');
      }
      if (read > 0) continue;
      const wait = failures === 0 ? pollMs : Math.min(250 * 2 ** (failures - 1), this.deps.retryMaxMs ?? 15_000);
      await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private async openChannel(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const connection = await connect(this.deps.amqpUrl, { timeout: CONNECT_TIMEOUT_MS });
    // Without listeners, a lost connection's 'error' would end the process; the next publish reconnects.
    connection.on('error', (error) => this.deps.logger.warn({ err: error }, 'RabbitMQ connection error'));
    connection.on('close', () => {
      if (this.connection === connection) {
        this.connection = undefined;
        this.channel = undefined;
      }
    });
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', (error) => this.deps.logger.warn({ err: error }, 'RabbitMQ channel error'));
      await declareFeedTopology(channel, this.deps.topology);
      this.connection = connection;
      this.channel = channel;
      return channel;
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  private async dropConnection(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    if (!connection) return;
    // A broker that stopped answering never acknowledges the close either: then the socket is cut,
    // and amqplib closes its channels as for a lost connection.
    await within(connection.close(), CLOSE_TIMEOUT_MS).catch(() => socketOf(connection)?.destroy(new Error('RabbitMQ did not answer the close')));
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.dropConnection();
  }
}

/**
 * The socket under an amqplib connection. amqplib offers no way to end a connection without the
 * broker's part of the closing handshake, so this reaches its `stream`, which it does not type.
 */
function socketOf(connection: ChannelModel): { destroy(error?: Error): void } | undefined {
  const stream = (connection.connection as { stream?: { destroy?: unknown } }).stream;
  return typeof stream?.destroy === 'function' ? (stream as { destroy(error?: Error): void }) : undefined;
}
