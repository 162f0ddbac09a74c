import type { Logger } from 'pino';
import type { InTransaction, RidingWrite, Tx } from '../../../db/database.js';
import type { Actor, OrderStatus } from '../../../db/schema.js';
import { notFound } from '../../../lib/errors.js';
import type { Metrics } from '../../../lib/metrics.js';
import type { CartStore } from '../../../redis/cart-store.js';
import type { ReleaseMode, StockStore } from '../../../redis/stock-store.js';
import type { InventoryRepository, LedgerMoves } from '../../inventory/inventory.repository.js';
import type { OutboxRepository } from '../../outbox/outbox.repository.js';
import type { NewOutboxEvent } from '../../outbox/outbox-events.js';
import { publishToConnectedOwners } from '../../realtime/order-updates.js';
import type { Realtime } from '../../realtime/realtime.js';
import type { OrdersRepository, StatusChange } from '../orders.repository.js';

export interface OrderTransitionsDeps {
  inTransaction: InTransaction;
  orders: Pick<OrdersRepository, 'lockStates' | 'changeStatuses'>;
  inventory: Pick<InventoryRepository, 'settle'>;
  outbox: Pick<OutboxRepository, 'appending'>;
  stock: Pick<StockStore, 'end'>;
  metrics: Metrics;
  logger: Logger;
  /** The commit time of a batch, for its events; a spec may fix it. */
  now?: () => Date;
  /** Tells each order's owner of its committed change (`order:update`); none in unit specs. */
  realtime?: Realtime;
  /** Which owners have a socket connected somewhere: only those are told (see `announce`); without it, every owner is. */
  presence?: Pick<CartStore, 'orderAudience'>;
}

/**
 * The order state machine: which status may follow which (API.md's). An order that could not be
 * stored or held is written FAILED by persistence, with PENDING before it in its history; no
 * transition takes a PENDING order there, an admin's included.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED', 'EXPIRED'],
  CONFIRMED: ['FULFILLED', 'FAILED'],
  FULFILLED: [],
  CANCELLED: [],
  EXPIRED: [],
  FAILED: [],
};

export type StockEffect = 'release' | 'sell' | 'none';

/** Leaving PENDING either sells the reserved units or gives them back. */
function stockEffect(from: OrderStatus, to: OrderStatus): StockEffect {
  if (from !== 'PENDING') return 'none';
  return to === 'CONFIRMED' ? 'sell' : 'release';
}

/** One status change someone asks for. */
export interface TransitionRequest {
  orderId: string;
  to: OrderStatus;
  /** Only from this status (a cancel, an expiry, a payment: PENDING); unset, from whatever the state machine allows. */
  from?: OrderStatus;
  reason?: string | undefined;
  actor: Actor;
  /**
   * Only if the order's hold ended by then (an expiry): read under the order's lock, so a hold that
   * a payment start extended after the sweeper listed the order is not expired.
   */
  heldUntilAtMost?: Date;
}

export type TransitionResult = { changed: true; status: OrderStatus } | { changed: false; status: OrderStatus };

/**
 * Stages status changes inside the caller's transaction; call it once per transaction. Answers one
 * result per request, in order: undefined where there is no such order. A request for an order an
 * earlier request of the same call changed is judged against the new status, and left unchanged.
 * `alongside` gets those results before anything is written and returns the caller's own writes
 * that follow from them (a webhook's outcome), sent in the statement that changes the orders.
 */
export type StageTransitions = (
  requests: readonly TransitionRequest[],
  alongside?: (results: readonly (TransitionResult | undefined)[]) => readonly RidingWrite[],
) => Promise<(TransitionResult | undefined)[]>;

interface RedisStep {
  orderId: string;
  mode: ReleaseMode;
}

export interface TransactionOptions {
  /**
   * Answer once the transaction has committed and the released stock is back in its gates, without
   * waiting for the Redis step of the sold orders: dropping a reservation whose stock is sold
   * changes nothing a reader sees (the gate already counts those units out), and a step that is
   * lost is finished by the sweeper from the order's status, as after a crash. For the payment
   * webhooks, whose answers set how soon the next ones come (bench/webhooks.ts).
   */
  consumeAfterAnswer?: boolean;
}

/** What one transaction's stage left for its end: the ledger moves, and the Redis steps after the commit. */
interface Staged {
  staged: boolean;
  moves: LedgerMoves;
  steps: RedisStep[];
  /** What each order's owner is told once the transaction has committed. */
  updates: { userId: string; orderId: string; status: OrderStatus; reason: string | null; actor: Actor; at: string }[];
}

/**
 * The only way an order changes status. A batch of changes is one transaction: the orders are
 * locked in id order and each is moved only from the status read under that lock (`WHERE status =
 * <current>`), with its history entry (and who made the change) and an outbox event; last, just
 * before the commit, the SKUs' ledger rows locked and one ledger update per SKU for the whole
 * batch, so a hot SKU's ledger row is held only for those two statements and the commit; after the
 * commit, the Redis step of each order (its reservation consumed or released). Of racing callers
 * on one order exactly one changes it; the others are told the status they lost to. `apply` is the
 * batch of one.
 */
export class OrderTransitions {
  constructor(private readonly deps: OrderTransitionsDeps) {}

  /** One change; throws NOT_FOUND when there is no such order. */
  async apply(orderId: string, to: OrderStatus, options: Omit<TransitionRequest, 'orderId' | 'to'>): Promise<TransitionResult> {
    const [result] = await this.applyMany([{ orderId, to, ...options }]);
    if (!result) throw notFound('order', { orderId });
    return result;
  }

  /** Several changes in one transaction. */
  applyMany(requests: readonly TransitionRequest[]): Promise<(TransitionResult | undefined)[]> {
    return this.inTransaction((_tx, stage) => stage(requests));
  }

  /**
   * Runs `work` in one Postgres transaction in which `stage` changes orders, so a caller's own writes
   * (a payment's record) commit or fail with the changes they go with. The ledger moves once `work`
   * is done; after the commit, the Redis step of every change it staged.
   */
  async inTransaction<T>(work: (tx: Tx, stage: StageTransitions) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const staged: Staged = { staged: false, moves: { sold: [], released: [] }, steps: [], updates: [] };
    const result = await this.deps.inTransaction(async (tx) => {
      const value = await work(tx, (requests, alongside) => this.stage(tx, requests, staged, alongside));
      await this.moveStock(tx, staged.moves);
      return value;
    });
    void this.announce(staged.updates);
    if (!options.consumeAfterAnswer) {
      await this.endReservations(staged.steps);
      return result;
    }
    void this.endReservations(staged.steps.filter((step) => step.mode === 'consume'));
    await this.endReservations(staged.steps.filter((step) => step.mode !== 'consume'));
    return result;
  }

  private async stage(
    tx: Tx,
    requests: readonly TransitionRequest[],
    staged: Staged,
    alongside: Parameters<StageTransitions>[1],
  ): Promise<(TransitionResult | undefined)[]> {
    // Orders locked by two calls would not be locked in one id order, which is what keeps
    // concurrent transactions from deadlocking.
    if (staged.staged) throw new Error('stage transitions once per transaction');
    staged.staged = true;
    const { orders } = this.deps;
    const locked = await orders.lockStates(tx, [...new Set(requests.map((request) => request.orderId))].sort());
    const status = new Map([...locked].map(([orderId, state]) => [orderId, state.status]));
    const touched = new Set<string>();
    // One time for the batch: each change's history entry, outbox event and push all say it.
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const changes: (StatusChange & { effect: StockEffect })[] = [];
    const results = requests.map((request): TransitionResult | undefined => {
      const from = status.get(request.orderId);
      if (from === undefined) return undefined;
      const due = !request.heldUntilAtMost || locked.get(request.orderId)!.expiresAt <= request.heldUntilAtMost;
      const allowed = due && (!request.from || from === request.from) && ALLOWED_TRANSITIONS[from].includes(request.to);
      if (!allowed || touched.has(request.orderId)) return { changed: false, status: from };
      touched.add(request.orderId);
      status.set(request.orderId, request.to);
      const { orderId, to, actor } = request;
      changes.push({ orderId, from, to, reason: request.reason ?? null, actor, at, effect: stockEffect(from, to) });
      return { changed: true, status: to };
    });
    const riding = alongside?.(results) ?? [];
    if (changes.length === 0) {
      await orders.changeStatuses(tx, [], riding);
      return results;
    }

    // The outbox events and the caller's writes go in the statement that changes the orders: on a
    // busy machine a round trip costs more than the writes it carries.
    const events = changes.map(
      ({ orderId, from, to, reason, actor }): NewOutboxEvent => ({
        type: 'order.status-changed',
        orderId,
        payload: { from, to, reason, actor, at },
      }),
    );
    const { changed, lines } = await orders.changeStatuses(
      tx,
      changes.map(({ effect: _effect, ...change }) => change),
      [this.deps.outbox.appending(events), ...riding],
    );
    // The rows are locked, so every guarded update finds the status it expects; this only keeps a
    // miss (a bug) from moving stock for an order that did not change.
    if (changed.size !== changes.length) {
      const missed = changes.filter((change) => !changed.has(change.orderId)).map((change) => change.orderId);
      throw new Error(`status changes of orders ${missed.join(', ')} did not apply under their row locks`);
    }
    const effects = new Map(changes.map((change) => [change.orderId, change.effect]));
    for (const line of lines) {
      const effect = effects.get(line.orderId);
      if (effect === 'none' || effect === undefined) continue;
      if (effect === 'sell') staged.moves.sold.push({ orderId: line.orderId, sku: line.sku, quantity: line.quantity });
      else staged.moves.released.push({ sku: line.sku, quantity: line.quantity });
    }
    for (const { orderId, effect } of changes) {
      if (effect !== 'none') staged.steps.push({ orderId, mode: effect === 'sell' ? 'consume' : 'release' });
    }
    for (const { orderId, to, reason, actor } of changes)
      staged.updates.push({ userId: locked.get(orderId)!.userId, orderId, status: to, reason, actor, at });
    return results;
  }

  /**
   * Tells the owners of the committed changes on their devices (only those with a socket connected
   * somewhere: publishToConnectedOwners), never before the commit: a push never announces what
   * Postgres does not hold. Nobody waits for it, and a push that cannot be sent fails nothing: the
   * change has committed, and a device sees it on its next read.
   */
  private async announce(updates: Staged['updates']): Promise<void> {
    const { realtime, presence, logger } = this.deps;
    if (!realtime) return;
    try {
      const changes = updates.map(({ userId, orderId, status, reason, actor, at }) => ({
        userId,
        orderId,
        status,
        at: new Date(at),
        actor,
        reason: reason ?? undefined,
      }));
      await publishToConnectedOwners(realtime, presence, changes);
    } catch (error) {
      logger.warn({ err: error, orders: updates.length }, 'could not announce changed orders to their owners');
    }
  }

  /** One ledger update per SKU for the whole batch. */
  private async moveStock(tx: Tx, moves: LedgerMoves): Promise<void> {
    if (moves.sold.length + moves.released.length > 0) await this.deps.inventory.settle(tx, moves);
  }

  /**
   * The changes have committed: callers are told so even if a step fails. A lost step (a crash,
   * Redis down) is finished by the sweeper from the order's status.
   */
  private async endReservations(steps: readonly RedisStep[]): Promise<void> {
    const { stock, metrics, logger } = this.deps;
    await Promise.all(
      steps.map(async ({ orderId, mode }) => {
        try {
          if ((await stock.end(orderId, mode)) === 'ended') metrics.stockReleases.inc({ mode });
        } catch (error) {
          logger.warn({ orderId, mode, err: error }, 'reservation not ended after the status change; the sweeper will');
        }
      }),
    );
  }
}
