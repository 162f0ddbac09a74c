import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, type Order, type OrderStatus, unwrap } from '../api/client';
import { ConfirmButton } from '../ui/common';
import type { OutcomeTone } from '../ui/outcome';
import { transitionRefusal } from './refusal';

/** The transitions of API.md's state machine an admin may ask for; the server has the last word. */
const NEXT: Partial<Record<OrderStatus, OrderStatus[]>> = {
  PENDING: ['CANCELLED'],
  CONFIRMED: ['FULFILLED', 'FAILED'],
};

/**
 * The status changes an admin may ask of `order`, one button each, as the orders list and an
 * order's own page offer them. `onDone` gets what came of it, in words.
 */
export function OrderTransitions({ order, onDone }: { order: Order; onDone: (message: string, tone: OutcomeTone) => void }) {
  const queryClient = useQueryClient();
  const short = order.id.slice(0, 8);
  const move = useMutation({
    mutationFn: (status: OrderStatus) =>
      unwrap(api.PATCH('/api/admin/orders/{id}', { params: { path: { id: order.id } }, body: { status, reason: 'set by an admin' } })),
    onSuccess: (updated) => onDone(`Order ${short} is now ${updated.status}.`, 'ok'),
    onError: (error, status) => onDone(transitionRefusal(error, short, status), 'bad'),
    // A refusal usually means the order moved on meanwhile (the buyer cancelled, it expired, it was
    // paid): the orders are read again either way (the list and an order's page alike), so what is
    // shown is where the order is now.
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['admin', 'orders'] }),
  });
  const next = NEXT[order.status] ?? [];
  if (next.length === 0) return <span className="muted">—</span>;
  const which = <span className="visually-hidden"> order {short}</span>;
  return (
    <span className="chips">
      {next.map((status) =>
        status === 'FULFILLED' ? (
          <button key={status} type="button" className="small" disabled={move.isPending} onClick={() => move.mutate(status)}>
            Fulfil{which}
          </button>
        ) : (
          // A cancellation gives the units back at once, a failure records the refund and tells the
          // buyer; neither can be undone: each is asked for twice.
          <ConfirmButton
            key={status}
            small
            question={status === 'CANCELLED' ? 'Cancel this order?' : 'Fail this order? The buyer is told and a refund is recorded.'}
            yes={
              <>
                Yes, {status === 'CANCELLED' ? 'cancel' : 'fail'}
                {which}
              </>
            }
            keep={
              <>
                Keep it<span className="visually-hidden"> (order {short})</span>
              </>
            }
            onConfirm={() => move.mutate(status)}
            disabled={move.isPending}
          >
            {status === 'CANCELLED' ? 'Cancel' : 'Fail'}
            {which}
          </ConfirmButton>
        ),
      )}
    </span>
  );
}
