import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one process, on a registry of its own so several apps can live in one
 * test process. Gauges whose value lives elsewhere (queue depths, drift) read it at scrape time
 * through collectors registered by the module that knows how.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'flashcart_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly reservations = new Counter({
    name: 'flashcart_reservations_total',
    help: 'Order reservation attempts by outcome (accepted, refused, replayed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly ordersPersisted = new Counter({
    name: 'flashcart_orders_persisted_total',
    help: 'Accepted orders stored in Postgres, by resulting status (PENDING: holding their stock; FAILED: could not)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly persistBatchSize = new Histogram({
    name: 'flashcart_persist_batch_orders',
    help: 'Orders per batch the persist workers wrote in one statement',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });

  readonly stockReleases = new Counter({
    name: 'flashcart_stock_releases_total',
    help: 'Reservations ended in Redis, by mode (release, consume, orphan)',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly paymentWebhookBatchSize = new Histogram({
    name: 'flashcart_payment_webhook_batch_events',
    help: 'Payment webhook events per batch applied in one transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly paymentWebhooks = new Counter({
    name: 'flashcart_payment_webhooks_total',
    help: 'Authentic payment webhooks by outcome (confirmed, released, duplicate, refund-due, amount-mismatch, unknown-payment, ...)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly cartChanges = new Counter({
    name: 'flashcart_cart_changes_total',
    help: 'Cart changes in Redis (each a new version), by source (owner, merge, order, catalog)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly cartWrites = new Counter({
    name: 'flashcart_cart_writes_total',
    help: 'Cart snapshots the persister sent to Postgres, by outcome (written; stale: an equal or newer snapshot was stored)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly outboxRelayed = new Counter({
    name: 'flashcart_outbox_relayed_total',
    help: 'Outbox events handed to the queues',
    registers: [this.registry],
  });

  readonly emails = new Counter({
    name: 'flashcart_emails_total',
    help: 'Mail send attempts by template and outcome (sent, failed, already-sent, withheld)',
    labelNames: ['template', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'flashcart_dead_letters_total',
    help: 'Jobs that used up their attempts, by queue and job name',
    labelNames: ['queue', 'job'] as const,
    registers: [this.registry],
  });

  readonly cartPersistStatements = new Counter({
    name: 'flashcart_cart_persist_statements_total',
    help: 'Upsert statements the cart persister ran (one per batch)',
    registers: [this.registry],
  });

  readonly cartDrift = new Gauge({
    name: 'flashcart_cart_drift',
    help: 'Carts whose Redis copy and Postgres snapshot disagreed at the last reconciliation, by kind (unmarked: Redis newer and not dirty; redis_behind: the snapshot newer)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly cartHealed = new Counter({
    name: 'flashcart_cart_healed_total',
    help: 'Carts the reconciliation healed, by the side it repaired (postgres, redis)',
    labelNames: ['side'] as const,
    registers: [this.registry],
  });

  readonly cartReminders = new Counter({
    name: 'flashcart_cart_reminders_total',
    help: 'Abandoned carts decided on, by outcome (reminded: a reminder event written; no_address: an owner with no address, no mail; opted_out: an owner who turned reminders off, no mail)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /**
   * Records the requests of one route, finding the labelled child per method and status without
   * building a string per request (prom-client still checks and hashes the labels inside).
   */
  httpRecorder(route: string): (method: string, statusCode: number, seconds: number) => void {
    const children = new Map<string, Map<number, { observe(value: number): void }>>();
    return (method, statusCode, seconds) => {
      let byStatus = children.get(method);
      if (!byStatus) {
        byStatus = new Map();
        children.set(method, byStatus);
      }
      let child = byStatus.get(statusCode);
      if (!child) {
        child = this.httpDuration.labels({ method, route, status_code: statusCode });
        byStatus.set(statusCode, child);
      }
      child.observe(seconds);
    };
  }

  private readonly reservationOutcomes = {
    accepted: this.reservations.labels('accepted'),
    refused: this.reservations.labels('refused'),
    replayed: this.reservations.labels('replayed'),
  };

  /** Counts one reservation attempt; every outcome is exported from the start, at 0. */
  countReservation(outcome: keyof Metrics['reservationOutcomes']): void {
    this.reservationOutcomes[outcome].inc();
  }

  constructor(defaultLabels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(defaultLabels);
    collectDefaultMetrics({ register: this.registry, prefix: 'flashcart_' });
  }

  /** A gauge whose values are read when Prometheus scrapes; a failed read keeps the last values. */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => Promise<void>): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(this).catch(() => undefined);
      },
    });
  }
}
