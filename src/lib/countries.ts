// No imports: the web UI's bundle takes this file too.

/** Codes the runtime's ICU names that are no country: groupings, the unknown region, pseudo-locales. */
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB']);

const regionNames = new Map<string, Intl.DisplayNames>();

/** The name in `locale` of the country a two-capital code names; undefined for any other code (`QQ`, `EU`, `ZZ`). */
export function countryName(code: string, locale = 'en'): string | undefined {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return undefined;
  let names = regionNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
    regionNames.set(locale, names);
  }
  return names.of(code);
}
