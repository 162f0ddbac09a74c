import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, unwrap, type Vendor } from '../api/client';
import { formatDateTime } from '../lib/money';
import { LoadError, Loading } from '../ui/common';
import { type OutcomeTone, useOutcomeNotice } from '../ui/outcome';
import { NewVendorForm, VendorEditor } from './VendorForms';

/** The switches the console offers; the simulators also take fluctuation and stock, which tests drive directly. */
type Fault = 'outage' | 'latency' | 'errors' | 'garbage' | 'reset';
const GARBAGE_KINDS = ['mixed', 'not-json', 'negative-count', 'string-count'] as const;

/** What the vendor says is in force, in words: its answer is `{faults: {outage, latencyMs, errorRate, garbage, ...}}`. */
function describeFaults(answer: Record<string, unknown>): string {
  const faults = (answer.faults ?? {}) as {
    outage?: { until?: string; mode?: string } | null;
    latencyMs?: number;
    errorRate?: number;
    garbage?: { kind?: string } | null;
  };
  const parts: string[] = [];
  if (faults.outage?.until) parts.push(`outage (${faults.outage.mode ?? 'unavailable'}) until ${formatDateTime(faults.outage.until)}`);
  if (faults.latencyMs) parts.push(`${faults.latencyMs} ms latency`);
  if (faults.errorRate) parts.push(`${Math.round(faults.errorRate * 100)}% errors`);
  if (faults.garbage) parts.push(`garbage stock answers (${faults.garbage.kind ?? 'mixed'})`);
  return parts.length > 0 ? parts.join(', ') : 'no faults';
}

/**
 * A vendor's last sync as the API tells it: none yet, or its last attempt, dated, and whether that
 * succeeded; after a failure, when one last succeeded (null: none ever did).
 */
export type LastSync = { outcome: 'never' } | { outcome: 'ok'; at: string } | { outcome: 'failed'; at: string; lastSuccessAt: string | null };

/**
 * What a vendor's `lastSyncAt` dates: its last attempt, successful or not (`status` says which, and
 * `lastError` still does once the vendor is disabled). A failed attempt's time is not that of the
 * last sync: `lastSuccessAt` is, the age of the counts still in use.
 */
export function lastSyncOf(vendor: Pick<Vendor, 'status' | 'lastSyncAt' | 'lastSuccessAt' | 'lastError'>): LastSync {
  if (!vendor.lastSyncAt) return { outcome: 'never' };
  const failed = vendor.status === 'failed' || vendor.lastError !== undefined;
  return failed ? { outcome: 'failed', at: vendor.lastSyncAt, lastSuccessAt: vendor.lastSuccessAt } : { outcome: 'ok', at: vendor.lastSyncAt };
}

/** The "Last sync" cell: the time of the last sync, or, when the last attempt failed, that apart. */
function LastSyncCell({ vendor }: { vendor: Vendor }) {
  const last = lastSyncOf(vendor);
  return (
    <td className="vendors-sync" data-label="Last sync" data-testid="last-sync">
      {last.outcome === 'never' && 'never'}
      {last.outcome === 'ok' && formatDateTime(last.at)}
      {last.outcome === 'failed' && (
        <>
          <span className="sync-failed">Last attempt failed {formatDateTime(last.at)}</span>
          <div className="muted small-text">
            {last.lastSuccessAt ? `Last successful sync ${formatDateTime(last.lastSuccessAt)}` : 'No sync has succeeded yet.'}
          </div>
        </>
      )}
    </td>
  );
}

/** One fault switch that takes a number (from 0): its field and the button that flips it. */
function NumberSwitch(props: {
  id: string;
  label: string;
  max: number;
  step?: number;
  value: string;
  onChange: (value: string) => void;
  action: string;
  busy: boolean;
  onSubmit: (event: FormEvent) => void;
}) {
  return (
    <form className="field" onSubmit={props.onSubmit}>
      <label htmlFor={props.id}>{props.label}</label>
      <div className="inline">
        <input
          id={props.id}
          type="number"
          min={0}
          max={props.max}
          {...(props.step !== undefined ? { step: props.step } : {})}
          required
          value={props.value}
          onChange={(event) => props.onChange(event.target.value)}
        />
        <button type="submit" className="small" disabled={props.busy}>
          {props.action}
        </button>
      </div>
    </form>
  );
}

function FaultSwitches({ vendors, onDone }: { vendors: Vendor[]; onDone: (text: string, tone: OutcomeTone) => void }) {
  const [vendorId, setVendorId] = useState(vendors[0]?.id ?? '');
  const [outageSeconds, setOutageSeconds] = useState('60');
  const [latencyMs, setLatencyMs] = useState('2000');
  const [errorPercent, setErrorPercent] = useState('50');
  const [garbageKind, setGarbageKind] = useState<(typeof GARBAGE_KINDS)[number]>('mixed');
  const vendor = vendors.find((candidate) => candidate.id === vendorId) ?? vendors[0];

  const flip = useMutation({
    mutationFn: ({ id, fault, body }: { id: string; fault: Fault; body?: Record<string, unknown> }) =>
      unwrap(api.POST('/api/admin/vendors/{id}/simulate/{fault}', { params: { path: { id, fault } }, ...(body ? { body } : {}) })),
    onSuccess: (answer) => onDone(`${vendor?.name}: ${describeFaults(answer)} in force.`, 'ok'),
    onError: (error) => onDone(error instanceof ApiError ? error.message : 'The switch could not be flipped.', 'bad'),
  });
  if (!vendor) return null;
  const submit = (fault: Fault, body?: Record<string, unknown>) => (event: FormEvent) => {
    event.preventDefault();
    flip.mutate({ id: vendor.id, fault, ...(body ? { body } : {}) });
  };

  return (
    <section className="fault-switches-section" aria-labelledby="fault-switches">
      <h2 id="fault-switches">Fault switches</h2>
      <p className="muted">
        For the simulated vendors (development and demos): each switch goes to the vendor's own fault route. Sync afterwards to see what flashcart
        makes of it.
      </p>
      <div className="field" style={{ maxWidth: '16rem' }}>
        <label htmlFor="fault-vendor">Vendor</label>
        <select id="fault-vendor" value={vendor.id} onChange={(event) => setVendorId(event.target.value)}>
          {vendors.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name}
            </option>
          ))}
        </select>
      </div>
      <div className="form-grid">
        <NumberSwitch
          id="outage-seconds"
          label="Outage (seconds)"
          max={86_400}
          value={outageSeconds}
          onChange={setOutageSeconds}
          action="Start outage"
          busy={flip.isPending}
          onSubmit={submit('outage', { seconds: Number(outageSeconds) })}
        />
        <NumberSwitch
          id="latency-ms"
          label="Latency (ms)"
          max={600_000}
          step={1}
          value={latencyMs}
          onChange={setLatencyMs}
          action="Set latency"
          busy={flip.isPending}
          onSubmit={submit('latency', { ms: Number(latencyMs) })}
        />
        <NumberSwitch
          id="error-percent"
          label="Errors (% of answers)"
          max={100}
          value={errorPercent}
          onChange={setErrorPercent}
          action="Set errors"
          busy={flip.isPending}
          onSubmit={submit('errors', { rate: Number(errorPercent) / 100 })}
        />
        <form className="field" onSubmit={submit('garbage', { enabled: true, kind: garbageKind })}>
          <label htmlFor="garbage-kind">Garbage stock answers</label>
          <div className="inline">
            <select id="garbage-kind" value={garbageKind} onChange={(event) => setGarbageKind(event.target.value as (typeof GARBAGE_KINDS)[number])}>
              {GARBAGE_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
            <button type="submit" className="small" disabled={flip.isPending}>
              Send garbage
            </button>
          </div>
        </form>
      </div>
      <button type="button" className="secondary small" disabled={flip.isPending} onClick={() => flip.mutate({ id: vendor.id, fault: 'reset' })}>
        Reset every fault<span className="visually-hidden"> of {vendor.name}</span>
      </button>
    </section>
  );
}

export function VendorsPage() {
  const queryClient = useQueryClient();
  /** Says what an action came to, and takes the focus: the button pressed was disabled while it was sent. */
  const { show, notice } = useOutcomeNotice();
  const [adding, setAdding] = useState(false);
  /** The id of the vendor whose editor is open. */
  const [editing, setEditing] = useState<string>();
  /** How many vendor changes have succeeded on this page: an editor drops its refusal after each. */
  const [settled, setSettled] = useState(0);
  const done = (text: string) => {
    show(text, 'ok');
    setSettled((count) => count + 1);
  };
  const vendors = useQuery({
    queryKey: ['admin', 'vendors'],
    queryFn: () => unwrap(api.GET('/api/admin/vendors')),
    // A sync runs as a job a moment after it is asked for: its outcome shows on the next poll.
    refetchInterval: 3_000,
  });
  const sync = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/admin/vendors/{id}/sync', { params: { path: { id } } })),
    onSuccess: (_answer, id) => {
      const name = vendors.data?.find((vendor) => vendor.id === id)?.name ?? id;
      show(`A sync of ${name} was queued.`, 'ok');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'vendors'] });
    },
    onError: (error) => show(error instanceof ApiError ? error.message : 'The sync could not be queued.', 'bad'),
  });
  return (
    <>
      <h1>Vendors</h1>
      <p className="muted">Outside stock: each vendor's health (how its last sync went), its circuit breaker and when it last synced.</p>
      {notice}
      <p>
        <button type="button" className="secondary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          New vendor
        </button>
      </p>
      {adding && <NewVendorForm onAdded={done} />}
      {vendors.isPending && <Loading what="vendors" />}
      {vendors.error && <LoadError error={vendors.error} retry={() => void vendors.refetch()} />}
      {vendors.data && vendors.data.length === 0 && <p>No vendors: every unit on sale is the warehouse's own.</p>}
      {vendors.data && vendors.data.length > 0 && (
        <>
          <div className="table-wrap vendors-list">
            <table>
              <thead>
                <tr>
                  <th scope="col">Vendor</th>
                  <th scope="col" className="num">
                    Priority
                  </th>
                  <th scope="col">Health</th>
                  <th scope="col">Circuit</th>
                  <th scope="col">Last sync</th>
                  <th scope="col" className="num">
                    SKUs
                  </th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {vendors.data.map((vendor) => [
                  <tr key={vendor.id} data-vendor={vendor.name} data-synced-at={vendor.lastSyncAt ?? ''}>
                    <td className="vendors-vendor">
                      <strong>{vendor.name}</strong>
                      <div className="muted">{vendor.baseUrl}</div>
                    </td>
                    <td className="num vendors-priority" data-label="Priority" data-testid="priority">
                      {vendor.priority}
                    </td>
                    <td className="vendors-health" data-label="Health">
                      <span className={`badge vendor-${vendor.status}`} data-testid="health">
                        {vendor.status}
                      </span>
                      {vendor.lastError && <div className="muted small-text">{vendor.lastError}</div>}
                    </td>
                    <td className="vendors-circuit" data-label="Circuit">
                      <span className={`badge circuit-${vendor.circuit}`} data-testid="circuit">
                        {vendor.circuit}
                      </span>
                    </td>
                    <LastSyncCell vendor={vendor} />
                    <td className="num vendors-skus" data-label="SKUs">
                      {vendor.skuCount}
                    </td>
                    <td className="vendors-actions">
                      <div className="inline">
                        <button type="button" className="small" disabled={sync.isPending || !vendor.enabled} onClick={() => sync.mutate(vendor.id)}>
                          Sync now<span className="visually-hidden"> {vendor.name}</span>
                        </button>
                        <button
                          type="button"
                          className="secondary small"
                          aria-expanded={editing === vendor.id}
                          onClick={() => setEditing(editing === vendor.id ? undefined : vendor.id)}
                        >
                          Edit<span className="visually-hidden"> {vendor.name}</span>
                        </button>
                      </div>
                    </td>
                  </tr>,
                  editing === vendor.id && (
                    <tr key={`${vendor.id}-edit`}>
                      <td colSpan={7}>
                        <div className="row-editor">
                          <VendorEditor vendor={vendor} onDone={done} settled={settled} />
                        </div>
                      </td>
                    </tr>
                  ),
                ])}
              </tbody>
            </table>
          </div>
          <FaultSwitches vendors={vendors.data} onDone={show} />
        </>
      )}
    </>
  );
}
