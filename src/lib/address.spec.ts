import { describe, expect, it } from 'vitest';
import { addressLines, localityLines } from './address.js';

describe('localityLines', () => {
  it('writes city, state and ZIP code on one line in the US, Canada and Australia', () => {
    expect(localityLines({ city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' })).toEqual(['Austin, TX 78701']);
    expect(localityLines({ city: 'Toronto', region: 'ON', postalCode: 'M5V 2T6', country: 'CA' })).toEqual(['Toronto, ON M5V 2T6']);
    expect(localityLines({ city: 'Austin', postalCode: '78701', country: 'US' })).toEqual(['Austin 78701']);
  });

  it('puts the postcode on a line of its own, after the county, in the UK and Ireland', () => {
    expect(localityLines({ city: 'London', postalCode: 'N1 9GU', country: 'GB' })).toEqual(['London', 'N1 9GU']);
    expect(localityLines({ city: 'Cork', region: 'Co. Cork', postalCode: 'T12 X70A', country: 'IE' })).toEqual(['Cork', 'Co. Cork', 'T12 X70A']);
  });

  it('writes the city alone where the country uses no postal codes', () => {
    expect(localityLines({ city: 'Kowloon', country: 'HK' })).toEqual(['Kowloon']);
    expect(localityLines({ city: 'Dubai', postalCode: '', country: 'AE' })).toEqual(['Dubai']);
  });

  it('writes the postal code before the city elsewhere, the region after them', () => {
    expect(localityLines({ city: 'Berlin', postalCode: '10115', country: 'DE' })).toEqual(['10115 Berlin']);
    expect(localityLines({ city: 'Milano', region: 'MI', postalCode: '20121', country: 'IT' })).toEqual(['20121 Milano', 'MI']);
  });
});

describe('addressLines', () => {
  it('gives the name, the street lines, the locality and the country named in full, a line each', () => {
    const address = { name: 'Ada Lovelace', line1: '1 Main St', line2: 'Suite 2', city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' };
    expect(addressLines(address)).toEqual(['Ada Lovelace', '1 Main St', 'Suite 2', 'Austin, TX 78701', 'United States (US)']);
    expect(addressLines({ name: 'Bo', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' }, 'de')).toEqual([
      'Bo',
      'Hauptstr. 1',
      '10115 Berlin',
      'Deutschland (DE)',
    ]);
  });
});
