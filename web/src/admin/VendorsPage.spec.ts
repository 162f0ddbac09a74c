import { describe, expect, it } from 'vitest';
import { lastSyncOf } from './VendorsPage';

const at = '2026-12-04T10:13:00.000Z';

describe('a vendor’s last sync', () => {
  it('is never for a vendor not yet synced', () => {
    expect(lastSyncOf({ status: 'never', lastSyncAt: null })).toEqual({ outcome: 'never' });
  });

  it('is the time of the last attempt when that succeeded', () => {
    expect(lastSyncOf({ status: 'ok', lastSyncAt: at })).toEqual({ outcome: 'ok', at });
  });

  it('says the last attempt failed rather than date a sync by it', () => {
    expect(lastSyncOf({ status: 'failed', lastSyncAt: at, lastError: 'vendor acme: 503' })).toEqual({ outcome: 'failed', at });
    // A failure whose error said nothing still failed.
    expect(lastSyncOf({ status: 'failed', lastSyncAt: at })).toEqual({ outcome: 'failed', at });
  });

  it('tells a disabled vendor’s failed last attempt by its error, and a successful one by none', () => {
    expect(lastSyncOf({ status: 'disabled', lastSyncAt: at, lastError: 'vendor acme: 503' })).toEqual({ outcome: 'failed', at });
    expect(lastSyncOf({ status: 'disabled', lastSyncAt: at })).toEqual({ outcome: 'ok', at });
    expect(lastSyncOf({ status: 'disabled', lastSyncAt: null })).toEqual({ outcome: 'never' });
  });
});
