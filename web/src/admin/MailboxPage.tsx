import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type MailboxMessage, unwrap } from '../api/client';
import { formatDateTime } from '../lib/money';
import { LoadError, Loading, Pager } from '../ui/common';

const PAGE_SIZE = 20;

function MessageView({ message }: { message: MailboxMessage }) {
  return (
    <article className="card" aria-labelledby="message-subject">
      <h2 id="message-subject">{message.subject}</h2>
      <p className="muted">
        From {message.from} to {message.to.join(', ')} · {formatDateTime(message.receivedAt)}
      </p>
      <pre style={{ whiteSpace: 'pre-wrap', font: 'inherit' }}>{message.text}</pre>
    </article>
  );
}

/** What the built-in SMTP sink received: every mail flashcart sent, in development. */
export function MailboxPage() {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string>();
  const mailbox = useQuery({
    queryKey: ['admin', 'mailbox', page],
    queryFn: () => unwrap(api.GET('/api/admin/mailbox', { params: { query: { page, limit: PAGE_SIZE } } })),
    refetchInterval: 10_000,
  });
  const selected = mailbox.data?.items.find((message) => message.id === open);
  return (
    <>
      <h1>Mailbox</h1>
      <p className="muted">Mail the built-in SMTP sink received (development: nothing leaves this machine).</p>
      {mailbox.isPending && <Loading what="the mailbox" />}
      {mailbox.error && <LoadError error={mailbox.error} retry={() => void mailbox.refetch()} />}
      {mailbox.data && mailbox.data.items.length === 0 && <p>No mail yet.</p>}
      {mailbox.data && mailbox.data.items.length > 0 && (
        <div className="two-col">
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">To</th>
                  <th scope="col">Received</th>
                </tr>
              </thead>
              <tbody>
                {mailbox.data.items.map((message) => (
                  <tr key={message.id} aria-selected={message.id === open}>
                    <td>
                      <button type="button" className="link" onClick={() => setOpen(message.id)}>
                        {message.subject}
                      </button>
                    </td>
                    <td>{message.to.join(', ')}</td>
                    <td>{formatDateTime(message.receivedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager page={page} limit={PAGE_SIZE} total={mailbox.data.total} onPage={setPage} />
          </div>
          {selected ? <MessageView message={selected} /> : <p className="muted">Choose a message to read it.</p>}
        </div>
      )}
    </>
  );
}
