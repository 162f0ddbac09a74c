import { AppError } from '../../lib/errors.js';

/** Why a provider call failed, for logs and metrics; the client only learns "retry shortly". */
export type ProviderFailure = 'timeout' | 'unreachable' | 'error-status' | 'malformed-response';

/**
 * The payment provider could not be used right now. It is an UNAVAILABLE AppError, so the error
 * handler answers it with 503 and Retry-After without further mapping; `reason`, `detail` and the
 * cause stay out of the response body (log them where it is caught).
 */
export class PaymentProviderUnavailableError extends AppError {
  override name = 'PaymentProviderUnavailableError';
  /** The provider's HTTP status, when it answered at all. */
  readonly providerStatus: number | undefined;

  constructor(
    readonly reason: ProviderFailure,
    readonly detail: string,
    options: { cause?: unknown; providerStatus?: number } = {},
  ) {
    super('UNAVAILABLE', 'the payment provider is unavailable; retry shortly');
    if (options.cause !== undefined) this.cause = options.cause;
    this.providerStatus = options.providerStatus;
  }
}
