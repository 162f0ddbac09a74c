import { describe, expect, it } from 'vitest';
import { countries } from './countries';

describe('countries', () => {
  const listed = countries();
  const codes = listed.map((country) => country.code);

  it('lists every country once, by name, with the ones a shop ships to most', () => {
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(listed.map((country) => country.name)).size).toBe(listed.length);
    for (const code of ['CH', 'PL', 'SE', 'DE', 'GB', 'US', 'JP', 'BR', 'XK']) expect(codes).toContain(code);
    expect(listed.find((country) => country.code === 'CH')?.name).toBe('Switzerland');
    expect(listed.map((country) => country.name)).toEqual([...listed.map((country) => country.name)].sort((a, b) => a.localeCompare(b, 'en')));
  });

  it('leaves out groupings, pseudo-locales and old codes of countries listed under their own', () => {
    for (const code of ['EU', 'UN', 'ZZ', 'XA', 'XB', 'UK', 'DD', 'SU', 'YU']) expect(codes).not.toContain(code);
  });
});
