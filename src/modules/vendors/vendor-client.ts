import {
  CircuitState as BreakerState,
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import type { Logger } from '../../lib/logger.js';
import { ON_HAND_LIMIT } from '../inventory/inventory.schemas.js';
import {
  VendorBadResponse,
  VendorConnectionFailed,
  VendorError,
  VendorRequestRejected,
  VendorServerError,
  VendorTimeout,
  VendorUnavailable,
} from './vendors.errors.js';

/** The state of a vendor's circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitChange {
  vendor: string;
  from: CircuitState;
  to: CircuitState;
  /** When the circuit opened: the fault that opened it. */
  cause?: unknown;
}

export interface VendorClientOptions {
  /** Longest wait for one complete answer (one attempt). */
  timeoutMs: number;
  /** Attempts per call, the first included; only transient faults (timeout, connection, 5xx) are retried. */
  attempts: number;
  /** First backoff between attempts; each next one grows exponentially, with jitter. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Consecutive failed attempts that open the circuit. */
  breakerThreshold: number;
  /** How long an open circuit fails calls fast before letting one probe call through (half-open). */
  breakDurationMs: number;
}

export const DEFAULT_VENDOR_CLIENT_OPTIONS: Readonly<VendorClientOptions> = Object.freeze({
  timeoutMs: 5_000,
  attempts: 3,
  backoffInitialMs: 200,
  backoffMaxMs: 2_000,
  breakerThreshold: 5,
  breakDurationMs: 30_000,
});

export interface VendorClientDependencies {
  /** The vendor's name, carried by every error and log line. */
  name: string;
  /** Base URL of the vendor's API, e.g. `http://127.0.0.1:3200`. */
  baseUrl: string;
  logger: Logger;
  options?: Partial<VendorClientOptions>;
  /** Called on every change of the circuit's state. */
  onCircuitChange?: (change: CircuitChange) => void;
}

const sku = z.string().min(1).max(64);

/**
 * A vendor's stock answer. Refused whole, not item by item, when anything in it is off: a vendor
 * that sends one negative count may have others wrong in ways that still look valid, and an
 * answer refused whole leaves that vendor's previous stock to go stale rather than half-updated.
 */
const stockAnswer = z
  .object({
    asOf: z.iso.datetime({ offset: true }),
    // A count beyond what the ledger takes for a warehouse's stock is no count of goods (and would
    // not fit the ledger's integers once added up).
    items: z.array(z.object({ sku, available: z.number().int().min(0).max(ON_HAND_LIMIT) })).max(100_000),
  })
  .superRefine(({ items }, context) => {
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      if (seen.has(item.sku)) context.addIssue({ code: 'custom', path: ['items', index, 'sku'], message: `${item.sku} is listed twice` });
      seen.add(item.sku);
    }
  });

const orderLine = z.object({
  lineId: z.string().min(1).max(200),
  sku,
  quantity: z.number().int().min(1).max(1_000_000),
});

const orderAnswer = z.object({ vendorOrderId: z.string().min(1).max(200), lineId: z.string(), sku: z.string(), quantity: z.number() });

const errorAnswer = z.object({
  error: z.object({ code: z.string(), message: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() }),
});

export interface VendorStockItem {
  sku: string;
  available: number;
}

export interface VendorStock {
  /** When the vendor says it counted. */
  asOf: Date;
  items: VendorStockItem[];
}

/** One order line handed to a vendor; `lineId` makes the call idempotent at the vendor. */
export type VendorOrderLine = z.infer<typeof orderLine>;

export type PlaceOrderResult =
  | { outcome: 'placed'; vendorOrderId: string }
  | { outcome: 'refused'; reason: 'insufficient-stock'; available: number | undefined }
  | { outcome: 'refused'; reason: 'unknown-sku' };

const CIRCUIT_STATES: Record<BreakerState, CircuitState> = {
  [BreakerState.Closed]: 'closed',
  [BreakerState.Open]: 'open',
  [BreakerState.HalfOpen]: 'half-open',
  // Isolation is a manual hold-open; this client never isolates, but it would read as open.
  [BreakerState.Isolated]: 'open',
};

/**
 * The largest answer read from a vendor: a stock answer of its 100,000 items at most is a few MB, and
 * one without a bound could take the worker's memory before the item count is ever checked.
 */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The body as UTF-8 text; undefined, the rest left unread, once it passes `limit` bytes. */
async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Talks to one vendor over HTTP: its stock, and placing order lines.
 *
 * Each attempt has a timeout; transient faults are retried with exponential backoff; a
 * consecutive-failures circuit breaker (chosen over a sampling one because a vendor sees a call
 * every sync interval and a few per fulfilment, too few for a failure rate to mean much) opens
 * after `breakerThreshold` failed attempts in a row and fails every call fast with
 * `VendorUnavailable` for `breakDurationMs`; the next call then probes (half-open) and closes it on
 * success. Retry wraps the breaker, so every attempt counts and retries stop once it opens.
 * Retrying `placeOrder` is safe: the vendor is idempotent on the line id.
 *
 * Business refusals (short, unknown SKU) are results and count as the vendor answering well; faults
 * are thrown as `VendorError` subclasses.
 */
export class VendorClient {
  readonly name: string;
  readonly baseUrl: string;
  private readonly options: VendorClientOptions;
  private readonly logger: Logger;
  private readonly timeout: TimeoutPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly retry: RetryPolicy;
  private circuit: CircuitState = 'closed';
  /** When the circuit last opened (ms since the epoch). */
  private openedAt = 0;

  constructor({ name, baseUrl, logger, options, onCircuitChange }: VendorClientDependencies) {
    this.name = name;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.options = { ...DEFAULT_VENDOR_CLIENT_OPTIONS, ...options };
    this.logger = logger.child({ component: 'vendor-client', vendor: name });
    const { timeoutMs, attempts, backoffInitialMs, backoffMaxMs, breakerThreshold, breakDurationMs } = this.options;

    this.timeout = timeout(timeoutMs, TimeoutStrategy.Aggressive);
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof VendorError && error.countsAgainstVendor),
      { halfOpenAfter: breakDurationMs, breaker: new ConsecutiveBreaker(breakerThreshold) },
    );
    this.retry = retry(
      handleWhen((error) => error instanceof VendorError && error.transient),
      { maxAttempts: attempts - 1, backoff: new ExponentialBackoff({ initialDelay: backoffInitialMs, maxDelay: backoffMaxMs }) },
    );
    this.retry.onRetry(({ delay, attempt, ...reason }) =>
      this.logger.debug({ attempt, delayMs: delay, err: 'error' in reason ? reason.error : undefined }, 'retrying a vendor call'),
    );
    this.breaker.onStateChange((state) => {
      const from = this.circuit;
      const to = CIRCUIT_STATES[state];
      if (from === to) return;
      this.circuit = to;
      if (to === 'open') this.openedAt = Date.now();
      const failure = this.breaker.lastFailure;
      const cause = to === 'open' && failure && 'error' in failure ? failure.error : undefined;
      onCircuitChange?.({ vendor: name, from, to, ...(cause ? { cause } : {}) });
    });
  }

  /** `open` stays until the first call after the break duration, which probes (`half-open`). */
  circuitState(): CircuitState {
    return this.circuit;
  }

  /**
   * Whether a call now would reach the vendor: false only while the circuit is open and its break
   * lasts. Once the break is over the state still reads `open` until a call probes it, so a caller
   * that skipped every vendor whose state reads `open` would never be the probe.
   */
  acceptsCalls(): boolean {
    return this.circuit !== 'open' || Date.now() - this.openedAt >= this.options.breakDurationMs;
  }

  /** The longest one call may take, its retries and their backoff included. */
  callBudgetMs(): number {
    const { attempts, timeoutMs, backoffMaxMs } = this.options;
    return attempts * timeoutMs + (attempts - 1) * backoffMaxMs;
  }

  /** The vendor's stock, validated: an answer with any negative, fractional or non-numeric count is refused whole. */
  async fetchStock(): Promise<VendorStock> {
    return this.call(async (signal) => {
      const { status, payload } = await this.send('GET', '/stock', undefined, signal);
      if (status !== 200) throw this.rejected(status, payload);
      const parsed = stockAnswer.safeParse(payload);
      if (!parsed.success) throw this.badResponse('stock answer refused', parsed.error);
      return { asOf: new Date(parsed.data.asOf), items: parsed.data.items.map(({ sku, available }) => ({ sku, available })) };
    });
  }

  /**
   * Places one order line. A vendor short of stock or not carrying the SKU is a `refused` result;
   * a repeat of a line id returns the order the first call placed.
   */
  async placeOrder(line: VendorOrderLine): Promise<PlaceOrderResult> {
    const request = orderLine.parse(line);
    return this.call(async (signal) => {
      const { status, payload } = await this.send('POST', '/orders', request, signal);
      if (status === 200 || status === 201) {
        const parsed = orderAnswer.safeParse(payload);
        if (!parsed.success) throw this.badResponse('order answer refused', parsed.error);
        const { vendorOrderId, ...echo } = parsed.data;
        if (echo.lineId !== request.lineId || echo.sku !== request.sku || echo.quantity !== request.quantity) {
          throw this.badResponse('order answer is for another line', undefined, [`sent ${JSON.stringify(request)}, got ${JSON.stringify(echo)}`]);
        }
        return { outcome: 'placed', vendorOrderId };
      }
      const error = errorAnswer.safeParse(payload);
      const code = error.success ? error.data.error.code : undefined;
      if (status === 409 && code === 'INSUFFICIENT_STOCK') {
        const available = error.data?.error.details?.available;
        return { outcome: 'refused', reason: 'insufficient-stock', available: Number.isSafeInteger(available) ? (available as number) : undefined };
      }
      if (status === 404 && code === 'UNKNOWN_SKU') return { outcome: 'refused', reason: 'unknown-sku' };
      throw this.rejected(status, payload);
    });
  }

  /** Retry around the breaker around one timed attempt; an open circuit becomes VendorUnavailable. */
  private async call<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.retry.execute(() => this.breaker.execute(() => this.timed(attempt)));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        const last = this.breaker.lastFailure;
        throw new VendorUnavailable(this.name, 'circuit open: call not attempted', {
          cause: last && 'error' in last ? last.error : error,
        });
      }
      throw error;
    }
  }

  private async timed<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.timeout.execute(({ signal }) => attempt(signal));
    } catch (error) {
      if (error instanceof TaskCancelledError) throw new VendorTimeout(this.name, `no answer within ${this.options.timeoutMs} ms`);
      throw error;
    }
  }

  /**
   * One HTTP exchange (undici's `request` on kept-alive connections; `fetch`'s web streams cost
   * several times its CPU per call): a 5xx, a dropped connection or a body that is not JSON is
   * thrown as a fault.
   */
  private async send(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal): Promise<{ status: number; payload: unknown }> {
    let status: number;
    let text: string | undefined;
    try {
      const response = await request(`${this.baseUrl}${path}`, {
        method,
        signal,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      status = response.statusCode;
      text = await readCapped(response.body, MAX_ANSWER_BYTES);
    } catch (error) {
      if (signal.aborted) throw new VendorTimeout(this.name, `no answer within ${this.options.timeoutMs} ms`, { cause: error });
      throw new VendorConnectionFailed(this.name, `${method} ${path} failed: ${networkReason(error)}`, { cause: error });
    }
    if (status >= 500) throw new VendorServerError(this.name, status);
    if (text === undefined) throw this.badResponse(`${method} ${path} answered more than ${MAX_ANSWER_BYTES} bytes`, undefined);
    try {
      return { status, payload: text === '' ? undefined : JSON.parse(text) };
    } catch {
      throw this.badResponse(`${method} ${path} answered ${status} with a body that is not JSON`, undefined, [text.slice(0, 200)]);
    }
  }

  private badResponse(message: string, error: z.ZodError | undefined, details: string[] = []): VendorBadResponse {
    const issues = error ? error.issues.slice(0, 20).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`) : details;
    this.logger.warn({ issues }, `refused a vendor answer: ${message}`);
    return new VendorBadResponse(this.name, message, issues);
  }

  private rejected(status: number, payload: unknown): VendorRequestRejected {
    const error = errorAnswer.safeParse(payload);
    return new VendorRequestRejected(
      this.name,
      status,
      error.success ? error.data.error.code : undefined,
      error.success ? (error.data.error.message ?? '') : '',
    );
  }
}

/** The reason of a network failure: its code (ECONNREFUSED, UND_ERR_SOCKET…), or its cause's. */
function networkReason(error: unknown): string {
  const failure = error as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  return failure?.code ?? failure?.cause?.code ?? failure?.cause?.message ?? (error instanceof Error ? error.message : String(error));
}
