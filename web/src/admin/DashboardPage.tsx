import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import { Notice } from '../ui/common';
import { HorizontalBars, LineChart, StackedBars } from './charts';
import { SCRAPE_EVERY_MS, useMetricsHistory } from './metrics-history';
import { ratesOf } from './prometheus';
import { QueueBoardLink } from './QueueBoardLink';

function Tile({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <div className="tile" data-tile={label}>
      <div className="muted">{label}</div>
      <div className="value">{value}</div>
      {hint && <div className="muted">{hint}</div>}
    </div>
  );
}

export function DashboardPage() {
  const { snapshots, error } = useMetricsHistory();
  const rates = ratesOf(snapshots);
  const latest = snapshots.at(-1);
  const lowStock = useQuery({
    queryKey: ['admin', 'inventory', 'low-count'],
    queryFn: () => unwrap(api.GET('/api/admin/inventory', { params: { query: { low: 'true', limit: 1 } } })),
    refetchInterval: 15_000,
  });
  // The letters still waiting for a retry or a discard: one retried is seen to, and counted no more.
  const deadLetters = useQuery({
    queryKey: ['admin', 'failed-jobs', 'count'],
    queryFn: () => unwrap(api.GET('/api/admin/failed-jobs', { params: { query: { status: 'failed', limit: 1 } } })),
    refetchInterval: 15_000,
    retry: false,
  });
  const perMinute = rates.at(-1)?.acceptedPerMinute ?? 0;
  const intervalSeconds = SCRAPE_EVERY_MS / 1_000;

  return (
    <>
      <h1>Dashboard</h1>
      {error && <Notice tone="warn">Metrics could not be read: {error}</Notice>}
      <div className="tiles">
        <Tile label="Orders per minute" value={Math.round(perMinute)} hint="accepted, last interval" />
        <Tile label="Accepted" value={latest?.accepted ?? '–'} hint="since this API started" />
        <Tile label="Refused (sold out)" value={latest?.refused ?? '–'} />
        <Tile label="Awaiting persistence" value={latest?.persistBacklog ?? '–'} />
        <Tile
          label="Dead letters"
          value={deadLetters.data?.total ?? '–'}
          hint={deadLetters.data && deadLetters.data.total > 0 ? 'waiting: see Dead letters' : undefined}
        />
        <Tile
          label="Stock drift"
          value={latest ? `${latest.driftUnits} ${latest.driftUnits === 1 ? 'unit' : 'units'}` : '–'}
          hint={latest ? `${latest.driftSkus} SKU(s)` : undefined}
        />
        <Tile label="Low-stock SKUs" value={lowStock.data?.total ?? '–'} />
      </div>
      <div className="charts">
        <LineChart
          title="Orders per minute"
          unit="per minute"
          series={[{ name: 'accepted', color: '#1d4ed8', values: rates.map((rate) => rate.acceptedPerMinute) }]}
          note={`From /metrics every ${intervalSeconds} s while the console is open.`}
        />
        <StackedBars
          title={`Accepted vs refused (per minute, ${intervalSeconds} s intervals)`}
          unit="per minute"
          series={[
            { name: 'accepted', color: '#166534', values: rates.map((rate) => rate.acceptedPerMinute) },
            { name: 'refused', color: '#b91c1c', values: rates.map((rate) => rate.refusedPerMinute) },
          ]}
        />
        <HorizontalBars
          title="Queue depths (waiting, active, delayed)"
          values={latest ? [...latest.queueDepths.entries()].sort(([a], [b]) => a.localeCompare(b)) : []}
          empty="No queue reported yet."
        />
        <LineChart
          title="Failed jobs and stock drift"
          unit=""
          series={[
            // BullMQ's failed jobs, as /metrics counts them: a dead letter retried or discarded stays one of them.
            { name: 'failed jobs (queues)', color: '#b91c1c', values: snapshots.map((snapshot) => snapshot.failedJobs) },
            { name: 'drift (units)', color: '#92400e', values: snapshots.map((snapshot) => snapshot.driftUnits) },
          ]}
        />
      </div>
      {/* A div, not a paragraph: the queue board's control is a form, which a paragraph cannot hold. */}
      <div style={{ margin: '1rem 0' }}>
        <Link href="/dead-letters">Dead letters</Link> · <QueueBoardLink>Queue dashboard</QueueBoardLink> · <a href="/metrics">Raw metrics</a>
      </div>
    </>
  );
}
