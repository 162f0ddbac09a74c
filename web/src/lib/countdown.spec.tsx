// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReservationCountdown } from '../shop/ReservationCountdown';
import { formatRemaining, remainingMs } from './countdown';

describe('formatRemaining', () => {
  it('reads like a clock, rounded up to the second', () => {
    expect(formatRemaining(15 * 60_000)).toEqual({ clock: '15:00', label: '15 minutes' });
    expect(formatRemaining(14 * 60_000 + 59_001)).toEqual({ clock: '15:00', label: '15 minutes' });
    expect(formatRemaining(61_000)).toEqual({ clock: '1:01', label: '1 minute 1 second' });
    expect(formatRemaining(3_605_000)).toEqual({ clock: '1:00:05', label: '1 hour 5 seconds' });
    expect(formatRemaining(0)).toEqual({ clock: '0:00', label: '0 seconds' });
  });

  it('never counts below 0, nor from a date it cannot read', () => {
    expect(remainingMs('2030-01-01T00:00:10.000Z', Date.parse('2030-01-01T00:00:00.000Z'))).toBe(10_000);
    expect(remainingMs('2030-01-01T00:00:00.000Z', Date.parse('2030-01-01T00:01:00.000Z'))).toBe(0);
    expect(remainingMs('not a date', 0)).toBe(0);
  });
});

describe('the reservation countdown', () => {
  let container: HTMLElement;
  let root: Root;

  beforeEach(() => {
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    vi.useFakeTimers({ now: Date.parse('2030-01-01T12:00:00.000Z') });
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
    vi.useRealTimers();
  });

  // One second per act: each tick is scheduled by the render that the one before caused.
  it('counts down each second to the expiry, then says the reservation ran out', () => {
    act(() => root.render(<ReservationCountdown expiresAt="2030-01-01T12:01:02.000Z" />));
    const timer = () => container.querySelector('[role=timer]');
    expect(timer()?.textContent).toBe('1:02');
    expect(timer()?.getAttribute('aria-label')).toBe('1 minute 2 seconds left to pay');

    act(() => vi.advanceTimersByTime(1_000));
    expect(timer()?.textContent).toBe('1:01');
    for (let second = 0; second < 60; second++) act(() => vi.advanceTimersByTime(1_000));
    expect(timer()?.textContent).toBe('0:01');
    expect(container.textContent).not.toContain('run out');

    act(() => vi.advanceTimersByTime(1_000));
    expect(timer()).toBeNull();
    expect(container.querySelector('[role=alert]')?.textContent).toContain('Your reservation has run out');
  });

  it('says at once that a reservation already past its expiry has run out', () => {
    act(() => root.render(<ReservationCountdown expiresAt="2030-01-01T11:59:00.000Z" />));
    expect(container.querySelector('[role=timer]')).toBeNull();
    expect(container.textContent).toContain('Your reservation has run out');
  });
});
