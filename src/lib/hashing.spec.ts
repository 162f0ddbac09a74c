import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalJson, uuidFromName } from './hashing.js';

describe('canonicalJson', () => {
  it('gives equal text for equal values whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });

  it('keeps array order, which is part of the value', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('uuidFromName', () => {
  it('derives the same valid UUID from the same name and different ones from different names', () => {
    const id = uuidFromName('user-1:key-hash');
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(id[14]).toBe('8');
    expect(uuidFromName('user-1:key-hash')).toBe(id);
    expect(uuidFromName('user-2:key-hash')).not.toBe(id);
  });
});
