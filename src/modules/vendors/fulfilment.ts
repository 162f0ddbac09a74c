import type { VendorRow } from '../../db/schema.js';
import { Coalescer, coalescedLookups } from '../../lib/coalescer.js';
import { notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { LineLeases } from '../../redis/line-leases.js';
import type { OrderTransitions, TransitionResult } from '../orders/lifecycle/order-transitions.js';
import type { Refunds } from '../payments/refunds.js';
import type { FulfilmentLine, FulfilmentProgress, FulfilmentRepository, VendorOrderLine } from './fulfilment.repository.js';
import type { VendorClient } from './vendor-client.js';
import type { VendorsRepository } from './vendors.repository.js';

export interface FulfilmentDeps {
  repository: Pick<
    FulfilmentRepository,
    'progress' | 'vendorOrders' | 'recordIntent' | 'dropIntent' | 'recordPlaced' | 'setStatus' | 'placing' | 'settlePending'
  >;
  vendors: Pick<VendorsRepository, 'enabledByPriority' | 'find'>;
  /** The vendor clients of this process (VendorClients), whose breakers say which vendors may be asked now. */
  clients: { for(vendor: VendorRow): Pick<VendorClient, 'placeOrder' | 'acceptsCalls' | 'callBudgetMs'> };
  /** One run at a time asks a vendor for a given line, whichever process it runs in. */
  leases: Pick<LineLeases, 'holding'>;
  transitions: Pick<OrderTransitions, 'applyMany' | 'inTransaction'>;
  /** Marks the payment of an order that fails here refund-due, in the transaction that fails it. */
  refunds: Pick<Refunds, 'owe'>;
  logger: Logger;
}

export type FulfilmentReport =
  | { outcome: 'fulfilled' }
  | { outcome: 'failed'; unfillable: string[] }
  /** The order is not CONFIRMED (any more): nothing to do. */
  | { outcome: 'skipped'; status: string };

/** A line every vendor that might fill it cannot be asked now (their circuits are open): the job retries later. */
export class VendorsUnreachable extends Error {
  override name = 'VendorsUnreachable';
}

/** Another run of the same order's fulfilment is placing the line with another vendor: the job retries later, and then asks that vendor. */
export class LineBeingPlaced extends Error {
  override name = 'LineBeingPlaced';
}

/** Placed, refused by every vendor, or no longer to place: the order left CONFIRMED (its status) meanwhile. */
type LineOutcome = 'placed' | 'unfillable' | { settled: string };

/**
 * One vendor's answer for a part: placed, refused (with what it has, when it says); or, found before
 * asking, the whole line placed by another run, or the order no longer CONFIRMED (its status).
 */
type AskOutcome = 'placed' | 'line-placed' | { refused: number | undefined } | { settled: string };

/** Most orders one read or one FULFILLED transaction takes. */
const MAX_BATCH = 200;

/**
 * Fulfils a CONFIRMED order. Its local units were taken when it was confirmed
 * (InventoryRepository.sell); each line's vendor units are ordered from the enabled vendors by
 * priority whose circuit is not open, with the vendor's idempotent `POST /orders` on the line id
 * `<orderId>:<sku>`. A refusal tries the next vendor; a line no vendor will take fails the order
 * (CONFIRMED → FAILED) and, in the same transaction, marks its payment refund-due. A vendor fault throws, for the job to retry with
 * backoff (and end as a dead letter), after recording which vendor was being asked: the retry asks
 * that vendor again first, so no line is ever ordered from two vendors or twice from one.
 *
 * Most orders of a sale are all local: nothing to place, only the move to FULFILLED. The jobs that
 * run at one moment share their reads (one query) and their moves to FULFILLED (one transaction),
 * so a burst of confirmations costs a few statements per batch rather than seven per order.
 */
export class Fulfilment {
  private readonly reads: Coalescer<string, FulfilmentProgress | undefined>;
  private readonly completions: Coalescer<string, TransitionResult | undefined>;

  constructor(private readonly deps: FulfilmentDeps) {
    this.reads = coalescedLookups((orderIds) => deps.repository.progress(orderIds), { maxBatch: MAX_BATCH, maxInFlight: 1 });
    this.completions = new Coalescer(
      (orderIds: string[]) =>
        deps.transitions.applyMany(
          orderIds.map((orderId) => ({
            orderId,
            to: 'FULFILLED',
            from: 'CONFIRMED',
            reason: 'every line handed to the warehouse or a vendor',
            actor: 'system',
          })),
        ),
      { maxBatch: MAX_BATCH, maxInFlight: 1 },
    );
  }

  async fulfil(orderId: string): Promise<FulfilmentReport> {
    const { repository } = this.deps;
    const state = await this.reads.submit(orderId);
    if (!state) throw notFound('order', { orderId });
    const { lines } = state;
    if (state.status === 'FAILED') {
      // A retry after the order failed here: the failure and its refund committed together.
      const unfillable = lines.filter((line) => line.status === 'failed').map((line) => line.sku);
      return unfillable.length > 0 ? { outcome: 'failed', unfillable } : { outcome: 'skipped', status: state.status };
    }
    if (state.status !== 'CONFIRMED') return { outcome: 'skipped', status: state.status };

    // An order whose units were all local (most of a sale's) has nothing to place: no vendor orders to read.
    const placing = lines.some((line) => line.status === 'pending');
    const parts = placing ? await repository.vendorOrders(orderId) : [];
    const unfillable: string[] = [];
    for (const line of lines) if (line.status === 'failed') unfillable.push(line.sku);
    for (const line of lines) {
      // Once a line cannot be filled the order fails: its other lines are not ordered.
      if (line.status !== 'pending' || unfillable.length > 0) continue;
      const outcome = await this.placeLine(
        orderId,
        line,
        parts.filter((part) => part.sku === line.sku),
      );
      if (typeof outcome === 'object') return { outcome: 'skipped', status: outcome.settled };
      if (outcome === 'unfillable') {
        await repository.setStatus(orderId, line.sku, 'failed');
        unfillable.push(line.sku);
      }
    }

    if (unfillable.length === 0) {
      const result = await this.completions.submit(orderId);
      if (!result) throw notFound('order', { orderId });
      return result.changed ? { outcome: 'fulfilled' } : { outcome: 'skipped', status: result.status };
    }
    const result = await this.fail(orderId, unfillable);
    if (!result.changed && result.status !== 'FAILED') return { outcome: 'skipped', status: result.status };
    return { outcome: 'failed', unfillable };
  }

  /** CONFIRMED → FAILED, and the order's payment refund-due, in one transaction: neither without the other. */
  private async fail(orderId: string, unfillable: string[]): Promise<TransitionResult> {
    const { transitions, refunds, logger } = this.deps;
    const reason = `fulfilment impossible: no supplier could provide ${unfillable.join(', ')}`;
    const { result, refundDue } = await transitions.inTransaction(async (tx, stage) => {
      const [changed] = await stage([{ orderId, to: 'FAILED', from: 'CONFIRMED', reason, actor: 'system' }]);
      if (!changed) throw notFound('order', { orderId });
      if (!changed.changed) return { result: changed, refundDue: false };
      // The lines left unordered will not be: they stop counting as sold from vendors.
      await this.deps.repository.settlePending(tx, orderId, 'failed');
      const owed = await refunds.owe(tx, [{ orderId, orderStatus: 'FAILED', cause: 'fulfilment-failed' }], { paidOnly: true });
      return { result: changed, refundDue: owed.has(orderId) };
    });
    if (result.changed) {
      logger.warn(
        { orderId, unfillable, refundDue },
        refundDue
          ? 'order failed: no vendor could supply a line; its payment is due a refund'
          : 'order failed: no vendor could supply a line; no payment to refund',
      );
    }
    return result;
  }

  /**
   * Orders the line's vendor units: first from the vendors whose intent an earlier run left
   * unresolved (each asked again, and no other vendor before it answers); then whole from the first
   * enabled vendor by priority that takes it; only when none does, in parts, from those that said
   * they have some, by priority.
   */
  private async placeLine(orderId: string, line: FulfilmentLine, earlier: readonly VendorOrderLine[]): Promise<LineOutcome> {
    const { vendors, clients, logger } = this.deps;
    let placed = 0;
    for (const part of earlier) if (part.vendorOrderId !== null) placed += part.quantity;
    const left = () => line.vendorQuantity - placed;
    /** The vendors that refused for want of units, with what they said they have. */
    const holding: { vendor: VendorRow; units: number }[] = [];
    /** Asks for a part and counts what it placed; the line's outcome once an answer decides it. */
    const order = async (vendor: VendorRow, quantity: number, part: 'resume' | 'new'): Promise<LineOutcome | undefined> => {
      const answer = await this.ask(vendor, orderId, line, quantity, part);
      if (answer === 'line-placed') return 'placed';
      if (answer === 'placed') placed += quantity;
      else if ('settled' in answer) return answer;
      else if (answer.refused) holding.push({ vendor, units: answer.refused });
      return left() <= 0 ? 'placed' : undefined;
    };

    for (const part of earlier) {
      if (part.vendorOrderId !== null) continue;
      // Placed, or being placed when an earlier attempt stopped: that vendor answers first, whatever its state now.
      const vendor = await vendors.find(part.vendorId);
      const outcome = vendor && (await order(vendor, part.quantity, 'resume'));
      if (outcome) return outcome;
    }
    if (left() <= 0) return 'placed';
    const asked = new Set(earlier.map((part) => part.vendorId));
    let circuitsOpen = 0;
    for (const vendor of await vendors.enabledByPriority()) {
      if (asked.has(vendor.id)) continue;
      // Not `circuitState() === 'open'`: that reads open until some call probes the vendor after its
      // break, and fulfilment must be able to be that call.
      if (!clients.for(vendor).acceptsCalls()) {
        circuitsOpen += 1;
        continue;
      }
      const outcome = await order(vendor, left(), 'new');
      if (outcome) return outcome;
    }
    // No one vendor took what was left: in parts, from those that have some, but only once every
    // vendor has been asked and together they have enough. A part ordered for a line that then
    // fails stays ordered (vendors take no cancellation), for an order that is refunded.
    const offered = holding.splice(0);
    if (circuitsOpen === 0 && offered.reduce((sum, { units }) => sum + units, 0) >= left()) {
      for (const { vendor, units } of offered) {
        const outcome = await order(vendor, Math.min(units, left()), 'new');
        if (outcome) return outcome;
      }
    }
    if (circuitsOpen > 0) {
      throw new VendorsUnreachable(
        `${orderId}:${line.sku}: ${left()} unit(s) refused by every vendor asked; ${circuitsOpen} more cannot be asked now (circuit open)`,
      );
    }
    logger.warn({ orderId, sku: line.sku, quantity: line.vendorQuantity, placed }, 'no vendors can fill an order line');
    return 'unfillable';
  }

  /**
   * Asks one vendor for `quantity` of a line: a part already recorded (`resume`, an intent an earlier
   * run left) or a new one, whose intent is recorded here. A refusal drops the intent (and says what
   * the vendor has, when it says), a fault throws with the intent kept. Under the line's lease, and
   * only while the line's parts are as this run expects: no other vendor's intent unresolved, and the
   * line's units not passed with this part. So at most one intent of a line is ever unresolved, the
   * one asked, and a run that finds another's (a stalled job taken over while it still runs) stops
   * rather than ask a second vendor while the first may still take the line.
   */
  private async ask(vendor: VendorRow, orderId: string, line: FulfilmentLine, quantity: number, part: 'resume' | 'new'): Promise<AskOutcome> {
    const { repository, leases, clients } = this.deps;
    const { sku } = line;
    const client = clients.for(vendor);
    const request = { lineId: `${orderId}:${sku}`, sku, quantity };
    // Twice the call's budget: the lease outlives any call made under it, and lapses if its run died.
    const leased = await leases.holding(request.lineId, 2 * client.callBudgetMs(), async (): Promise<AskOutcome | 'moved'> => {
      // Read before every call, not once per run: an admin who failed the order, or fulfilled it by
      // hand, while its earlier lines were being ordered has it supplied by nobody else.
      const state = await repository.placing(orderId, sku);
      if (state?.order !== 'CONFIRMED') return { settled: state?.order ?? 'FAILED' };
      // Another run placed the whole line since this one read it; or failed it, and the order's
      // failure is that run's to write (this one is retried, and finds it).
      if (state.line === 'placed') return 'line-placed';
      if (state.line !== 'pending') return 'moved';
      const { parts } = state;
      const mine = parts.find((other) => other.vendorId === vendor.id);
      if (part === 'resume' ? mine?.quantity !== quantity : mine !== undefined) return 'moved';
      if (mine?.vendorOrderId) return 'placed';
      const others = parts.filter((other) => other !== mine);
      if (others.some((other) => other.vendorOrderId === null)) return 'moved';
      if (others.reduce((sum, other) => sum + other.quantity, 0) + quantity > line.vendorQuantity) return 'moved';
      if (part === 'new') await repository.recordIntent(orderId, sku, vendor.id, quantity);
      return this.askHolding(vendor, client, orderId, request);
    });
    if (!leased.held || leased.value === 'moved') {
      throw new LineBeingPlaced(`${request.lineId}: being placed by another run of this order's fulfilment`);
    }
    return leased.value;
  }

  private async askHolding(
    vendor: VendorRow,
    client: Pick<VendorClient, 'placeOrder'>,
    orderId: string,
    request: { lineId: string; sku: string; quantity: number },
  ): Promise<AskOutcome> {
    const { repository, logger } = this.deps;
    const outcome = await client.placeOrder(request);
    if (outcome.outcome === 'placed') {
      await repository.recordPlaced(orderId, request.sku, vendor.id, outcome.vendorOrderId);
      logger.info(
        { orderId, sku: request.sku, quantity: request.quantity, vendor: vendor.name, vendorOrderId: outcome.vendorOrderId },
        'order line placed with a vendor',
      );
      return 'placed';
    }
    logger.info({ orderId, sku: request.sku, quantity: request.quantity, vendor: vendor.name, refusal: outcome }, 'vendor refused an order line');
    await repository.dropIntent(orderId, request.sku, vendor.id);
    return { refused: outcome.reason === 'insufficient-stock' ? outcome.available : undefined };
  }
}
