import { minorUnitDigits } from '../../../src/lib/minor-units';

const formats = new Map<string, Intl.NumberFormat>();

/** How many digits a currency's minor unit has (ISO 4217): 2 for EUR (cents), 0 for JPY. Throws a RangeError for a code that is not one. */
export const minorDigits = minorUnitDigits;

function formatOf(currency: string): Intl.NumberFormat {
  let format = formats.get(currency);
  if (!format) {
    const digits = minorDigits(currency);
    format = new Intl.NumberFormat('en', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(currency, format);
  }
  return format;
}

/** Integer minor units as the shopper reads them: 1999 EUR → €19.99. */
export function formatMoney(cents: number, currency: string): string {
  return formatOf(currency).format(cents / 10 ** minorDigits(currency));
}

/**
 * An amount typed as a decimal ("12.5", "12.50", "12", ".5") in integer minor units of `currency`,
 * read from its digits so that no floating-point error creeps in (0.29 × 100 is 28.999… as a float).
 * Undefined when the text is not such an amount, or has more decimals than the currency's minor unit.
 */
export function parseMoney(text: string, currency: string): number | undefined {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, whole = '', fraction = ''] = match;
  const digits = minorDigits(currency);
  if (whole === '' && fraction === '') return undefined;
  if (fraction.length > digits) return undefined;
  const minorUnits = Number(`${whole}${fraction.padEnd(digits, '0')}`);
  return Number.isSafeInteger(minorUnits) ? minorUnits : undefined;
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}
