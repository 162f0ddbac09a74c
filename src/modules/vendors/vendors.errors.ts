/**
 * Faults talking to a vendor, as the vendor client throws them. Expected business outcomes (a
 * vendor short of stock, a SKU it does not carry) are results, never these.
 *
 * `transient` says another attempt soon may succeed (the client retries these); `countsAgainstVendor`
 * says the fault is the vendor's health, not our request (the circuit breaker counts these).
 */
export abstract class VendorError extends Error {
  abstract readonly transient: boolean;
  abstract readonly countsAgainstVendor: boolean;

  constructor(
    readonly vendor: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`vendor ${vendor}: ${message}`, options);
    this.name = new.target.name;
  }
}

/** The vendor's circuit is open: the call failed fast without reaching the vendor. */
export class VendorUnavailable extends VendorError {
  readonly transient = false;
  readonly countsAgainstVendor = false;
}

/** No complete answer within the client's timeout. */
export class VendorTimeout extends VendorError {
  readonly transient = true;
  readonly countsAgainstVendor = true;
}

/** Connection refused, reset or dropped before a complete answer. */
export class VendorConnectionFailed extends VendorError {
  readonly transient = true;
  readonly countsAgainstVendor = true;
}

/** The vendor answered 5xx. */
export class VendorServerError extends VendorError {
  readonly transient = true;
  readonly countsAgainstVendor = true;

  constructor(
    vendor: string,
    readonly status: number,
  ) {
    super(vendor, `answered ${status}`);
  }
}

/**
 * The vendor answered something that is not its contract: not JSON, a negative or non-numeric
 * count, a missing field. Not retried (a vendor that sends garbage tends to keep sending it), but
 * counted, so a vendor answering garbage opens its breaker.
 */
export class VendorBadResponse extends VendorError {
  readonly transient = false;
  readonly countsAgainstVendor = true;

  constructor(
    vendor: string,
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(vendor, message);
  }
}

/**
 * The vendor refused the request itself (4xx other than the business refusals): our request or
 * configuration is wrong (a bad base URL, a line id reused for another SKU). Neither retried nor
 * counted against the vendor.
 */
export class VendorRequestRejected extends VendorError {
  readonly transient = false;
  readonly countsAgainstVendor = false;

  constructor(
    vendor: string,
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(vendor, `refused the request (${status}${code ? ` ${code}` : ''}): ${message}`);
  }
}
