import { Fragment } from 'react';
import type { ShippingAddress as Address } from '../api/client';
import { localityLines } from '../lib/address';

const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** A shipping address as its country's post writes it, the country named in full (the buyer's order page, the console's). */
export function ShippingAddress({ address }: { address: Address }) {
  return (
    <address>
      {address.name}
      <br />
      {address.line1}
      {address.line2 && (
        <>
          <br />
          {address.line2}
        </>
      )}
      {localityLines(address).map((line) => (
        <Fragment key={line}>
          <br />
          {line}
        </Fragment>
      ))}
      <br />
      {regions.of(address.country)} ({address.country})
    </address>
  );
}
