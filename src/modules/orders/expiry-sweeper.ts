import type { Logger } from 'pino';
import type { JobQueues } from '../../jobs/job-queues.js';
import type { Metrics } from '../../lib/metrics.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { OrderPersister } from './order-persister.js';
import type { OrderTransitions } from './order-transitions.js';
import type { OrdersRepository } from './orders.repository.js';
import { isSnapshotOf, parseSnapshot } from './orders.types.js';

const BATCH = 500;
/** Transitions run this many at a time: each is one short transaction and one Redis call. */
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

/**
 * Runs every few seconds (a BullMQ job scheduler, so once per tick however many workers run):
 * expires PENDING orders past their expiry, then ends every Redis reservation that outlived its
 * order: the order already left PENDING (a crash between the Postgres step and the Redis step), or
 * the order never reached Postgres and never will (the API died before enqueueing its persist job).
 */
export class ExpirySweeper {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly transitions: OrderTransitions,
    private readonly persister: OrderPersister,
    private readonly stock: StockStore,
    private readonly queues: JobQueues,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly orphanGraceMs: number,
  ) {}

  async sweep(now = Date.now()): Promise<SweepReport> {
    const report: SweepReport = { expired: 0, settled: 0, orphansReleased: 0 };
    await inParallel(await this.orders.expiredPending(new Date(now), BATCH), async (orderId) => {
      const result = await this.transitions.apply(orderId, 'EXPIRED', { from: 'PENDING', reason: 'reservation expired' });
      if (result.changed) report.expired += 1;
    });
    await inParallel(await this.stock.dueReservations(now - this.orphanGraceMs, BATCH), async (orderId) => {
      const outcome = await this.settle(orderId);
      if (outcome === 'settled') report.settled += 1;
      if (outcome === 'orphan') report.orphansReleased += 1;
    });
    if (report.expired + report.settled + report.orphansReleased > 0) this.logger.info(report, 'expiry sweep');
    return report;
  }

  private async settle(orderId: string): Promise<'settled' | 'orphan' | 'waiting'> {
    let state = await this.orders.findState(orderId);
    if (!state) {
      const job = await this.queues.getJob('persist-order', orderId);
      if (job && (await job.isFailed())) {
        // The job gave up (hours of retries): the order still gets its row, FAILED, and its units back.
        const snapshot = parseSnapshot(await this.stock.readReservation(orderId));
        if (!snapshot) return 'waiting';
        await this.persister.recordFailed(snapshot, 'the order could not be stored in time', 'release');
        return 'settled';
      }
      if (job && !(await job.isCompleted())) return 'waiting';
      // The job may have finished between the two look-ups.
      state = await this.orders.findState(orderId);
      if (!state) {
        const result = await this.stock.end(orderId, 'orphan');
        if (result !== 'ended') return 'waiting';
        this.metrics.stockReleases.inc({ mode: 'orphan' });
        this.logger.warn({ orderId }, 'released a reservation whose order was never enqueued');
        return 'orphan';
      }
    }
    if (state.status === 'PENDING') return 'waiting';
    const snapshot = parseSnapshot(await this.stock.readReservation(orderId));
    if (!snapshot) return 'settled';
    // Units are consumed only for the reservation the confirmed order was made from.
    const mode = isSnapshotOf(snapshot, state.createdAt) && state.confirmedAt ? 'consume' : 'release';
    if ((await this.stock.end(orderId, mode)) === 'ended') this.metrics.stockReleases.inc({ mode });
    return 'settled';
  }
}
