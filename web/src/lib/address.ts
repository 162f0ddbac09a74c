import type { ShippingAddress } from '../api/client';

/** Where the city, the region and the postal code go differ by country; these are the ones the shop ships to most. */
const CITY_REGION_POSTCODE = new Set(['US', 'CA', 'AU']);
const POSTCODE_LAST_LINE = new Set(['GB', 'IE']);

/**
 * The lines of the address below the street, as the post of its country writes them: "Austin, TX
 * 78701" in the US, Canada and Australia; the city, the county and the postcode each on a line in
 * the UK and Ireland; elsewhere "10115 Berlin", the region (if any) after it.
 */
export function localityLines({ city, region, postalCode, country }: Pick<ShippingAddress, 'city' | 'region' | 'postalCode' | 'country'>): string[] {
  if (CITY_REGION_POSTCODE.has(country)) return [`${city}${region ? `, ${region}` : ''} ${postalCode}`];
  if (POSTCODE_LAST_LINE.has(country)) return [city, ...(region ? [region] : []), postalCode];
  return [`${postalCode} ${city}`, ...(region ? [region] : [])];
}
