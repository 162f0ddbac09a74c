import { describe, expect, it } from 'vitest';
import { cappedExponentialBackoff, JOBS, PERSIST_BACKOFF_MAX_MS } from './registry.js';

describe('capped exponential backoff', () => {
  it('doubles from the base delay and stops at the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => cappedExponentialBackoff(attempt, 250))).toEqual([250, 500, 1_000, 2_000]);
    expect(cappedExponentialBackoff(30, 250)).toBe(PERSIST_BACKOFF_MAX_MS);
  });

  it('keeps persisting an accepted order for hours, long enough to outlive a database outage', () => {
    const { attempts, backoff } = JOBS['persist-order'].options;
    const delay = (backoff as { delay: number }).delay;
    let totalMs = 0;
    for (let attempt = 1; attempt < attempts!; attempt++) totalMs += cappedExponentialBackoff(attempt, delay);
    expect(totalMs).toBeGreaterThan(3 * 3_600_000);
  });
});
