import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import type { LuaScripts } from './scripts.js';

/** One accepted order waiting in the persist stream. */
export interface PersistEntry {
  /** The stream entry id. */
  id: string;
  /** The order snapshot, as the reserving script stored it. */
  snapshot: string;
}

type RawEntry = [id: string, fields: string[] | null];

const GROUP = 'persisters';

/** The snapshot field of a raw entry; null for an entry deleted while it was pending. */
function toEntry([id, fields]: RawEntry): PersistEntry | null {
  if (!fields) return null;
  const at = fields.indexOf('order');
  return at >= 0 && fields[at + 1] !== undefined ? { id, snapshot: fields[at + 1]! } : null;
}

const entries = (raw: RawEntry[]) => raw.map(toEntry).filter((entry): entry is PersistEntry => entry !== null);

/**
 * The Redis side of the hand-off from acceptance to Postgres: a stream that the reserving script
 * appends each accepted order to, read in batches by the persist workers through one consumer group.
 * An entry stays pending for the consumer that read it until that consumer acknowledges it after
 * the commit; a consumer that dies leaves its entries pending, and another takes them over once they
 * have been idle long enough (XAUTOCLAIM).
 *
 * Reads block, so each consumer gives this class a connection of its own.
 */
export class PersistStream {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: LuaScripts,
  ) {
    this.key = keys.persistStream();
  }

  /** Creates the consumer group (and the stream) unless they exist. */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  /** Up to `count` entries no consumer has read yet, waiting up to `blockMs` for the first. */
  async readNew(consumer: string, count: number, blockMs: number): Promise<PersistEntry[]> {
    const reply = (await this.redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.key, '>')) as
      | [string, RawEntry[]][]
      | null;
    return reply ? entries(reply[0]![1]) : [];
  }

  /** Takes over up to `count` entries other consumers read but left unacknowledged for `minIdleMs` or more. */
  async claimIdle(consumer: string, minIdleMs: number, count: number): Promise<PersistEntry[]> {
    const [, claimed] = (await this.redis.xautoclaim(this.key, GROUP, consumer, minIdleMs, '0-0', 'COUNT', count)) as [string, RawEntry[]];
    return entries(claimed);
  }

  /** Resets the idle time of entries this consumer is still working on, so no other consumer takes them. */
  async touch(consumer: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xclaim(this.key, GROUP, consumer, 0, ...ids, 'JUSTID');
  }

  /** Ends the hand-off of entries whose orders are stored (ackPersisted-n.lua). */
  async ack(stored: { id: string; orderId: string }[]): Promise<void> {
    if (stored.length === 0) return;
    await this.scripts.run(
      'ackPersisted',
      [this.key, ...stored.map((entry) => this.keys.reservation(entry.orderId))],
      [GROUP, ...stored.map((entry) => entry.id)],
    );
  }

  /** Accepted orders not yet stored in Postgres: stored entries are deleted, so this is the stream's length. */
  backlog(): Promise<number> {
    return this.redis.xlen(this.key);
  }

  /** Drops consumers (of processes long gone) that hold no pending entry and have been idle for `idleMs`. */
  async forgetIdleConsumers(idleMs: number): Promise<number> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.key, GROUP)) as (string | number)[][];
    let forgotten = 0;
    for (const fields of consumers) {
      const info = new Map<string, string | number>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]!);
      if (Number(info.get('pending')) === 0 && Number(info.get('idle')) >= idleMs) {
        await this.redis.xgroup('DELCONSUMER', this.key, GROUP, String(info.get('name')));
        forgotten += 1;
      }
    }
    return forgotten;
  }
}
