import { formatRemaining, useCountdown } from '../lib/countdown';
import { Notice } from '../ui/common';

/** The time left to pay, counting down live; at 0 it says the reservation ran out before the server does. */
export function ReservationCountdown({ expiresAt }: { expiresAt: string }) {
  const left = useCountdown(expiresAt);
  const { clock, label } = formatRemaining(left);
  if (left <= 0) {
    return <Notice tone="bad">Your reservation has run out: the items are going back on sale.</Notice>;
  }
  return (
    <p>
      Held for you for{' '}
      <span className="countdown" role="timer" aria-label={`${label} left to pay`} data-testid="countdown">
        {clock}
      </span>
    </p>
  );
}
