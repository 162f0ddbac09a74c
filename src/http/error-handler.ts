import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, errorBody } from '../lib/errors.js';
import { isDependencyUnavailable } from '../lib/infrastructure-errors.js';
import type { RequestLogLine } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

/** Fastify's own client errors, by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Turns anything thrown into `{error: {code, message, details}}`; a 5xx never shows internals. */
export function toAppError(error: FastifyError | Error, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    return new AppError('VALIDATION_FAILED', `invalid ${where}`, {
      issues: error.validation.map((issue) => ({ in: where, path: issue.instancePath, message: issue.message })),
    });
  }
  const fastifyError = error as FastifyError;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return new AppError(known, fastifyError.message);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError(STATUS_CODES[status] ?? 'VALIDATION_FAILED', fastifyError.message);
  }
  if (isDependencyUnavailable(error)) {
    request.log.warn({ err: error }, 'dependency unavailable');
    return new AppError('UNAVAILABLE', 'a backing service is unavailable; retry shortly');
  }
  request.log.error({ err: error, url: request.url, method: request.method }, 'unhandled error');
  return new AppError('INTERNAL', 'internal error');
}

export function registerErrorHandling(app: FastifyInstance, metrics?: Metrics, logRequests?: (route: string) => RequestLogLine): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, request);
    if (appError.code === 'UNAVAILABLE') reply.header('retry-after', '1');
    return reply.code(appError.status).send(errorBody(appError));
  });
  const recordUnmatched = metrics?.httpRecorder('unmatched');
  const logUnmatched = logRequests?.('unmatched');
  app.setNotFoundHandler((request, reply) => {
    recordUnmatched?.(request.method, 404, reply.elapsedTime / 1_000);
    logUnmatched?.(request.method, request.url, 404, reply.elapsedTime);
    const error = new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(errorBody(error));
  });
}
