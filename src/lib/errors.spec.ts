import { describe, expect, it } from 'vitest';
import { AppError, refusal } from './errors.js';

describe('refusal', () => {
  it('is an AppError with its code, status and details, and no stack frames', () => {
    const refused = refusal('INSUFFICIENT_STOCK', 'only 0 unit(s) of X available', { sku: 'X', requested: 1, available: 0 });
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'INSUFFICIENT_STOCK', status: 409, details: { sku: 'X', requested: 1, available: 0 } });
    expect(refused.stack).toBe('AppError: only 0 unit(s) of X available');
  });

  it('leaves the stack traces of every other error as they were', () => {
    const before = Error.stackTraceLimit;
    refusal('INSUFFICIENT_STOCK', 'refused');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new AppError('NOT_FOUND', 'order not found').stack).toMatch(/\n\s+at /);
  });
});
