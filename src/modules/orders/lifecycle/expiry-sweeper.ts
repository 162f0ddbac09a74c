import type { Logger } from 'pino';
import type { Metrics } from '../../../lib/metrics.js';
import type { StockStore } from '../../../redis/stock-store.js';
import { isSnapshotOf, parseSnapshot } from '../order-snapshot.js';
import type { OrdersRepository } from '../orders.repository.js';
import type { OrderTransitions } from './order-transitions.js';

const BATCH = 500;
/** Orders expired per transaction: few enough to keep its locks short. */
const EXPIRE_CHUNK = 100;
/** Reservations settled this many at a time: each costs a read of Postgres and a Redis call. */
const PARALLEL = 8;

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
}

export interface SweepReport {
  expired: number;
  settled: number;
  orphansReleased: number;
}

export interface ExpirySweeperDeps {
  orders: Pick<OrdersRepository, 'expiredPending' | 'findState'>;
  transitions: Pick<OrderTransitions, 'applyMany'>;
  stock: Pick<StockStore, 'dueReservations' | 'readReservation' | 'end'>;
  metrics: Metrics;
  logger: Logger;
  /** How long past its expiry a reservation whose order has no row waits before it may be released as an orphan. */
  orphanGraceMs: number;
}

/**
 * Runs every few seconds (a BullMQ job scheduler, so once per tick however many workers run):
 * expires PENDING orders past their expiry, then ends every Redis reservation that outlived its
 * order: the order already left PENDING (a crash between the Postgres step and the Redis step), or,
 * as a defence only, the order has no row and no hand-off that could still store one (an orphan).
 * A reservation whose order still waits in the persist stream (for example through a long Postgres
 * outage) is left alone: the order will be stored, and a later tick expires it.
 */
export class ExpirySweeper {
  constructor(private readonly deps: ExpirySweeperDeps) {}

  async sweep(now = Date.now()): Promise<SweepReport> {
    const { orders, transitions, stock, logger, orphanGraceMs } = this.deps;
    const report: SweepReport = { expired: 0, settled: 0, orphansReleased: 0 };
    const expired = await orders.expiredPending(new Date(now), BATCH);
    for (let start = 0; start < expired.length; start += EXPIRE_CHUNK) {
      const results = await transitions.applyMany(
        expired.slice(start, start + EXPIRE_CHUNK).map((orderId) => ({
          orderId,
          to: 'EXPIRED' as const,
          from: 'PENDING' as const,
          reason: 'reservation expired',
          actor: 'expiry' as const,
          // Listed without a lock: a payment started since may have extended the hold.
          heldUntilAtMost: new Date(now),
        })),
      );
      report.expired += results.filter((result) => result?.changed).length;
    }
    await inParallel(await stock.dueReservations(now - orphanGraceMs, BATCH), async (orderId) => {
      const outcome = await this.settle(orderId);
      if (outcome === 'settled') report.settled += 1;
      if (outcome === 'orphan') report.orphansReleased += 1;
    });
    if (report.expired + report.settled + report.orphansReleased > 0) logger.info(report, 'expiry sweep');
    return report;
  }

  private async settle(orderId: string): Promise<'settled' | 'orphan' | 'waiting'> {
    const { orders, stock, metrics, logger } = this.deps;
    const state = await orders.findState(orderId);
    if (!state) {
      // Refused atomically while the order's stream entry is pending or once it is stored.
      const result = await stock.end(orderId, 'orphan');
      if (result !== 'ended') return result === 'absent' ? 'settled' : 'waiting';
      metrics.stockReleases.inc({ mode: 'orphan' });
      logger.warn({ orderId }, 'released a reservation whose order has no row and no hand-off');
      return 'orphan';
    }
    if (state.status === 'PENDING') return 'waiting';
    const snapshot = parseSnapshot(await stock.readReservation(orderId));
    if (!snapshot) return 'settled';
    // Units are consumed only for the reservation the confirmed order was made from.
    const mode = isSnapshotOf(snapshot, state.createdAt) && state.confirmedAt ? 'consume' : 'release';
    if ((await stock.end(orderId, mode)) === 'ended') metrics.stockReleases.inc({ mode });
    return 'settled';
  }
}
