import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { startVendorSimulator } from '../src/simulators/vendor-sim/vendor-simulator.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { useSystem } from './support/system.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** `npm run stock-sync`: the sync run inline from the command line, against this test's database. */
describe('the stock-sync command', () => {
  const sut = useSystem({ api: true, worker: false });

  function stockSync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'stock-sync', ...args],
        { cwd: ROOT, env: { ...process.env, ...sut.stores.env, VENDOR_TIMEOUT_MS: '500' } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('syncs every enabled vendor and prints what moved; exits 1 for a named vendor that fails or does not exist', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const name = `cli-${randomBytes(3).toString('hex')}`;
    const simulator = await startVendorSimulator({ vendors: [{ name, port: 0, seed: { [sku]: 6 } }], logger: createLogger('silent') });
    onTestFinished(() => simulator.close());
    await sut.system.container.vendorsRepository.insert({ name, baseUrl: simulator.vendors[0]!.url });

    const synced = await stockSync();
    expect(synced).toMatchObject({ code: 0 });
    expect(synced.stdout).toContain(`${name}: ok, 1 catalog SKU(s) listed`);
    expect(synced.stdout).toContain(`${sku}: +6`);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 6, gateAvailable: 7, drift: 0 });

    simulator.vendors[0]!.simulation.startOutage(600, 'unavailable');
    const failed = await stockSync('--vendor', name);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`${name}: FAILED`);

    const unknown = await stockSync('--vendor', 'no-such-vendor');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no vendor named no-such-vendor');
  });
});
