import { isPostgresUnavailable } from '../db/postgres-errors.js';

/**
 * Recognises errors that mean "a dependency is unreachable right now" (Postgres or Redis down,
 * restarting or refusing connections), which the API answers with 503 UNAVAILABLE, not 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** ioredis messages (it sets no code) that mean the connection is gone or the reply never came. */
const REDIS_UNAVAILABLE_MESSAGES = ['Connection is closed', "Stream isn't writeable"];

export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof AggregateError) return error.errors.some(isDependencyUnavailable);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (isPostgresUnavailable(error)) return true;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  // ioredis, when a command got no reply within its commandTimeout.
  if (error.message === 'Command timed out') return true;
  return REDIS_UNAVAILABLE_MESSAGES.some((message) => error.message.includes(message));
}
