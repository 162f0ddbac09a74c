import type { RenderedMail } from './templates.js';

/** Which template a mail was made from; part of its delivery key. */
export type MailTemplate =
  | 'order-received'
  | 'payment-confirmed'
  | 'order-expired'
  | 'order-cancelled'
  | 'order-failed'
  | 'order-not-taken'
  | 'fulfilment-failed'
  | 'refund-due'
  | 'low-stock'
  | 'dead-letter'
  | 'payment-anomaly'
  | 'abandoned-cart';

/** One mail to one recipient, rendered, as the send-email job carries it. */
export interface EmailJob extends RenderedMail {
  /**
   * `<source>.<template>.<recipient>`: what makes a send happen once however many jobs carry it. The
   * source is the outbox event (`outbox-<id>`), so a re-run of the event's notify job finds the sends
   * it queued; for an abandoned cart it is the cart and version (`cart-<user id>-v<version>`).
   */
  key: string;
  template: MailTemplate;
  to: string;
  /**
   * Where a mail client's unsubscribe button posts (RFC 8058 one-click): sent as `List-Unsubscribe`
   * with `List-Unsubscribe-Post`. Only mail that is not about an order carries one (the reminder).
   */
  listUnsubscribe?: string;
  /**
   * The recipient's cart-reminder token (`mail_preferences`), on a reminder: the send is withheld
   * if they have turned reminders off by the time it goes, however long it waited in the queue.
   */
  cartRemindersToken?: string;
}
