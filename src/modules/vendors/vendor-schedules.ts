import type { VendorRow } from '../../db/schema.js';
import type { JobQueues } from '../../jobs/job-queues.js';
import { JOBS } from '../../jobs/registry.js';

/**
 * One BullMQ job scheduler per enabled vendor (`vendor-sync-<id>`), so each vendor is synced once
 * per interval however many workers run. Upserted at worker start and whenever a vendor is created
 * or changed; removed when a vendor is disabled.
 */
export class VendorSchedules {
  constructor(
    private readonly queues: JobQueues,
    private readonly everyMs: number,
  ) {}

  async apply(vendor: Pick<VendorRow, 'id' | 'enabled'>): Promise<void> {
    const { queue, options } = JOBS['vendor-sync'];
    const id = schedulerId(vendor.id);
    if (!vendor.enabled) {
      await this.queues.queue(queue).removeJobScheduler(id);
      return;
    }
    await this.queues
      .queue(queue)
      .upsertJobScheduler(id, { every: this.everyMs }, { name: 'vendor-sync', data: { vendorId: vendor.id }, opts: options });
  }

  async applyAll(vendors: Pick<VendorRow, 'id' | 'enabled'>[]): Promise<void> {
    for (const vendor of vendors) await this.apply(vendor);
  }

  /**
   * Queues a sync of the vendor now; a request while one is still waiting is the same request, and
   * one while it runs is run after it (it may follow a change of the vendor's URL). Deduplicated,
   * not given a fixed job id: a job kept once done, failed ones above all, took every later request
   * under its id as the same job, answered 202 and never run.
   */
  async syncNow(vendorId: string): Promise<void> {
    await this.queues.add('vendor-sync', { vendorId }, { deduplication: { id: `vendor-sync-now-${vendorId}`, keepLastIfActive: true } });
  }
}

const schedulerId = (vendorId: string) => `vendor-sync-${vendorId}`;
