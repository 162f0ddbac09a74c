import type { RenderedMail } from './templates.js';

/** Which template a mail was made from; part of its delivery key. */
export type MailTemplate =
  | 'order-received'
  | 'payment-confirmed'
  | 'order-expired'
  | 'order-cancelled'
  | 'order-failed'
  | 'fulfilment-failed'
  | 'refund-due'
  | 'low-stock'
  | 'dead-letter';

/** One mail to one recipient, rendered, as the send-email job carries it. */
export interface EmailJob extends RenderedMail {
  /**
   * `<event>.<template>.<recipient>`: what makes a send happen once however many jobs carry it. The
   * event is the outbox event id, so a re-run of the event's notify job finds the sends it queued.
   */
  key: string;
  template: MailTemplate;
  to: string;
}
