/**
 * The one error base of flashcart and its code registry. A code fixes the HTTP status; the error
 * handler turns any AppError into `{error: {code, message, details}}`.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  INSUFFICIENT_STOCK: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

/**
 * An AppError without a stack trace, for a refusal a hot path answers by the thousand (a product
 * sold out in a flash sale): capturing the stack through a request's async frames costs as much as
 * throwing and catching the refusal through them (bench/call-costs.ts). Such an error is an answer,
 * never logged as a fault.
 */
export function refusal(code: ErrorCode, message: string, details?: Record<string, unknown>): AppError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AppError(code, message, details);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export const notFound = (what: string, details?: Record<string, unknown>) => new AppError('NOT_FOUND', `${what} not found`, details);

export const invalidState = (message: string, details?: Record<string, unknown>) => new AppError('INVALID_STATE', message, details);

export const validationFailed = (message: string, details?: Record<string, unknown>) => new AppError('VALIDATION_FAILED', message, details);

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** An error body without an Error behind it, for expected refusals answered on a hot path. */
export const errorPayload = (code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody => ({
  error: { code, message, ...(details ? { details } : {}) },
});

export const errorBody = (error: AppError): ErrorBody => errorPayload(error.code, error.message, error.details);
