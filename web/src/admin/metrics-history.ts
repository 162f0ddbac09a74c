import { create } from 'zustand';
import { type Snapshot, snapshotOf } from './prometheus';

/** Scrapes kept: at one every SCRAPE_EVERY_MS, ten minutes of history. */
const KEEP = 120;
export const SCRAPE_EVERY_MS = 5_000;

interface MetricsHistory {
  snapshots: Snapshot[];
  error: string | undefined;
}

/**
 * The dashboard's history, kept while the console is open (on any of its pages), from /metrics of
 * the API instance that answers: with several instances behind a balancer each scrape may see
 * another one, so the charts are a sample, not a total.
 */
export const useMetricsHistory = create<MetricsHistory>(() => ({ snapshots: [], error: undefined }));

async function scrape(): Promise<void> {
  try {
    const response = await fetch('/metrics', { headers: { accept: 'text/plain' } });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    const snapshot = snapshotOf(await response.text(), Date.now());
    useMetricsHistory.setState((state) => ({ snapshots: [...state.snapshots.slice(-(KEEP - 1)), snapshot], error: undefined }));
  } catch (error) {
    useMetricsHistory.setState({ error: (error as Error).message });
  }
}

let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Scrapes every SCRAPE_EVERY_MS while at least one caller holds it; returns the release. */
export function holdMetricsScraping(): () => void {
  users += 1;
  if (users === 1) {
    void scrape();
    timer = setInterval(() => void scrape(), SCRAPE_EVERY_MS);
  }
  return () => {
    users -= 1;
    if (users === 0) clearInterval(timer);
  };
}
