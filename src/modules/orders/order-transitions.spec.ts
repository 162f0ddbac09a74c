import { describe, expect, it } from 'vitest';
import { ALLOWED_TRANSITIONS } from './order-transitions.js';

describe('the order state machine', () => {
  it('follows the documented lifecycle', () => {
    expect(ALLOWED_TRANSITIONS.PENDING).toEqual(['CONFIRMED', 'CANCELLED', 'EXPIRED', 'FAILED']);
    expect(ALLOWED_TRANSITIONS.CONFIRMED).toEqual(['FULFILLED', 'FAILED']);
  });

  it('has no way out of a terminal status', () => {
    for (const status of ['FULFILLED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const) expect(ALLOWED_TRANSITIONS[status]).toEqual([]);
  });
});
