/**
 * Codes the runtime's ICU names that are no country, as the API refuses them too (`isCountry` in
 * src/modules/orders/orders.schemas.ts): groupings, the unknown region, pseudo-locales.
 */
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB']);

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Every country a shipping address may name, by its name in `locale`: each ISO 3166-1 alpha-2 code
 * the runtime's ICU names, less those above and the old codes it maps to current ones (UK for GB,
 * DD for DE), so each country is listed once, under its code.
 */
export function countries(locale = 'en'): { code: string; name: string }[] {
  const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
  const found: { code: string; name: string }[] = [];
  for (const first of LETTERS) {
    for (const second of LETTERS) {
      const code = first + second;
      if (NOT_COUNTRIES.has(code) || Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) continue;
      const name = names.of(code);
      if (name !== undefined) found.push({ code, name });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name, locale));
}
