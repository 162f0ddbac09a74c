/**
 * The Idempotency-Key of one checkout. It is made when the checkout is first submitted and kept
 * (in sessionStorage, so a reload keeps it too) across every retry of that checkout, so a retry
 * after a lost answer gets the order the first attempt placed rather than a second one. Once the
 * checkout placed an order, the key is kept for the same checkout sent again while the order holds
 * its stock: a shopper who goes Back from the payment page and submits the same form again gets
 * the same order (and its payment), not a second one holding stock beside it. Any other checkout,
 * or a refusal the shopper must act on, gets a key of its own.
 */

const STORAGE_KEY = 'flashcart.checkoutKey';

export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What is stored: the key, and once it placed an order, that order, the request that placed it and the end of its hold. */
interface StoredKey {
  key: string;
  placed?: { orderId: string; request: string; untilMs: number };
}

export class CheckoutKey {
  constructor(
    private readonly storage: KeyStorage,
    private readonly newKey: () => string = () => crypto.randomUUID(),
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The key for sending `request` (the order's body, as sent): the checkout's own while it has no
   * order yet, or while `request` is the one that placed its order and the order still holds its
   * stock; otherwise a new one.
   */
  current(request: string): string {
    const stored = this.read();
    if (stored && (!stored.placed || this.samePlaced(stored.placed, request))) return stored.key;
    const key = `checkout-${this.newKey()}`;
    this.write({ key });
    return key;
  }

  /**
   * The order `current(request)` would name again, if any: the caller checks it is still unpaid,
   * and calls `finish` otherwise (a paid or ended order is no checkout to come back to).
   */
  placedOrder(request: string): string | undefined {
    const placed = this.read()?.placed;
    return placed && this.samePlaced(placed, request) ? placed.orderId : undefined;
  }

  /** The checkout placed order `orderId` from `request`, holding its stock until `untilMs`. */
  placed(orderId: string, request: string, untilMs: number): void {
    const stored = this.read();
    if (stored) this.write({ key: stored.key, placed: { orderId, request, untilMs } });
  }

  /** The checkout got a final answer: the next one needs a key of its own. */
  finish(): void {
    this.storage.removeItem(STORAGE_KEY);
  }

  private samePlaced(placed: NonNullable<StoredKey['placed']>, request: string): boolean {
    return placed.request === request && this.now() < placed.untilMs;
  }

  private read(): StoredKey | undefined {
    const text = this.storage.getItem(STORAGE_KEY);
    if (!text) return undefined;
    // A page of an earlier build stored the bare key.
    if (!text.startsWith('{')) return { key: text };
    try {
      return JSON.parse(text) as StoredKey;
    } catch {
      return undefined;
    }
  }

  private write(stored: StoredKey): void {
    this.storage.setItem(STORAGE_KEY, JSON.stringify(stored));
  }
}

/** Whether an attempt's failure leaves the outcome unknown or passing, so a retry must reuse the key. */
export function keepKeyAfter(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}
