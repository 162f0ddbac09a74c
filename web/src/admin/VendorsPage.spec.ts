import { describe, expect, it } from 'vitest';
import { lastSyncOf } from './VendorsPage';

const at = '2026-12-04T10:13:00.000Z';
const before = '2026-12-04T09:58:00.000Z';

describe('a vendor’s last sync', () => {
  it('is never for a vendor not yet synced', () => {
    expect(lastSyncOf({ status: 'never', lastSyncAt: null, lastSuccessAt: null })).toEqual({ outcome: 'never' });
  });

  it('is the time of the last attempt when that succeeded', () => {
    expect(lastSyncOf({ status: 'ok', lastSyncAt: at, lastSuccessAt: at })).toEqual({ outcome: 'ok', at });
  });

  it('says the last attempt failed rather than date a sync by it, and when one last succeeded', () => {
    expect(lastSyncOf({ status: 'failed', lastSyncAt: at, lastSuccessAt: before, lastError: 'vendor acme: 503' })).toEqual({
      outcome: 'failed',
      at,
      lastSuccessAt: before,
    });
    // A failure whose error said nothing still failed; a vendor that never synced has no success to show.
    expect(lastSyncOf({ status: 'failed', lastSyncAt: at, lastSuccessAt: null })).toEqual({ outcome: 'failed', at, lastSuccessAt: null });
  });

  it('tells a disabled vendor’s failed last attempt by its error, and a successful one by none', () => {
    expect(lastSyncOf({ status: 'disabled', lastSyncAt: at, lastSuccessAt: before, lastError: 'vendor acme: 503' })).toEqual({
      outcome: 'failed',
      at,
      lastSuccessAt: before,
    });
    expect(lastSyncOf({ status: 'disabled', lastSyncAt: at, lastSuccessAt: at })).toEqual({ outcome: 'ok', at });
    expect(lastSyncOf({ status: 'disabled', lastSyncAt: null, lastSuccessAt: null })).toEqual({ outcome: 'never' });
  });
});
