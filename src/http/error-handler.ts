import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, errorBody } from '../lib/errors.js';
import { isDependencyUnavailable } from '../lib/infrastructure-errors.js';
import type { RequestLogLine } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

/** What every route with a body accepts. */
const JSON_MEDIA_TYPE = 'application/json';

const unsupportedMediaType = (request: FastifyRequest) => {
  const sent = request.headers['content-type'];
  return new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    `send the body as ${JSON_MEDIA_TYPE} (Content-Type: ${JSON_MEDIA_TYPE}); ${sent ? `${sent} is not accepted` : 'no Content-Type was given'}`,
  );
};

/** Fastify's own client errors, by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
};

const ERRORS_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** The code of a client error (4xx) that carries a status and no code of ours. */
export const clientErrorCode = (status: number): ErrorCode => ERRORS_BY_STATUS[status] ?? 'VALIDATION_FAILED';

/** A problem zod found, as a union keeps each of its shapes' problems. */
interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
}

/**
 * The problems one validation entry stands for. A union that no shape matched says which shapes it
 * takes (its schema's message), unless one shape came nearer than every other (fewer problems):
 * then that shape's own problems say more. An order with a bad quantity is about the quantity, not
 * about "items or fromCart".
 */
function issuesOf(entry: { keyword: string; instancePath: string; message?: string; params?: unknown }, where: string) {
  const branches = entry.keyword === 'invalid_union' ? (entry.params as { errors?: ZodIssueLike[][] } | undefined)?.errors : undefined;
  const sizes = branches?.map((issues) => issues.length) ?? [];
  const least = Math.min(...sizes);
  if (branches && branches.length > 1 && sizes.filter((size) => size === least).length === 1) {
    const base = entry.instancePath === '/' ? '' : entry.instancePath;
    return branches[sizes.indexOf(least)]!.map((issue) => ({
      in: where,
      path: `${base}/${issue.path.map(String).join('/')}`,
      message: issue.message,
    }));
  }
  return [{ in: where, path: entry.instancePath, message: entry.message }];
}

/** Turns anything thrown into `{error: {code, message, details}}`; a 5xx never shows internals. */
export function toAppError(error: FastifyError | Error, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    if (where === 'body' && request.body === undefined) {
      // Nothing sent where a body is needed: without a Content-Type, what is missing is the JSON.
      if (request.headers['content-type'] === undefined) return unsupportedMediaType(request);
      return new AppError('VALIDATION_FAILED', 'a JSON body is required');
    }
    return new AppError('VALIDATION_FAILED', `invalid ${where}`, {
      issues: error.validation.flatMap((issue) => issuesOf(issue, where)),
    });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fastifyError.code === 'FST_ERR_CTP_INVALID_TYPE') {
    return unsupportedMediaType(request);
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return new AppError(known, fastifyError.message);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError(clientErrorCode(status), fastifyError.message);
  }
  if (isDependencyUnavailable(error)) {
    request.log.warn({ err: error }, 'dependency unavailable');
    return new AppError('UNAVAILABLE', 'a backing service is unavailable; retry shortly');
  }
  request.log.error({ err: error, url: request.url, method: request.method }, 'unhandled error');
  return new AppError('INTERNAL', 'internal error');
}

/** Answers an error thrown anywhere in a request's life, router refusals included. */
export function sendError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error, request);
  if (appError.code === 'UNAVAILABLE') reply.header('retry-after', '1');
  return reply.code(appError.status).send(errorBody(appError));
}

/**
 * The HTTP methods each route path has, to tell a wrong method on a known path (405 with `Allow`)
 * from a path that does not exist (404). Read only when no route matched.
 */
class RoutePaths {
  private readonly paths = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, methods: string[]): void {
    let path = this.paths.get(url);
    if (!path) {
      path = { pattern: patternOf(url), methods: new Set() };
      this.paths.set(url, path);
    }
    for (const method of methods) path.methods.add(method);
  }

  /** The methods some route offers on this concrete path, sorted; empty when no route has the path. */
  methodsOf(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.paths.values()) {
      if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
    }
    return [...methods].sort();
  }
}

/** A route URL (`/api/products/:sku`, `/docs/*`) as a regular expression over concrete paths. */
function patternOf(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment.startsWith(':')) return '[^/]+';
    if (segment === '*') return '.*';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}$`);
}

export function registerErrorHandling(app: FastifyInstance, metrics?: Metrics, logRequests?: (route: string) => RequestLogLine): void {
  app.setErrorHandler(sendError);
  const routePaths = new RoutePaths();
  app.addHook('onRoute', (route) => routePaths.add(route.url, [route.method].flat()));
  const recordUnmatched = metrics?.httpRecorder('unmatched');
  const logUnmatched = logRequests?.('unmatched');
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // A route that has this method and still found nothing (a wildcard route serving files, such as
    // /docs/static/*, asked for one it does not have) is a 404: "GET is not allowed; use GET" says nothing.
    const methods = routePaths.methodsOf(path);
    const allowed = methods.includes(request.method) ? [] : methods;
    const error = allowed.length
      ? new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`, { allow: allowed })
      : new AppError('NOT_FOUND', `no route ${request.method} ${path}`);
    recordUnmatched?.(request.method, error.status, reply.elapsedTime / 1_000);
    logUnmatched?.(request.method, request.url, error.status, reply.elapsedTime);
    if (allowed.length) reply.header('allow', allowed.join(', '));
    return reply.code(error.status).send(errorBody(error));
  });
}

/** How long a refused connection may stay open for the answer to reach the client. */
const CLIENT_ERROR_LINGER_MS = 1_000;

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (headers over the size
 * limit, a bad header byte, a request too slow to arrive), in the error format and with
 * `Connection: close`: the parser cannot go on on this connection, and a keep-alive client told so
 * sends its next request on a new one instead of losing it to a closed socket.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // An answer already under way on this connection (pipelining) must not be cut into.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
  if (inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'the request line and headers are over 16 KiB')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('REQUEST_TIMEOUT', 'the request did not arrive in time')
        : new AppError('VALIDATION_FAILED', 'malformed HTTP request');
  const body = JSON.stringify(errorBody(refusal));
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // Closing at once could reset the connection while the client still sends (the rest of an
  // oversized header), and a reset can discard the answer before the client reads it.
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}
