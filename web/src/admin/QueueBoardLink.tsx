import type { ReactNode } from 'react';
import { useSession } from '../session/session-store';

/**
 * Opens the queue board (bull-board, at /admin/queues) in a new tab. A link would have to carry
 * the admin's token in its address, which the browser's history and any proxy's log then keep:
 * this posts it once as a form instead, and the board keeps it in an HttpOnly cookie of its own.
 * It reads as the link it replaces (`.queue-board-link` in styles.css).
 */
export function QueueBoardLink({ children }: { children: ReactNode }) {
  const token = useSession((state) => state.session?.token);
  return (
    <form className="queue-board-link" method="post" action="/admin/queues/session" target="_blank" rel="noopener">
      <input type="hidden" name="token" value={token ?? ''} />
      <button type="submit" className="link">
        {children}
        <span className="visually-hidden"> (opens in a new tab)</span>
      </button>
    </form>
  );
}
