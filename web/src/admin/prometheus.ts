/**
 * A reader of the Prometheus text format (what /metrics serves), enough for the dashboard: sample
 * lines with their labels and values; comments, timestamps and exemplars are skipped.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_match, char: string) => (char === 'n' ? '\n' : char));
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name!] = unescapeLabel(value!);
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([label, value]) => sample.labels[label] === value)) sum += sample.value;
  }
  return sum;
}

/** The samples named `name` summed per value of `label`. */
export function sumBy(samples: readonly Sample[], name: string, label: string, where: Record<string, string> = {}): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (!Object.entries(where).every(([key, value]) => sample.labels[key] === value)) continue;
    const key = sample.labels[label] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

/** One scrape, reduced to what the dashboard charts. */
export interface Snapshot {
  at: number;
  accepted: number;
  refused: number;
  /** Jobs waiting, active, delayed or prioritized, per queue. */
  queueDepths: Map<string, number>;
  failedJobs: number;
  persistBacklog: number;
  driftUnits: number;
  driftSkus: number;
}

export function snapshotOf(text: string, at: number): Snapshot {
  const samples = parsePrometheus(text);
  const queueDepths = new Map<string, number>();
  for (const state of ['waiting', 'active', 'delayed', 'prioritized']) {
    for (const [queue, count] of sumBy(samples, 'flashcart_queue_jobs', 'queue', { state })) {
      queueDepths.set(queue, (queueDepths.get(queue) ?? 0) + count);
    }
  }
  return {
    at,
    accepted: sumOf(samples, 'flashcart_reservations_total', { outcome: 'accepted' }),
    refused: sumOf(samples, 'flashcart_reservations_total', { outcome: 'refused' }),
    queueDepths,
    failedJobs: sumOf(samples, 'flashcart_queue_jobs', { state: 'failed' }),
    persistBacklog: sumOf(samples, 'flashcart_orders_persist_backlog'),
    driftUnits: sumOf(samples, 'flashcart_stock_drift', { measure: 'units' }),
    driftSkus: sumOf(samples, 'flashcart_stock_drift', { measure: 'skus' }),
  };
}

export interface Rate {
  at: number;
  /** Per minute, over the interval since the previous snapshot. */
  acceptedPerMinute: number;
  refusedPerMinute: number;
}

/**
 * Per-minute rates between consecutive snapshots. A counter that went down means the process
 * restarted: that interval counts from 0.
 */
export function ratesOf(snapshots: readonly Snapshot[]): Rate[] {
  const rates: Rate[] = [];
  for (let index = 1; index < snapshots.length; index++) {
    const before = snapshots[index - 1]!;
    const after = snapshots[index]!;
    const minutes = (after.at - before.at) / 60_000;
    if (minutes <= 0) continue;
    const delta = (now: number, then: number) => (now >= then ? now - then : now);
    rates.push({
      at: after.at,
      acceptedPerMinute: delta(after.accepted, before.accepted) / minutes,
      refusedPerMinute: delta(after.refused, before.refused) / minutes,
    });
  }
  return rates;
}
