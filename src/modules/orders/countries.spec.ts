import { describe, expect, it } from 'vitest';
import { countries } from '../../../web/src/lib/countries.js';
import { postalCodeExample } from '../../lib/postal-codes.js';
import { shippingAddress } from './orders.schemas.js';

describe("the shop's country list", () => {
  it('offers only countries the API takes in a shipping address', () => {
    const address = { name: 'A', line1: 'x', city: 'y' };
    const listed = countries().map((country) => country.code);
    expect(listed.length).toBeGreaterThan(240);
    const refused = listed.filter(
      (country) => !shippingAddress.safeParse({ ...address, postalCode: postalCodeExample(country) ?? '1', country }).success,
    );
    expect(refused).toEqual([]);
  });
});
