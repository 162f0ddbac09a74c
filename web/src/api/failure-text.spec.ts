import { describe, expect, it } from 'vitest';
import { ApiError, unwrap } from './client';
import { failureText } from './failure-text';

describe('failureText', () => {
  it('says the failures any page may meet in a shopper’s words, never the API’s developer text', async () => {
    const lost = await unwrap(Promise.reject(new TypeError('Failed to fetch'))).catch((error: unknown) => error);
    const said = [
      new ApiError(503, 'UNAVAILABLE', 'a backing service is unavailable; retry shortly'),
      new ApiError(500, 'INTERNAL', 'internal error'),
      new ApiError(502, 'UNAVAILABLE', 'the server answered 502'),
      new ApiError(429, 'RATE_LIMITED', 'too many requests; retry in 12 s', { retryAfterMs: 11_200 }),
      lost,
      new ApiError(401, 'UNAUTHENTICATED', 'an Authorization: Bearer token is required'),
    ].map((error) => failureText(error, 'unused'));
    expect(said).toEqual([
      'The shop is having trouble right now. Try again in a moment.',
      'The shop is having trouble right now. Try again in a moment.',
      'The shop is having trouble right now. Try again in a moment.',
      'Too many tries in a short time. Try again in 12 seconds.',
      'The shop cannot be reached. Check your connection and try again.',
      'Your session has ended. Sign in again.',
    ]);
  });

  it('keeps any other refusal’s message as a sentence, and gives the fallback for what is not an API error', () => {
    expect(failureText(new ApiError(409, 'CONFLICT', 'an account with this email already exists'), 'x')).toBe(
      'An account with this email already exists.',
    );
    expect(failureText(new ApiError(404, 'NOT_FOUND', 'Order not found.'), 'x')).toBe('Order not found.');
    expect(failureText(new TypeError('Failed to fetch'), 'The cart could not be changed.')).toBe('The cart could not be changed.');
  });
});
