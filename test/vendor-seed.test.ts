import { describe, expect, it } from 'vitest';
import { runStockSync } from '../src/modules/vendors/stock-sync.js';
import { seedSimulatedVendors } from '../src/modules/vendors/vendor-seed.js';
import { useSystem } from './support/system.js';

/** The ports a default start would give the simulated vendors (nothing listens there in this test). */
const basePort = 3200;

/** What `npm start` runs on an empty database: the demo catalog, the simulated vendors and their rows. */
describe('npm start with the demo catalog', () => {
  const sut = useSystem({ api: true, worker: false, vendorSim: true }, { SEED_DEMO_CATALOG: 'true', VENDOR_SIM_BASE_PORT: '0' });

  it('seeds the simulated vendors as vendor rows, whose stock then counts towards the demo products', async () => {
    // The system above ran with ports chosen freely (nothing to seed); seed against it as a fixed-port start would.
    const [acme, globex] = sut.system.vendorSim!.vendors;
    expect(await seedSimulatedVendors(sut.system.container.db, basePort)).toBe(true);
    expect(await seedSimulatedVendors(sut.system.container.db, basePort)).toBe(false);
    const rows = await sut.system.container.vendorsRepository.list();
    expect(rows.map((row) => [row.name, row.baseUrl, row.priority])).toEqual([
      ['acme', `http://127.0.0.1:${basePort}`, 10],
      ['globex', `http://127.0.0.1:${basePort + 1}`, 20],
    ]);
    // Point the rows at where the simulator listens in this run.
    await sut.system.container.vendorsRepository.update(rows[0]!.id, { baseUrl: acme!.url });
    await sut.system.container.vendorsRepository.update(rows[1]!.id, { baseUrl: globex!.url });

    const reports = await runStockSync({ vendors: sut.system.container.vendorsRepository, sync: sut.system.container.vendorSync });
    expect(reports.map((report) => report.outcome)).toEqual(['ok', 'ok']);
    const flash = (await sut.admin.get('/api/products/FLASH-001')).body;
    expect(flash.available).toBe(10 + 5 + 3);
    expect(flash.sources).toEqual([
      { source: 'local', available: 10, stale: false },
      { source: 'acme', available: 5, stale: false },
      { source: 'globex', available: 3, stale: false },
    ]);
  });
});
