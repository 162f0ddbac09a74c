import { ApiError } from './client';

const asSentence = (text: string) => (text ? `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}` : '');

/**
 * A failure in words a shopper can act on. The API's messages are written for developers ("a
 * backing service is unavailable; retry shortly", "too many requests; retry in 12 s"), so the
 * failures any page may meet are said here by their code (a lost connection is already said so by
 * `unwrap`); a refusal a page knows better (out of
 * stock, an order that moved on) is said by the page before it calls this. Any other refusal keeps
 * the API's message, as a sentence; anything that is not an API error gets `fallback`.
 */
export function failureText(error: unknown, fallback: string): string {
  if (!(error instanceof ApiError)) return fallback;
  switch (error.code) {
    case 'RATE_LIMITED': {
      const seconds = Math.max(1, Math.ceil(Number(error.details.retryAfterMs ?? 1_000) / 1_000));
      return `Too many tries in a short time. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
    }
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Sign in again.';
    case 'FORBIDDEN':
      return 'Your account cannot do this.';
  }
  if (error.status >= 500) return 'The shop is having trouble right now. Try again in a moment.';
  return asSentence(error.message) || fallback;
}
