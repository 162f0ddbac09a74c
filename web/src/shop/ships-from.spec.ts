import { describe, expect, it } from 'vitest';
import { shipsFrom } from './ships-from';

const source = (name: string, available: number, stale = false) => ({ source: name, available, stale });

describe('shipsFrom', () => {
  it('names the warehouse and counts the partners, never their names', () => {
    expect(shipsFrom([source('local', 4), source('acme', 10), source('globex', 2)])).toBe('our warehouse and 2 partners');
    expect(shipsFrom([source('local', 4), source('acme', 10)])).toBe('our warehouse and a partner');
    expect(shipsFrom([source('local', 4), source('acme', 0)])).toBe('our warehouse');
  });

  it('leaves out sources with nothing, or a count too old to trust', () => {
    expect(shipsFrom([source('local', 0), source('acme', 10), source('globex', 5, true)])).toBe('a partner');
    expect(shipsFrom([source('local', 0), source('acme', 0, true)])).toBe('nowhere right now');
  });
});
