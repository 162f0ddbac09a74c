import { addressLines } from '../../../src/lib/address.js';
import type { ShippingAddress as Address } from '../api/client';

/**
 * A shipping address as its country's post writes it, the country named in full (the buyer's order
 * page, the console's): the lines the order mails give too, one under another.
 */
export function ShippingAddress({ address }: { address: Address }) {
  return <address className="postal">{addressLines(address).join('\n')}</address>;
}
