/**
 * The port every payment provider adapter implements. flashcart creates a payment for an order and
 * sends the buyer to the provider's checkout page; the outcome comes back later, as a signed webhook
 * (see webhook-signature.ts), never as the answer to this call.
 */

export interface CreatePaymentInput {
  /** The provider keeps one payment per order: creating it again returns the same payment. */
  orderId: string;
  /** Integer minor units of `currency`. */
  amountCents: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** Shown to the buyer on the checkout page. */
  description?: string;
  /**
   * Where the checkout page sends the buyer once they have paid or declined: the shop's page of
   * the order. flashcart builds it from its configured public address and the order id, never from
   * a request, so the provider's page cannot become an open redirect.
   */
  returnUrl?: string;
}

export interface CreatedPayment {
  paymentId: string;
  /** Where the buyer pays. */
  checkoutUrl: string;
}

export interface PaymentProvider {
  /**
   * Creates the order's payment, or returns the one it already has. Throws
   * PaymentProviderUnavailableError when the provider cannot be reached or answers unusably.
   */
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** Lets go of what the adapter holds open (kept-alive connections). */
  close(): Promise<void>;
}
