import type { Actor } from '../../db/schema.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { Realtime } from './realtime.js';

/** One order's status change, as its owner's devices are told of it. */
export interface OrderUpdate {
  userId: string;
  orderId: string;
  status: string;
  at: Date;
  /** Who made the change, as its history entry says: a client tells a declined payment from a cancel by it. */
  actor: Actor;
  reason?: string | undefined;
}

/**
 * Tells an order's owner, on every device, that its status changed. Call it after the transition
 * has committed: a push must never announce a state Postgres does not hold.
 */
export function publishOrderUpdate(realtime: Realtime, change: OrderUpdate, to = change.userId): void {
  realtime.emitToUser(to, 'order:update', {
    orderId: change.orderId,
    status: change.status,
    at: change.at.toISOString(),
    actor: change.actor,
    ...(change.reason ? { reason: change.reason } : {}),
  });
}

/**
 * `publishOrderUpdate` for the changes of one batch, only to the owners with a socket connected
 * somewhere (one presence read for the lot; every owner when there is no presence to read): every
 * API instance's adapter decodes every push, and a batch of a sale or of a burst of payment
 * webhooks is mostly of buyers with no screen open. A guest's order whose guest signed in since is
 * pushed to that account too (CartStore.recordAdoption). Rejects when the presence cannot be read.
 */
export async function publishToConnectedOwners(
  realtime: Realtime,
  presence: Pick<CartStore, 'orderAudience'> | undefined,
  changes: readonly OrderUpdate[],
): Promise<void> {
  if (changes.length === 0) return;
  const audience = presence ? await presence.orderAudience(changes.map((change) => change.userId)) : undefined;
  for (const change of changes) {
    for (const to of audience ? (audience.get(change.userId) ?? []) : [change.userId]) publishOrderUpdate(realtime, change, to);
  }
}
