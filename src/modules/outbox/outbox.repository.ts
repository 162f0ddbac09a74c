import { sql } from 'kysely';
import { type Db, prepareOnce, type RidingWrite, runWrites, type Tx } from '../../db/database.js';
import type { NewOutboxEvent, OutboxRecord } from './outbox-events.js';

/** Identifies the relay's advisory lock among any others the database's users take. */
const RELAY_LOCK_KEY = 0x6f7574626f78; // "outbox"

/**
 * The outbox table: events appended inside the transaction that makes them true, read in id order
 * by one relay at a time, and marked once they are handed on. The relay's and the feed's statements
 * run every few milliseconds under load, with fixed texts: they are prepared (`prepareOnce`).
 */
export class OutboxRepository {
  constructor(private readonly db: Db) {}

  /** Appends events inside the caller's transaction, in the order given. */
  async append(tx: Tx, events: readonly NewOutboxEvent[]): Promise<void> {
    if (events.length > 0) await runWrites(tx, [this.appending(events)]);
  }

  /**
   * Appends events, in the order given (their ids follow it), as a write that rides in another
   * statement (`outbox_appended`): a transaction that already sends a statement adds its events to
   * it rather than sending one more.
   */
  appending(events: readonly NewOutboxEvent[]): RidingWrite {
    const rows = events.map((event) => ({ orderId: event.orderId, type: event.type, payload: event.payload }));
    return sql`outbox_appended AS (
      INSERT INTO outbox (order_id, event_type, payload)
      SELECT e."orderId", e.type, e.payload
      FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS ("orderId" uuid, type text, payload jsonb))
        WITH ORDINALITY AS e("orderId", type, payload, position)
      ORDER BY e.position
    )`;
  }

  /**
   * Takes the relay's lock for the rest of the transaction; false when another relay holds it. One
   * relay at a time is what keeps events in id order on their way out.
   */
  async tryLockRelay(tx: Tx): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`${prepareOnce}SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}::bigint) AS locked`.execute(tx);
    return rows[0]?.locked === true;
  }

  /** The oldest events not yet handed on, in id order. */
  unpublished(tx: Tx, limit: number): Promise<OutboxRecord[]> {
    return this.oldestWithout(tx, 'published_at', limit);
  }

  async markPublished(tx: Tx, ids: readonly number[]): Promise<void> {
    await this.mark(tx, 'published_at', ids);
  }

  /**
   * The oldest events the RabbitMQ feed has not published, in id order. The feed keeps its own mark
   * (fed_at), apart from the relay's: each consumer moves at its own pace, and neither waits for the
   * other.
   */
  unfed(tx: Tx, limit: number): Promise<OutboxRecord[]> {
    return this.oldestWithout(tx, 'fed_at', limit);
  }

  async markFed(tx: Tx, ids: readonly number[]): Promise<void> {
    await this.mark(tx, 'fed_at', ids);
  }

  /** The oldest events without a mark (the relay's or the feed's), in id order. */
  private async oldestWithout(tx: Tx, mark: 'published_at' | 'fed_at', limit: number): Promise<OutboxRecord[]> {
    const { rows } = await sql<{ id: number; orderId: string | null; eventType: string; payload: unknown; createdAt: Date }>`${prepareOnce}
      SELECT id, order_id AS "orderId", event_type AS "eventType", payload, created_at AS "createdAt"
      FROM outbox WHERE ${sql.ref(mark)} IS NULL ORDER BY id LIMIT ${limit}
    `.execute(tx);
    return rows.map(
      (row) =>
        ({ id: row.id, type: row.eventType, orderId: row.orderId, payload: row.payload, createdAt: row.createdAt.toISOString() }) as OutboxRecord,
    );
  }

  /**
   * Sets a mark on events, locking them in id order: the relay and the feed mark the same rows, and
   * two transactions locking them in different orders could deadlock.
   */
  private async mark(tx: Tx, column: 'published_at' | 'fed_at', ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`${prepareOnce}
      UPDATE outbox SET ${sql.ref(column)} = now()
      WHERE id IN (SELECT id FROM outbox WHERE id = ANY(${[...ids]}::bigint[]) ORDER BY id FOR UPDATE)
    `.execute(tx);
  }

  /** Events waiting to be handed on. */
  async backlog(): Promise<number> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('publishedAt', 'is', null)
      .executeTakeFirstOrThrow();
    return row.count;
  }

  /** Events the RabbitMQ feed has yet to publish: how far behind it is. */
  async feedBacklog(): Promise<number> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('fedAt', 'is', null)
      .executeTakeFirstOrThrow();
    return row.count;
  }

  /**
   * Deletes up to `limit` events handed on before `before`; returns how many. With `keepUnfed` (a
   * feed runs), an event the feed has not published stays, however old: a RabbitMQ outage delays
   * the feed and must not lose it.
   */
  async prunePublished(before: Date, limit: number, options: { keepUnfed: boolean }): Promise<number> {
    const result = await sql`
      DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox
        WHERE published_at < ${before} AND (fed_at IS NOT NULL OR NOT ${options.keepUnfed})
        ORDER BY published_at LIMIT ${limit}
      )
    `.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
