/**
 * Everything flashcart knows about Postgres errors, in one place: the SQLSTATE codes it acts on,
 * and which failures a retry can cure. See https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const SqlState = {
  UNIQUE_VIOLATION: '23505',
  /** A CHECK constraint refused the row: on the ledger, the stock ledger refusing an impossible state. */
  CHECK_VIOLATION: '23514',
  DUPLICATE_DATABASE: '42P04',
} as const;

/** The SQLSTATE of an error the pg driver raised, or undefined for anything else. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isSqlState = (error: unknown, state: (typeof SqlState)[keyof typeof SqlState]) => sqlState(error) === state;

/**
 * Errors no retry can cure: Postgres refuses the data itself (class 22, data exception) or it breaks
 * a constraint (class 23, integrity constraint violation).
 */
export function isPermanentDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** Postgres error messages of the pg driver itself (no SQLSTATE) that mean the connection is gone. */
const LOST_CONNECTION_MESSAGES = [
  'Connection terminated',
  // When a transaction's connection died and the rollback then fails on it.
  'is not queryable',
  'timeout exceeded when trying to connect',
];

/** The socket errors that say a server is not there (refused) or went away (reset). */
const SOCKET_GONE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET']);

/**
 * Whether an error says the Postgres of `databaseUrl` is away: isPostgresUnavailable, or a
 * connection to its port refused or reset (the driver passes the socket's error on as it is, with
 * its port, which tells it from an SMTP server's or a vendor's refusal).
 */
export function postgresAwayTest(databaseUrl: string): (error: unknown) => boolean {
  const port = Number(new URL(databaseUrl).port || 5432);
  const away = (error: unknown): boolean => {
    if (error instanceof AggregateError) return error.errors.some(away);
    if (isPostgresUnavailable(error)) return true;
    const { code, port: errorPort } = (error ?? {}) as { code?: unknown; port?: unknown };
    return typeof code === 'string' && SOCKET_GONE_CODES.has(code) && errorPort === port;
  };
  return away;
}

/**
 * Postgres cannot be reached right now, or dropped the connection: connection exceptions (class
 * 08), shutdown or crash (57P01-57P04), or the driver losing its socket. A retry later can succeed.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || ['57P01', '57P02', '57P03', '57P04'].includes(state);
  return LOST_CONNECTION_MESSAGES.some((message) => error.message.includes(message));
}
