import type { VendorRow } from '../../db/schema.js';
import type { SyncReport, VendorSync } from './vendor-sync.js';
import type { VendorsRepository } from './vendors.repository.js';

export class UnknownVendor extends Error {
  override name = 'UnknownVendor';
}

/**
 * The `stock-sync` command: syncs every enabled vendor, or the one named, inline (not through the
 * queue), and returns one report per vendor. A named vendor that does not exist throws UnknownVendor.
 */
export async function runStockSync(deps: { vendors: VendorsRepository; sync: Pick<VendorSync, 'sync'> }, vendorName?: string): Promise<SyncReport[]> {
  let targets: VendorRow[];
  if (vendorName === undefined) {
    targets = await deps.vendors.enabledByPriority();
  } else {
    const vendor = await deps.vendors.findByName(vendorName);
    if (!vendor) throw new UnknownVendor(`no vendor named ${vendorName}`);
    targets = [vendor];
  }
  const reports: SyncReport[] = [];
  for (const vendor of targets) reports.push(await deps.sync.sync(vendor));
  return reports;
}

/** The lines `npm run stock-sync` prints for a report: the outcome, then each SKU whose counted vendor units moved. */
export function describeReport(report: SyncReport): string[] {
  if (report.outcome === 'disabled') return [`${report.vendor}: disabled, not synced`];
  const head =
    report.outcome === 'ok'
      ? `${report.vendor}: ok, ${report.skus} catalog SKU(s) listed`
      : `${report.vendor}: FAILED (${report.error}); circuit ${report.circuit}`;
  const moves = report.moves
    .filter((move) => move.moved !== 0 || move.deferred !== 0)
    .map((move) => {
      const deferred = move.deferred !== 0 ? ` (${move.deferred} more to take once reservations end)` : '';
      return `  ${move.sku}: ${move.moved > 0 ? '+' : ''}${move.moved}${deferred}`;
    });
  return [head, ...(moves.length > 0 ? moves : ['  nothing moved'])];
}
