import type { StockLine } from '../../src/modules/inventory/inventory.schemas.js';
import type { PrecheckResult, ReleaseMode, ReleaseResult, ReserveInput, ReserveResult, StockStore } from '../../src/redis/stock-store.js';

interface Reservation {
  snapshot: string;
  lines: StockLine[];
  idempotencyKey: string;
  userId: string;
  claimed: boolean;
  handedOff: boolean;
}

/**
 * StockStore in memory, with the semantics of its Lua scripts (all-or-nothing reservation, an
 * idempotency record per (user, key), release exactly once), for unit specs of the services above it.
 * Integration tests use the real one against Redis.
 */
export class FakeStockStore implements Pick<StockStore, 'precheck' | 'reserve' | 'readReservation' | 'end' | 'claim' | 'gates' | 'loadGate'> {
  readonly gateValues = new Map<string, number>();
  readonly reservations = new Map<string, Reservation>();
  readonly idempotency = new Map<string, { fingerprint: string; snapshot: string }>();
  /** Order snapshots handed to persistence, in order, as the persist stream would hold them. */
  readonly handedOff: string[] = [];
  readonly calls = { precheck: 0, reserve: 0 };

  private idemKey = (userId: string, key: string) => `${userId}\u0000${key}`;

  async precheck(userId: string, idempotencyKeyHash: string, lines: StockLine[]): Promise<PrecheckResult> {
    this.calls.precheck += 1;
    const known = this.idempotency.get(this.idemKey(userId, idempotencyKeyHash));
    if (known) return { kind: 'seen', fingerprint: known.fingerprint, snapshot: known.snapshot };
    for (const line of lines) {
      const available = this.gateValues.get(line.sku);
      if (available === undefined) break;
      if (available < line.quantity) return { kind: 'short', line, available };
    }
    return { kind: 'go' };
  }

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    this.calls.reserve += 1;
    const key = this.idemKey(input.userId, input.idempotencyKeyHash);
    const known = this.idempotency.get(key);
    if (known) return known.fingerprint === input.fingerprint ? { kind: 'replayed', snapshot: known.snapshot } : { kind: 'keyReused' };
    for (const line of input.lines) {
      const available = this.gateValues.get(line.sku);
      if (available === undefined) return { kind: 'gateMissing', line };
      if (available < line.quantity) return { kind: 'insufficient', line, available };
    }
    for (const line of input.lines) this.gateValues.set(line.sku, this.gateValues.get(line.sku)! - line.quantity);
    this.reservations.set(input.orderId, {
      snapshot: input.snapshot,
      lines: input.lines,
      idempotencyKey: key,
      userId: input.userId,
      claimed: false,
      handedOff: true,
    });
    this.idempotency.set(key, { fingerprint: input.fingerprint, snapshot: input.snapshot });
    this.handedOff.push(input.snapshot);
    return { kind: 'reserved' };
  }

  async readReservation(orderId: string): Promise<string | null> {
    return this.reservations.get(orderId)?.snapshot ?? null;
  }

  async claim(orderId: string): Promise<boolean> {
    const reservation = this.reservations.get(orderId);
    if (!reservation) return false;
    reservation.claimed = true;
    return true;
  }

  async end(orderId: string, mode: ReleaseMode): Promise<ReleaseResult> {
    const reservation = this.reservations.get(orderId);
    if (!reservation) return 'absent';
    if (mode === 'orphan' && (reservation.claimed || reservation.handedOff)) return 'claimed';
    if (mode !== 'consume') {
      for (const line of reservation.lines) {
        const gate = this.gateValues.get(line.sku);
        if (gate !== undefined) this.gateValues.set(line.sku, gate + line.quantity);
      }
    }
    if (mode === 'orphan') this.idempotency.delete(reservation.idempotencyKey);
    this.reservations.delete(orderId);
    return 'ended';
  }

  async gates(skus: string[]): Promise<(number | null)[]> {
    return skus.map((sku) => this.gateValues.get(sku) ?? null);
  }

  async loadGate(sku: string, available: number): Promise<number> {
    if (!this.gateValues.has(sku)) this.gateValues.set(sku, Math.max(0, available));
    return this.gateValues.get(sku)!;
  }
}
