import type { SimulatedVendorDefinition } from './vendor-simulator.js';

/**
 * The vendors `npm start` simulates, seeded against the demo catalog (src/db/seed.ts):
 * FLASH-001, ELEC-001, BOOK-001 and OUT-002 are held by both; ELEC-003, ELEC-005, HOME-003 and
 * TOY-005 by acme alone; ELEC-004, BOOK-003, HOME-006 and TOY-001 by globex alone; every other
 * catalog SKU by neither. ACME-9000 and GLOBEX-X42 are not in the catalog: the sync must ignore them.
 */
export const DEFAULT_VENDOR_STOCK: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  acme: {
    'FLASH-001': 5,
    'ELEC-001': 40,
    'BOOK-001': 20,
    'OUT-002': 6,
    'ELEC-003': 10,
    'ELEC-005': 15,
    'HOME-003': 12,
    'TOY-005': 8,
    'ACME-9000': 100,
  },
  globex: {
    'FLASH-001': 3,
    'ELEC-001': 25,
    'BOOK-001': 10,
    'OUT-002': 4,
    'ELEC-004': 30,
    'BOOK-003': 14,
    'HOME-006': 9,
    'TOY-001': 20,
    'GLOBEX-X42': 50,
  },
};

/** The default vendors on consecutive ports from `basePort` (acme on basePort, globex on basePort + 1); 0: any free ports. */
export function defaultSimulatedVendors(basePort: number): SimulatedVendorDefinition[] {
  return Object.entries(DEFAULT_VENDOR_STOCK).map(([name, seed], index) => ({
    name,
    port: basePort === 0 ? 0 : basePort + index,
    seed,
  }));
}
