import { describe, expect, it } from 'vitest';
import { postalCodeProblem, usesPostalCodes } from './postal-codes.js';

describe('postalCodeProblem', () => {
  it('takes codes as people write them: any case, with or without the usual space or dash', () => {
    for (const [country, code] of [
      ['GB', 'SW1A 1AA'],
      ['GB', 'sw1a1aa'],
      ['GB', 'M1 1AE'],
      ['CA', 'k1a0b1'],
      ['NL', '1012ab'],
      ['US', '94103-1234'],
      ['PL', '00950'],
      ['JP', '1000001'],
      ['SE', '11455'],
    ] as const) {
      expect(postalCodeProblem(country, code), `${country} ${code}`).toBeUndefined();
    }
  });

  it('refuses a code that does not fit a known format, giving an example, and a missing one where one is used', () => {
    expect(postalCodeProblem('DE', '1011', 'Germany')).toBe('not a postal code of Germany, which are written like 10115');
    expect(postalCodeProblem('CA', 'D1A 0B1')).toMatch(/^not a postal code of CA/);
    expect(postalCodeProblem('US', undefined, 'United States')).toBe('a postal code is needed for an address in United States');
    expect(postalCodeProblem('IE', ' ')).toBe('a postal code is needed for an address in IE');
  });

  it('takes any code of a country whose format it does not know, and none where none is used', () => {
    expect(postalCodeProblem('IE', 'D02 X285')).toBeUndefined();
    expect(postalCodeProblem('AR', 'C1000')).toBeUndefined();
    expect(usesPostalCodes('HK')).toBe(false);
    expect(postalCodeProblem('HK', undefined)).toBeUndefined();
    expect(postalCodeProblem('HK', '999077')).toBeUndefined();
  });
});
