import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import type { Container } from '../../src/container.js';
import type { VendorRow } from '../../src/db/schema.js';
import { createLogger } from '../../src/lib/logger.js';
import { type RunningVendor, startVendorSimulator } from '../../src/simulators/vendor-sim/vendor-simulator.js';

/**
 * Adds a vendor to flashcart as a row (not through the API, which also schedules its syncs: a test
 * syncs when it means to), disabled once the test ends: fulfilment asks every enabled vendor, and
 * one whose server has stopped must not stay among them.
 */
async function addVendor(container: Container, name: string, baseUrl: string, priority: number | undefined): Promise<VendorRow> {
  const row = (await container.vendorsRepository.insert({ name, baseUrl, priority }))!;
  onTestFinished(() => container.vendorsRepository.update(row.id, { enabled: false }).then(() => undefined));
  return row;
}

/** A vendor of a test's own whose every request `handler` answers, over real HTTP on a free port; stopped after the test. */
export async function vendorServer(container: Container, namePrefix: string, handler: RequestListener, priority?: number): Promise<VendorRow> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return addVendor(container, `${namePrefix}-${randomBytes(3).toString('hex')}`, `http://127.0.0.1:${port}`, priority);
}

/**
 * Simulated vendors, one per seed (units by SKU), added with priorities 10, 20, … in the seeds'
 * order, and synced once unless `sync` is false; stopped after the test.
 */
export async function simulatedVendors(
  container: Container,
  namePrefix: string,
  seeds: Record<string, number>[],
  { sync = true }: { sync?: boolean } = {},
): Promise<{ row: VendorRow; sim: RunningVendor }[]> {
  const suffix = randomBytes(3).toString('hex');
  const simulator = await startVendorSimulator({
    vendors: seeds.map((seed, i) => ({ name: `${namePrefix}${i}-${suffix}`, port: 0, seed })),
    logger: createLogger('silent'),
  });
  onTestFinished(() => simulator.close());
  const added = [];
  for (const [i, sim] of simulator.vendors.entries()) {
    const row = await addVendor(container, sim.name, sim.url, (i + 1) * 10);
    if (sync) await container.vendorSync.sync(row);
    added.push({ row, sim });
  }
  return added;
}

/** One simulated vendor holding `seed`, added with priority 10 and synced once; stopped after the test. */
export async function simulatedVendor(
  container: Container,
  namePrefix: string,
  seed: Record<string, number>,
): Promise<{ row: VendorRow; sim: RunningVendor }> {
  return (await simulatedVendors(container, namePrefix, [seed]))[0]!;
}
