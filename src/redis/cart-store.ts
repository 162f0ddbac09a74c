import type { Redis } from 'ioredis';
import { Coalescer } from '../lib/coalescer.js';
import type { CartNotice } from '../modules/carts/carts.schemas.js';
import type { StockLine } from '../modules/inventory/inventory.schemas.js';
import type { RedisKeys } from './keys.js';
import { ScriptCode } from './script-codes.js';
import type { LuaScripts } from './scripts.js';

/** A cart as Redis and its Postgres snapshot hold it: quantities only, priced when read. */
export interface StoredCart {
  userId: string;
  version: number;
  /** The last change, whoever made it (the owner, a catalog change). */
  updatedAtMs: number;
  /** The owner's last change (a catalog change does not count): what makes a cart abandoned. */
  touchedAtMs: number;
  /** The currency of its lines; null for a cart that never held one. */
  currency: string | null;
  /** Sorted by SKU. */
  lines: StockLine[];
  notices: CartNotice[];
}

export interface CartLimits {
  maxLines: number;
  maxLineQuantity: number;
  /** How long an untouched cart stays in Redis (its snapshot stays in Postgres). */
  ttlSeconds: number;
  /** How long an order's "lines taken" marker is kept: at least its idempotency record's TTL. */
  takenMarkerTtlSeconds: number;
}

export interface CartItemChange {
  userId: string;
  sku: string;
  mode: 'add' | 'set';
  quantity: number;
  /** What the SKU's gate admits: an increase beyond it is refused. */
  available: number;
  currency: string;
  /** When it was asked for; the changes sent together are stamped with the latest of theirs. */
  nowMs: number;
}

export type CartChangeResult =
  | { kind: 'done'; cart: StoredCart; changed: boolean; ownerOnline: boolean }
  | { kind: 'missing' }
  | { kind: 'insufficient'; current: number }
  | { kind: 'cartFull'; lines: number }
  | { kind: 'lineTooLarge'; current: number }
  | { kind: 'currencyMismatch'; currency: string };

export type MergeCapReason = 'stock' | 'lineLimit' | 'cartFull' | 'currency' | 'unavailable';

/** A guest line to merge: `available` -1 when its product is no longer sold. */
export interface MergeLine {
  sku: string;
  available: number;
  currency: string;
}

export type MergeResult =
  | {
      kind: 'done';
      user: StoredCart;
      guest: StoredCart;
      outcomes: { sku: string; requested: number; quantity: number; capped: MergeCapReason | undefined }[];
      /** Whether the user's cart got a new version. */
      userChanged: boolean;
    }
  | { kind: 'missing'; which: 'user' | 'guest' }
  | { kind: 'guestChanged' };

type Reply = number | string | null | Reply[];

/** A cart hash as HGETALL returns it (or the scripts do), flat field/value pairs. */
export function parseCart(userId: string, flat: string[]): StoredCart | null {
  if (flat.length === 0) return null;
  const cart: StoredCart = { userId, version: 0, updatedAtMs: 0, touchedAtMs: Number.NaN, currency: null, lines: [], notices: [] };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    const value = flat[i + 1]!;
    if (field.startsWith('q:')) cart.lines.push({ sku: field.slice(2), quantity: Number(value) });
    else if (field.startsWith('n:')) cart.notices.push(JSON.parse(value) as CartNotice);
    else if (field === 'version') cart.version = Number(value);
    else if (field === 'updatedAt') cart.updatedAtMs = Number(value);
    else if (field === 'touchedAt') cart.touchedAtMs = Number(value);
    else if (field === 'currency') cart.currency = value;
  }
  // A cart written before owners' changes were told apart: its last change stands for the owner's.
  if (Number.isNaN(cart.touchedAtMs)) cart.touchedAtMs = cart.updatedAtMs;
  sortBySku(cart.lines);
  sortBySku(cart.notices);
  return cart;
}

/**
 * Sorts by SKU in place, by insertion: a cart holds at most 50 lines, usually a handful, and this
 * allocates nothing, where Array.sort with a comparator allocated its work arrays on every cart
 * change (bench/allocations.ts).
 */
function sortBySku(items: { sku: string }[]): void {
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    let j = i - 1;
    for (; j >= 0 && items[j]!.sku > item.sku; j--) items[j + 1] = items[j]!;
    items[j + 1] = item;
  }
}

const hashToFlat = (hash: Record<string, string>) => Object.entries(hash).flat();

/**
 * Most changes one call of changeCartItems carries: a turn that takes more sends them in several
 * calls at once, so Redis starts on the first while the API still reads the turn's requests
 * (see CartStore.changes).
 */
const MAX_CHANGE_BATCH = 24;

/**
 * Calls of changeCartItems out at once: while Redis runs some, the API answers the one before and
 * sends the next, rather than each waiting for the other (see CartStore.changes).
 */
const MAX_CHANGES_IN_FLIGHT = 4;

function changeResult(userId: string, reply: [ScriptCode, Reply?, number?]): CartChangeResult {
  const [code, detail, online] = reply;
  switch (code) {
    case ScriptCode.Done:
    case ScriptCode.Nothing:
      return {
        kind: 'done',
        cart: parseCart(userId, (detail as string).split('\n'))!,
        changed: code === ScriptCode.Done,
        ownerOnline: online === 1,
      };
    case ScriptCode.CartMissing:
      return { kind: 'missing' };
    case ScriptCode.Insufficient:
      return { kind: 'insufficient', current: Number(detail) };
    case ScriptCode.CartFull:
      return { kind: 'cartFull', lines: Number(detail) };
    case ScriptCode.LineTooLarge:
      return { kind: 'lineTooLarge', current: Number(detail) };
    case ScriptCode.CurrencyMismatch:
      return { kind: 'currencyMismatch', currency: String(detail) };
    default:
      throw new Error(`changeCartItems returned ${JSON.stringify(reply)}`);
  }
}

/**
 * The Redis side of carts: one hash per cart, changed only by Lua scripts that bump its version,
 * mark it dirty for the persister and keep the carts-holding sets (SKU → carts) up to date.
 */
export class CartStore {
  /**
   * The item changes of one event-loop turn go to Redis in script calls of at most 24; at most four
   * calls are out at a time, and the changes that arrive meanwhile make up the next: under load,
   * fewer and larger calls cost the API and Redis less per change (bench/add-to-cart.ts). Yet calls
   * of up to 100 with two out left the API idle a fifth of the time under load: a turn answered one
   * call's changes, read the requests that had come meanwhile and sent them as one call only at its
   * end, then waited on Redis with nothing else to do. Smaller calls, more of them out, keep Redis
   * working on the first part of a turn's requests while the API reads the rest (2026-12-03,
   * docs/BENCHMARKS.md: the API at 0.91-0.93 cores during the adds against 0.75-0.85).
   */
  private readonly changes: Coalescer<CartItemChange, CartChangeResult>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: LuaScripts,
    private readonly limits: CartLimits,
  ) {
    this.changes = new Coalescer((batch) => this.changeItems(batch), { maxBatch: MAX_CHANGE_BATCH, maxInFlight: MAX_CHANGES_IN_FLIGHT });
  }

  /** The cart in Redis; null when it is not loaded. */
  async read(userId: string): Promise<StoredCart | null> {
    return parseCart(userId, hashToFlat(await this.redis.hgetall(this.keys.cart(userId))));
  }

  /**
   * The cart as an order from it reads it, its version claimed for the order's Idempotency-Key
   * (claimCheckout-2.lua): `claimed` when another key's checkout holds that version.
   */
  async claimForCheckout(
    userId: string,
    keyHash: string,
    claimMs: number,
  ): Promise<{ kind: 'read'; cart: StoredCart } | { kind: 'claimed' } | { kind: 'missing' }> {
    const [code, flat] = (await this.scripts.run('claimCheckout', [this.keys.cart(userId), this.keys.cartCheckout(userId)], [keyHash, claimMs])) as [
      ScriptCode,
      string[]?,
    ];
    if (code === ScriptCode.Done) return { kind: 'read', cart: parseCart(userId, flat!)! };
    return code === ScriptCode.Claimed ? { kind: 'claimed' } : { kind: 'missing' };
  }

  /** Gives up a checkout's claim on the cart's `version` (its order was not accepted), unless another key holds it now. */
  async releaseCheckout(userId: string, version: number, keyHash: string): Promise<void> {
    await this.scripts.run('releaseIfHeld', [this.keys.cartCheckout(userId)], [`${version}|${keyHash}`]);
  }

  /** Several carts in one round trip; null where not loaded. */
  async readMany(userIds: string[]): Promise<(StoredCart | null)[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hgetall(this.keys.cart(userId));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, hash], i) => {
      if (error) throw error;
      return parseCart(userIds[i]!, hashToFlat(hash as Record<string, string>));
    });
  }

  /**
   * Adds to or sets one line. The changes asked for in one event-loop turn go to Redis as one call
   * (changeCartItems-n.lua), each applied and answered on its own.
   */
  changeItem(change: CartItemChange): Promise<CartChangeResult> {
    return this.changes.submit(change);
  }

  private async changeItems(batch: CartItemChange[]): Promise<CartChangeResult[]> {
    const { maxLines, maxLineQuantity, ttlSeconds } = this.limits;
    const keys = [this.keys.dirtyCarts(), this.keys.cartSkus()];
    // One clock reading for the batch: its changes were asked for within the same moment.
    let nowMs = 0;
    // The changes' arguments go as one string, each field ended by a newline (no user id, SKU,
    // mode or currency holds one): the client encodes each argument of a call on its own, and six
    // per change cost the API about a third more per call (bench/cart-script-costs.ts).
    let changes = '';
    for (const change of batch) {
      keys.push(this.keys.cart(change.userId), this.keys.cartsHolding(change.sku), this.keys.onlineSockets(change.userId));
      changes += `${change.userId}\n${change.sku}\n${change.mode}\n${change.quantity}\n${change.available}\n${change.currency}\n`;
      nowMs = Math.max(nowMs, change.nowMs);
    }
    const replies = (await this.scripts.run('changeCartItems', keys, [maxLines, maxLineQuantity, nowMs, ttlSeconds, changes])) as [
      ScriptCode,
      Reply?,
      number?,
    ][];
    return replies.map((reply, i) => changeResult(batch[i]!.userId, reply));
  }

  /** Empties a cart (clearCart-3.lua); null when it is not loaded. */
  async clear(userId: string, nowMs: number): Promise<{ cart: StoredCart; changed: boolean; ownerOnline: boolean } | null> {
    const [code, flat, online] = (await this.scripts.run(
      'clearCart',
      [this.keys.cart(userId), this.keys.dirtyCarts(), this.keys.onlineSockets(userId)],
      [userId, nowMs, this.limits.ttlSeconds],
    )) as [ScriptCode, string[]?, number?];
    if (code === ScriptCode.CartMissing) return null;
    return { cart: parseCart(userId, flat!)!, changed: code === ScriptCode.Done, ownerOnline: online === 1 };
  }

  /** Records a user's socket as connected on an instance, for `ttlSeconds` unless refreshed. */
  async socketConnected(userId: string, socketId: string, instance: string, ttlSeconds: number): Promise<void> {
    const key = this.keys.onlineSockets(userId);
    await this.redis.multi().hset(key, socketId, instance).expire(key, ttlSeconds).exec();
  }

  /**
   * Who is told of a change to the orders of each of `owners`: the owner while a socket of theirs is
   * connected to some API instance (their presence, see socketConnected), and the account that
   * adopted a guest owner's orders (recordAdoption), connected or not. Owners no one hears are left out.
   */
  async orderAudience(owners: string[]): Promise<Map<string, string[]>> {
    const distinct = [...new Set(owners)];
    const audience = new Map<string, string[]>();
    if (distinct.length === 0) return audience;
    // One script call, not an EXISTS each: a pipeline of 500 cost the persister a quarter more CPU per order.
    const found = (await this.scripts.run(
      'orderAudience',
      [...distinct.map((userId) => this.keys.onlineSockets(userId)), ...distinct.map((userId) => this.keys.adoptedBy(userId))],
      [],
    )) as (number | string)[];
    distinct.forEach((owner, i) => {
      const adopter = found[2 * i + 1] as string;
      const listeners = [...(found[2 * i] === 1 ? [owner] : []), ...(adopter ? [adopter] : [])];
      if (listeners.length > 0) audience.set(owner, listeners);
    });
    return audience;
  }

  /** Keeps, for the order pushes, that `userId`'s account adopted the guest session `guestId`'s orders. */
  async recordAdoption(guestId: string, userId: string): Promise<void> {
    await this.redis.set(this.keys.adoptedBy(guestId), userId);
  }

  async socketDisconnected(userId: string, socketId: string): Promise<void> {
    await this.redis.hdel(this.keys.onlineSockets(userId), socketId);
  }

  /**
   * Keeps the presence of users with sockets on this instance from expiring, and writes it again
   * where Redis lost it (it came back empty): the sockets stayed connected to this instance.
   */
  async refreshPresence(sockets: { userId: string; socketIds: string[] }[], instance: string, ttlSeconds: number): Promise<void> {
    if (sockets.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { userId, socketIds } of sockets) {
      const key = this.keys.onlineSockets(userId);
      pipeline.hset(key, Object.fromEntries(socketIds.map((socketId) => [socketId, instance]))).expire(key, ttlSeconds);
    }
    await pipeline.exec();
  }

  /**
   * Puts a snapshot into Redis (loadCart-n.lua): `missing` only when Redis has no such cart, `older`
   * also over a cart of a lower version. Returns the cart Redis holds afterwards, and whether it
   * is the snapshot.
   */
  async load(snapshot: StoredCart, mode: 'missing' | 'older'): Promise<{ cart: StoredCart; loaded: boolean }> {
    const { userId } = snapshot;
    const reply = (await this.scripts.run(
      'loadCart',
      [this.keys.cart(userId), this.keys.cartSkus(), ...snapshot.lines.map((line) => this.keys.cartsHolding(line.sku))],
      [
        userId,
        mode,
        snapshot.version,
        snapshot.updatedAtMs,
        snapshot.touchedAtMs,
        snapshot.currency ?? '',
        this.limits.ttlSeconds,
        snapshot.lines.length,
        ...snapshot.lines.flatMap((line) => [line.sku, line.quantity]),
        ...snapshot.notices.flatMap((notice) => [notice.sku, JSON.stringify(notice)]),
      ],
    )) as [ScriptCode, string[]];
    return { cart: parseCart(userId, reply[1])!, loaded: reply[0] === ScriptCode.Done };
  }

  /**
   * Takes an accepted order's lines out of its cart, once per order (takeOrderedLines-4.lua).
   * `taken`: now (`ownerOnline`: a socket of the owner is connected somewhere); `already`: by an
   * earlier call for the same order.
   */
  async takeOrdered(
    userId: string,
    orderId: string,
    lines: StockLine[],
    nowMs: number,
  ): Promise<{ kind: 'taken'; cart: StoredCart; ownerOnline: boolean } | { kind: 'already' } | { kind: 'missing' }> {
    const { ttlSeconds, takenMarkerTtlSeconds } = this.limits;
    const [code, flat, online] = (await this.scripts.run(
      'takeOrderedLines',
      [this.keys.cart(userId), this.keys.dirtyCarts(), this.keys.cartOrderTaken(orderId), this.keys.onlineSockets(userId)],
      [userId, nowMs, ttlSeconds, takenMarkerTtlSeconds, ...lines.flatMap((line) => [line.sku, line.quantity])],
    )) as [ScriptCode, string[]?, number?];
    if (code === ScriptCode.Done) return { kind: 'taken', cart: parseCart(userId, flat!)!, ownerOnline: online === 1 };
    return code === ScriptCode.Nothing ? { kind: 'already' } : { kind: 'missing' };
  }

  /** Merges a guest cart read at `guestVersion` into a user's cart (mergeCarts-n.lua). */
  async merge(userId: string, guestId: string, guestVersion: number, lines: MergeLine[], nowMs: number): Promise<MergeResult> {
    const { maxLines, maxLineQuantity, ttlSeconds } = this.limits;
    const reply = (await this.scripts.run(
      'mergeCarts',
      [
        this.keys.cart(userId),
        this.keys.cart(guestId),
        this.keys.dirtyCarts(),
        this.keys.cartSkus(),
        ...lines.map((line) => this.keys.cartsHolding(line.sku)),
      ],
      [
        userId,
        guestId,
        guestVersion,
        nowMs,
        ttlSeconds,
        maxLines,
        maxLineQuantity,
        ...lines.flatMap((line) => [line.sku, line.available, line.currency]),
      ],
    )) as Reply[];
    switch (reply[0]) {
      case ScriptCode.Done: {
        const flat = reply[3] as (string | number)[];
        const outcomes: Extract<MergeResult, { kind: 'done' }>['outcomes'] = [];
        for (let i = 0; i + 3 < flat.length; i += 4) {
          const capped = String(flat[i + 3]);
          outcomes.push({
            sku: String(flat[i]),
            requested: Number(flat[i + 1]),
            quantity: Number(flat[i + 2]),
            capped: capped === '' ? undefined : (capped as MergeCapReason),
          });
        }
        return {
          kind: 'done',
          user: parseCart(userId, reply[1] as string[])!,
          guest: parseCart(guestId, reply[2] as string[])!,
          outcomes,
          userChanged: reply[4] === 1,
        };
      }
      case ScriptCode.CartMissing:
        return { kind: 'missing', which: reply[1] === 1 ? 'user' : 'guest' };
      case ScriptCode.CartChanged:
        return { kind: 'guestChanged' };
      default:
        throw new Error(`mergeCarts returned ${JSON.stringify(reply)}`);
    }
  }

  /**
   * Applies a catalog change to one cart (applyCatalogChange-3.lua); null when the cart does not
   * hold the SKU. `notice`: what a removed line leaves (a deletion, or a currency that differs from
   * the cart's); `currency`: for a change, the product's currency now (null: not checked).
   */
  async applyCatalogChange(
    userId: string,
    sku: string,
    change: 'changed' | 'deleted',
    notice: CartNotice | null,
    nowMs: number,
    currency: string | null = null,
  ): Promise<StoredCart | null> {
    const [code, flat] = (await this.scripts.run(
      'applyCatalogChange',
      [this.keys.cart(userId), this.keys.dirtyCarts(), this.keys.cartsHolding(sku)],
      [userId, sku, change, nowMs, this.limits.ttlSeconds, notice ? JSON.stringify(notice) : '', currency ?? ''],
    )) as [ScriptCode, string[]?];
    return code === ScriptCode.Done ? parseCart(userId, flat!) : null;
  }

  /** One page of the users whose cart holds (or held) a SKU; cursor '0' starts and ends the walk. */
  async holdingPage(sku: string, cursor: string, count: number): Promise<{ cursor: string; userIds: string[] }> {
    const [next, userIds] = await this.redis.sscan(this.keys.cartsHolding(sku), cursor, 'COUNT', count);
    return { cursor: next, userIds };
  }

  /** Up to `count` distinct dirty carts. */
  dirtySample(count: number): Promise<string[]> {
    return this.redis.srandmember(this.keys.dirtyCarts(), count);
  }

  dirtyCount(): Promise<number> {
    return this.redis.scard(this.keys.dirtyCarts());
  }

  /** Which of these carts are marked dirty. */
  async areDirty(userIds: string[]): Promise<boolean[]> {
    if (userIds.length === 0) return [];
    return (await this.redis.smismember(this.keys.dirtyCarts(), ...userIds)).map((member) => member === 1);
  }

  async markDirty(userIds: string[]): Promise<void> {
    if (userIds.length > 0) await this.redis.sadd(this.keys.dirtyCarts(), ...userIds);
  }

  /** Ends the dirty mark of carts written at these versions, unless they changed since (ackCartsPersisted-n.lua). */
  async ackPersisted(written: { userId: string; version: number }[]): Promise<number> {
    if (written.length === 0) return 0;
    return (await this.scripts.run(
      'ackCartsPersisted',
      [this.keys.dirtyCarts(), ...written.map((cart) => this.keys.cart(cart.userId))],
      written.flatMap((cart) => [cart.userId, cart.version]),
    )) as number;
  }

  /** One page of the carts in Redis (their user ids); cursor '0' starts and ends the walk. */
  async cartsPage(cursor: string, count: number): Promise<{ cursor: string; userIds: string[] }> {
    const pattern = this.keys.cartPattern();
    const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    return { cursor: next, userIds: keys.map((key) => key.slice(pattern.length - 1)) };
  }

  /** The SKUs some cart holds, and those of them last seen sold out. */
  async heldSkus(): Promise<{ held: string[]; soldOut: Set<string> }> {
    const [held, soldOut] = await Promise.all([this.redis.smembers(this.keys.cartSkus()), this.redis.smembers(this.keys.cartSkusSoldOut())]);
    return { held, soldOut: new Set(soldOut) };
  }

  /** Records which held SKUs are sold out now and which are back. */
  async recordSoldOut(soldOut: string[], back: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    if (soldOut.length > 0) pipeline.sadd(this.keys.cartSkusSoldOut(), ...soldOut);
    if (back.length > 0) pipeline.srem(this.keys.cartSkusSoldOut(), ...back);
    await pipeline.exec();
  }
}
