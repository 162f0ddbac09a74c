import type { Redis } from 'ioredis';
import { Coalescer } from '../lib/coalescer.js';
import type { StockLine } from '../modules/inventory/inventory.schemas.js';
import type { RedisKeys } from './keys.js';
import { ScriptCode } from './script-codes.js';
import type { LuaScripts } from './scripts.js';

export interface ReserveInput {
  userId: string;
  /** SHA-256 (hex) of the caller's Idempotency-Key. */
  idempotencyKeyHash: string;
  fingerprint: string;
  orderId: string;
  expiresAtMs: number;
  idempotencyTtlSeconds: number;
  /** Stored and returned verbatim; the caller owns its shape. */
  snapshot: string;
  /** One entry per distinct SKU. */
  lines: StockLine[];
}

export type ReserveResult =
  | { kind: 'reserved' }
  | { kind: 'replayed'; snapshot: string }
  | { kind: 'keyReused' }
  | { kind: 'insufficient'; line: StockLine; available: number }
  | { kind: 'gateMissing'; line: StockLine };

export type PrecheckResult =
  | { kind: 'go' }
  | { kind: 'seen'; fingerprint: string; snapshot: string }
  | { kind: 'short'; line: StockLine; available: number };

export type ReleaseMode = 'release' | 'consume' | 'orphan';
export type ReleaseResult = 'ended' | 'absent' | 'claimed';

export type AdjustGateResult =
  /** `applied`: how far the gate moved; less than asked only for a clamped removal. */
  { kind: 'moved'; value: number; applied: number } | { kind: 'notLoaded' } | { kind: 'insufficient'; available: number } | { kind: 'mustLoad' };

interface PrecheckRequest {
  idempotencyKey: string;
  lines: { gateKey: string; quantity: number }[];
}

/** One request's answer from precheckOrders-n.lua. */
type PrecheckReply = ScriptCode.Nothing | [ScriptCode.Seen, string, string] | [ScriptCode.Insufficient, number, number];

/** Most prechecks one script call carries. */
const MAX_PRECHECK_BATCH = 128;

/** How long an admin gate move is remembered against a repeat: far longer than any retry. */
const GATE_OPERATION_TTL_SECONDS = 86_400;

const encodeLines = (lines: StockLine[]) => lines.map((l) => `${l.sku}:${l.quantity}`).join(',');

const decodeLines = (spec: string): StockLine[] =>
  spec.split(',').map((part) => {
    const at = part.lastIndexOf(':');
    return { sku: part.slice(0, at), quantity: Number(part.slice(at + 1)) };
  });

/** Gate values for the SKUs, null where not loaded, read on `redis` (see StockStore.gates). */
export async function readGates(redis: Redis, keys: RedisKeys, skus: string[]): Promise<(number | null)[]> {
  if (skus.length === 0) return [];
  const values = await redis.mget(skus.map((sku) => keys.gate(sku)));
  return values.map((value) => (value === null ? null : Number(value)));
}

/**
 * The Redis side of inventory: stock gate counters and live reservations. Every call that changes
 * them is one Lua script, so each is atomic against every other API instance and worker.
 */
export class StockStore {
  /** `precheckScripts`: the same scripts on the prechecks' own connection (see Container.precheckRedis). */
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: LuaScripts,
    precheckScripts: LuaScripts,
  ) {
    this.prechecks = new Coalescer(
      async (batch: PrecheckRequest[]) => {
        const keys: string[] = [];
        const args: number[] = [batch.length];
        for (const request of batch) {
          keys.push(request.idempotencyKey);
          args.push(request.lines.length);
          for (const line of request.lines) {
            keys.push(line.gateKey);
            args.push(line.quantity);
          }
        }
        return (await precheckScripts.run('precheckOrders', keys, args)) as PrecheckReply[];
      },
      { maxBatch: MAX_PRECHECK_BATCH, maxInFlight: 1 },
    );
  }

  /**
   * In a flash sale nearly every request ends at its precheck, and a client command (its promise,
   * encoding and reply) costs the API more than the script costs Redis. So the prechecks of one
   * event-loop turn go to Redis as one script call; each is read-only and answered on its own. One
   * call is out at a time, and the prechecks that arrive meanwhile make up the next: a write (and
   * the wake-up of Redis it causes) per batch is what costs here, so fewer, larger batches are cheaper.
   */
  private readonly prechecks: Coalescer<PrecheckRequest, PrecheckReply>;

  /** Reserves an order's lines and hands it to persistence, atomically (reserveOrder-n.lua). */
  async reserve(input: ReserveInput): Promise<ReserveResult> {
    const reply = await this.scripts.run(
      'reserveOrder',
      [
        this.keys.idempotency(input.userId, input.idempotencyKeyHash),
        this.keys.reservation(input.orderId),
        this.keys.expiryIndex(),
        this.keys.persistStream(),
        ...input.lines.map((line) => this.keys.gate(line.sku)),
      ],
      [
        input.fingerprint,
        input.orderId,
        input.expiresAtMs,
        input.idempotencyTtlSeconds,
        input.snapshot,
        encodeLines(input.lines),
        ...input.lines.map((line) => line.quantity),
      ],
    );
    if (reply === ScriptCode.KeyReused) return { kind: 'keyReused' };
    const [code, a, b] = reply as [ScriptCode, string | number, number?];
    switch (code) {
      case ScriptCode.Done:
        return { kind: 'reserved' };
      case ScriptCode.Seen:
        return { kind: 'replayed', snapshot: a as string };
      case ScriptCode.Insufficient:
        return { kind: 'insufficient', line: input.lines[(a as number) - 1]!, available: b ?? 0 };
      case ScriptCode.GateMissing:
        return { kind: 'gateMissing', line: input.lines[(a as number) - 1]! };
      default:
        throw new Error(`reserveOrder returned an unknown reply ${JSON.stringify(reply)}`);
    }
  }

  /**
   * What a request is before any order is built: a retry of a key already seen, a refusal for want
   * of stock, or neither (`go`: reserve). Changes nothing.
   */
  async precheck(userId: string, idempotencyKeyHash: string, lines: StockLine[]): Promise<PrecheckResult> {
    const reply = await this.prechecks.submit({
      idempotencyKey: this.keys.idempotency(userId, idempotencyKeyHash),
      lines: lines.map((line) => ({ gateKey: this.keys.gate(line.sku), quantity: line.quantity })),
    });
    if (reply === ScriptCode.Nothing) return { kind: 'go' };
    if (reply[0] === ScriptCode.Seen) return { kind: 'seen', fingerprint: reply[1], snapshot: reply[2] };
    return { kind: 'short', line: lines[reply[1] - 1]!, available: reply[2] };
  }

  /** The snapshot stored with a live reservation, as given to `reserve`; null when there is none. */
  readReservation(orderId: string): Promise<string | null> {
    return this.redis.hget(this.keys.reservation(orderId), 'order');
  }

  /** Marks a reservation as being persisted outside the stream; false when it no longer exists. */
  async claim(orderId: string): Promise<boolean> {
    return (await this.scripts.run('claimReservation', [this.keys.reservation(orderId)], [])) === ScriptCode.Done;
  }

  /**
   * Ends a reservation once: `release` and `orphan` give its units back to the gates, `consume` only
   * drops it (the units were sold). An `orphan` release also forgets the idempotency key, and is
   * refused while the order's hand-off is pending and once the order is stored (releaseReservation-n.lua).
   */
  async end(orderId: string, mode: ReleaseMode): Promise<ReleaseResult> {
    const key = this.keys.reservation(orderId);
    const [spec, idemKey] = await this.redis.hmget(key, 'lines', 'idem');
    if (!spec) return 'absent';
    // Every reservation names its idempotency record; the fallback only keeps KEYS[3] a real key in the slot.
    const lines = decodeLines(spec);
    const reply = await this.scripts.run(
      'releaseReservation',
      [key, this.keys.expiryIndex(), idemKey ?? key, this.keys.persistStream(), ...lines.map((line) => this.keys.gate(line.sku))],
      [orderId, spec, mode, ...lines.map((line) => line.quantity)],
    );
    switch (reply) {
      case ScriptCode.Done:
        return 'ended';
      case ScriptCode.Nothing:
        return 'absent';
      case ScriptCode.Claimed:
        return 'claimed';
      case ScriptCode.LinesMismatch:
        throw new Error(`releaseReservation(${orderId}, ${mode}): the reservation's lines changed while it was read`);
      default:
        throw new Error(`releaseReservation(${orderId}, ${mode}) returned ${JSON.stringify(reply)}`);
    }
  }

  /** Moves a live reservation's expiry later (never earlier); false when it no longer exists. */
  async extendReservation(orderId: string, expiresAtMs: number): Promise<boolean> {
    const reply = await this.scripts.run('extendReservation', [this.keys.reservation(orderId), this.keys.expiryIndex()], [orderId, expiresAtMs]);
    return reply === ScriptCode.Done;
  }

  /** Order ids whose reservation expired at or before `untilMs`, oldest first. */
  async dueReservations(untilMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.expiryIndex(), '-inf', untilMs, 'LIMIT', 0, limit);
  }

  /** Notes that a SKU's vendor recount left units to take later (StockRecount). */
  async markRecountDeferred(sku: string): Promise<void> {
    await this.redis.sadd(this.keys.deferredRecounts(), sku);
  }

  /** Takes a SKU out of the deferred recounts (a recount about to run puts it back if units are still left). */
  async clearRecountDeferred(sku: string): Promise<void> {
    await this.redis.srem(this.keys.deferredRecounts(), sku);
  }

  /** The SKUs whose vendor recount left units to take later. */
  deferredRecounts(): Promise<string[]> {
    return this.redis.smembers(this.keys.deferredRecounts());
  }

  /** Gate values for the SKUs, null where not loaded. */
  gates(skus: string[]): Promise<(number | null)[]> {
    return readGates(this.redis, this.keys, skus);
  }

  /** Loads a gate unless another process already did; returns the value now in Redis. */
  async loadGate(sku: string, available: number): Promise<number> {
    const key = this.keys.gate(sku);
    const previous = await this.redis.set(key, Math.max(0, available), 'NX', 'GET');
    return previous === null ? Math.max(0, available) : Number(previous);
  }

  /**
   * Moves a gate by a stock change; `operationId` makes a repeat of the same change a no-op that
   * answers what the first call applied. With `clamp`, a removal larger than what the gate admits
   * takes what it admits (down to 0) instead of being refused: for changes that must never take
   * units reservations hold, yet need not all happen now (a vendor recount).
   */
  async adjustGate(sku: string, delta: number, operationId: string, options: { clamp?: boolean } = {}): Promise<AdjustGateResult> {
    const [code, value, applied] = (await this.scripts.run(
      'adjustGate',
      [this.keys.gate(sku), this.keys.gateOperation(operationId)],
      [delta, GATE_OPERATION_TTL_SECONDS, options.clamp ? '1' : '0'],
    )) as [ScriptCode, number?, number?];
    switch (code) {
      case ScriptCode.Done:
        return { kind: 'moved', value: value!, applied: applied! };
      case ScriptCode.Nothing:
        return { kind: 'notLoaded' };
      case ScriptCode.Insufficient:
        return { kind: 'insufficient', available: value ?? 0 };
      case ScriptCode.GateMissing:
        return { kind: 'mustLoad' };
      default:
        throw new Error(`adjustGate returned ${code}`);
    }
  }
}
