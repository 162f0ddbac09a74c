import type { Logger } from 'pino';
import type { InTransaction } from '../../../db/database.js';
import { isPermanentDataError, isSqlState, SqlState } from '../../../db/postgres-errors.js';
import { Coalescer } from '../../../lib/coalescer.js';
import type { Metrics } from '../../../lib/metrics.js';
import type { CartStore } from '../../../redis/cart-store.js';
import type { StockStore } from '../../../redis/stock-store.js';
import type { DeadLetter } from '../../failed-jobs/dead-letter.js';
import { publishOrderUpdate, publishToConnectedOwners } from '../../realtime/order-updates.js';
import type { Realtime } from '../../realtime/realtime.js';
import { isSnapshotOf, type OrderSnapshot, parseSnapshot } from '../order-snapshot.js';
import type { OrdersRepository } from '../orders.repository.js';
import { MissingLedgerRowError, type OrderWrite, type OrderWritesRepository } from './order-writes.repository.js';

/** The dead letter of an accepted order Postgres refuses to store at all. */
function unstorableLetter(snapshot: OrderSnapshot, error: Error): DeadLetter {
  return {
    dedupeKey: `persistence:order:${snapshot.id}`,
    queue: 'persistence',
    name: 'persist-order',
    jobId: snapshot.id,
    payload: snapshot,
    reason: `accepted order ${snapshot.id} cannot be stored: ${error.message}`,
    stack: error.stack ?? null,
    attempts: 1,
    failedAt: new Date().toISOString(),
  };
}

export type PersistOutcome = 'persisted' | 'already-persisted' | 'refused-by-ledger' | 'reservation-lost' | 'unstorable';

export interface OrderPersisterDeps {
  inTransaction: InTransaction;
  writes: Pick<OrderWritesRepository, 'insert'>;
  orders: Pick<OrdersRepository, 'findState'>;
  stock: Pick<StockStore, 'claim' | 'end' | 'readReservation'>;
  /**
   * Where an accepted order goes that Postgres will not store even as FAILED: a dead letter for the
   * admins (its snapshot and Postgres's reason), so the orders behind it are stored.
   */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
  /**
   * Tells an order's owner that the order it was answered 202 PENDING for is FAILED after all
   * (`order:update`), as OrderTransitions does for every other change; none in unit specs.
   */
  realtime?: Realtime;
  /** Whose sockets are connected: a stored order is announced (PENDING) only to owners online. */
  presence?: Pick<CartStore, 'orderAudience'>;
}

/** The most orders one out-of-stream batch writes. */
const OUT_OF_STREAM_BATCH = 200;

const REASONS = {
  drift: 'the stock ledger refused the reservation (stock drift)',
  unstorable: 'the order could not be stored',
  noLedgerRow: 'the order names a product without a stock ledger row',
  lost: 'the reservation was released before the order was stored',
} as const;

/**
 * Writes accepted orders to Postgres, holding their stock: a batch from the persist stream in one
 * statement and one commit, or one order on its own (a cancel or admin change that arrives before the
 * stream's turn). Every accepted order ends with a row: PENDING, or FAILED with the reason when it
 * cannot hold its stock or cannot be stored as given. Only faults (Postgres unreachable) are thrown;
 * the caller retries them.
 */
export class OrderPersister {
  /**
   * The orders written outside the stream in one event-loop turn, as one batch; while one batch is
   * in flight the next gathers. Buyers who start paying the moment their order is accepted would
   * otherwise each take the hot SKU's ledger row in a transaction of their own, one after another.
   */
  private readonly outOfStream: Coalescer<OrderSnapshot, PersistOutcome>;

  constructor(private readonly deps: OrderPersisterDeps) {
    this.outOfStream = new Coalescer((snapshots) => this.persistOutOfStream(snapshots), { maxBatch: OUT_OF_STREAM_BATCH, maxInFlight: 1 });
  }

  /**
   * Writes a batch as one statement. When Postgres refuses it (data it cannot store, a ledger CHECK,
   * a SKU without a ledger row) without saying which order, the batch is halved until the refused
   * orders are alone, so only those fail. Answers one outcome per snapshot, in order; an order twice
   * in the batch is written once.
   */
  async persistBatch(snapshots: OrderSnapshot[]): Promise<PersistOutcome[]> {
    const distinct = [...new Map(snapshots.map((snapshot) => [snapshot.id, snapshot])).values()];
    const outcomes = await this.writeHeld(distinct);
    for (const snapshot of distinct) {
      if (outcomes.get(snapshot.id) === 'already-persisted') await this.dropDuplicateReservation(snapshot);
    }
    this.count(outcomes);
    await this.announcePlaced(distinct.filter((snapshot) => outcomes.get(snapshot.id) === 'persisted'));
    const answered = new Set<string>();
    return snapshots.map((snapshot) => {
      const outcome = outcomes.get(snapshot.id)!;
      if (answered.has(snapshot.id)) return outcome === 'persisted' ? 'already-persisted' : outcome;
      answered.add(snapshot.id);
      return outcome;
    });
  }

  /**
   * Writes one order now, outside the stream (with the others asked for in the same turn). It claims
   * the reservation first, so the sweeper can no longer release it as an orphan; with no reservation
   * left to claim, the order is recorded as FAILED instead of holding stock that was given back.
   */
  persist(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    return this.outOfStream.submit(snapshot);
  }

  private async persistOutOfStream(snapshots: OrderSnapshot[]): Promise<(PersistOutcome | Promise<PersistOutcome>)[]> {
    const claimed = await Promise.all(snapshots.map((snapshot) => this.deps.stock.claim(snapshot.id)));
    const held = snapshots.filter((_, i) => claimed[i]);
    const heldOutcomes = held.length > 0 ? await this.persistBatch(held) : [];
    let next = 0;
    return snapshots.map((snapshot, i) => (claimed[i] ? heldOutcomes[next++]! : this.persistLost(snapshot)));
  }

  /** An order whose reservation was released before it was stored: FAILED, holding nothing. */
  private async persistLost(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    const written = await this.write([this.surelyStorable(snapshot)], { status: 'FAILED', reason: REASONS.lost });
    if (written.size > 0) this.announceFailed(snapshot, REASONS.lost);
    const outcome: PersistOutcome = written.size > 0 ? 'reservation-lost' : 'already-persisted';
    this.count(new Map([[snapshot.id, outcome]]));
    return outcome;
  }

  /**
   * Records an accepted order that cannot go on as FAILED, with only what is sure to be storable
   * (`surelyStorable`),
   * and ends its reservation: `consume` when the ledger refused its units (the gate was too high by
   * at least that much, so they must not come back), `release` otherwise. A consume comes first: once
   * the FAILED row exists, a Redis step lost after it (a dropped connection, a crash) is finished by
   * the sweeper from the order's status, which releases, and would put the over-admitted units back
   * on sale. Lost before the row, the batch is delivered again and refused again.
   */
  async recordFailed(snapshot: OrderSnapshot, reason: string, mode: 'release' | 'consume'): Promise<PersistOutcome> {
    if (mode === 'consume') await this.deps.stock.end(snapshot.id, 'consume');
    let written: Set<string>;
    try {
      written = await this.write([this.surelyStorable(snapshot)], { status: 'FAILED', reason });
    } catch (error) {
      if (!isPermanentDataError(error)) throw error;
      // Retried, it would be refused for ever, and hold up every order behind it in its lane.
      await this.deps.deadLetter(unstorableLetter(snapshot, error as Error));
      this.deps.logger.error({ orderId: snapshot.id, err: error }, 'accepted order cannot be stored even as FAILED: kept as a dead letter');
      await this.deps.stock.end(snapshot.id, mode);
      return 'unstorable';
    }
    if (written.size === 0) return 'already-persisted';
    this.announceFailed(snapshot, reason);
    if (mode === 'release') await this.deps.stock.end(snapshot.id, mode);
    return mode === 'consume' ? 'refused-by-ledger' : 'unstorable';
  }

  /**
   * Tells the owners of orders just stored (PENDING, at the time of their first history entry), on
   * every device, that the order exists: the device that placed it had the 202, the others learn it
   * here. Only owners with a socket connected somewhere: every API instance decodes every push, and
   * persistence stores thousands of orders a second in a sale. A push that cannot be sent is not
   * worth failing the batch for: the order is stored, and a device sees it on its next read.
   */
  private async announcePlaced(stored: OrderSnapshot[]): Promise<void> {
    const { realtime, presence, logger } = this.deps;
    if (!realtime || !presence) return;
    try {
      const changes = stored.map((snapshot) => ({
        userId: snapshot.userId,
        orderId: snapshot.id,
        status: 'PENDING',
        at: new Date(snapshot.createdAt),
        actor: 'customer' as const,
      }));
      await publishToConnectedOwners(realtime, presence, changes);
    } catch (error) {
      logger.warn({ err: error, orders: stored.length }, 'could not announce stored orders to their owners');
    }
  }

  /**
   * The client was answered 202 PENDING; the row just committed says FAILED (its history PENDING,
   * then FAILED with the reason). Told after the commit, so a push never announces what Postgres
   * does not hold.
   */
  private announceFailed(snapshot: OrderSnapshot, reason: string): void {
    if (!this.deps.realtime) return;
    publishOrderUpdate(this.deps.realtime, {
      userId: snapshot.userId,
      orderId: snapshot.id,
      status: 'FAILED',
      at: new Date(),
      actor: 'system',
      reason,
    });
  }

  private write(snapshots: OrderSnapshot[], write: OrderWrite): Promise<Set<string>> {
    return this.deps.inTransaction((tx) => this.deps.writes.insert(tx, snapshots, write));
  }

  private async writeHeld(group: OrderSnapshot[]): Promise<Map<string, PersistOutcome>> {
    try {
      const inserted = await this.write(group, { status: 'PENDING' });
      return new Map(group.map(({ id }) => [id, inserted.has(id) ? 'persisted' : 'already-persisted']));
    } catch (error) {
      if (!isPermanentDataError(error) && !(error instanceof MissingLedgerRowError)) throw error;
      if (group.length === 1) return new Map([[group[0]!.id, await this.refused(group[0]!, error)]]);
      const half = Math.ceil(group.length / 2);
      const first = await this.writeHeld(group.slice(0, half));
      const second = await this.writeHeld(group.slice(half));
      return new Map([...first, ...second]);
    }
  }

  /** One order Postgres refused to hold: it ends as FAILED instead of being retried. */
  private refused(snapshot: OrderSnapshot, error: unknown): Promise<PersistOutcome> {
    // The ledger refused: Redis had admitted units Postgres does not have.
    if (isSqlState(error, SqlState.CHECK_VIOLATION)) return this.recordFailed(snapshot, REASONS.drift, 'consume');
    if (error instanceof MissingLedgerRowError) return this.recordFailed(snapshot, REASONS.noLedgerRow, 'release');
    this.deps.logger.error({ orderId: snapshot.id, err: error }, 'accepted order cannot be stored as given');
    return this.recordFailed(snapshot, REASONS.unstorable, 'release');
  }

  /**
   * What of a failed order is sure to be storable: not its shipping address (free text, what
   * Postgres refuses when it refuses an order's data), but its customer's email address, checked as
   * one when the order was placed, so that the buyer can be told the order was not taken.
   */
  private surelyStorable(snapshot: OrderSnapshot): OrderSnapshot {
    return { ...snapshot, shippingAddress: null };
  }

  private count(outcomes: Map<string, PersistOutcome>): void {
    for (const [orderId, outcome] of outcomes) {
      if (outcome === 'persisted') this.deps.metrics.ordersPersisted.inc({ status: 'PENDING' });
      if (outcome === 'reservation-lost' || outcome === 'refused-by-ledger' || outcome === 'unstorable') {
        this.deps.metrics.ordersPersisted.inc({ status: 'FAILED' });
        this.deps.logger.error({ orderId, outcome }, 'accepted order could not hold its stock and failed');
      }
    }
  }

  /**
   * The order id comes from (user, Idempotency-Key). Once Redis has forgotten a key (after its TTL,
   * or an orphan release), the same key reserves again under the same id: that reservation belongs
   * to no order, so its units go back.
   */
  private async dropDuplicateReservation(snapshot: OrderSnapshot): Promise<void> {
    const stored = await this.deps.orders.findState(snapshot.id);
    if (!stored || isSnapshotOf(snapshot, stored.createdAt)) return;
    // Only the reservation this snapshot describes: it must still be the one in Redis.
    const live = parseSnapshot(await this.deps.stock.readReservation(snapshot.id));
    if (live?.createdAt !== snapshot.createdAt) return;
    if ((await this.deps.stock.end(snapshot.id, 'release')) === 'ended') {
      this.deps.logger.warn({ orderId: snapshot.id }, 'released a second reservation made with a forgotten Idempotency-Key');
    }
  }
}
