import { describe, expect, it } from 'vitest';
import { postgresAwayTest } from './postgres-errors.js';

const socketError = (code: string, port: number) => Object.assign(new Error(`connect ${code} 127.0.0.1:${port}`), { code, port, syscall: 'connect' });

describe('whether an error says our Postgres is away', () => {
  const away = postgresAwayTest('postgres://postgres@127.0.0.1:6543/flashcart');

  it('is so for a server starting or shutting down, a lost connection, and its own port refusing', () => {
    expect(away(Object.assign(new Error('the database system is not yet accepting connections'), { code: '57P03' }))).toBe(true);
    expect(away(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(away(socketError('ECONNREFUSED', 6543))).toBe(true);
    expect(away(new AggregateError([socketError('ECONNREFUSED', 6543)]))).toBe(true);
  });

  it('is not so for another server refusing (an SMTP server, a vendor), nor for a refused row', () => {
    expect(away(socketError('ECONNREFUSED', 2525))).toBe(false);
    expect(away(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(away(new Error('SMTP 554'))).toBe(false);
  });

  it('takes the default port when the URL names none', () => {
    expect(postgresAwayTest('postgres://postgres@127.0.0.1/flashcart')(socketError('ECONNREFUSED', 5432))).toBe(true);
  });
});
