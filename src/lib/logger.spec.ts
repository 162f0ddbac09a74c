import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLogger } from './logger.js';

/** A pino logger at `level` whose lines are kept, parsed, in `lines`. */
function capturingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level }, destination), lines };
}

describe('requestLogger', () => {
  it('writes one info line per request: method, path without the query, route, status and milliseconds', () => {
    const { logger, lines } = capturingLogger('info');
    const forOrders = requestLogger(logger)!('/api/orders/:id');
    forOrders('GET', '/api/orders/0193?fields=all', 200, 1.23456);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      request: { method: 'GET', path: '/api/orders/0193', route: '/api/orders/:id', status: 200, ms: 1.23 },
      msg: 'GET /api/orders/0193 200 1.23 ms',
    });
  });

  it('gives nothing to register when LOG_LEVEL is above info, and logs when it is below', () => {
    for (const level of ['warn', 'error', 'fatal', 'silent']) expect(requestLogger(capturingLogger(level).logger), level).toBeUndefined();
    for (const level of ['info', 'debug', 'trace']) expect(requestLogger(capturingLogger(level).logger), level).toBeTypeOf('function');
  });
});
