import { sql } from 'kysely';
import type { Db, Tx } from '../../db/database.js';

/** A snapshot left untouched long enough, and where its owner's mail would go. */
export interface ReminderCandidate {
  userId: string;
  version: number;
  touchedAt: Date;
  /** The owner's account address; null for a guest (or an owner row that is gone). */
  email: string | null;
  /** The owner turned reminders off (through a reminder's unsubscribe link). */
  optedOut: boolean;
}

/** A cart whose reminder was decided, as its snapshot held it. */
export interface ClaimedCart {
  userId: string;
  version: number;
  currency: string | null;
  lines: { sku: string; quantity: number }[];
  touchedAt: Date;
}

/** Where a walk over the waiting carts stopped: they are read in (touched at, user id) order. */
export type ReminderCursor = { touchedAt: Date; userId: string };

/**
 * The abandoned-cart side of the cart snapshots: which carts wait for a reminder (lines, untouched
 * by their owner since a cut-off, none decided since the owner's last change), and claiming them.
 */
export class CartRemindersRepository {
  constructor(private readonly db: Db) {}

  /** Up to `limit` carts waiting, touched at or before `cutoff`, after `cursor`, oldest first. */
  async waiting(cutoff: Date, cursor: ReminderCursor | undefined, limit: number): Promise<ReminderCandidate[]> {
    const after = cursor ? sql`AND (c.owner_touched_at, c.user_id) > (${cursor.touchedAt}, ${cursor.userId}::uuid)` : sql``;
    const { rows } = await sql<ReminderCandidate>`
      SELECT c.user_id AS "userId", c.version, c.owner_touched_at AS "touchedAt", u.email,
        p.cart_reminders_off_at IS NOT NULL AS "optedOut"
      FROM carts c LEFT JOIN users u ON u.id = c.user_id LEFT JOIN mail_preferences p ON p.user_id = c.user_id
      WHERE c.lines <> '[]'::jsonb AND c.reminded_for IS DISTINCT FROM c.owner_touched_at
        AND c.owner_touched_at <= ${cutoff} ${after}
      ORDER BY c.owner_touched_at, c.user_id
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }

  /**
   * Records the decision for each cart still at the version given and still waiting, in the
   * caller's transaction: whoever claims a cart first decides it, and only once per owner's change.
   * Returns the carts this call claimed.
   */
  async claim(tx: Tx, carts: readonly { userId: string; version: number }[], cutoff: Date): Promise<ClaimedCart[]> {
    if (carts.length === 0) return [];
    const { rows } = await sql<ClaimedCart>`
      UPDATE carts c SET reminded_for = c.owner_touched_at, reminded_version = c.version
      FROM unnest(${carts.map((cart) => cart.userId)}::uuid[], ${carts.map((cart) => cart.version)}::int[]) AS v(user_id, version)
      WHERE c.user_id = v.user_id AND c.version = v.version
        AND c.lines <> '[]'::jsonb AND c.reminded_for IS DISTINCT FROM c.owner_touched_at AND c.owner_touched_at <= ${cutoff}
      RETURNING c.user_id AS "userId", c.version, c.currency, c.lines, c.owner_touched_at AS "touchedAt"
    `.execute(tx);
    return rows;
  }
}
