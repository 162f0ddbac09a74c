// No imports: the web UI's bundle takes this file too.

/**
 * Countries whose post uses no postal codes (as CLDR's and Google's address data list them): an
 * address there has none to give, so none is asked for. Listing a country here that has started
 * using them only makes the code optional there, never refuses one.
 */
const WITHOUT_POSTAL_CODES = new Set(
  (
    'AE AG AO AW BF BI BJ BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GQ GY HK JM KI KM KN KP ' +
    'LC ML MO MR MW NR NU QA RW SB SC SL SR ST SY TD TF TG TK TL TO TT TV UG VU YE ZW'
  ).split(' '),
);

/**
 * How the postal codes of the countries most orders ship to are written, with one as an example:
 * the patterns take the spaces and dashes people type or leave out, in any case. Only formats
 * that are fixed and well known are here; any other country's code is taken as typed, since
 * refusing a real one would stop a buyer from ordering at all.
 */
const FORMATS: Readonly<Record<string, { pattern: RegExp; example: string }>> = {
  US: { pattern: /^\d{5}(-\d{4})?$/, example: '94103' },
  CA: { pattern: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/i, example: 'K1A 0B1' },
  GB: { pattern: /^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$/i, example: 'SW1A 1AA' },
  DE: { pattern: /^\d{5}$/, example: '10115' },
  FR: { pattern: /^\d{2} ?\d{3}$/, example: '75001' },
  IT: { pattern: /^\d{5}$/, example: '00184' },
  ES: { pattern: /^\d{5}$/, example: '28001' },
  NL: { pattern: /^\d{4} ?[A-Z]{2}$/i, example: '1012 AB' },
  BE: { pattern: /^\d{4}$/, example: '1000' },
  AT: { pattern: /^\d{4}$/, example: '1010' },
  CH: { pattern: /^\d{4}$/, example: '8001' },
  DK: { pattern: /^\d{4}$/, example: '1050' },
  NO: { pattern: /^\d{4}$/, example: '0150' },
  SE: { pattern: /^\d{3} ?\d{2}$/, example: '114 55' },
  FI: { pattern: /^\d{5}$/, example: '00100' },
  PL: { pattern: /^\d{2}-?\d{3}$/, example: '00-950' },
  PT: { pattern: /^\d{4}-?\d{3}$/, example: '1000-001' },
  CZ: { pattern: /^\d{3} ?\d{2}$/, example: '110 00' },
  SK: { pattern: /^\d{3} ?\d{2}$/, example: '811 01' },
  HU: { pattern: /^\d{4}$/, example: '1051' },
  GR: { pattern: /^\d{3} ?\d{2}$/, example: '105 57' },
  AU: { pattern: /^\d{4}$/, example: '2000' },
  NZ: { pattern: /^\d{4}$/, example: '6011' },
  JP: { pattern: /^\d{3}-?\d{4}$/, example: '100-0001' },
  IN: { pattern: /^\d{6}$/, example: '110001' },
  BR: { pattern: /^\d{5}-?\d{3}$/, example: '01310-100' },
  MX: { pattern: /^\d{5}$/, example: '06000' },
};

/** How a postal code of `country` is written, when its format is known: the checkout shows it. */
export const postalCodeExample = (country: string): string | undefined => FORMATS[country]?.example;

/** Whether an address in `country` has a postal code to give. */
export const usesPostalCodes = (country: string) => !WITHOUT_POSTAL_CODES.has(country);

/**
 * What is wrong with an address's postal code for its country, in words for the buyer; undefined
 * when nothing is (the country uses none and none was given, its format is not known, or it fits).
 */
export function postalCodeProblem(country: string, postalCode: string | undefined, countryName = country): string | undefined {
  const code = postalCode?.trim() ?? '';
  if (code === '') return usesPostalCodes(country) ? `a postal code is needed for an address in ${countryName}` : undefined;
  const format = FORMATS[country];
  if (!format || format.pattern.test(code)) return undefined;
  return `not a postal code of ${countryName}, which are written like ${format.example}`;
}
