/**
 * What the Lua scripts in ./lua return, named once. Each script's header says which of these it
 * answers and with what alongside; the scripts spell the same numbers as local constants.
 */
export enum ScriptCode {
  /** Nothing to act on: no such reservation, a gate not loaded, or (precheck) go on. */
  Nothing = 0,
  /** The script did what it was asked: reserved, ended, claimed, moved. */
  Done = 1,
  /** The idempotency key was seen with the same request. */
  Seen = 2,
  /** The idempotency key was seen with a different request. */
  KeyReused = -1,
  /** A line asks for more than its gate admits. */
  Insufficient = -2,
  /** A gate counter is not loaded: load it from the ledger and call again. */
  GateMissing = -3,
  /** The caller's line spec no longer matches the reservation's (a caller bug). */
  LinesMismatch = -4,
  /** Held by another: an orphan release refused (the order is being stored, or is stored), or a cart's version claimed by another checkout. */
  Claimed = -5,
  /** A cart is not in Redis: load it from its Postgres snapshot and call again. */
  CartMissing = -6,
  /** A new line in a cart that already holds its most lines. */
  CartFull = -7,
  /** More units than one cart line holds. */
  LineTooLarge = -8,
  /** A product whose currency is not the cart's. */
  CurrencyMismatch = -9,
  /** A cart changed since the caller read it: read it again. */
  CartChanged = -10,
}
