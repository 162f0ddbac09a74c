import { minorUnitDigits } from '../../lib/minor-units.js';

/** How mail (and the payment simulator's page) writes money and time. */
export interface FormatOptions {
  /** BCP 47 locale of numbers and dates. */
  locale: string;
  /** IANA time zone that dates are shown in; its name is written after each time. */
  timeZone: string;
}

export const DEFAULT_FORMAT: FormatOptions = { locale: 'en-US', timeZone: 'UTC' };

const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

function moneyFormat(currency: string, locale: string): { format: Intl.NumberFormat; digits: number } {
  const key = `${locale}|${currency}`;
  let known = moneyFormats.get(key);
  if (!known) {
    const digits = minorUnitDigits(currency);
    known = {
      format: new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }),
      digits,
    };
    moneyFormats.set(key, known);
  }
  return known;
}

/**
 * Integer minor units of an ISO 4217 currency as the locale writes them: 1234 EUR → "€12.34",
 * 1234 JPY → "¥1,234", 1234 HUF → "HUF 12.34" (the currency's ISO 4217 decimals).
 */
export function formatMoney(minorUnits: number, currency: string, locale: string = DEFAULT_FORMAT.locale): string {
  const { format, digits } = moneyFormat(currency, locale);
  return format.format(minorUnits / 10 ** digits);
}

/** "Mar 5, 2026, 2:07 PM UTC": date and time, in the configured zone, naming it. */
export function formatDateTime(at: Date, options: FormatOptions = DEFAULT_FORMAT): string {
  const text = new Intl.DateTimeFormat(options.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: options.timeZone }).format(at);
  return `${text} ${options.timeZone}`;
}

/** "Mar 5, 2026": the date alone, in the configured zone. */
export function formatDate(at: Date, options: FormatOptions = DEFAULT_FORMAT): string {
  return new Intl.DateTimeFormat(options.locale, { dateStyle: 'medium', timeZone: options.timeZone }).format(at);
}
