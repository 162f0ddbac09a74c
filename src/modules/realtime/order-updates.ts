import type { Realtime } from './realtime.js';

/**
 * Tells an order's owner, on every device, that its status changed. Call it after the transition
 * has committed: a push must never announce a state Postgres does not hold.
 */
export function publishOrderUpdate(
  realtime: Realtime,
  change: { userId: string; orderId: string; status: string; at: Date; reason?: string | undefined },
): void {
  realtime.emitToUser(change.userId, 'order:update', {
    orderId: change.orderId,
    status: change.status,
    at: change.at.toISOString(),
    ...(change.reason ? { reason: change.reason } : {}),
  });
}
