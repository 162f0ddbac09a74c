import type { CircuitState, VendorRow } from '../../db/schema.js';
import type { Logger } from '../../lib/logger.js';
import { VendorClient, type VendorClientOptions } from './vendor-client.js';

export interface VendorClientsDeps {
  logger: Logger;
  options: Partial<VendorClientOptions>;
  /** Told of every circuit change, to write it to the vendor's row so the API (another process) can report it. */
  onCircuitChange: (vendorId: string, to: CircuitState) => Promise<void>;
}

/**
 * One VendorClient per vendor in this process, kept across calls so its circuit breaker sees every
 * call: a client is only replaced when the vendor's base URL changes. The breaker's state lives
 * here, in the process that calls the vendor; the vendor row only reports it.
 */
export class VendorClients {
  private readonly clients = new Map<string, VendorClient>();
  /**
   * Each vendor's circuit writes, one after another: two changes in quick succession (half-open,
   * then closed on the probe's success) written side by side could land in either order and leave
   * the row showing a state the breaker has left.
   */
  private readonly circuitWrites = new Map<string, Promise<void>>();

  constructor(private readonly deps: VendorClientsDeps) {}

  for(vendor: Pick<VendorRow, 'id' | 'name' | 'baseUrl'>): VendorClient {
    const known = this.clients.get(vendor.id);
    if (known && known.baseUrl === vendor.baseUrl.replace(/\/+$/, '') && known.name === vendor.name) return known;
    const client = new VendorClient({
      name: vendor.name,
      baseUrl: vendor.baseUrl,
      logger: this.deps.logger,
      options: this.deps.options,
      onCircuitChange: ({ to, cause }) => {
        const level = to === 'open' ? 'warn' : 'info';
        this.deps.logger[level]({ vendor: vendor.name, circuit: to, err: cause }, `vendor circuit ${to}`);
        const write = (this.circuitWrites.get(vendor.id) ?? Promise.resolve())
          .then(() => this.deps.onCircuitChange(vendor.id, to))
          .catch((error: unknown) => {
            this.deps.logger.warn({ vendor: vendor.name, err: error }, 'could not record a vendor circuit change');
          });
        this.circuitWrites.set(vendor.id, write);
      },
    });
    this.clients.set(vendor.id, client);
    return client;
  }

  /** Resolves once the circuit changes of a vendor seen so far are written (or failed to be). */
  circuitWritten(vendorId: string): Promise<void> {
    return this.circuitWrites.get(vendorId) ?? Promise.resolve();
  }

  /** The circuit of a vendor as this process sees it; `closed` for a vendor it has not called. */
  circuitOf(vendorId: string): CircuitState {
    return this.clients.get(vendorId)?.circuitState() ?? 'closed';
  }
}
