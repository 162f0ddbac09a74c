/**
 * Recognises errors that mean "a dependency is unreachable right now" (Postgres or Redis down,
 * restarting or refusing connections), which the API answers with 503 UNAVAILABLE, not 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // Postgres: connection exceptions (08xxx), admin shutdown / crash / cannot connect now (57P0x).
    if (/^08...$/.test(code) || /^57P0[1-4]$/.test(code)) return true;
  }
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const message = error.message;
  return (
    message.includes('Connection is closed') ||
    message.includes('Connection terminated') ||
    // pg, when a transaction's connection died and the rollback then fails on it.
    message.includes('is not queryable') ||
    message.includes('timeout exceeded when trying to connect') ||
    message.includes("Stream isn't writeable") ||
    // ioredis, when a command got no reply within its commandTimeout.
    message === 'Command timed out' ||
    (error instanceof AggregateError && error.errors.some(isDependencyUnavailable))
  );
}
