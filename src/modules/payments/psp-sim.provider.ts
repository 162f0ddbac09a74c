import { Agent, request } from 'undici';
import { z } from 'zod';
import type { CreatedPayment, CreatePaymentInput, PaymentProvider } from './payment-provider.js';
import { PaymentProviderUnavailableError } from './payments.errors.js';

/** What flashcart reads of the simulator's `POST /v1/payments` answer; anything else in it is ignored. */
const createdPaymentAnswer = z.object({
  paymentId: z.string().min(1),
  checkoutUrl: z.url({ protocol: /^https?$/ }),
});

export interface PspSimProviderOptions {
  /** The simulator's base URL (config.pspSimPublicUrl). */
  baseUrl: string;
  /** One call's budget, connection included: a buyer is waiting on it. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** Connections kept to the provider at most; calls beyond wait for one. */
const MAX_CONNECTIONS = 32;

/**
 * The PaymentProvider adapter for the payment simulator (src/simulators/psp-sim), over HTTP with
 * undici's `request` on kept-alive connections. Not `fetch`: its web streams cost the API about
 * 0.4 ms of CPU per call on this class of machine, three to five times `request` (bench/call-costs.ts), and in a flash sale
 * every buyer who gets a unit starts a payment while the API answers everyone else.
 */
export class PspSimPaymentProvider implements PaymentProvider {
  private readonly paymentsUrl: URL;
  private readonly timeoutMs: number;
  private readonly dispatcher = new Agent({ connections: MAX_CONNECTIONS });

  constructor(options: PspSimProviderOptions) {
    // Relative to the base, so a provider mounted under a path (https://host/psp) keeps its path.
    this.paymentsUrl = new URL('v1/payments', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    let status: number;
    let text: string;
    try {
      const response = await request(this.paymentsUrl, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw failureOf(error, `POST ${this.paymentsUrl}`);
    }
    const ok = status >= 200 && status < 300;

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      if (!ok) throw statusFailure(status, '(unreadable body)');
      throw failureOf(error, `POST ${this.paymentsUrl} answered ${status} without JSON`);
    }
    if (!ok) throw statusFailure(status, JSON.stringify(body).slice(0, 500));

    const parsed = createdPaymentAnswer.safeParse(body);
    if (!parsed.success) {
      throw new PaymentProviderUnavailableError('malformed-response', `unexpected answer: ${z.prettifyError(parsed.error)}`, {
        providerStatus: status,
      });
    }
    return { paymentId: parsed.data.paymentId, checkoutUrl: parsed.data.checkoutUrl };
  }

  /** Closes the kept-alive connections. */
  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

function statusFailure(status: number, body: string): PaymentProviderUnavailableError {
  // A 4xx would mean flashcart sent something the provider refuses: a bug, but the buyer can do
  // nothing else than retry later either, and the detail goes to the log.
  return new PaymentProviderUnavailableError('error-status', `provider answered ${status}: ${body}`, { providerStatus: status });
}

function failureOf(error: unknown, what: string): PaymentProviderUnavailableError {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new PaymentProviderUnavailableError('timeout', `${what} timed out`, { cause: error });
  }
  if (name === 'SyntaxError') return new PaymentProviderUnavailableError('malformed-response', what, { cause: error });
  return new PaymentProviderUnavailableError('unreachable', `${what} failed: ${(error as Error).message}`, { cause: error });
}
