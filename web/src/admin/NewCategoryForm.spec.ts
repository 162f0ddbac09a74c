import { describe, expect, it } from 'vitest';
import { slugOf } from './NewCategoryForm';

describe('the slug a category name suggests', () => {
  it('is the name in lowercase letters and digits, joined by single dashes', () => {
    expect(slugOf('Garden & Patio')).toBe('garden-patio');
    expect(slugOf('  Toys 4 Kids!  ')).toBe('toys-4-kids');
  });

  it('drops accents rather than the letters that carry them', () => {
    expect(slugOf('Crème Brûlée')).toBe('creme-brulee');
  });

  it('is at most 64 characters, never ending in a dash', () => {
    const slug = slugOf(`${'a'.repeat(63)} b`);
    expect(slug).toBe('a'.repeat(63));
    expect(slugOf('x'.repeat(100))).toHaveLength(64);
  });
});
