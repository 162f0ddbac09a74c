import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { ApiError, api, type FailedJob, unwrap } from '../api/client';
import { formatDateTime } from '../lib/money';
import { ConfirmButton, LoadError, Loading, Pager } from '../ui/common';
import { type OutcomeTone, useOutcomeNotice } from '../ui/outcome';

const PAGE_SIZE = 25;

type Status = FailedJob['status'];
const STATUSES: { value: Status | ''; label: string }[] = [
  { value: '', label: 'Not discarded' },
  { value: 'failed', label: 'Waiting (failed)' },
  { value: 'retried', label: 'Retried' },
  { value: 'discarded', label: 'Discarded' },
];

/** The payload fields that say what a job was about; a mail's payload also carries its whole rendered body. */
const TELLING_FIELDS = ['template', 'to', 'type', 'orderId', 'sku', 'vendorId'];

function payloadSummary(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return JSON.stringify(payload) ?? '';
  const record = payload as Record<string, unknown>;
  const parts = TELLING_FIELDS.filter((field) => typeof record[field] === 'string').map((field) => `${field}: ${record[field]}`);
  return parts.length > 0 ? parts.join(' · ') : `${Object.keys(record).length} field(s)`;
}

/**
 * A link to the order a job was about (a fulfilment, an order's notification), when its payload
 * names one: where to see what the failure left the order in before retrying or discarding it.
 */
function OrderLink({ payload }: { payload: unknown }) {
  const orderId = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).orderId : undefined;
  return typeof orderId === 'string' ? <Link href={`/orders/${orderId}`}>Order {orderId.slice(0, 8)}</Link> : null;
}

function JobActions({ job, onDone }: { job: FailedJob; onDone: (text: string, tone: OutcomeTone) => void }) {
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
  if (job.status === 'discarded') return <span className="muted">—</span>;
  const busy = retry.isPending || discard.isPending;
  const which = (
    <span className="visually-hidden">
      {' '}
      {job.name} {job.id}
    </span>
  );
  return (
    <span className="chips">
      {/* A letter retried once is not retried again (the server answers 409): if the retry failed, it is a letter of its own. */}
      {job.status !== 'retried' && (
        <button type="button" className="small" disabled={busy} onClick={() => retry.mutate()}>
          Retry{which}
        </button>
      )}
      {/* Discarded, a letter can no longer be retried (a fulfilment that never runs, a mail never sent): it is asked for twice. */}
      <ConfirmButton
        small
        question="Discard it? It cannot be retried then."
        yes={<>Yes, discard{which}</>}
        keep={
          <>
            Keep it<span className="visually-hidden"> ({job.id})</span>
          </>
        }
        onConfirm={() => discard.mutate()}
        disabled={busy}
      >
        Discard{which}
      </ConfirmButton>
    </span>
  );
}

export function DeadLettersPage() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<Status | ''>('');
  /** Says what became of a letter. The button pressed goes with it (its row leaves the list, Retry leaves a retried row): the focus moves to what is said. */
  const { show: done, notice } = useOutcomeNotice();
  const jobs = useQuery({
    queryKey: ['admin', 'failed-jobs', status, page],
    queryFn: () => unwrap(api.GET('/api/admin/failed-jobs', { params: { query: { page, limit: PAGE_SIZE, ...(status ? { status } : {}) } } })),
    // The page left stays shown while this one loads, so the pager keeps its place and the focus.
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  return (
    <>
      <h1>Dead letters</h1>
      <p className="muted">Jobs that failed every attempt. Retry sends one back to its queue as it was, once; discard sets it aside.</p>
      {notice}
      <div className="field" style={{ maxWidth: '16rem' }}>
        <label htmlFor="dead-letter-filter">Show</label>
        <select
          id="dead-letter-filter"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as Status | '');
            setPage(1);
          }}
        >
          {STATUSES.map(({ value, label }) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {jobs.isPending && <Loading what="dead letters" />}
      {jobs.error && <LoadError error={jobs.error} retry={() => void jobs.refetch()} />}
      {jobs.data && jobs.data.items.length === 0 && <p>No dead letters here: every job went through.</p>}
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
                <th scope="col">Status</th>
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
                  <td data-testid="reason">{job.reason}</td>
                  <td className="num">{job.attempts}</td>
                  <td>
                    <details className="payload">
                      <summary>{payloadSummary(job.payload)}</summary>
                      <pre className="payload">{JSON.stringify(job.payload, null, 1)}</pre>
                    </details>
                    <OrderLink payload={job.payload} />
                  </td>
                  <td>
                    <span className={`badge ${job.status}`} data-testid="status">
                      {job.status}
                    </span>
                  </td>
                  <td>
                    <JobActions job={job} onDone={done} />
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
