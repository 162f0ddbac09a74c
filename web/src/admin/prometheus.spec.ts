import { describe, expect, it } from 'vitest';
import { parsePrometheus, ratesOf, snapshotOf } from './prometheus';

const SCRAPE = `# HELP flashcart_reservations_total Order reservation attempts by outcome
# TYPE flashcart_reservations_total counter
flashcart_reservations_total{outcome="accepted"} 120
flashcart_reservations_total{outcome="refused"} 4000
flashcart_reservations_total{outcome="replayed"} 3
flashcart_queue_jobs{queue="maintenance",state="waiting"} 2
flashcart_queue_jobs{queue="maintenance",state="active"} 1
flashcart_queue_jobs{queue="maintenance",state="failed"} 5
flashcart_queue_jobs{queue="payments",state="delayed"} 4
flashcart_queue_jobs{queue="payments",state="failed"} 1
flashcart_orders_persist_backlog 7
flashcart_stock_drift{measure="units"} 3
flashcart_stock_drift{measure="skus"} 1
flashcart_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/a \\"b\\"",status_code="200"} 9
`;

describe('reading /metrics', () => {
  it('parses samples with their labels, escaped quotes included', () => {
    const samples = parsePrometheus(SCRAPE);
    expect(samples).toHaveLength(12);
    expect(samples.at(-1)).toEqual({
      name: 'flashcart_http_request_duration_seconds_bucket',
      labels: { le: '0.005', method: 'GET', route: '/a "b"', status_code: '200' },
      value: 9,
    });
  });

  it('reduces a scrape to what the dashboard charts', () => {
    const snapshot = snapshotOf(SCRAPE, 0);
    expect(snapshot).toMatchObject({ accepted: 120, refused: 4000, failedJobs: 6, persistBacklog: 7, driftUnits: 3, driftSkus: 1 });
    expect(Object.fromEntries(snapshot.queueDepths)).toEqual({ maintenance: 3, payments: 4 });
  });

  it('turns counters into per-minute rates, counting from 0 after a restart', () => {
    const at = (seconds: number, accepted: number, refused: number) => ({ ...snapshotOf('', seconds * 1_000), accepted, refused });
    const rates = ratesOf([at(0, 100, 0), at(30, 160, 600), at(60, 20, 30)]);
    expect(rates.map((rate) => [rate.acceptedPerMinute, rate.refusedPerMinute])).toEqual([
      [120, 1200],
      [40, 60],
    ]);
  });
});
