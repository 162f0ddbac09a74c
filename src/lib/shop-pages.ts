/**
 * Addresses of the web UI's pages, for what links into the shop from outside it: the payment
 * provider's way back, and mail. `shopUrl` is PUBLIC_URL, with no trailing slash.
 */

/** An order's page: where it is paid, and where the payment page leads back. */
export const orderPageUrl = (shopUrl: string, orderId: string) => `${shopUrl}/orders/${encodeURIComponent(orderId)}`;

/** The checkout, with the cart: where a reminder of an abandoned cart leads. */
export const checkoutPageUrl = (shopUrl: string) => `${shopUrl}/checkout`;

/** The admin console's dead letters, where one is retried or discarded. */
export const deadLettersPageUrl = (shopUrl: string) => `${shopUrl}/admin/dead-letters`;

/** The page where a reminder's reader turns cart reminders off (or on again); `token` names their account's setting. */
export const cartRemindersPageUrl = (shopUrl: string, token: string) => `${shopUrl}/mail/cart-reminders?token=${encodeURIComponent(token)}`;

/**
 * The API's one-click unsubscribe (RFC 8058), for a mail client's own button: a POST turns cart
 * reminders off, with no page to show. The shop and the API share PUBLIC_URL.
 */
export const cartRemindersUnsubscribeUrl = (shopUrl: string, token: string) =>
  `${shopUrl}/api/mail/cart-reminders/unsubscribe?token=${encodeURIComponent(token)}`;
