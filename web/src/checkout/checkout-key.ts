/**
 * The Idempotency-Key of one checkout. It is made when the checkout is first submitted and kept
 * (in sessionStorage, so a reload keeps it too) across every retry of that checkout, so a retry
 * after a lost answer gets the order the first attempt placed rather than a second one. It is
 * dropped once the checkout has an answer that is final: an order, or a refusal the shopper must
 * act on (the next attempt is a different checkout).
 */

const STORAGE_KEY = 'flashcart.checkoutKey';

export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class CheckoutKey {
  constructor(
    private readonly storage: KeyStorage,
    private readonly newKey: () => string = () => crypto.randomUUID(),
  ) {}

  /** The key of the checkout in progress, made on first use. */
  current(): string {
    let key = this.storage.getItem(STORAGE_KEY);
    if (!key) {
      key = `checkout-${this.newKey()}`;
      this.storage.setItem(STORAGE_KEY, key);
    }
    return key;
  }

  /** The checkout got a final answer: the next one needs a key of its own. */
  finish(): void {
    this.storage.removeItem(STORAGE_KEY);
  }
}

/** Whether an attempt's failure leaves the outcome unknown or passing, so a retry must reuse the key. */
export function keepKeyAfter(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}
