import { request } from 'undici';
import type { Logger } from '../../lib/logger.js';
import { signWebhook } from '../../modules/payments/webhook-signature.js';
import type { WebhookDeliveryView, WebhookEvent } from './psp-sim.schemas.js';

/**
 * How a webhook is retried until the receiver answers 2xx, as real providers do: the delay doubles
 * from `initialDelayMs` up to `maxDelayMs`, and no attempt starts more than `giveUpAfterMs` after the
 * first one.
 */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
  /**
   * Each delay is drawn from [delay/2, delay] so that webhooks failed together (the API restarting)
   * do not all come back in the same instant. Tests that count attempts can leave it on: it only
   * moves attempts in time.
   */
  jitter: boolean;
}

/** 0.5 s doubling to 30 s, for up to 24 h. */
export const PROVIDER_RETRY_POLICY: RetryPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, giveUpAfterMs: 24 * 3_600_000, jitter: true };

export interface WebhookSenderOptions {
  /** A function when the receiver's address is known only later (an API in the same process, on a port chosen at start). */
  url: string | (() => string);
  /** Several secrets sign with each (a rotation in progress), the first being the current one. */
  secret: string | readonly string[];
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** One attempt's budget; a receiver slower than this counts as a failed attempt. */
  attemptTimeoutMs?: number;
  /** Attempts in flight at once, however many payments complete together; the rest wait their turn. */
  maxConcurrentAttempts?: number;
}

type DeliveryState = WebhookDeliveryView['state'];

/** One event's delivery: the same event id and body on every attempt, a fresh signature each time. */
class WebhookDelivery {
  readonly body: string;
  readonly firstAttemptAt = new Date();
  attempts = 0;
  lastStatus: number | null = null;
  lastError: string | null = null;
  state: DeliveryState = 'sending';
  deliveredAt: Date | null = null;
  nextAttemptAt: Date | null = null;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly event: WebhookEvent) {
    this.body = JSON.stringify(event);
  }

  view(): WebhookDeliveryView {
    return {
      eventId: this.event.id,
      type: this.event.type,
      attempts: this.attempts,
      lastStatus: this.lastStatus,
      lastError: this.lastError,
      state: this.state,
      firstAttemptAt: this.firstAttemptAt.toISOString(),
      deliveredAt: this.deliveredAt?.toISOString() ?? null,
      nextAttemptAt: this.nextAttemptAt?.toISOString() ?? null,
    };
  }
}

/** A read-only handle on a delivery, for the simulator's payment view. */
export interface WebhookDeliveryHandle {
  view(): WebhookDeliveryView;
}

/** Sends signed webhooks and retries each until a 2xx, the policy gives up, or the sender closes. */
export class WebhookSender {
  private readonly retry: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly pending = new Set<WebhookDelivery>();
  private readonly waitingForSlot: WebhookDelivery[] = [];
  private readonly closing = new AbortController();
  private inFlight = 0;

  constructor(private readonly options: WebhookSenderOptions) {
    this.retry = { ...PROVIDER_RETRY_POLICY, ...options.retry };
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
    this.maxConcurrent = options.maxConcurrentAttempts ?? 64;
  }

  /** Starts delivering `event` now; the handle shows its progress. */
  send(event: WebhookEvent): WebhookDeliveryHandle {
    const delivery = new WebhookDelivery(event);
    if (this.closing.signal.aborted) {
      delivery.state = 'stopped';
      return delivery;
    }
    this.pending.add(delivery);
    this.startWhenFree(delivery);
    return delivery;
  }

  /** Stops every retry and aborts attempts in flight; deliveries not yet done end as `stopped`. */
  async close(): Promise<void> {
    this.closing.abort();
    for (const delivery of this.pending) {
      clearTimeout(delivery.timer);
      delivery.state = 'stopped';
      delivery.nextAttemptAt = null;
    }
    this.pending.clear();
    this.waitingForSlot.length = 0;
  }

  private startWhenFree(delivery: WebhookDelivery): void {
    if (this.inFlight >= this.maxConcurrent) {
      this.waitingForSlot.push(delivery);
      return;
    }
    this.inFlight++;
    void this.attempt(delivery).finally(() => {
      this.inFlight--;
      const next = this.waitingForSlot.shift();
      if (next) this.startWhenFree(next);
    });
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    if (this.closing.signal.aborted) return;
    delivery.attempts++;
    delivery.nextAttemptAt = null;
    delivery.state = delivery.attempts === 1 ? 'sending' : 'retrying';
    const { logger, secret } = this.options;
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    try {
      // undici's request rather than fetch: in `npm start` the simulator shares its process with the API.
      const response = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'flashcart-psp-sim',
          'payment-signature': signWebhook(secret, delivery.body, Date.now() / 1_000),
        },
        body: delivery.body,
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.attemptTimeoutMs)]),
      });
      // Read the answer to the end so the connection goes back to the pool.
      await response.body.dump();
      delivery.lastStatus = response.statusCode;
      delivery.lastError = null;
      if (response.statusCode >= 200 && response.statusCode < 300) {
        delivery.state = 'delivered';
        delivery.deliveredAt = new Date();
        this.pending.delete(delivery);
        logger.debug({ eventId: delivery.event.id, attempts: delivery.attempts }, 'webhook delivered');
        return;
      }
      delivery.lastError = `answered ${response.statusCode}`;
    } catch (error) {
      if (this.closing.signal.aborted) return;
      delivery.lastStatus = null;
      delivery.lastError = (error as Error).name === 'TimeoutError' ? `no answer within ${this.attemptTimeoutMs} ms` : (error as Error).message;
    }
    this.scheduleRetry(delivery);
  }

  private scheduleRetry(delivery: WebhookDelivery): void {
    const { initialDelayMs, maxDelayMs, giveUpAfterMs, jitter } = this.retry;
    const ceiling = Math.min(initialDelayMs * 2 ** (delivery.attempts - 1), maxDelayMs);
    const delayMs = jitter ? ceiling / 2 + Math.random() * (ceiling / 2) : ceiling;
    const { logger } = this.options;
    const context = { eventId: delivery.event.id, attempts: delivery.attempts, lastError: delivery.lastError };
    if (Date.now() + delayMs - delivery.firstAttemptAt.getTime() > giveUpAfterMs) {
      delivery.state = 'gave-up';
      this.pending.delete(delivery);
      logger.error(context, 'webhook not delivered: gave up retrying');
      return;
    }
    delivery.state = 'retrying';
    delivery.nextAttemptAt = new Date(Date.now() + delayMs);
    logger.warn({ ...context, retryInMs: Math.round(delayMs) }, 'webhook attempt failed; retrying');
    delivery.timer = setTimeout(() => this.startWhenFree(delivery), delayMs);
  }
}
