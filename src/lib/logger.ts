import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /**
   * Readable lines (pino-pretty, in a worker thread) instead of JSON: for a person watching a
   * terminal, never for a log collector.
   */
  pretty?: boolean;
  /** Where the JSON lines go instead of stdout (tests keep them). */
  destination?: DestinationStream;
}

/** pino-pretty's settings: one line per event, the component before the message. */
const PRETTY_OPTIONS = {
  colorize: true,
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,role,component,request',
  messageFormat: '{if component}{component}: {end}{msg}',
};

export function createLogger(level: string, bindings: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const settings: PinoOptions = {
    level,
    base: { pid: process.pid, ...bindings },
    redact: { paths: ['req.headers.authorization', 'password', '*.password', 'passwordHash'], remove: true },
  };
  if (options.destination) return pino(settings, options.destination);
  return pino(options.pretty ? { ...settings, transport: { target: 'pino-pretty', options: PRETTY_OPTIONS } } : settings);
}

/** Logs one answered HTTP request. `elapsedMs` is the time from its arrival to its answer. */
export type RequestLogLine = (method: string, url: string, status: number, elapsedMs: number) => void;

/**
 * One info line per answered request, for the route `route` (its URL pattern, or a name such as
 * `unmatched`): `{request: {method, path, route, status, ms}}` with `GET /api/orders/… 200 1.23 ms`
 * as the message. Undefined when the logger's level is above info, so that a caller registers
 * nothing and requests pay nothing for logs they would not write.
 */
export function requestLogger(logger: Logger): ((route: string) => RequestLogLine) | undefined {
  if (!logger.isLevelEnabled('info')) return undefined;
  return (route) => (method, url, status, elapsedMs) => {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const ms = Math.round(elapsedMs * 100) / 100;
    logger.info({ request: { method, path, route, status, ms } }, `${method} ${path} ${status} ${ms} ms`);
  };
}
