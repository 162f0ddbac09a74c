import { countryName } from '../../../src/lib/countries.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Every country a shipping address may name, by its name in `locale`: each two-capital code that
 * `countryName` (shared with the API's check) names, less the old codes ICU maps to current ones
 * (UK for GB, DD for DE), so each country is listed once, under its code.
 */
export function countries(locale = 'en'): { code: string; name: string }[] {
  const found: { code: string; name: string }[] = [];
  for (const first of LETTERS) {
    for (const second of LETTERS) {
      const code = first + second;
      if (Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) continue;
      const name = countryName(code, locale);
      if (name !== undefined) found.push({ code, name });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name, locale));
}
