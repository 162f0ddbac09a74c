import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { complaintsAt, complaintsOf, fieldAt, validationIssues } from './validation';

const refusal = (issues: unknown) => new ApiError(400, 'VALIDATION_FAILED', 'invalid body', { issues });

describe('validation issues', () => {
  it('reads the issues of a VALIDATION_FAILED refusal, and none of any other error', () => {
    const issues = [{ in: 'body', path: '/shippingAddress/postalCode', message: 'Too small' }];
    expect(validationIssues(refusal(issues))).toEqual([{ path: '/shippingAddress/postalCode', message: 'Too small' }]);
    expect(validationIssues(new ApiError(400, 'VALIDATION_FAILED', 'a JSON body is required'))).toEqual([]);
    expect(validationIssues(new ApiError(409, 'INSUFFICIENT_STOCK', 'sold out', { issues }))).toEqual([]);
    expect(validationIssues(new Error('boom'))).toEqual([]);
  });

  it('finds the field of a path, or of the nearest path above it', () => {
    const fields = { '/items': 'Quantity', '/shippingAddress/city': 'City' };
    expect(fieldAt('/items/0/quantity', fields)).toBe('Quantity');
    expect(fieldAt('/shippingAddress/city', fields)).toBe('City');
    expect(fieldAt('/shippingAddress/line1', fields)).toBeUndefined();
    expect(fieldAt('', fields)).toBeUndefined();
  });

  it('says one complaint per field, by its label, and names a field without one by its path', () => {
    const issues = [
      { path: '/items/0/quantity', message: 'Too big: expected number to be <=1000' },
      { path: '/items/0/quantity', message: 'the lines of BOOK-004 hold 5000 units in all' },
      { path: '/shippingAddress/line9', message: 'Unrecognized key' },
      { path: '', message: 'give either items or fromCart: true' },
    ];
    expect(complaintsOf(issues, { '/items': 'Quantity' })).toEqual([
      'Quantity: Too big: expected number to be <=1000',
      'shippingAddress › line9: Unrecognized key',
      'give either items or fromCart: true',
    ]);
  });

  it('gives each complaint the path of the field it names, so a form can tell which are about its own fields', () => {
    const issues = [
      { path: '/items/0/quantity', message: 'Too big' },
      { path: '/shippingAddress/city', message: 'Too small' },
      { path: '/shippingAddress/line9', message: 'Unrecognized key' },
    ];
    expect(complaintsAt(issues, { '/items': 'Quantity', '/shippingAddress/city': 'City' })).toEqual([
      { path: '/items', text: 'Quantity: Too big' },
      { path: '/shippingAddress/city', text: 'City: Too small' },
      { path: '/shippingAddress/line9', text: 'shippingAddress › line9: Unrecognized key' },
    ]);
  });
});
