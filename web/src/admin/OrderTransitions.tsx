import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Order, type OrderStatus, unwrap } from '../api/client';
import { ConfirmButton } from '../ui/common';
import type { OutcomeTone } from '../ui/outcome';
import { transitionRefusal } from './refusal';

/** The transitions asked for twice (a confirmation, then "Yes"): none can be undone. */
type AskedTwice = 'CONFIRMED' | 'CANCELLED' | 'FAILED';

/** The transitions of API.md's state machine an admin may ask for; the server has the last word. */
const NEXT: Partial<Record<OrderStatus, ('FULFILLED' | AskedTwice)[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['FULFILLED', 'FAILED'],
};

const LABEL: Record<AskedTwice, string> = { CONFIRMED: 'Confirm', CANCELLED: 'Cancel', FAILED: 'Fail' };
const VERB: Record<AskedTwice, string> = { CONFIRMED: 'confirm', CANCELLED: 'cancel', FAILED: 'fail' };

/** The changes whose reason the buyer reads (in the cancellation or failure mail, and the order's history): asked for with them. */
const TOLD = new Set<OrderStatus>(['CANCELLED', 'FAILED']);

function questionOf(status: AskedTwice, order: Order): string {
  switch (status) {
    case 'CONFIRMED':
      // A free order has nothing to pay and waits for this; another is paid through the provider,
      // and confirmed here only when it was paid some other way.
      return order.totalCents === 0
        ? 'Confirm this free order?'
        : 'Confirm it without a payment through the provider? Only for an order paid another way.';
    case 'CANCELLED':
      return 'Cancel this order?';
    case 'FAILED':
      return 'Fail this order? The buyer is told and a refund is recorded.';
  }
}

/**
 * The status changes an admin may ask of `order`, one button each, as the orders list and an
 * order's own page offer them. `onDone` gets what came of it, in words.
 */
export function OrderTransitions({ order, onDone }: { order: Order; onDone: (message: string, tone: OutcomeTone) => void }) {
  const queryClient = useQueryClient();
  const short = order.id.slice(0, 8);
  // Sent as typed: the server trims it, and records its own for a blank one ("changed by an administrator").
  const [reason, setReason] = useState('');
  const move = useMutation({
    mutationFn: (status: OrderStatus) =>
      unwrap(
        api.PATCH('/api/admin/orders/{id}', {
          params: { path: { id: order.id } },
          body: { status, ...(TOLD.has(status) ? { reason } : {}) },
        }),
      ),
    onSuccess: (updated) => {
      setReason('');
      onDone(`Order ${short} is now ${updated.status}.`, 'ok');
    },
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
          // A confirmation sells the units, a cancellation gives them back, a failure records the
          // refund and tells the buyer; none can be undone: each is asked for twice.
          <ConfirmButton
            key={status}
            small
            question={questionOf(status, order)}
            detail={
              TOLD.has(status) && (
                <input
                  aria-label={`Reason the buyer is told (optional), order ${short}`}
                  placeholder="Reason for the buyer (optional)"
                  maxLength={500}
                  value={reason}
                  onChange={(event) => setReason(event.target.value)}
                />
              )
            }
            yes={
              <>
                Yes, {VERB[status]}
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
            {LABEL[status]}
            {which}
          </ConfirmButton>
        ),
      )}
    </span>
  );
}
