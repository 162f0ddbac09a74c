// One import, of a file that has none: the web UI's bundle takes this file too.
import { countryName } from './countries.js';

/** A shipping address's fields, as the API takes them (orders.schemas `shippingAddress`). */
export interface PostalAddress {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  /** None in a country whose post uses none (postal-codes.ts). */
  postalCode?: string | undefined;
  country: string;
}

/** Where the city, the region and the postal code go differ by country; these are the ones the shop ships to most. */
const CITY_REGION_POSTCODE = new Set(['US', 'CA', 'AU']);
const POSTCODE_LAST_LINE = new Set(['GB', 'IE']);

/**
 * The lines of the address below the street, as the post of its country writes them: "Austin, TX
 * 78701" in the US, Canada and Australia; the city, the county and the postcode each on a line in
 * the UK and Ireland; elsewhere "10115 Berlin", the region (if any) after it.
 */
export function localityLines({ city, region, postalCode, country }: Pick<PostalAddress, 'city' | 'region' | 'postalCode' | 'country'>): string[] {
  if (CITY_REGION_POSTCODE.has(country)) return [[`${city}${region ? `, ${region}` : ''}`, postalCode].filter(Boolean).join(' ')];
  if (POSTCODE_LAST_LINE.has(country)) return [city, ...(region ? [region] : []), ...(postalCode ? [postalCode] : [])];
  return [[postalCode, city].filter(Boolean).join(' '), ...(region ? [region] : [])];
}

/** The whole address, a line each, as it goes on a parcel: the country last, named in full with its code. */
export function addressLines(address: PostalAddress, locale = 'en'): string[] {
  const country = countryName(address.country, locale);
  return [
    address.name,
    address.line1,
    ...(address.line2 ? [address.line2] : []),
    ...localityLines(address),
    country ? `${country} (${address.country})` : address.country,
  ];
}
