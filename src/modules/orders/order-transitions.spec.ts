import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../db/schema.js';
import { ALLOWED_TRANSITIONS } from './order-transitions.js';

describe('the order state machine', () => {
  it('follows the documented lifecycle', () => {
    expect(ALLOWED_TRANSITIONS.PENDING).toEqual(['CONFIRMED', 'CANCELLED', 'EXPIRED', 'FAILED']);
    expect(ALLOWED_TRANSITIONS.CONFIRMED).toEqual(['FULFILLED', 'FAILED']);
  });

  it('has no way out of a terminal status and no self-transition', () => {
    for (const status of ['FULFILLED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const) expect(ALLOWED_TRANSITIONS[status]).toEqual([]);
    for (const status of ORDER_STATUSES) expect(ALLOWED_TRANSITIONS[status]).not.toContain(status);
  });
});
