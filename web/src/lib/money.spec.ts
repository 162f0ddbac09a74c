import { describe, expect, it } from 'vitest';
import { formatMoney as serverFormatMoney } from '../../../src/modules/notifications/format';
import { formatMoney, minorDigits, parseMoney } from './money';

describe('minor units', () => {
  it('are ISO 4217’s, where the runtime’s currency data counts whole units only', () => {
    expect([minorDigits('EUR'), minorDigits('JPY'), minorDigits('KWD')]).toEqual([2, 0, 3]);
    expect([minorDigits('HUF'), minorDigits('IDR'), minorDigits('COP'), minorDigits('IQD')]).toEqual([2, 2, 2, 3]);
    expect(formatMoney(1_000, 'HUF').replace(/\s/g, ' ')).toBe('HUF 10.00');
    expect(parseMoney('10.50', 'HUF')).toBe(1_050);
  });

  it('are written the same by the web UI and the server’s mail, in every currency', () => {
    for (const currency of Intl.supportedValuesOf('currency')) {
      expect(formatMoney(123_456, currency), currency).toBe(serverFormatMoney(123_456, currency, 'en'));
    }
  });
});

describe('parseMoney', () => {
  it('reads a typed decimal as exact minor units, where a float would be a cent short', () => {
    expect(parseMoney('0.29', 'EUR')).toBe(29);
    expect(Math.trunc(0.29 * 100)).toBe(28);
    expect(parseMoney('1234.29', 'EUR')).toBe(123_429);
    expect(parseMoney('12.5', 'EUR')).toBe(1_250);
    expect(parseMoney('12', 'EUR')).toBe(1_200);
    expect(parseMoney('12.', 'EUR')).toBe(1_200);
    expect(parseMoney('.5', 'EUR')).toBe(50);
    expect(parseMoney(' 007.10 ', 'EUR')).toBe(710);
  });

  it('follows the minor unit of the currency', () => {
    expect(parseMoney('1500', 'JPY')).toBe(1_500);
    expect(parseMoney('1500.5', 'JPY')).toBeUndefined();
    expect(parseMoney('1.234', 'KWD')).toBe(1_234);
  });

  it('refuses what is not an amount, or has more decimals than the currency has', () => {
    for (const text of ['', '.', '-1', '1e3', '12,50', '12.505', 'twelve', '1.2.3', '99999999999999999999']) {
      expect(parseMoney(text, 'EUR'), text).toBeUndefined();
    }
  });

  it('reads back what formatMoney shows, without its symbol and separators', () => {
    expect(formatMoney(parseMoney('1234.29', 'EUR')!, 'EUR')).toBe('€1,234.29');
    expect(formatMoney(parseMoney('1500', 'JPY')!, 'JPY')).toBe('¥1,500');
  });
});
