import { isSqlState, SqlState } from '../../db/postgres-errors.js';
import type { VendorRow } from '../../db/schema.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { StockRecount } from './stock-recount.js';
import type { VendorSchedules } from './vendor-schedules.js';
import type { VendorsRepository } from './vendors.repository.js';
import type { CreateVendorInput, UpdateVendorInput, VendorView } from './vendors.schemas.js';

export interface VendorsServiceDeps {
  repository: VendorsRepository;
  schedules: VendorSchedules;
  recount: Pick<StockRecount, 'recount'>;
  logger: Logger;
  /** Longest wait for a vendor's fault switch to answer. */
  simulateTimeoutMs?: number;
}

export function viewOf(row: VendorRow): VendorView {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    priority: row.priority,
    enabled: row.enabled,
    status: row.enabled ? (row.lastSyncStatus ?? 'never') : 'disabled',
    circuit: row.circuit,
    lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
    skuCount: row.skuCount,
    ...(row.lastSyncStatus === 'failed' && row.lastSyncError ? { lastError: row.lastSyncError } : {}),
  };
}

const nameTaken = (name: string) => new AppError('CONFLICT', `a vendor named ${name} already exists`, { name });

/** What an admin does with vendors: list, create, change, enable or disable, sync now, and flip a simulated vendor's fault switches. */
export class VendorsService {
  constructor(private readonly deps: VendorsServiceDeps) {}

  async list(): Promise<VendorView[]> {
    return (await this.deps.repository.list()).map(viewOf);
  }

  async create(input: CreateVendorInput): Promise<VendorView> {
    const row = await this.deps.repository.insert(input);
    if (!row) throw nameTaken(input.name);
    await this.deps.schedules.apply(row);
    if (row.enabled) await this.deps.schedules.syncNow(row.id);
    return viewOf(row);
  }

  async update(id: string, input: UpdateVendorInput): Promise<VendorView> {
    const before = await this.require(id);
    let row: VendorRow | undefined;
    try {
      row = await this.deps.repository.update(id, input);
    } catch (error) {
      if (isSqlState(error, SqlState.UNIQUE_VIOLATION)) throw nameTaken(input.name ?? before.name);
      throw error;
    }
    if (!row) throw notFound('vendor', { id });
    if (!row.enabled) {
      // Its stock stops counting now, not at the next sync of some other vendor. On every update
      // that leaves it disabled, not only the one that disabled it: one that failed part-way is
      // finished by the next, where the vendor's units stayed on sale for good.
      for (const sku of await this.deps.repository.skusOf(id)) await this.deps.recount.recount(sku);
    }
    await this.deps.schedules.apply(row);
    if (row.enabled && (!before.enabled || before.baseUrl !== row.baseUrl)) await this.deps.schedules.syncNow(row.id);
    return viewOf(row);
  }

  async requestSync(id: string): Promise<{ vendorId: string; queued: true }> {
    const vendor = await this.require(id);
    if (!vendor.enabled) throw new AppError('INVALID_STATE', `vendor ${vendor.name} is disabled: enable it to sync it`, { id });
    await this.deps.schedules.syncNow(id);
    return { vendorId: id, queued: true };
  }

  /**
   * Forwards a fault switch to the vendor's own `POST /simulate/<fault>` (the simulated vendors'
   * demo switches) and returns its answer. A vendor that refuses the body is a 400; one that does
   * not answer is a 503.
   */
  async simulate(id: string, fault: string, body: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const vendor = await this.require(id);
    let response: Response;
    let payload: unknown;
    try {
      response = await fetch(`${vendor.baseUrl}/simulate/${fault}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(this.deps.simulateTimeoutMs ?? 5_000),
      });
      payload = await response.json();
    } catch (error) {
      this.deps.logger.warn({ vendor: vendor.name, fault, err: error }, 'vendor fault switch did not answer');
      throw new AppError('UNAVAILABLE', `vendor ${vendor.name} did not answer its fault switch`, { vendor: vendor.name });
    }
    const answer = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : { answer: payload };
    if (response.ok) return answer;
    if (response.status >= 400 && response.status < 500) {
      throw new AppError('VALIDATION_FAILED', `vendor ${vendor.name} refused the ${fault} switch`, { vendor: vendor.name, answer });
    }
    throw new AppError('UNAVAILABLE', `vendor ${vendor.name} answered ${response.status} to its fault switch`, { vendor: vendor.name });
  }

  private async require(id: string): Promise<VendorRow> {
    const vendor = await this.deps.repository.find(id);
    if (!vendor) throw notFound('vendor', { id });
    return vendor;
  }
}
