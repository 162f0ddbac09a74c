import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, cappedExponentialBackoff } from './registry.js';

describe('capped exponential backoff', () => {
  it('doubles from the base delay and stops at the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => cappedExponentialBackoff(attempt, 250))).toEqual([250, 500, 1_000, 2_000]);
    expect(cappedExponentialBackoff(30, 250)).toBe(BACKOFF_MAX_MS);
  });
});
