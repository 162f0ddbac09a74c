import { sql } from 'kysely';
import type { Db, Tx } from '../../db/database.js';
import type { NewOutboxEvent, OutboxRecord } from './outbox-events.js';

/** Identifies the relay's advisory lock among any others the database's users take. */
const RELAY_LOCK_KEY = 0x6f7574626f78; // "outbox"

/**
 * The outbox table: events appended inside the transaction that makes them true, read in id order
 * by one relay at a time, and marked once they are handed on.
 */
export class OutboxRepository {
  constructor(private readonly db: Db) {}

  /** Appends events inside the caller's transaction, in the order given. */
  async append(tx: Tx, events: readonly NewOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx
      .insertInto('outbox')
      .values(events.map((event) => ({ orderId: event.orderId, eventType: event.type, payload: JSON.stringify(event.payload) })))
      .execute();
  }

  /**
   * Takes the relay's lock for the rest of the transaction; false when another relay holds it. One
   * relay at a time is what keeps events in id order on their way out.
   */
  async tryLockRelay(tx: Tx): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}::bigint) AS locked`.execute(tx);
    return rows[0]?.locked === true;
  }

  /** The oldest events not yet handed on, in id order. */
  async unpublished(tx: Tx, limit: number): Promise<OutboxRecord[]> {
    const rows = await tx
      .selectFrom('outbox')
      .select(['id', 'orderId', 'eventType', 'payload', 'createdAt'])
      .where('publishedAt', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(
      (row) =>
        ({ id: row.id, type: row.eventType, orderId: row.orderId, payload: row.payload, createdAt: row.createdAt.toISOString() }) as OutboxRecord,
    );
  }

  async markPublished(tx: Tx, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.updateTable('outbox').set({ publishedAt: sql`now()` }).where('id', 'in', ids).execute();
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

  /** Deletes up to `limit` events handed on before `before`; returns how many. */
  async prunePublished(before: Date, limit: number): Promise<number> {
    const result = await sql`
      DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE published_at < ${before} ORDER BY published_at LIMIT ${limit}
      )
    `.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
