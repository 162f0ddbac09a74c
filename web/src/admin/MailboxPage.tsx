import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, type MailboxMessage, unwrap } from '../api/client';
import { formatDateTime } from '../lib/money';
import { LoadError, Loading, Pager } from '../ui/common';

const PAGE_SIZE = 20;

/** The open message, its heading given focus (and so brought into view) as it opens. */
function MessageView({ message, onClose }: { message: MailboxMessage; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: another message opening is what moves the focus, not what it reads
  useEffect(() => {
    heading.current?.focus();
  }, [message.id]);
  return (
    <article className="card mailbox-message" aria-labelledby="message-subject">
      <div className="card-head">
        <h2 id="message-subject" ref={heading} tabIndex={-1}>
          {message.subject}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          Close<span className="visually-hidden"> the message</span>
        </button>
      </div>
      <p className="muted">
        From {message.from} to {message.to.join(', ')} · {formatDateTime(message.receivedAt)}
      </p>
      <pre style={{ whiteSpace: 'pre-wrap', font: 'inherit' }}>{message.text}</pre>
    </article>
  );
}

/**
 * What the built-in SMTP sink received: every mail flashcart sent, in development. The list keeps
 * the page's whole width, and the open message shows above it: beside it, at a laptop's width, the
 * list's columns were squeezed until subjects took six lines and the received time fell out of view.
 */
export function MailboxPage() {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string>();
  const mailbox = useQuery({
    queryKey: ['admin', 'mailbox', page],
    queryFn: () => unwrap(api.GET('/api/admin/mailbox', { params: { query: { page, limit: PAGE_SIZE } } })),
    // The page left stays shown while this one loads, so the pager keeps its place and the focus.
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const selected = mailbox.data?.items.find((message) => message.id === open);
  return (
    <>
      <h1>Mailbox</h1>
      <p className="muted">Mail the built-in SMTP sink received (development: nothing leaves this machine). Choose a subject to read it.</p>
      {mailbox.isPending && <Loading what="the mailbox" />}
      {mailbox.error && <LoadError error={mailbox.error} retry={() => void mailbox.refetch()} />}
      {mailbox.data && mailbox.data.items.length === 0 && <p>No mail yet.</p>}
      {selected && <MessageView message={selected} onClose={() => setOpen(undefined)} />}
      {mailbox.data && mailbox.data.items.length > 0 && (
        <div className="table-wrap mailbox">
          <table>
            <colgroup>
              <col />
              <col className="to" />
              <col className="received" />
            </colgroup>
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
                  <td className="to" title={message.to.join(', ')}>
                    {message.to.join(', ')}
                  </td>
                  <td className="received" data-testid="received">
                    {formatDateTime(message.receivedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} limit={PAGE_SIZE} total={mailbox.data.total} onPage={setPage} />
        </div>
      )}
    </>
  );
}
