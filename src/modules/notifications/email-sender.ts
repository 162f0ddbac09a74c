import type { Logger } from 'pino';
import type { Metrics } from '../../lib/metrics.js';
import type { EmailDeliveriesRepository } from './email-deliveries.repository.js';
import type { EmailJob } from './email-job.js';
import type { Mailer } from './mailer.js';

export interface EmailSenderDeps {
  deliveries: Pick<EmailDeliveriesRepository, 'begin' | 'sent' | 'failed'>;
  mailer: Pick<Mailer, 'send'>;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Sends one mail of a send-email job, recorded in email_deliveries: a delivery recorded as sent is
 * not sent again, and a failed send throws, for its job to retry. The job only sends: the business
 * step behind the mail committed long before and never runs again.
 *
 * A send is at least once: when the server took the mail but the "sent" mark could not be written
 * (Postgres gone at that instant), the retry sends it again, with the same Message-ID (derived from
 * the delivery key), so the recipient's mail store or client can tell it is the same mail.
 */
export class EmailSender {
  constructor(private readonly deps: EmailSenderDeps) {}

  async send(job: EmailJob): Promise<'sent' | 'already-sent'> {
    const { deliveries, mailer, metrics, logger } = this.deps;
    if (!(await deliveries.begin(job))) {
      metrics.emails.inc({ template: job.template, outcome: 'already-sent' });
      return 'already-sent';
    }
    let messageId: string;
    try {
      messageId = await mailer.send({
        to: job.to,
        subject: job.subject,
        html: job.html,
        text: job.text,
        deliveryKey: job.key,
        listUnsubscribe: job.listUnsubscribe,
      });
    } catch (error) {
      metrics.emails.inc({ template: job.template, outcome: 'failed' });
      await deliveries.failed(job.key, (error as Error).message).catch((recordError: unknown) => {
        logger.warn({ key: job.key, err: recordError }, 'could not record a failed mail delivery');
      });
      throw error;
    }
    await deliveries.sent(job.key, messageId);
    metrics.emails.inc({ template: job.template, outcome: 'sent' });
    return 'sent';
  }
}
