import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, type FailedJob, unwrap } from '../api/client';
import { formatDateTime } from '../lib/money';
import { LoadError, Loading, Notice, Pager } from '../ui/common';

const PAGE_SIZE = 25;

function JobActions({ job, onDone }: { job: FailedJob; onDone: (text: string, tone: 'ok' | 'bad') => void }) {
  const queryClient = useQueryClient();
  const failed = (error: unknown) => onDone(error instanceof ApiError ? error.message : 'The action failed.', 'bad');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'failed-jobs'] });
  const path = { params: { path: { id: job.id } } };
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST('/api/admin/failed-jobs/{id}/retry', path)),
    onSuccess: () => {
      void refresh();
      onDone(`${job.name} (${job.id}) was sent back to the ${job.queue} queue.`, 'ok');
    },
    onError: failed,
  });
  const discard = useMutation({
    mutationFn: () => unwrap(api.POST('/api/admin/failed-jobs/{id}/discard', path)),
    onSuccess: () => {
      void refresh();
      onDone(`${job.name} (${job.id}) was discarded.`, 'ok');
    },
    onError: failed,
  });
  if (job.status !== 'failed' && job.status !== 'dead') return <span className="muted">{job.status}</span>;
  const busy = retry.isPending || discard.isPending;
  return (
    <span className="chips">
      <button type="button" className="small" disabled={busy} onClick={() => retry.mutate()}>
        Retry
        <span className="visually-hidden">
          {' '}
          {job.name} {job.id}
        </span>
      </button>
      <button type="button" className="danger small" disabled={busy} onClick={() => discard.mutate()}>
        Discard
        <span className="visually-hidden">
          {' '}
          {job.name} {job.id}
        </span>
      </button>
    </span>
  );
}

export function DeadLettersPage() {
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState<{ text: string; tone: 'ok' | 'bad' }>();
  const jobs = useQuery({
    queryKey: ['admin', 'failed-jobs', page],
    queryFn: () => unwrap(api.GET('/api/admin/failed-jobs', { params: { query: { page, limit: PAGE_SIZE } } })),
    refetchInterval: 10_000,
  });
  return (
    <>
      <h1>Dead letters</h1>
      <p className="muted">Jobs that failed every attempt. Retry sends one back to its queue as it was; discard closes it.</p>
      {message && (
        <Notice tone={message.tone} onDismiss={() => setMessage(undefined)}>
          {message.text}
        </Notice>
      )}
      {jobs.isPending && <Loading what="dead letters" />}
      {jobs.error && <LoadError error={jobs.error} retry={() => void jobs.refetch()} />}
      {jobs.data && jobs.data.items.length === 0 && <p>No dead letters: every job went through.</p>}
      {jobs.data && jobs.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Failed</th>
                <th scope="col">Reason</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Payload</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((job) => (
                <tr key={job.id} data-job={job.id}>
                  <td>
                    <strong>{job.name}</strong>
                    <div className="muted">
                      {job.queue} · {job.id}
                    </div>
                  </td>
                  <td>{formatDateTime(job.failedAt)}</td>
                  <td>{job.reason}</td>
                  <td className="num">{job.attempts}</td>
                  <td>
                    <pre className="payload">{JSON.stringify(job.payload, null, 1)}</pre>
                  </td>
                  <td>
                    <JobActions job={job} onDone={(text, tone) => setMessage({ text, tone })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} limit={PAGE_SIZE} total={jobs.data.total} onPage={setPage} />
        </div>
      )}
    </>
  );
}
