import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../lib/logger.js';
import { buildVendorApp } from './vendor-app.js';
import { VendorSimulation } from './vendor-simulation.js';

/** One simulated vendor to start. */
export interface SimulatedVendorDefinition {
  /** Unique among the vendors started together; also the prefix of its vendor order ids. */
  name: string;
  /** 0: any free port. */
  port: number;
  /** Starting stock per SKU. */
  seed: Readonly<Record<string, number>>;
  /** Seed of its fluctuation and error draws; by default derived from the name. */
  randomSeed?: number;
}

export interface RunningVendor {
  name: string;
  port: number;
  /** Base URL of the vendor's API, e.g. `http://127.0.0.1:3200`. */
  url: string;
  /** Its in-memory state, for tests that look behind the HTTP API. */
  simulation: VendorSimulation;
}

export interface VendorSimulator {
  vendors: readonly RunningVendor[];
  /** Stops every vendor; answers held by the latency switch are dropped. */
  close(): Promise<void>;
}

export interface VendorSimulatorOptions {
  vendors: readonly SimulatedVendorDefinition[];
  logger: Logger;
  /** Interface to listen on; loopback by default, as the simulator has no authentication. */
  host?: string;
}

/**
 * Starts one HTTP API per vendor, each on its own port with its own in-memory stock and fault
 * switches. A development and test stand-in for outside vendors: nothing it holds is persisted.
 */
export async function startVendorSimulator({ vendors, logger, host = '127.0.0.1' }: VendorSimulatorOptions): Promise<VendorSimulator> {
  const names = vendors.map((vendor) => vendor.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new Error(`vendor simulator: the name ${duplicate} is given twice`);

  const apps: FastifyInstance[] = [];
  const close = async () => {
    await Promise.all(apps.map((app) => app.close()));
  };
  try {
    const running: RunningVendor[] = [];
    for (const definition of vendors) {
      const simulation = new VendorSimulation(definition.name, definition.seed, definition.randomSeed);
      const app = await buildVendorApp(simulation, logger);
      apps.push(app);
      await app.listen({ port: definition.port, host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : definition.port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info({ vendor: definition.name, url, skus: simulation.skuCount }, 'simulated vendor listening');
      running.push({ name: definition.name, port, url, simulation });
    }
    return { vendors: running, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
