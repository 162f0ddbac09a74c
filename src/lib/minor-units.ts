// No imports: the web UI's bundle takes this file too.

/**
 * ISO 4217's minor unit where the runtime's currency data (CLDR, which follows what cash uses)
 * says otherwise: amounts are integer minor units of ISO 4217, as payment providers take them, so
 * 1000 HUF minor units are 10.00 Ft, not 1,000 Ft. Shared by the server (mail, the payment
 * simulator's page) and the web UI (web/src/lib/money.ts), which write money the same way.
 */
const ISO_MINOR_UNITS: Readonly<Record<string, number>> = {
  AFN: 2,
  ALL: 2,
  COP: 2,
  HUF: 2,
  IDR: 2,
  IQD: 3,
  IRR: 2,
  KPW: 2,
  LAK: 2,
  LBP: 2,
  MGA: 2,
  MMK: 2,
  PKR: 2,
  SLL: 2,
  SOS: 2,
  SYP: 2,
  YER: 2,
};

/** How many digits the currency's minor unit has (ISO 4217): 2 for EUR, 0 for JPY, 3 for KWD. Throws a RangeError for a code that is not one. */
export function minorUnitDigits(currency: string): number {
  return ISO_MINOR_UNITS[currency] ?? new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}
